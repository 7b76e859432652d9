#!/usr/bin/env bash
# Load: fakens under dnsperf for 60 s (steady clients and a flood) with a mix of directive
# names, and sniff live on the same link (docs/fuzzing.md). fakens must not crash, must stop
# cleanly on SIGTERM, keep its memory flat and account for every query it was sent; sniff's
# packet and drop counts must add up to what the interface carried. Two network namespaces of the test's own joined by a veth pair, so
# that every packet crosses the captured interface once (lo, where a capture sees each
# packet twice, has its own test: sniff_drops_lo.sh).
BIN=$1
. "$(dirname "$0")/lib.sh"
need_root
in_netns "$@"
for p in dnsperf nsenter jq; do
	if ! command -v $p >/dev/null; then
		echo "SKIP: $p is not installed (scripts/deps.sh test)"
		exit 77
	fi
done

# Under AddressSanitizer freed memory is held back (256 MB by default) to catch use after
# free; filling that over the first seconds would look like growth. A small quarantine keeps
# the memory samples about fakens.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8"

SECONDS_LOAD=${SP_LOAD_SECONDS:-60}
# fakens's rate limit is per client address: the steady clients each stay under it, the
# flood goes far over it on any machine (an AddressSanitizer build included).
LIMIT=1000   # queries per second, and the burst
STEADY=6     # steady clients, 192.0.2.10 and up ...
STEADY_QPS=800 # ... each sending this many queries per second

# The client's namespace: a process that sleeps in it, killed at the end.
unshare -n sleep 3600 &
cpid=$!
cleanup_hooks+=("kill $cpid 2>/dev/null")
C() { nsenter -t "$cpid" -n "$@"; }
sleep 0.1
ip link add vs type veth peer name vc netns "$cpid"
# No IPv6 (router and neighbour discovery) and fixed neighbours (no ARP): the link carries
# nothing but the test's DNS, so its counters are the reference for sniff.
sysctl -qw net.ipv6.conf.vs.disable_ipv6=1
C sysctl -qw net.ipv6.conf.vc.disable_ipv6=1
ip addr add 192.0.2.1/24 dev vs
ip link set vs up
C ip link set lo up
clients="192.0.2.2 192.0.2.3"
for i in $(seq 10 $((9 + STEADY))); do clients+=" 192.0.2.$i"; done
for a in $clients; do C ip addr add "$a/24" dev vc; done
C ip link set vc up
ms=$(ip -j link show vs | jq -r '.[0].address')
mc=$(C ip -j link show vc | jq -r '.[0].address')
for a in $clients; do ip neigh replace "$a" lladdr "$mc" dev vs nud permanent; done
C ip neigh replace 192.0.2.1 lladdr "$ms" dev vc nud permanent

# The mix: delays down to microseconds, rcodes, truncation, duplicates (at once and after),
# drops, conntrack loss, another type (NODATA), a bad directive and a name outside the zone
# (fakens's own REFUSED). Decoys with other IDs are left out: dnsperf would take them for
# answers to its other queries.
cat >"$tmp/names" <<'EOF'
t1.lab.test A
t2.lab.test AAAA
aaaa-d5ms.t3.lab.test AAAA
a-d20ms.aaaa-d250us.t4.lab.test A
a-d20ms.aaaa-d250us.t4.lab.test AAAA
aaaa-nodata.t5.lab.test AAAA
a-servfail.t6.lab.test A
aaaa-nxdomain.t7.lab.test AAAA
a-tc.t8.lab.test A
a-dup2.t9.lab.test A
aaaa-dup1after.aaaa-d2ms.t10.lab.test AAAA
aaaa-drop.t11.lab.test AAAA
a-refused.t12.lab.test A
t13.lab.test MX
a-d1ms.aaaa-ctloss.t14.lab.test A
a-d1ms.aaaa-ctloss.t14.lab.test AAAA
s1-a-d3ms.t15.lab.test A
bogus-directive.t16.lab.test A
outside.example A
t17.lab.test AAAA
EOF

# fakens logs every event; awk counts them as they come, so that the log needs no disk.
# Counts: query lines, answers (the answer itself, one per answered query: no "extra"),
# every message sent, drops, refused, and the stop event's counters.
mkfifo "$tmp/flog" "$tmp/fready"
awk -F'"event":"' '
	{ split($2, a, "\""); ev = a[1] }
	ev == "query" { q++ }
	ev == "answer" { msgs++; if ($0 !~ /"extra":/) answered++ }
	ev == "send_error" && $0 ~ /"qname":/ && $0 !~ /"extra":/ { answered++ }
	ev == "drop" { drops++ }
	ev == "refused" { refused++ }
	ev == "stop" { stop = $0 }
	END {
		printf "{\"queries\":%d,\"answered\":%d,\"messages\":%d,\"drops\":%d,", q, answered, msgs, drops
		printf "\"refused\":%d,\"lines\":%d,\"stop\":%s}\n", refused, NR, stop == "" ? "null" : stop
	}' <"$tmp/flog" >"$tmp/counts.json" &
