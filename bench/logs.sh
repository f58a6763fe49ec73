#!/usr/bin/env bash
# Benchmark: hfwarden scan of one multi-gigabyte log against ripgrep.
#
#   bash bench/logs.sh                 # a 2.1 GB log in $BENCH_DIR (default /tmp/hfwarden-bench-logs)
#   SIZE=200000000 RUNS=3 bash bench/logs.sh
#
# Needs: go, rg (Debian's ripgrep), GNU time (/usr/bin/time), bc. Writes a
# service log (plain lines, JSON-lines records, CI lines naming
# hf_hub_download, a token planted every 32 MB in plain, JSON, percent and
# base64 forms) and a file of the same size that is one single line, then
# prints the wall time (median of RUNS), throughput and peak memory of
#   hfwarden scan --format json LOG
#   rg -a -c 'hf_' LOG
# and checks that hfwarden found every planted token in both.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${SIZE:-2100000000}
RUNS=${RUNS:-5}
DIR=${BENCH_DIR:-/tmp/hfwarden-bench-logs}
OUT=bench/out
mkdir -p "$OUT" "$DIR"
. bench/lib.sh
require rg /usr/bin/time bc

GOEXPERIMENT=simd go build -o "$OUT/hfwarden" ./cmd/hfwarden
for kind in lines single; do
  f="$DIR/$kind.log"
  if [ ! -f "$f" ] || [ "$(cat "$f.size" 2>/dev/null)" != "$SIZE" ]; then
    flag=""; [ "$kind" = single ] && flag="-single-line"
    go run ./bench/gentree -log "$f" -size "$SIZE" -manifest "$f.manifest" $flag
    echo "$SIZE" > "$f.size"
  fi
done

printf '%-28s %10s %12s %12s %10s %8s\n' case seconds "MB/s" "peak MB" "vs rg" recall
status=0
for kind in lines single; do
  f="$DIR/$kind.log"
  bytes=$(stat -c %s "$f")
  cat "$f" > /dev/null # page cache, for both tools
  r_rg=$(measure rg "$OUT/rg-$kind.out" rg -a -c hf_ "$f")
  r_hf=$(measure hfwarden "$OUT/hfwarden-$kind.out" "$OUT/hfwarden" scan -q --format json "$f")
  grep -o '"fingerprint": "[0-9a-f]*"' "$OUT/hfwarden-$kind.out" | cut -d'"' -f4 | sort -u > "$OUT/found-$kind.txt"
  sort -u "$f.manifest" | grep . > "$OUT/planted-$kind.txt"
  planted=$(wc -l < "$OUT/planted-$kind.txt")
  missing=$(comm -23 "$OUT/planted-$kind.txt" "$OUT/found-$kind.txt" | wc -l)
  rg_s=$(echo "$r_rg" | cut -d' ' -f2)
  for r in "$r_rg" "$r_hf"; do
    read -r name s kb <<< "$r"
    rec="-"; [ "$name" = hfwarden ] && rec="$((planted - missing))/$planted"
    awk -v n="$name ($kind)" -v s="$s" -v kb="$kb" -v b="$bytes" -v rg="$rg_s" -v rec="$rec" \
      'BEGIN { printf "%-28s %10.3f %12.0f %12.1f %9.0f%% %8s\n", n, s, b/s/1e6, kb/1024, 100*rg/s, rec }'
  done
  [ "$missing" -eq 0 ] || { echo "bench: hfwarden missed $missing planted tokens in $kind.log" >&2; status=1; }
done
exit $status
