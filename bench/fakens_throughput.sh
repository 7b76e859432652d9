#!/usr/bin/env bash
# fakens throughput bench: dnsperf against fakens and against NSD (one server process each,
# a wildcard zone with the same answers) in the same run, in a network namespace of its own;
# then fakens again with every answer delayed by 10 ms.
#
#     bench/fakens_throughput.sh BUILD [SECONDS]      (root; default 10 s per measurement)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:?usage: bench/fakens_throughput.sh BUILD [SECONDS]}
secs=${2:-10}
fakens=$(cd "$build" && pwd)/bin/fakens

if [[ -z ${SP_IN_NETNS:-} ]]; then
	"$here/../scripts/deps.sh" build bench
	if [[ $(id -u) -ne 0 ]]; then
		echo "throughput: run as root (it makes a network namespace and starts NSD)" >&2
		exit 2
	fi
	if [[ ! -x $fakens ]]; then
		echo "throughput: no fakens in $build/bin; build it first: cmake --build $build --target fakens" >&2
		exit 2
	fi
	SP_IN_NETNS=1 exec unshare -n -- bash "$0" "$@"
fi
ip link set lo up

tmp=$(mktemp -d /tmp/fakens-throughput.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
FAKENS_PORT=5353
NSD_PORT=5300
# Queries in flight: without delays 500 keep a server busy, and more only overflow its socket
# buffer (dnsperf then waits out its timeout for every lost query); 10 ms delays need
# rate x 10 ms in flight, 2000 for 200000 answers/s.
q_plain=500
q_delayed=2000

# Unique names, A and AAAA alternating, so that no cache anywhere helps.
awk 'BEGIN { for (i = 1; i <= 200000; i++) printf "t%d.lab.test %s\n", i, i % 2 ? "A" : "AAAA" }' \
	>"$tmp/plain.txt" $q_plain
awk 'BEGIN { for (i = 1; i <= 200000; i++)
	printf "a-d10ms.aaaa-d10ms.t%d.lab.test %s\n", i, i % 2 ? "A" : "AAAA" }' >"$tmp/delayed.txt" $q_delayed

cat >"$tmp/lab.test.zone" <<ZONE
\$ORIGIN lab.test.
\$TTL 0
@ IN SOA ns.lab.test. hostmaster.lab.test. 1 3600 600 86400 0
@ IN NS ns.lab.test.
* IN A 192.0.2.10
* IN AAAA 2001:db8::10
ZONE
cat >"$tmp/nsd.conf" <<CONF
server:
	ip-address: 127.0.0.1@$NSD_PORT
	server-count: 1
	do-ip6: no
	username: ""
	chroot: ""
	zonesdir: "$tmp"
	database: ""
	zonelistfile: "$tmp/zone.list"
	xfrdfile: "$tmp/xfrd.state"
	pidfile: "$tmp/nsd.pid"
	logfile: "$tmp/nsd.log"
	hide-version: yes
	verbosity: 0
	# No response rate limiting (on by default: 200 answers/s per /24) and no NS record
	# in authority, so that NSD answers what fakens answers, as fast as it can.
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
	minimal-responses: yes
remote-control:
	control-enable: no
zone:
	name: lab.test
	zonefile: "$tmp/lab.test.zone"
CONF
nsd -d -c "$tmp/nsd.conf" 2>>"$tmp/nsd.log" &
pids+=($!)

start_fakens() {
	mkfifo "$tmp/ready.$1"
	"$fakens" --listen 127.0.0.1:$FAKENS_PORT --rate-limit 0 "${@:2}" --ready-fd 3 \
		3>"$tmp/ready.$1" 2>>"$tmp/fakens.err" &
	fpid=$!
	pids+=($fpid)
	read -r -t 5 _ <"$tmp/ready.$1"
}
stop_fakens() {
	kill "$fpid"
	wait "$fpid" 2>/dev/null || true
}

# perf LABEL PORT QUERYFILE OUTSTANDING: one dnsperf run; prints "LABEL qps" and keeps its output.
perf() {
	dnsperf -s 127.0.0.1 -p "$2" -d "$3" -l "$secs" -c 4 -q "$4" -t 2 \
		>"$tmp/dnsperf.$1" 2>&1 || true
	local qps lost
	qps=$(awk '/Queries per second:/ { print $4 }' "$tmp/dnsperf.$1")
	lost=$(awk '/Queries lost:/ { print $3 }' "$tmp/dnsperf.$1")
	printf '%-34s %12s qps   lost %s\n' "$1" "${qps:-?}" "${lost:-?}"
	eval "qps_${1//[^a-z0-9]/_}=${qps:-0}"
}

for _ in $(seq 50); do
	dig +short +time=1 +tries=1 -p $NSD_PORT @127.0.0.1 t0.lab.test A >/dev/null 2>&1 && break
	sleep 0.1
done 2>/dev/null || true

echo "dnsperf -l $secs -c 4, -q $q_plain without delays, -q $q_delayed with; one server process each, $(nproc) CPUs"
perf nsd $NSD_PORT "$tmp/plain.txt" $q_plain
start_fakens a --log "$tmp/fakens.jsonl"
perf fakens_logged $FAKENS_PORT "$tmp/plain.txt" $q_plain
stop_fakens
start_fakens b
perf fakens_nolog $FAKENS_PORT "$tmp/plain.txt" $q_plain
perf fakens_nolog_d10ms $FAKENS_PORT "$tmp/delayed.txt" $q_delayed
stop_fakens
start_fakens c --log "$tmp/fakens-d.jsonl"
perf fakens_logged_d10ms $FAKENS_PORT "$tmp/delayed.txt" $q_delayed
stop_fakens

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }'; }
echo "ratio to NSD: fakens logged $(ratio "$qps_fakens_logged" "$qps_nsd"), without log" \
	"$(ratio "$qps_fakens_nolog" "$qps_nsd"); with 10 ms delays: logged" \
	"$(ratio "$qps_fakens_logged_d10ms" "$qps_nsd"), without log" \
	"$(ratio "$qps_fakens_nolog_d10ms" "$qps_nsd")"
echo "files in $tmp"
