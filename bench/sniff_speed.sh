#!/usr/bin/env bash
# sniff -r against tcpdump -r and tshark -r on one generated capture: packets per second and
# ratios. usage: bench/sniff_speed.sh [PACKETS (default 1000000)]; SP_BUILD_DIR picks the
# build directory (default build/), SP_BENCH_TMP where the capture goes (default /tmp).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${SP_BUILD_DIR:-$top/build}
packets=${1:-1000000}

"$top/scripts/deps.sh" build bench
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target sniff -j "$(nproc)" >/dev/null
work=$(mktemp -d "${SP_BENCH_TMP:-/tmp}/sniff-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/gencap" "$top/bench/sniff_gencap.c"
cap=$work/bench.pcap
read -r _ total _ dns _ icmp _ trials _ racing < <("$work/gencap" "$packets" "$cap")
want=$((dns + icmp))
echo "capture: $total packets ($want DNS or ICMP, $trials trials, $racing racing), $(du -h "$cap" | cut -f1)"

# The same packets for all three: sniff's default filter, its BPF form, its display filter.
bpf='udp port 53 or icmp or icmp6'
dfilter='udp.port == 53 or icmp or icmpv6'

# secs CMD...: wall seconds of the best of three runs (the file is in the page cache after
# the first), output to /dev/null.
secs() {
	local best='' t
	for _ in 1 2 3; do
		/usr/bin/time -f '%e' -o "$work/t" "$@" >/dev/null 2>&1 || true
		t=$(tail -1 "$work/t")
		if [[ -z $best ]] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
	done
	echo "$best"
}
# The counts first, so that the rates compare the same work.
# sniff exits 1 when a client races: that is its answer, not a failure.
n_sniff=$({ "$build/bin/sniff" -q -r "$cap" --json || true; } | jq 'select(.type=="summary") | .frames')
n_tcpdump=$(tcpdump -r "$cap" -w - "$bpf" 2>/dev/null | tcpdump -r - 2>/dev/null | wc -l)
n_tshark=$(tshark -r "$cap" -Y "$dfilter" 2>/dev/null | wc -l)
echo "selected: sniff $n_sniff, tcpdump $n_tcpdump, tshark $n_tshark (generator: $want)"

t_sniff=$(secs "$build/bin/sniff" -q -r "$cap")
t_sniff_json=$(secs "$build/bin/sniff" -q -r "$cap" --json)
t_tcpdump=$(secs tcpdump -r "$cap" -w /dev/null "$bpf")
/usr/bin/time -f '%e' -o "$work/t" tshark -r "$cap" -Y "$dfilter" >/dev/null 2>&1 || true
t_tshark=$(tail -1 "$work/t")

rate() { awk -v n="$total" -v t="$1" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }'; }
printf '%-28s %8s s %12s packets/s\n' "sniff -r (table)" "$t_sniff" "$(rate "$t_sniff")"
printf '%-28s %8s s %12s packets/s\n' "sniff -r --json" "$t_sniff_json" "$(rate "$t_sniff_json")"
printf '%-28s %8s s %12s packets/s\n' "tcpdump -r (BPF, -w null)" "$t_tcpdump" "$(rate "$t_tcpdump")"
printf '%-28s %8s s %12s packets/s\n' "tshark -r -Y (one run)" "$t_tshark" "$(rate "$t_tshark")"
awk -v s="$t_sniff" -v d="$t_tcpdump" -v k="$t_tshark" 'BEGIN {
	printf "sniff vs tshark: %.1fx faster (target >= 100x)\n", k / s
	printf "sniff vs tcpdump: %.2fx its time (target <= 2x)\n", s / d }'
