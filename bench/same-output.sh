#!/usr/bin/env bash
# Checks that two builds of hfwarden give the same output on the same inputs:
# the proof that a refactoring changed no behaviour.
#
#   bash bench/same-output.sh OLD_BINARY NEW_BINARY [GIT_MIRROR]
#
# e.g. after `git worktree add /tmp/old <rev> && (cd /tmp/old && go build -o /tmp/hfw-old ./cmd/hfwarden)`:
#   go build -o /tmp/hfw-new ./cmd/hfwarden
#   git clone --mirror ../shared/corpus/notebooks-history.bundle /tmp/notebooks.git
#   bash bench/same-output.sh /tmp/hfw-old /tmp/hfw-new /tmp/notebooks.git
#
# Inputs: the repository's example project, the test corpora and notebooks,
# the same trees packed as tar.gz, zip and a zip inside a tar, the
# repository's own git history (and GIT_MIRROR's, when given), each in every
# output format. Timings are the one thing allowed to differ.
set -euo pipefail
cd "$(dirname "$0")/.."
old=$1 new=$2 mirror=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in"
tar -czf "$work/in/tree.tar.gz" examples internal/scan/testdata internal/source/testdata
(cd examples && zip -qr "$work/in/tree.zip" .)
tar -cf "$work/in/nested.tar" -C "$work/in" tree.zip
normalise() { sed -E 's/("duration_seconds": *)[0-9.e+-]+/\1X/; s/ in [0-9.]+ ?s/ in Xs/; s/[0-9.]+ (MB|kB|B)\/s/X\/s/g'; }
fail=0 n=0
check() { # name, args...
  local name=$1; shift
  for fmt in text json sarif csv; do
    n=$((n + 1))
    XDG_CACHE_HOME="$work/cache-old" "$old" scan --exit-code 0 --no-color -f "$fmt" "$@" 2>"$work/old.err" | normalise >"$work/old.out" || true
    XDG_CACHE_HOME="$work/cache-new" "$new" scan --exit-code 0 --no-color -f "$fmt" "$@" 2>"$work/new.err" | normalise >"$work/new.out" || true
    if ! cmp -s "$work/old.out" "$work/new.out" || ! cmp -s <(normalise <"$work/old.err") <(normalise <"$work/new.err"); then
      echo "DIFFERENT: $name ($fmt)"; diff <(cat "$work/old.out" "$work/old.err") <(cat "$work/new.out" "$work/new.err") | head -20 || true; fail=$((fail + 1))
    fi
  done
}
check "example project" examples/leaky-project
check "scan corpus" internal/scan/testdata
check "notebooks" internal/source/testdata
check "archives" "$work/in"
check "own history" --git --full .
[ -n "$mirror" ] && check "mirror history" --git --full "$mirror"
echo "$((n - fail)) of $n outputs the same"
[ "$fail" -eq 0 ]
