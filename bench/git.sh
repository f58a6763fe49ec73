#!/usr/bin/env bash
# Benchmark: hfwarden scan --git over the full history of the huggingface/
# notebooks corpus (../shared/corpus/notebooks-history.bundle), against the
# floor of reading every object once, in the same run.
#
#   bash bench/git.sh           # RUNS=5 by default
#   BASE=/tmp/hfwarden-old bash bench/git.sh   # also times another build, same run
#
# Prints the median wall time and the peak memory (largest process of the
# command: git cat-file in both cases, since hfwarden runs it) of
#   git cat-file --batch-all-objects --batch --unordered > /dev/null
#   hfwarden scan --git --full --format json MIRROR
# and checks that both historic tokens are found with their commits.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
BUNDLE=${BUNDLE:-../shared/corpus/notebooks-history.bundle}
MIRROR=${MIRROR:-/tmp/hfwarden-notebooks.git}
OUT=bench/out
mkdir -p "$OUT"
. bench/lib.sh
require /usr/bin/time bc
[ -d "$MIRROR" ] || git clone -q --mirror "$BUNDLE" "$MIRROR"
GOEXPERIMENT=simd go build -o "$OUT/hfwarden" ./cmd/hfwarden

floor=$(measure floor /dev/null git -C "$MIRROR" cat-file --batch-all-objects --batch --unordered)
ours=$(measure hfwarden "$OUT/hfwarden.json" "$OUT/hfwarden" scan -q --git --full --cache-dir "$OUT/cache" --format json "$MIRROR")
if [ -n "${BASE:-}" ]; then
  base=$(measure base /dev/null "$BASE" scan -q --git --full --cache-dir "$OUT/cache-base" --format json "$MIRROR")
  read -r _ bs bm <<< "$base"
fi
read -r _ fs fm <<< "$floor"
read -r _ hs hm <<< "$ours"
printf '%-10s %8s %10s\n' "" seconds "peak MB"
printf '%-10s %8.2f %10.0f\n' floor "$fs" "$(echo "$fm/1024" | bc -l)"
printf '%-10s %8.2f %10.0f\n' hfwarden "$hs" "$(echo "$hm/1024" | bc -l)"
[ -n "${BASE:-}" ] && printf '%-10s %8.2f %10.0f\n' base "$bs" "$(echo "$bm/1024" | bc -l)"
awk -v a="$hs" -v b="$fs" 'BEGIN { printf "ratio: %.2fx the floor\n", a/b }'
[ -n "${BASE:-}" ] && awk -v a="$hs" -v b="$bs" 'BEGIN { printf "hfwarden / base: %.3f\n", a/b }'

# Recall, one finding a line (the state from the timed runs makes this quick).
"$OUT/hfwarden" scan -q --git --cache-dir "$OUT/cache" --format jsonl "$MIRROR" > "$OUT/hfwarden.jsonl" || true
fail=0
for path in sagemaker/24_stable_diffusion_training_dreambooth/sagemaker-notebook.ipynb \
            sagemaker/26_getting_started_trainium_inferentia2/scripts/train.py; do
  if grep "\"path\":\"$path\"" "$OUT/hfwarden.jsonl" | grep -q '"commit":"[0-9a-f]\{40\}"'; then
    echo "found with its commit: $path"
  else
    echo "MISSING: $path" >&2; fail=1
  fi
done
exit $fail
