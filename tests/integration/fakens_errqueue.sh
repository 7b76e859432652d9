#!/usr/bin/env bash
# fakens's error queue names the refused answer: with the racer as client, fakens.jsonl has
# an "icmp" event with the late answer's name, qtype, ID and port for every racer trial, and
# none for glibc, which waits for both answers; probe's report carries the count per trial
# and finds no disagreement with sniff.
BIN=$1
. "$(dirname "$0")/lib.sh"
need_root

out=$tmp/run
"$BIN/probe" -r racer -r glibc -s a-first -s aaaa-first --trials 3 --out "$out" -q \
	>"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
[[ -s $tmp/stderr ]] && sed 's/^/stderr: /' "$tmp/stderr"
check "probe exits 0 (only the control races)" test $rc -eq 0
log=$out/fakens.jsonl
r=$out/report.json
check "fakens.jsonl was written" test -s "$log"

names() { jq -r --arg r "$1" '.cells[] | select(.resolver==$r) | .trials[].name' "$r"; }
racer=$(names racer)
check "six racer trials were run" test "$(wc -l <<<"$racer")" -eq 6
for n in $racer; do
	# The late answer: the one sent after a delay, to the racer's second socket.
	late=$(jq -c --arg n "$n" 'select(.event=="answer" and .qname==$n and .delay_us>0)
		| {qtype, id, cport}' "$log")
	check "$n: fakens sent one late answer" test "$(grep -c . <<<"$late")" -eq 1
	check "$n: an icmp event names the late answer (qtype, id, port)" \
		jq -e -s --arg n "$n" --argjson a "${late:-null}" \
		'[.[] | select(.event=="icmp" and .qname==$n and .qtype==$a.qtype and .id==$a.id
			and .cport==$a.cport and .icmp_type==3 and .icmp_code==3)] | length==1' "$log"
	check "$n: the report counts it" jq -e --arg n "$n" \
		'[.cells[].trials[] | select(.name==$n)][0].fakens_refused==1' "$r"
done
glibc=$(names glibc)
check "six glibc trials were run" test "$(wc -l <<<"$glibc")" -eq 6
for n in $glibc; do
	check "$n: no icmp event" jq -e -s --arg n "$n" \
		'[.[] | select(.event=="icmp" and .qname==$n)] | length==0' "$log"
	check "$n: the report counts none" jq -e --arg n "$n" \
		'[.cells[].trials[] | select(.name==$n)][0].fakens_refused==0' "$r"
done
check "fakens's stop event counts the ICMP errors" \
	jq -e -s '[.[] | select(.event=="stop")][0].icmp==6' "$log"
check "the witnesses agree: no disagreement line" bash -c "! grep -q disagree '$tmp/stdout'"
finish
