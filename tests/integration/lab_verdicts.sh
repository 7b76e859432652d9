#!/usr/bin/env bash
# Issue 2's end-to-end claim, on the real programs in a real lab: the racer races in both
# delay scenarios (A first, AAAA first); glibc getaddrinfo and c-ares wait for both answers (correct).
BIN=$1
. "$(dirname "$0")/lib.sh"
need_root

out=$tmp/run
"$BIN/probe" --trials 3 --out "$out" -q -s a-first -s aaaa-first -r racer -r glibc -r c-ares \
	>"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
cat "$tmp/stdout"
[[ -s $tmp/stderr ]] && sed 's/^/stderr: /' "$tmp/stderr"
check "probe exits 0 (only the control races)" test $rc -eq 0

r=$out/report.json
check "report.json is JSON" jq -e . "$r" >/dev/null
for s in a-first aaaa-first; do
	check "racer racing in every trial of $s" jq -e --arg s "$s" \
		'.cells[] | select(.resolver=="racer" and .scenario==$s) | .verdict=="racing" and .racing==3' "$r"
	check "racer's evidence names a refused answer in $s" jq -e --arg s "$s" \
		'[.cells[] | select(.resolver=="racer" and .scenario==$s) | .trials[].evidence[]] | length >= 3 and all(test("refused"))' "$r"
	for res in glibc c-ares; do
		check "$res correct in every trial of $s" jq -e --arg s "$s" --arg r "$res" \
			'.cells[] | select(.resolver==$r and .scenario==$s) | .verdict=="correct" and .correct==3' "$r"
		check "$res returned both families in $s" jq -e --arg s "$s" --arg r "$res" \
			'.cells[] | select(.resolver==$r and .scenario==$s) | all(.trials[]; (.returned|sort)==["A","AAAA"])' "$r"
	done
done
check "the table names the racer racing" grep -Eq '^racer.*racing 3/3' "$tmp/stdout"
check "the table names glibc correct" grep -Eq '^glibc.*correct 3/3' "$tmp/stdout"
check "the capture was written" test -s "$out/capture.pcapng"
finish