apid=$!
"$BIN/fakens" --listen 192.0.2.1:53 --rate-limit "$LIMIT/s,$LIMIT" --log - --ready-fd 3 \
	3>"$tmp/fready" >"$tmp/flog" 2>"$tmp/fakens.err" &
fpid=$!
cleanup_hooks+=("kill $fpid 2>/dev/null")
read -r -t 5 line <"$tmp/fready"
check "fakens is ready" test "${line:-}" = ready

# start_sniff NAME: sniff live on vs, JSON into $tmp/NAME.jsonl; sets spid.
start_sniff() {
	rm -f "$tmp/sready"
	mkfifo "$tmp/sready"
	"$BIN/sniff" -i vs --json -q --window 2 --ready-fd 3 3>"$tmp/sready" >"$tmp/$1.jsonl" \
		2>"$tmp/$1.err" &
	spid=$!
	cleanup_hooks+=("kill $spid 2>/dev/null")
	read -r -t 5 line <"$tmp/sready"
	check "$1 is ready" test "${line:-}" = ready
}
start_sniff sniff
spid_load=$spid

# Interface counters of vs: "rx tx tx_dropped" packets (/proc/net/dev, this namespace's).
ifcount() { awk '{ sub(/:/, " ") } $1 == "vs" { print $3, $11, $13 }' /proc/net/dev; }
read -r rx0 tx0 txd0 < <(ifcount)

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
(
	for i in $(seq 0 5 "$SECONDS_LOAD"); do
		echo "$i $(rss $fpid) $(rss $spid_load)"
		sleep 5
	done
) >"$tmp/rss" &
mpid=$!

# Steady clients under the limit; one flood client as fast as its window of outstanding
# queries lets it (a lost query holds its place for the 1 s timeout), so that the rate limit
# drops most of what it sends.
dps=()
for i in $(seq 10 $((9 + STEADY))); do
	C dnsperf -s 192.0.2.1 -a "192.0.2.$i" -d "$tmp/names" -l "$SECONDS_LOAD" -c 1 -q 500 \
		-t 2 -Q "$STEADY_QPS" >"$tmp/dp-steady$i.out" 2>"$tmp/dp-steady$i.err" &
	dps+=($!)
done
C dnsperf -s 192.0.2.1 -a 192.0.2.3 -d "$tmp/names" -l "$SECONDS_LOAD" -c 2 -q 20000 -t 1 \
	>"$tmp/dp-flood.out" 2>"$tmp/dp-flood.err" &
dps+=($!)
failed=0
for p in "${dps[@]}"; do wait "$p" || failed=$((failed + 1)); done
wait $mpid
check "every dnsperf ran to its end" test $failed -eq 0
check "fakens is still running after the load" kill -0 $fpid

# Everything sent has arrived once fakens's socket is empty and nothing is waiting to be sent
# (the longest delay in the mix is 20 ms).
sockline() { awk '$2 == "010200C0:0035"' /proc/net/udp; }
drain() {
	for _ in $(seq 50); do
		q=$(sockline | awk '{ split($5, a, ":"); print a[2] }')
		[[ $q == 00000000 ]] && break
		sleep 0.1
	done
	sleep 0.5
}
drain

# A calm spell with a second sniff, where it should keep up: the case with no drops, whose
# count must then be the link's exactly.
start_sniff sniff-calm
spid_calm=$spid
read -r crx0 ctx0 ctxd0 < <(ifcount)
C dnsperf -s 192.0.2.1 -a 192.0.2.2 -d "$tmp/names" -l 3 -c 1 -q 100 -t 1 -Q 500 \
	>"$tmp/dp-calm.out" 2>"$tmp/dp-calm.err"
check "dnsperf (calm) ran" test $? -eq 0
drain
read -r crx1 ctx1 ctxd1 < <(ifcount)
sock_drops=$(sockline | awk '{ print $NF }')
vc_txdrop=$(C awk '{ sub(/:/, " ") } $1 == "vc" { print $13 }' /proc/net/dev)
udp_out=$(awk '/^Udp:/ && $2 ~ /^[0-9]+$/ { print $5 }' /proc/net/snmp)

for p in $spid_load $spid_calm; do
	kill -TERM $p
	wait $p
	check "sniff exits 0 or 1 on SIGTERM" test $? -le 1
