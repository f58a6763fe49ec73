#!/usr/bin/env bash
# Times builds of hfwarden against each other on one command line, runs
# interleaved (A B C A B C …) so that a busy or drifting machine weighs on
# each alike, and prints each build's median wall time and its ratio to the
# first.
#
#   RUNS=9 bash bench/ab.sh "OLD_BINARY NEW_BINARY" scan -q --format json /tmp/hfwarden-bench
#
# The binaries are one word each, in the first argument; the rest is the
# command line every binary gets (its output is discarded, its exit status
# ignored: a scan that finds something exits 1).
set -euo pipefail
RUNS=${RUNS:-9}
read -r -a bins <<< "$1"
shift
declare -A times
for _ in $(seq "$RUNS"); do
  for b in "${bins[@]}"; do
    t0=$(date +%s%N)
    "$b" "$@" > /dev/null 2>&1 || true
    t1=$(date +%s%N)
    times[$b]+="$(( (t1 - t0) / 1000 )) "
  done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
first=""
for b in "${bins[@]}"; do
  m=$(echo "${times[$b]}" | median)
  [ -n "$first" ] || first=$m
  awk -v b="$b" -v m="$m" -v f="$first" 'BEGIN { printf "%-40s %8.3f s  %6.3f\n", b, m/1e6, m/f }'
done
