#!/usr/bin/env bash
# The committed baseline (results/baselines/debian12, made by probe on Debian 12) matches a
# fresh run of the default matrix: probe run --baseline and probe diff report no change. A
# copy with one cell's verdict edited is caught (exit 1, the cell named); bad reports are
# errors (exit 2).
BIN=$1
. "$(dirname "$0")/lib.sh"
need_root
base=$(cd "$(dirname "$0")/../../results/baselines/debian12" && pwd)
. /etc/os-release
if [[ ${ID:-} != debian || ${VERSION_ID:-} != 12 ]]; then
	echo "SKIP: the committed baseline is Debian 12's; this is ${PRETTY_NAME:-unknown}"
	exit 77
fi

"$BIN/probe" run -q --baseline "$base" -o "$tmp/new" >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
sed 's/^/stderr: /' "$tmp/stderr"
check "the default matrix ran (exit 0 or 1)" test "$rc" -le 1
check "--baseline printed the comparison" grep -q "^compared with the baseline $base:" "$tmp/stdout"
check "--baseline wrote diff.txt" test -s "$tmp/new/diff.txt"
if ! grep -q "^result: 0 of [0-9]* cells changed" "$tmp/new/diff.txt"; then
	bad "no cell changed against the baseline"
	sed 's/^/    /' "$tmp/new/diff.txt"
else
	ok "no cell changed against the baseline"
fi
check "probe diff BASELINE RUN exits 0" "$BIN/probe" diff "$base" "$tmp/new"
check "every cell of the baseline was compared (no cell only in one)" \
	bash -c "! '$BIN/probe' diff '$base' '$tmp/new' | grep -q '^only '"
check "the platform is recorded" \
	jq -e '.platform.libc == "glibc" and (.platform.libc_version | length > 0)
	       and (.platform.host.routes | length > 0)' "$tmp/new/report.json"

# One cell's verdict edited, as a real change would look: glibc racing in a-first.
jq '(.cells[] | select(.resolver == "glibc" and .scenario == "a-first")) |=
	(.verdict = "racing" | .racing = .correct | .correct = 0 |
	 .count = "racing \(.racing)/\(.racing)")' "$tmp/new/report.json" >"$tmp/edited.json"
"$BIN/probe" diff "$base" "$tmp/edited.json" >"$tmp/diff.out" 2>&1
rc=$?
check "an edited verdict makes probe diff exit 1" test "$rc" -eq 1
check "the changed cell is named" grep -q "^changed   glibc a-first: verdict correct" "$tmp/diff.out"
check "one cell changed" grep -q "^result: 1 of [0-9]* cells changed" "$tmp/diff.out"
# The verdict field alone, counts untouched, is caught too.
jq '(.cells[] | select(.resolver == "musl" and .scenario == "tc-a")) |= (.verdict = "inconclusive")' \
	"$base/report.json" >"$tmp/edited2.json"
check "a verdict field edited alone is caught" bash -c \
	"'$BIN/probe' diff '$base' '$tmp/edited2.json' | grep -q '^changed   musl tc-a: verdict'"

"$BIN/probe" diff "$base" "$tmp/nonexistent.json" >/dev/null 2>"$tmp/err"
rc=$?
check "a missing report is an error (exit 2)" test "$rc" -eq 2
check "with one sentence" grep -q "^probe: cannot read '$tmp/nonexistent.json'" "$tmp/err"
echo '{"tool":"x"}' >"$tmp/notreport.json"
"$BIN/probe" diff "$base" "$tmp/notreport.json" >/dev/null 2>"$tmp/err"
rc=$?
check "a JSON file that is no report is an error (exit 2)" test "$rc" -eq 2
check "probe diff with one report is an error (exit 2)" \
	bash -c "'$BIN/probe' diff '$base' 2>/dev/null; test \$? -eq 2"
check "probe run --baseline with a bad file is refused before the run" \
	bash -c "'$BIN/probe' run --baseline '$tmp/notreport.json' -o '$tmp/never' 2>&1 |
		grep -q 'bad --baseline' && test ! -e '$tmp/never'"
finish
