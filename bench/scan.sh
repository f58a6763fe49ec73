#!/usr/bin/env bash
# Benchmark: hfwarden scan against ripgrep on a generated >= 1 GB tree.
#
#   bash bench/scan.sh            # 1.1 GB tree in $BENCH_DIR (default /tmp/hfwarden-bench)
#   SIZE=200000000 RUNS=3 bash bench/scan.sh
#   BASE=/tmp/hfwarden-old bash bench/scan.sh   # also times another build, same run
#
# Needs: go, rg (Debian's ripgrep), GNU time (/usr/bin/time). Prints the wall
# time (median of RUNS), throughput and peak memory of
#   hfwarden scan --format json TREE        (every decoder on)
#   rg -a -c 'hf_' TREE
# and checks that hfwarden found every planted token.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${SIZE:-1100000000}
RUNS=${RUNS:-5}
DIR=${BENCH_DIR:-/tmp/hfwarden-bench}
OUT=bench/out
mkdir -p "$OUT"
. bench/lib.sh
require rg /usr/bin/time bc

GOEXPERIMENT=simd go build -o "$OUT/hfwarden" ./cmd/hfwarden
go build -o "$OUT/hfwarden-portable" ./cmd/hfwarden
if [ ! -f "$DIR.manifest" ] || [ "$(cat "$DIR.size" 2>/dev/null)" != "$SIZE" ]; then
  rm -rf "$DIR"
  go run ./bench/gentree -out "$DIR" -size "$SIZE" -manifest "$DIR.manifest"
  echo "$SIZE" > "$DIR.size"
fi
bytes=$(du -sb "$DIR" | cut -f1)
# Warm the page cache so that both tools read from memory.
find "$DIR" -type f -exec cat {} + > /dev/null

r_rg=$(measure rg "$OUT/rg.out" rg -a -c hf_ "$DIR")
r_hf=$(measure hfwarden "$OUT/hfwarden.out" "$OUT/hfwarden" scan -q --format json "$DIR")
r_pt=$(measure hfwarden-portable "$OUT/hfwarden-portable.out" "$OUT/hfwarden-portable" scan -q --format json "$DIR")
rows=("$r_rg" "$r_hf" "$r_pt")
if [ -n "${BASE:-}" ]; then
  rows+=("$(measure base "$OUT/base.out" "$BASE" scan -q --format json "$DIR")")
fi

# Recall: every planted fingerprint must be in the report.
grep -o '"fingerprint": "[0-9a-f]*"' "$OUT/hfwarden.out" | cut -d'"' -f4 | sort -u > "$OUT/found.txt"
sort -u "$DIR.manifest" | grep . > "$OUT/planted.txt"
missing=$(comm -23 "$OUT/planted.txt" "$OUT/found.txt" | wc -l)
planted=$(wc -l < "$OUT/planted.txt")

echo
printf 'tree: %s bytes, %s files, %s planted tokens\n' "$bytes" "$(find "$DIR" -type f | wc -l)" "$planted"
printf '%-20s %10s %12s %12s %14s\n' tool seconds "MB/s" "peak MB" "vs rg"
rg_s=$(echo "$r_rg" | cut -d' ' -f2)
for r in "${rows[@]}"; do
  read -r name s kb <<< "$r"
  awk -v n="$name" -v s="$s" -v kb="$kb" -v b="$bytes" -v rg="$rg_s" \
    'BEGIN { printf "%-20s %10.3f %12.0f %12.1f %13.0f%%\n", n, s, b/s/1e6, kb/1024, 100*rg/s }'
done
echo "recall: $((planted - missing))/$planted planted tokens found"
[ "$missing" -eq 0 ] || { echo "bench: hfwarden missed $missing planted tokens" >&2; exit 1; }