done
kill -TERM $fpid
wait $fpid
frc=$?
check "fakens exits 0 on SIGTERM" test $frc -eq 0
wait $apid
check "fakens said nothing on stderr" test ! -s "$tmp/fakens.err"

sent() { awk '/Queries sent:/ { print $3 }' "$1"; }
s_main=$(cat "$tmp"/dp-steady*.out | awk '/Queries sent:/ { n += $3 } END { print n }')
s_flood=$(sent "$tmp/dp-flood.out")
s_calm=$(sent "$tmp/dp-calm.out")
echo "dnsperf steady: $(cat "$tmp"/dp-steady*.out | awk '
	/Queries (sent|completed|lost):/ { n[$2] += $3 }
	/Queries per second/ { r += $4 }
	END { printf "sent %d, completed %d, lost %d, %.0f queries/s", n["sent:"], n["completed:"], n["lost:"], r }')"
echo "dnsperf flood: $(grep -E 'Queries (sent|completed|lost)|per second' "$tmp/dp-flood.out" | tr -s ' ' | tr '\n' ';')"
echo "fakens: $(cat "$tmp/counts.json")"
echo "kernel: fakens socket drops $sock_drops, veth drops towards fakens $vc_txdrop, UDP datagrams sent here $udp_out"

# Memory: the samples every 5 s, kB (time fakens sniff).
sed 's/^/rss: /' "$tmp/rss"
base=$(awk '$1 == 10 { print $2 }' "$tmp/rss")
last=$(awk 'NF >= 2 { v = $2 } END { print v }' "$tmp/rss")
check "fakens's memory is flat (last $last kB, at 10 s $base kB)" \
	test -n "$base" -a -n "$last" -a "$((last * 10))" -le "$((base * 11 + 20480))"

jq -e . "$tmp/counts.json" >/dev/null || bad "the log counts are JSON"
j() { jq -r "$1" "$tmp/counts.json"; }
check "the log ends with the stop event" test "$(j '.stop.event')" = stop
Q=$(j .stop.queries)
RL=$(j .stop.rate_limited)
D=$(j .stop.drops)
REF=$(j .stop.refused)
P=$(j .stop.pending_discarded)
BADQ=$(j .stop.bad_queries)
IGN=$(j .stop.ignored)
check "the stop counters agree with the log (queries, answers, drops, refused)" \
	test "$Q" = "$(j .queries)" -a "$(j .stop.answers)" = "$(j .messages)" \
	-a "$D" = "$(j .drops)" -a "$REF" = "$(j .refused)"
check "no query was malformed, ignored or failed to send" \
	test "$BADQ" = 0 -a "$IGN" = 0 -a "$(j .stop.send_errors)" = 0
K=$((sock_drops + vc_txdrop))
S=$((s_main + s_flood + s_calm))
check "received = sent by dnsperf - dropped by the kernel ($S - $K = $Q queries + $RL rate-limited)" \
	test "$((S - K))" -eq "$((Q + RL + BADQ + IGN))"
check "every query answered, dropped by its directive or refused ($Q = $(j .answered) + $D + $REF + $P)" \
	test "$Q" -eq "$(($(j .answered) + D + REF + P))"
check "the rate limit dropped some of the flood" test "$RL" -gt 0
check "directives dropped some (drop, ctloss)" test "$D" -gt 0
check "the messages fakens counted are the datagrams its namespace sent" \
	test "$udp_out" -eq "$(($(j .stop.answers) + REF))"

# sniff: what it analysed plus what it says it dropped is every packet of the link (the
# interface's received, sent, and sent but dropped on the way, all seen by the capture); with
# no drops, exactly the link's packets.
check_sniff() {
	local name=$1 link=$2 frames drops
	summ() { jq -r "select(.type==\"summary\") | $1" "$tmp/$name.jsonl"; }
	frames=$(summ .frames_read)
	drops=$(summ .drops)
	echo "$name: $frames frames, $drops dropped; the link: $link packets"
	check "$name: the drop count is known" test "$(summ .drops_known)" = true
	check "$name: frames + drops = packets on the link ($frames + $drops = $link)" \
		test "$((frames + drops))" -eq "$link"
	if [[ $drops == 0 ]]; then
		check "$name: no drops reported, every packet seen, verdicts complete" \
			test "$frames" -eq "$link" -a "$(summ .incomplete)" = false
	else
		check "$name: drops reported, verdicts said to be incomplete" \
			test "$(summ .incomplete)" = true
	fi
}
check_sniff sniff $((crx1 - rx0 + ctx1 - tx0 + ctxd1 - txd0))
check_sniff sniff-calm $((crx1 - crx0 + ctx1 - ctx0 + ctxd1 - ctxd0))
finish
