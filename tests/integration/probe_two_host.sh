#!/usr/bin/env bash
# The two-host lab (--topology two-host: the resolvers in one network namespace, fakens and
# sniff in another, joined by a veth pair) gives the same verdict in every cell as the
# one-host lab, over a matrix of resolvers and scenarios that covers delayed answers in
# both orders, truncation (TCP across the link), NODATA and several servers. It also checks
# that the run really crossed a link (Ethernet frames, the client's own address, the
# servers' addresses in resolv.conf, fakens hearing the ICMP errors from the client) and
# that the kernel's ICMP rate limit, which loopback escapes and a link does not, is off.
BIN=$1
. "$(dirname "$0")/lib.sh"
need_root

resolvers=(racer glibc glibc-single-request glibc-use-vc c-ares c-ares-igntc)
if "$BIN/probe" --list-resolvers | grep -E '^musl ' | grep -vq 'skipped'; then
	resolvers+=(musl)
else
	echo "note: musl is not built here; the matrix goes without it"
fi
scenarios=(a-first aaaa-first tc-a tc-a-aaaa-late aaaa-nodata)
# Several servers: server 1 answers after 2 s, past the timeouts by which glibc (timeout:1
# in glibc-short) and c-ares (1 s) move on. Not ns1-slow-ns2-nxdomain: its 1 s answer comes
# at the moment c-ares's 1 s timer fires, so either may win in any run. (musl asks the
# three at once and takes the first answer, and whether server 3's answer, sent in the same
# microsecond as server 2's, reaches its socket before it closes is a matter of timing that
# varies from run to run in either topology: docs/lab.md. The racer asks server 1 alone,
# whose two answers come together.)
ns_resolvers=(glibc glibc-short c-ares c-ares-primary)
ns_scenarios=(ns1-slow ns2-nxdomain)

# run NAME TOPOLOGY RESOLVERS... -- SCENARIOS...
run() {
	local name=$1 topo=$2 args=(-n 3 -q --topology "$2")
	shift 2
	while [[ $1 != -- ]]; do args+=(-r "$1"); shift; done
	shift
	for s in "$@"; do args+=(-s "$s"); done
	"$BIN/probe" "${args[@]}" --out "$tmp/$name" >"$tmp/$name.out" 2>"$tmp/$name.err"
	local rc=$?
	check "$name: probe --topology $topo ran (exit 0 or 1, not an error)" test $rc -le 1
	[[ $rc -le 1 ]] || sed "s/^/$name: /" "$tmp/$name.err"
	echo $rc >"$tmp/$name.rc"
}
run one one-host "${resolvers[@]}" -- "${scenarios[@]}"
run two two-host "${resolvers[@]}" -- "${scenarios[@]}"
run one-ns one-host "${ns_resolvers[@]}" -- "${ns_scenarios[@]}"
run two-ns two-host "${ns_resolvers[@]}" -- "${ns_scenarios[@]}"
check "same exit status in both topologies" cmp -s "$tmp/one.rc" "$tmp/two.rc"

# The racer control is judged only where a race is provoked (answers 20 ms or more apart):
# where both answers leave at once, whether the second beats its close is timing, on lo as
# on a link (docs/probe.md), so those cells are left out of the comparison.
cells() {
	jq -r '.cells[] | select((.control | not) or (.scenario | IN("a-first", "aaaa-first", "tc-a-aaaa-late")))
		| "\(.resolver) \(.scenario) \(.verdict)"' "$tmp/$1/report.json" | sort
}
for pair in "one two $(( ${#resolvers[@]} * ${#scenarios[@]} - 2 ))" \
	"one-ns two-ns $(( ${#ns_resolvers[@]} * ${#ns_scenarios[@]} ))"; do
	read -r a b want <<<"$pair"
	cells "$a" >"$tmp/$a.cells"
	cells "$b" >"$tmp/$b.cells"
	check "$a: a verdict for each of the $want cells compared" test "$(wc -l <"$tmp/$a.cells")" -eq "$want"
	check "$b: a verdict for each of the $want cells compared" test "$(wc -l <"$tmp/$b.cells")" -eq "$want"
	check "$a/$b: the verdict of every cell is the same in both topologies" diff -u "$tmp/$a.cells" "$tmp/$b.cells"
