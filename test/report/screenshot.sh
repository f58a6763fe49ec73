#!/usr/bin/env bash
# Renders the sample incident report in headless Chromium: takes a
# screenshot and checks the rendered DOM holds the blast-radius graph and
# the response checklist. Usage: test/report/screenshot.sh [OUTDIR]
# Needs chromium (Debian: apt-get install -y chromium).
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-$(mktemp -d)}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
chrome="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [ -z "$chrome" ]; then
	echo "screenshot.sh: chromium not found (apt-get install -y chromium)" >&2
	exit 2
fi

go run ./test/report/gen -out "$out"
html="$out/report.html"
png="$out/report.png"

profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
	--disable-background-networking --disable-component-update --disable-sync
	--hide-scrollbars --user-data-dir="$profile")

"$chrome" "${flags[@]}" --window-size=1280,2400 --screenshot="$png" "file://$html" >/dev/null 2>&1
size=$(stat -c %s "$png" 2>/dev/null || echo 0)
if [ "$size" -lt 50000 ]; then
	echo "FAIL: screenshot $png missing or trivial ($size bytes)" >&2
	exit 1
fi
echo "ok: screenshot $png ($size bytes)"

dom="$out/dom.html"
"$chrome" "${flags[@]}" --dump-dom "file://$html" >"$dom" 2>/dev/null
fail=0
check() { # pattern description
	if grep -Eq -- "$1" "$dom"; then echo "ok: $2"; else echo "FAIL: $2" >&2; fail=1; fi
}
check '<svg id="blast-radius"' 'DOM has svg#blast-radius'
n=$(grep -Eo '<g class="node repo access-(admin|write|read)"' "$dom" | wc -l)
if [ "$n" -eq 12 ]; then echo "ok: 12 repository nodes drawn"; else echo "FAIL: $n repository nodes, want 12" >&2; fail=1; fi
check '<ol class="checklist" id="checklist">' 'DOM has ol#checklist'
for s in 1 2 3 4 5; do
	check "<li class=\"(done|pending|not-applicable)\" id=\"step-$s\"" "checklist step $s has a status class"
done
check 'id="step-1" data-status="done"' 'step 1 (revoke) done in the sample'
check 'id="step-4" data-status="pending"' 'step 4 (runners) pending in the sample'
check 'id="scope-json"' 'DOM has the replacement JSON'
if grep -Eiq '<script|(src|href)="https?:' "$dom"; then echo "FAIL: external reference or script in DOM" >&2; fail=1; fi
exit $fail
