#!/usr/bin/env bash
# The default matrix on the real programs, 2 trials a cell; asserts only verdicts that the
# resolvers' docs or source establish (docs/resolvers.md): the racer races where a race is
# provoked, glibc and c-ares wait for both delayed answers, and glibc, which closes its UDP
# socket on a truncated answer and re-asks both over TCP (res_send.c, send_dg), refuses the
# other UDP answer when it comes after the truncated one: late, since the question was
# asked again over TCP first, so glibc stays correct.
BIN=$1
. "$(dirname "$0")/lib.sh"
need_root

out=$tmp/run
"$BIN/probe" --trials 2 --out "$out" -q >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
cat "$tmp/stdout"
[[ -s $tmp/stderr ]] && sed 's/^/stderr: /' "$tmp/stderr"
check "probe ran the matrix (exit 0 or 1, not an error)" test $rc -le 1

r=$out/report.json
check "report.json is JSON" jq -e . "$r" >/dev/null
cell() { # resolver scenario jq-condition-on-the-cell
	jq -e --arg r "$1" --arg s "$2" ".cells[] | select(.resolver==\$r and .scenario==\$s) | $3" "$r" >/dev/null
}
for s in a-first aaaa-first aaaa-nodata aaaa-servfail aaaa-lost tc-a tc-aaaa tc-a-aaaa-late aaaa-dup ns1-slow; do
	check "scenario $s is in the default matrix" \
		jq -e --arg s "$s" 'any(.scenarios[]; .name==$s)' "$r"
done
for s in a-first aaaa-first tc-a-aaaa-late; do
	check "racer racing in every trial of $s" cell racer "$s" '.verdict=="racing" and .racing==2'
done
for res in glibc glibc-single-request glibc-single-request-reopen glibc-short c-ares c-ares-igntc c-ares-primary; do
	for s in a-first aaaa-first; do
		check "$res correct in every trial of $s" cell "$res" "$s" '.verdict=="correct" and .correct==2'
		check "$res returned both families in $s" cell "$res" "$s" \
			'all(.trials[]; (.returned|sort)==["A","AAAA"])'
	done
done
for res in glibc glibc-short; do
	check "$res: on a truncated A with a later AAAA, the UDP AAAA answer is refused as late (re-asked over TCP)" \
		cell "$res" tc-a-aaaa-late '.verdict=="correct" and all(.trials[]; .late==1 and .race==0)'
	check "$res still returned both families there" cell "$res" tc-a-aaaa-late \
		'all(.trials[]; (.returned|sort)==["A","AAAA"])'
done
check "c-ares correct on a truncated A with a later AAAA" cell c-ares tc-a-aaaa-late '.verdict=="correct"'
check "glibc-single-request correct there (AAAA not yet asked at TC)" \
	cell glibc-single-request tc-a-aaaa-late '.verdict=="correct"'
check "the several-server scenario mounted three nameservers" \
	test "$(grep -c '^nameserver' "$out/resolv-glibc-3ns.conf")" -eq 3
check "each glibc variant had its own options" grep -q '^options single-request ' "$out/resolv-glibc-single-request.conf"
racing=$(jq '[.cells[] | select(.control|not) | select(.verdict=="racing")] | length' "$r")
check "exit status 1 exactly when a resolver under test races ($racing cells)" \
	test "$(( racing > 0 ? 1 : 0 ))" -eq "$(( rc == 1 ? 1 : 0 ))"
finish
