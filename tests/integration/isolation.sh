#!/usr/bin/env bash
# A lab run touches nothing of the host's: /etc/resolv.conf and /etc/nsswitch.conf are
# byte-identical afterwards, no lab interface or mount is left, and a capture on every host
# interface (tcpdump -i any, in the host's network namespace) sees none of the lab's DNS or
# ICMP. A positive control shows that the capture would see it: a DNS query the test itself
# sends on the host's loopback, and the ICMP port unreachable it draws, are both in it.
BIN=$1
. "$(dirname "$0")/lib.sh"
need_root
if ! command -v tcpdump >/dev/null; then
	echo "SKIP: tcpdump is not installed (scripts/packages/test.txt)"
	exit 77
fi
[[ -z ${SP_IN_NETNS:-} ]] || { echo "isolation.sh must run in the host's network namespace"; exit 2; }

# Other tests may add interfaces and mounts of their own meanwhile: the lab's are named.
host_state() {
	sha256sum /etc/resolv.conf /etc/nsswitch.conf
	ip -o link show | awk -F': ' '$2 ~ /^lab/ {print $2}'
	awk '$5 ~ /^\/etc\/(resolv|nsswitch)\.conf$|nscd/ {print $5}' /proc/self/mountinfo | sort
}
before=$(host_state)

# The control: a name no resolver asks for, to a loopback port with nothing behind it (so
# the query reaches no server and draws a port unreachable).
for ((i = 0; i < 50; i++)); do
	ctl_port=$((30000 + RANDOM % 20000))
	[[ -z $(ss -Hlun "sport = :$ctl_port") ]] && break
done
ctl_name=isolation-control-$$.invalid

# What the lab would show if it leaked: DNS on port 53, ICMP errors, the lab's addresses;
# plus the control's port.
filter="udp port 53 or tcp port 53 or icmp or icmp6 or net 192.0.2.0/24 or net 2001:db8::/32 or udp port $ctl_port"
tcpdump -i any -nn -U -s 0 -w "$tmp/host.pcap" "$filter" 2>"$tmp/tcpdump.err" &
tdpid=$!
cleanup_hooks+=("kill $tdpid 2>/dev/null")
for ((i = 0; i < 100; i++)); do
	grep -qs "listening on" "$tmp/tcpdump.err" && break
	sleep 0.1
done
check "tcpdump captures on every host interface" grep -q "listening on any" "$tmp/tcpdump.err"

"$BIN/dnsq" -t 300 127.0.0.1 "$ctl_port" "$ctl_name" A >"$tmp/ctl.out" 2>&1
"$BIN/probe" -q -r racer -r glibc -r c-ares -s a-first -s aaaa-first -s tc-a -n 2 \
	--out "$tmp/run" >"$tmp/probe.out" 2>"$tmp/probe.err"
rc=$?
sleep 0.5 # let tcpdump write what it has
kill -INT "$tdpid"
wait "$tdpid"

check "probe ran its matrix (exit $rc)" test $rc -le 1 -a -s "$tmp/run/report.json"
check "the racer raced in the lab (the lab's own capture saw its ICMP errors)" \
	jq -e '[.cells[] | select(.resolver=="racer") | .trials[] | select(.verdict=="racing")] | length > 0' \
	"$tmp/run/report.json"

after=$(host_state)
check "/etc/resolv.conf and /etc/nsswitch.conf byte-identical, no lab interface, no mount over them or nscd" \
	test "$before" = "$after"
check "no mount of the run's files is left in the host's mount table" \
	bash -c "! grep -qF '$tmp/run' /proc/self/mountinfo"

tcpdump -r "$tmp/host.pcap" -nn -A 2>/dev/null >"$tmp/host.txt"
# Positive control: without both of these, an empty capture would prove nothing.
check "control: the host capture has the test's own query on loopback" \
	grep -q "$ctl_name" "$tmp/host.txt"
check "control: and the ICMP port unreachable it drew" \
	grep -Eq "ICMP 127.0.0.1 udp port $ctl_port unreachable" "$tmp/host.txt"

# The lab's names, from the report: the trials' query names (aaaa-d50ms.t000001.lab.test).
jq -r '.cells[].trials[].name' "$tmp/run/report.json" | sort -u >"$tmp/names"
check "the report names its trials" test -s "$tmp/names"
leaked=$(grep -F -f "$tmp/names" "$tmp/host.txt" | head -5)
check "no packet on the host carries a lab trial's name${leaked:+: $leaked}" test -z "$leaked"
lab_addr=$(tcpdump -r "$tmp/host.pcap" -nn 'net 192.0.2.0/24 or net 2001:db8::/32' 2>/dev/null | head -5)
check "no packet on the host to or from the lab's addresses${lab_addr:+: $lab_addr}" test -z "$lab_addr"
finish
