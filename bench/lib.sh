# Shared by the benchmark scripts: source it after setting RUNS and OUT.

# measure NAME OUTFILE CMD...: runs CMD RUNS times with its standard output
# in OUTFILE and prints "NAME median_seconds peak_kb". Wall time is taken in
# nanoseconds (GNU time's %e has 10 ms steps); memory is GNU time's peak
# resident set size (of the command or its largest child).
measure() {
  local name=$1 outfile=$2; shift 2
  local times=() mems=() t0 t1 t m
  for _ in $(seq "$RUNS"); do
    t0=$(date +%s%N)
    /usr/bin/time -f "%M" -o "$OUT/time.txt" "$@" > "$outfile" 2>/dev/null || true
    t1=$(date +%s%N)
    t=$(echo "scale=4; ($t1 - $t0) / 1000000000" | bc)
    read -r m < <(tail -n 1 "$OUT/time.txt")
    times+=("$t"); mems+=("$m")
  done
  echo "$name $(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') $(printf '%s\n' "${mems[@]}" | sort -g | tail -1)"
}

# require TOOL...: stops with a hint when a tool is missing.
require() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is required (apt-get install ripgrep time bc)" >&2; exit 2; }
  done
}
