#!/usr/bin/env bash
# Benchmark: 'hfwarden protect' (the pre-commit check) on a 10,000-file
# repository with a one-file staged change, against 'git diff --cached'
# alone, the least any pre-commit check must do. Median of RUNS runs.
#
#   bash bench/protect.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-11}
REPO=${REPO:-/tmp/hfwarden-protect-bench}
OUT=bench/out
mkdir -p "$OUT"
GOEXPERIMENT=simd go build -o "$OUT/hfwarden" ./cmd/hfwarden
bin=$(cd "$OUT" && pwd)/hfwarden
if [ ! -d "$REPO/.git" ]; then
  rm -rf "$REPO"; mkdir -p "$REPO"
  (cd "$REPO" && git init -q && for d in $(seq 0 99); do
     mkdir -p "pkg$d"
     for f in $(seq 0 99); do printf 'def f%d_%d(x):\n    return x * %d  # hf_hub_download\n' "$d" "$f" "$f" > "pkg$d/mod$f.py"; done
   done && git add -A && git -c user.name=b -c user.email=b@x commit -qm init)
fi
cd "$REPO"
echo "# change $(date +%s%N)" >> pkg7/mod7.py
git add pkg7/mod7.py
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_it() { local s e; s=$(date +%s%N); "$@" > /dev/null 2>&1 || true; e=$(date +%s%N); echo "scale=4; ($e-$s)/1000000000" | bc; }
files=$(git ls-files | wc -l)
d=$(for _ in $(seq "$RUNS"); do time_it git diff --cached --name-only; done | median)
p=$(for _ in $(seq "$RUNS"); do time_it "$bin" protect; done | median)
echo "repository: $files files, 1 staged change"
echo "git diff --cached: ${d}s   hfwarden protect: ${p}s"
git reset -q HEAD pkg7/mod7.py && git checkout -q pkg7/mod7.py
