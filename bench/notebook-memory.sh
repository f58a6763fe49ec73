#!/usr/bin/env bash
# Benchmark: peak memory of hfwarden scan on one large notebook.
#
#   bash bench/notebook-memory.sh              # 250 MB notebook in $BENCH_DIR (default /tmp)
#   SIZE=50000000 bash bench/notebook-memory.sh
#   CELL_BYTES=100 bash bench/notebook-memory.sh   # many small cells (the shape that cost 3 GB)
#   BIN=/path/to/other/hfwarden bash bench/notebook-memory.sh   # measure another build on the same file
#
# Needs: go, GNU time (/usr/bin/time; apt-get install -y time). Generates a
# text-heavy notebook of about SIZE bytes with one token in a cell output,
# runs the built binary under /usr/bin/time -v, prints its peak resident
# set size and checks that the token was found.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${SIZE:-250000000}
CELL_BYTES=${CELL_BYTES:-1048576}
DIR=${BENCH_DIR:-/tmp}
OUT=bench/out
mkdir -p "$OUT" "$DIR"
if [ ! -x /usr/bin/time ]; then
  apt-get install -y -q time >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q time >/dev/null; }
fi
BIN=${BIN:-$OUT/hfwarden}
if [ "$BIN" = "$OUT/hfwarden" ]; then go build -o "$OUT/hfwarden" ./cmd/hfwarden; fi
nb="$DIR/hfwarden-bench-$SIZE-$CELL_BYTES.ipynb"
if [ ! -f "$nb" ] || [ ! -f "$nb.manifest" ]; then
  go run ./bench/gentree -notebook "$nb" -size "$SIZE" -cell-bytes "$CELL_BYTES" -manifest "$nb.manifest"
fi
echo "notebook: $nb ($(stat -c %s "$nb") bytes)"
/usr/bin/time -v "$BIN" scan -f json "$nb" > "$OUT/notebook-memory.json" 2> "$OUT/notebook-memory.time" || true
peak=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$OUT/notebook-memory.time")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$OUT/notebook-memory.time")
echo "peak RSS: $((peak / 1024)) MB ($peak kB), wall $wall"
want=$(cat "$nb.manifest")
if ! grep -q "\"fingerprint\": \"$want\"" "$OUT/notebook-memory.json"; then
  echo "bench: the planted token was NOT found" >&2
  grep -v '^\s*"' "$OUT/notebook-memory.time" | head -5 >&2
  exit 1
fi
echo "planted token found"
