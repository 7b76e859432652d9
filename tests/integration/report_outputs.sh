#!/usr/bin/env bash
# Issue 5's reports, from a real run: summary.md, junit.xml (valid XML), report.json against
# docs/report.schema.json, the comments of capture.pcapng, and report.html drawn by headless
# Chromium: a screenshot that is not blank, with the ladder diagrams' arrows in it.
BIN=$1
. "$(dirname "$0")/lib.sh"
need_root
SRC=$(cd "$(dirname "$0")/../.." && pwd)

out=$tmp/run
"$BIN/probe" -r racer -r glibc -s a-first --trials 2 --out "$out" -q >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
cat "$tmp/stdout"
[[ -s $tmp/stderr ]] && sed 's/^/stderr: /' "$tmp/stderr"
check "probe exits 0" test $rc -eq 0
check "no colour when standard output is no terminal" bash -c "! grep -q $'\033' '$tmp/stdout'"
for f in summary.md junit.xml report.html report.json table.txt capture.pcapng; do
	check "$f written" test -s "$out/$f"
done

check "summary.md has the table and the facts" bash -c "
	grep -q '^| racer\\\\\\* | a-first | racing 2/2 |' '$out/summary.md' &&
	grep -q '^| glibc | a-first | correct 2/2 |' '$out/summary.md' &&
	grep -q '^- version: stubprobe ' '$out/summary.md' &&
	grep -q '(exit status 0)' '$out/summary.md' &&
	grep -q '| a-first | \`aaaa-d50ms\` | yes |' '$out/summary.md'"

if command -v xmllint >/dev/null; then
	check "junit.xml is well-formed XML" xmllint --noout "$out/junit.xml"
	check "junit.xml: one test case per cell, no failure" bash -c "
		[[ \$(xmllint --xpath 'count(//testcase)' '$out/junit.xml') == 2 ]] &&
		[[ \$(xmllint --xpath 'count(//failure)' '$out/junit.xml') == 0 ]] &&
		[[ \$(xmllint --xpath 'string(//testcase[1]/@name)' '$out/junit.xml') == 'racer (control)' ]]"
else
	bad "xmllint missing: install libxml2-utils (scripts/packages/test.txt)"
fi

validate() {
	python3 - "$SRC/docs/report.schema.json" "$1" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
jsonschema.Draft202012Validator(schema).validate(json.load(open(sys.argv[2])))
PY
}
check "report.json validates against docs/report.schema.json" validate "$out/report.json"
jq '.cells[0].verdict = "maybe"' "$out/report.json" >"$tmp/broken.json"
check "the schema rejects an unknown verdict" bash -c "$(declare -f validate); ! validate '$tmp/broken.json' 2>/dev/null"
jq 'del(.exit_reason)' "$out/report.json" >"$tmp/broken2.json"
check "the schema rejects a missing field" bash -c "$(declare -f validate); ! validate '$tmp/broken2.json' 2>/dev/null"

if command -v tshark >/dev/null; then
	# The racer's evidence: its refused answer and the ICMP error, each commented by sniff.
	check "capture.pcapng has a comment on every evidence frame" bash -c "
		n=\$(tshark -r '$out/capture.pcapng' -Y frame.comment -T fields -e frame.number 2>/dev/null | wc -l)
		for f in \$(jq -r '.cells[].trials[].evidence[]' '$out/report.json' | grep -o 'frame [0-9]*' | grep -o '[0-9]*' | sort -un); do
			tshark -r '$out/capture.pcapng' -Y \"frame.number == \$f && frame.comment\" -T fields -e frame.number 2>/dev/null | grep -qx \$f || { echo \"frame \$f has no comment\"; exit 1; }
		done
		[[ \$n -ge 4 ]]"
else
	bad "tshark missing (scripts/packages/test.txt)"
fi

h=$out/report.html
check "report.html has the table and a diagram per racing trial plus one correct" bash -c "
	[[ \$(grep -c '<svg' '$h') -eq 3 ]] && grep -q 'class=\"icmp\" marker-end' '$h' &&
	grep -q 'server 127.0.0.1:53' '$h' && grep -q '<td class=\"racing\">racing 2/2</td>' '$h'"
if command -v xmllint >/dev/null; then
	# The page is written to parse as XML too, so that its SVG can be counted by XPath.
	check "report.html parses, each diagram with its arrows" bash -c "
		x() { xmllint --xpath \"\$1\" '$h'; }
		[[ \$(x 'count(//*[local-name()=\"svg\"])') == 3 ]] &&
		[[ \$(x 'count(//*[local-name()=\"svg\"][not(*[local-name()=\"line\" and @marker-end])])') == 0 ]] &&
		[[ \$(x 'count(//*[local-name()=\"line\" and @class=\"icmp\"])') == 2 ]]"
fi
check "report.html names the lab topology" grep -q ', lab topology one-host' "$h"
check "report.html is self-contained" bash -c "! grep -Eqi '<script|<link|src=|@import|https?://[^\"]*\\.(js|css)' '$h'"

chrome=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $chrome ]]; then
	bad "chromium missing: install it (scripts/packages/test.txt)"
	finish
	exit
fi
prof=$(mktemp -d)
cleanup_hooks+=("rm -rf '$prof'")
timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$prof" --screenshot="$tmp/shot.png" --window-size=1200,2000 \
	"file://$h" >"$tmp/chrome.log" 2>&1
check "chromium wrote a screenshot" test -s "$tmp/shot.png"
# A PNG decoder from the standard library: counts the pixels that are not the page's white
# and those of the arrows' colours (queries blue, answers green, ICMP errors red).
python3 - "$tmp/shot.png" >"$tmp/pixels" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat, hdr = 8, b'', None
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b'IHDR':
        hdr = struct.unpack('>IIBBBBB', body)
    elif kind == b'IDAT':
        idat += body
    pos += 12 + n
w, h, depth, ctype, _, _, interlace = hdr
assert depth == 8 and ctype in (2, 6) and interlace == 0, hdr
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
prev, rows, i = bytearray(stride), [], 0
for y in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b, c = prev[x], prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line)
    prev = line
ink = red = blue = green = 0
for line in rows:
    for x in range(0, stride, bpp):
        r, g, b = line[x], line[x + 1], line[x + 2]
        if (r, g, b) != (255, 255, 255): ink += 1
        if r > 170 and g < 80 and b < 80: red += 1
        if r < 80 and 60 < g < 130 and b > 150: blue += 1
        if r < 80 and g > 110 and b < 90: green += 1
print(w, h, ink, red, blue, green)
PY
read -r pw ph ink red blue green <"$tmp/pixels"
echo "screenshot ${pw}x${ph}: $ink non-white pixels; arrows: $red red, $blue blue, $green green"
check "the screenshot is not blank" test "${ink:-0}" -gt 20000
check "the diagrams' ICMP errors are drawn (red)" test "${red:-0}" -gt 200
check "the diagrams' queries are drawn (blue)" test "${blue:-0}" -gt 200
check "the diagrams' answers are drawn (green)" test "${green:-0}" -gt 200
[[ -n ${SP_KEEP_SHOT:-} ]] && cp "$tmp/shot.png" "$SP_KEEP_SHOT"
finish
