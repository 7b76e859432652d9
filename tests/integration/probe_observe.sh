#!/usr/bin/env bash
# probe observe, as a lab machine serving other hosts: two network namespaces made here, an
# observer (probe observe on its end of a veth pair) and a client whose resolv.conf points
# at the observer. The client runs probe's racer (probe lookup -r racer), getent ahosts
# (glibc) and dig against the observer; the observer must print the names to look up, a
# live verdict for the client as it forms, and on SIGINT a report where the racer's lookups
# race and getent's and dig's are correct, one verdict per client address. A second run
# with --duration and no client stops by itself and says there was no verdict.
BIN=$1
. "$(dirname "$0")/lib.sh"
need_root
for p in dig getent; do
	if ! command -v $p >/dev/null; then
		echo "SKIP: $p is missing (scripts/packages/test.txt)"
		exit 77
	fi
done

obs=spobs$$
cli=spcli$$
ip netns add $obs || exit 1
cleanup_hooks+=("ip netns del $obs")
ip netns add $cli || exit 1
cleanup_hooks+=("ip netns del $cli")
# The link is made inside the observer's namespace, its other end moved to the client's:
# nothing touches the host's own network.
ip -n $obs link add obs0 type veth peer name cli0 netns $cli
ip -n $obs link set lo up
ip -n $cli link set lo up
ip -n $obs addr add 192.0.2.53/24 dev obs0
ip -n $obs addr add 2001:db8::53/64 dev obs0 nodad
ip -n $cli addr add 192.0.2.7/24 dev cli0
ip -n $cli addr add 192.0.2.8/24 dev cli0
ip -n $cli addr add 2001:db8::7/64 dev cli0 nodad
ip -n $cli addr add 2001:db8::8/64 dev cli0 nodad
ip -n $obs link set obs0 up
ip -n $cli link set cli0 up
ip -n $cli route add default dev cli0
ip -n $cli -6 route add default dev cli0

# The client's own /etc: its DNS server is the observer (mounted in a mount namespace of the
# command's own; the host's files stay as they are).
echo "nameserver 192.0.2.53" >"$tmp/resolv.conf"
printf 'hosts: files dns\n' >"$tmp/nsswitch.conf"
client() {
	ip netns exec $cli unshare -m --propagation private sh -c \
		'mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /etc/nsswitch.conf && shift 2 && exec "$@"' \
		sh "$tmp/resolv.conf" "$tmp/nsswitch.conf" "$@"
}

ip netns exec $obs "$BIN/probe" observe --interface obs0 --address 192.0.2.53 \
	--address 2001:db8::53 --scenario a-first --scenario aaaa-first --scenario aaaa-nodata \
	--out "$tmp/obs" --duration 240 >"$tmp/obs.out" 2>"$tmp/obs.err" &
opid=$!
cleanup_hooks+=("kill $opid 2>/dev/null")
# wait_for PATTERN FILE: up to 10 s for a line (the live lines come once a second).
wait_for() {
	for _ in $(seq 100); do
		grep -Eq "$1" "$2" && return 0
		sleep 0.1
	done
	return 1
}
check "the observer prints the name to look up for each scenario" \
	wait_for '^  aaaa-nodata +aaaa-nodata\.t[0-9]+\.lab\.test ' "$tmp/obs.out"
name() { awk -v s="$1" '$1 == s && $2 ~ /\.lab\.test$/ { print $2 }' "$tmp/obs.out"; }
a_first=$(name a-first)
aaaa_first=$(name aaaa-first)
check "a-first is asked by aaaa-d50ms.tNNN.lab.test" grep -Eq '^aaaa-d50ms\.t[0-9]+\.lab\.test$' <<<"$a_first"
check "aaaa-first is asked by a-d50ms.tNNN.lab.test" grep -Eq '^a-d50ms\.t[0-9]+\.lab\.test$' <<<"$aaaa_first"
# Another trial label, for lookups by other programs from the same address: any will do.
relabel() { sed -E "s/\.t[0-9]+\.lab\.test$/.$2.lab.test/" <<<"$1"; }

check "racer on the client returns only the first family (a-first)" \
	bash -c "$(declare -f client); tmp=$tmp cli=$cli; client '$BIN/probe' lookup -r racer '$a_first' | grep -q 'returned A only'"
check "racer on the client returns only the first family (aaaa-first)" \
	bash -c "$(declare -f client); tmp=$tmp cli=$cli; client '$BIN/probe' lookup -r racer '$aaaa_first' | grep -q 'returned AAAA only'"