done
for s in a-first aaaa-first tc-a-aaaa-late; do
	check "two-host: racer racing in every trial of $s (the link shows races)" \
		jq -e --arg s "$s" '.cells[] | select(.resolver=="racer" and .scenario==$s) | .verdict=="racing" and .racing==3' "$tmp/two/report.json"
done
for s in a-first aaaa-first; do
	check "two-host: glibc correct in every trial of $s" \
		jq -e --arg s "$s" '.cells[] | select(.resolver=="glibc" and .scenario==$s) | .verdict=="correct" and .correct==3' "$tmp/two/report.json"
done

# The client's kernel would send one port unreachable a second to a peer on a link after a
# burst of 6 (net.ipv4.icmp_ratelimit; lo is exempt): the lab turns that off on both sides,
# or most of these races would go unseen (6 of 40 when it is left on).
"$BIN/probe" --topology two-host -r racer -s a-first -n 40 -q --out "$tmp/burst" >/dev/null 2>&1
check "two-host: 40 racer trials in a burst, every race seen (no ICMP rate limit on the link)" \
	jq -e '.cells[0] | .verdict=="racing" and .racing==40' "$tmp/burst/report.json"

# What makes it two hosts.
check "two-host: resolv.conf names the servers' side (192.0.2.53)" \
	grep -qx 'nameserver 192.0.2.53' "$tmp/two/resolv.conf"
check "two-host: the several-server scenario named 192.0.2.53, .54 and .55" \
	test "$(grep -c '^nameserver 192\.0\.2\.5[345]$' "$tmp/two-ns/resolv-glibc-3ns.conf")" -eq 3
check "two-host: captured on the link, with Ethernet framing" \
	jq -e 'select(.type=="summary") | .source=="lab0srv" and .linktype=="Ethernet" and .drops==0' "$tmp/two/sniff.jsonl"
check "two-host: every trial's queries came from the client's address 192.0.2.1" \
	jq -e -s '[.[] | select(.type=="trial") | .client] | length > 0 and all(. == "192.0.2.1")' "$tmp/two/sniff.jsonl"
check "two-host: fakens heard the port unreachables from 192.0.2.1 across the link" \
	jq -e -s '[.[] | select(.event=="icmp")] | length > 0 and all(.offender == "192.0.2.1")' "$tmp/two/fakens.jsonl"
check "one-host: the same run stayed on lo" \
	jq -e 'select(.type=="summary") | .source=="lo"' "$tmp/one/sniff.jsonl"

# The report says which lab it was, and probe diff says when two differ in it.
check "report.json records the topology of each run" \
	jq -e -n --slurpfile a "$tmp/one/report.json" --slurpfile b "$tmp/two/report.json" \
	'$a[0].topology == "one-host" and $b[0].topology == "two-host"'
check "summary.md gives the topology among the platform lines" \
	grep -qx -- '- lab topology: two-host (docs/lab.md)' "$tmp/two/summary.md"
"$BIN/probe" diff "$tmp/one" "$tmp/two" >"$tmp/diff.out" 2>&1
check "probe diff notes the topologies" \
	grep -qx 'note      topology: one-host -> two-host (docs/lab.md)' "$tmp/diff.out"
"$BIN/probe" diff "$tmp/two" "$tmp/two-ns" >"$tmp/diff-same.out" 2>&1
check "probe diff of two runs alike in one topology compared them" grep -q '^result: ' "$tmp/diff-same.out"
check "probe diff of two runs alike in one topology has no topology note" \
	bash -c "! grep -q '^note      topology' '$tmp/diff-same.out'"
check "the host has no lab interface left" bash -c '! ip link show lab0 2>/dev/null && ! ip link show lab0srv 2>/dev/null'
finish
