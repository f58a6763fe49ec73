#!/usr/bin/env bash
# Renders the sample incident report in headless Chromium: takes a
# screenshot and checks the rendered DOM holds the bottom line, the
# blast-radius graph and the response checklist with its next steps.
# Usage: test/report/screenshot.sh [OUTDIR]; the PNG is OUTDIR/report.png.
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

"$chrome" "${flags[@]}" --window-size=1280,5200 --screenshot="$png" "file://$html" >/dev/null 2>&1
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
check '<p class="bottom-line" id="bottom-line"><strong>Bottom line:</strong> Write token of alice, exposed for 12 days' 'the bottom line comes first and says what leaked'
check 'revoked and confirmed 09:20 UTC; no audit yet; still open: [^<]*4 copies not purged' 'the bottom line says what was done and what is open'
if [ "$(grep -o 'id="bottom-line"' "$dom" | wc -l)" -ne 1 ] || ! awk '/id="bottom-line"/{b=NR} /id="summary"/{s=NR} END{exit !(b && s && b<s)}' "$dom"; then
	echo "FAIL: the bottom line is not above the summary" >&2; fail=1
else echo "ok: bottom line above the summary"; fi
check '<svg id="blast-radius"' 'DOM has svg#blast-radius'
n=$(grep -Eo '<g class="node repo access-(admin|write|read)"' "$dom" | wc -l)
if [ "$n" -eq 12 ]; then echo "ok: 12 repository nodes drawn"; else echo "FAIL: $n repository nodes, want 12" >&2; fail=1; fi
check '<ol class="checklist" id="checklist">' 'DOM has ol#checklist'
for s in 1 2 3 4 5 6 7 8 9; do
	check "<li class=\"(done|pending|not-applicable)\" id=\"step-$s\"" "checklist step $s has a status class"
done
check 'id="step-1" data-status="done"' 'step 1 (revoke) done in the sample'
check 'id="step-4" data-status="pending"' 'step 4 (runners) pending in the sample'
check 'id="step-6" data-status="pending"' 'step 6 (purge) pending in the sample'
check 'git -C \. filter-repo --replace-text FILE' 'the purge step names the history rewrite'
check 'id="step-9" data-status="not-applicable"' 'step 9 (linked secrets) not applicable in the sample'
check 'Verification</dt><dd>revoked \(confirmed 2025-06-10 09:20 UTC\)' 'verification reads revoked (confirmed …)'
check 'id="scope-json"' 'DOM has the replacement JSON'
if grep -Eiq '<script|(src|href)="https?:' "$dom"; then echo "FAIL: external reference or script in DOM" >&2; fail=1; fi
exit $fail