check "the observer says live that 192.0.2.7 races" wait_for '^live: 192\.0\.2\.7 racing' "$tmp/obs.out"
for n in "$a_first" "$aaaa_first"; do
	g=$(relabel "$n" t2)
	check "getent ahosts $g on the client gives both families" \
		bash -c "$(declare -f client); tmp=$tmp cli=$cli; out=\$(client getent ahosts '$g'); grep -q 192.0.2.10 <<<\"\$out\" && grep -q 2001:db8::10 <<<\"\$out\""
	d=$(relabel "$n" t3)
	check "dig from 192.0.2.8 gets A and AAAA of $d" \
		bash -c "ip netns exec $cli dig +norec +tries=1 +time=3 -b 192.0.2.8 @192.0.2.53 '$d' A '$d' AAAA | grep -c 'status: NOERROR' | grep -qx 2"
	check "dig over IPv6 from 2001:db8::8 gets AAAA of $d" \
		bash -c "ip netns exec $cli dig +norec +tries=1 +time=3 -b 2001:db8::8 @2001:db8::53 '$d' AAAA | grep -q 'status: NOERROR'"
done
check "a name outside the zone is refused (no recursion)" \
	bash -c "ip netns exec $cli dig +norec +tries=1 +time=3 -b 192.0.2.8 @192.0.2.53 example.com A | grep -q 'status: REFUSED'"

kill -INT $opid
wait $opid
rc=$?
sed 's/^/observer: /' "$tmp/obs.out"
[[ -s $tmp/obs.err ]] && sed 's/^/observer stderr: /' "$tmp/obs.err"
check "the observer exits 1 on SIGINT (a client raced)" test $rc -eq 1

r=$tmp/obs/report.json
check "report.json is an observe report" jq -e '.kind == "observe" and .interface == "obs0"' "$r"
trial() { # NAME CLIENT jq-condition
	jq -e --arg n "$1" --arg c "$2" "[.trials[] | select(.name == \$n and .client == \$c)] | length == 1 and all($3)" "$r" >/dev/null
}
check "racer's a-first lookup from 192.0.2.7 is racing" trial "$a_first" 192.0.2.7 '.verdict == "racing" and .race == 1 and .scenario == "a-first"'
check "racer's aaaa-first lookup from 192.0.2.7 is racing" trial "$aaaa_first" 192.0.2.7 '.verdict == "racing" and .race == 1 and .scenario == "aaaa-first"'
for n in "$a_first" "$aaaa_first"; do
	check "getent's lookup $(relabel "$n" t2) from 192.0.2.7 is correct" trial "$(relabel "$n" t2)" 192.0.2.7 '.verdict == "correct" and .first_qtype != null and .second_qtype != null'
	check "dig's lookup $(relabel "$n" t3) from 192.0.2.8 is correct" trial "$(relabel "$n" t3)" 192.0.2.8 '.verdict == "correct" and .queries == 2'
	check "dig's lookup $(relabel "$n" t3) from 2001:db8::8 is correct" trial "$(relabel "$n" t3)" 2001:db8::8 '.verdict == "correct"'
done
check "the trials under another label are counted in their scenario's cell" \
	jq -e '[.cells[] | select(.client == "192.0.2.7" and .scenario == "a-first")] | .[0] | .racing == 1 and .correct == 1' "$r"
check "client verdicts: 192.0.2.7 racing, 192.0.2.8 and 2001:db8::8 correct" \
	jq -e '[.clients[] | {(.client): .verdict}] | add | .["192.0.2.7"] == "racing" and .["192.0.2.8"] == "correct" and .["2001:db8::8"] == "correct"' "$r"
check "the refused name outside the zone is counted, not judged" \
	jq -e '.clients[] | select(.client == "192.0.2.8") | .other_names == 1' "$r"
check "the capture saw everything (no drops) on Ethernet" \
	jq -e '.capture | .drops_known and .drops == 0 and .linktype == "Ethernet"' "$r"
check "the table names the racing cell" grep -Eq '^192\.0\.2\.7 +a-first +racing 1/2' "$tmp/obs/table.txt"
check "the capture is kept, and sniff reads it again with the same race" \
	bash -c "'$BIN/sniff' -r '$tmp/obs/capture.pcapng' --json | jq -e -s '[.[] | select(.type == \"trial\" and .verdict == \"racing\")] | length == 2' >/dev/null"
check "fakens heard the port unreachables from 192.0.2.7 too" \
	jq -e -s '[.[] | select(.event == "icmp" and .offender == "192.0.2.7")] | length == 2' "$tmp/obs/fakens.jsonl"

# --duration, nobody asking: stops by itself, exit 2 (no verdict), the report still written.
ip netns exec $obs "$BIN/probe" observe -i obs0 -a 192.0.2.53 -s a-first --duration 1 \
	--out "$tmp/quiet" >"$tmp/quiet.out" 2>&1
rc=$?
check "with --duration and no client: exit 2 after stopping by itself" test $rc -eq 2
check "... and report.json says there was no verdict" \
	jq -e '.exit_status == 2 and (.result | test("no client")) and (.trials | length) == 0' "$tmp/quiet/report.json"
finish
