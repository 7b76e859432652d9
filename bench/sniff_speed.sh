#!/usr/bin/env bash
# sniff -r against tcpdump -r and tshark -r on one generated capture: packets per second and
# ratios. usage: bench/sniff_speed.sh [PACKETS (default 1000000)]; SP_BUILD_DIR picks the
# build directory (default build/), SP_BENCH_TMP where the capture goes (default /tmp),
# SP_BENCH_ROUNDS how many turns sniff and tcpdump take (default 7). A sniff built with the
# analysis left out (sniff_readonly) runs too: the least time any analysis can add to.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${SP_BUILD_DIR:-$top/build}
packets=${1:-1000000}

"$top/scripts/deps.sh" build bench
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target sniff sniff_readonly -j "$(nproc)" >/dev/null
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

# take NAME CMD...: one run of CMD, output to /dev/null; NAME keeps the run with the best wall
# time so far (the file is in the page cache after the first) and its CPU time, user +
# system: sniff reads on one thread and analyses on another, so it may exceed the wall time.
declare -A best_wall best_cpu
take() {
	local name=$1 t u s
	shift
	/usr/bin/time -f '%e %U %S' -o "$work/t" "$@" >/dev/null 2>&1 || true
	read -r t u s < <(tail -1 "$work/t")
	if [[ -z ${best_wall[$name]:-} ]] || awk "BEGIN{exit !($t < ${best_wall[$name]})}"; then
		best_wall[$name]=$t
		best_cpu[$name]=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
	fi
}
# The counts first, so that the rates compare the same work.
# sniff exits 1 when a client races: that is its answer, not a failure.
n_sniff=$({ "$build/bin/sniff" -q -r "$cap" --json || true; } | jq 'select(.type=="summary") | .frames')
n_tcpdump=$(tcpdump -r "$cap" -w - "$bpf" 2>/dev/null | tcpdump -r - 2>/dev/null | wc -l)
n_tshark=$(tshark -r "$cap" -Y "$dfilter" 2>/dev/null | wc -l)
echo "selected: sniff $n_sniff, tcpdump $n_tcpdump, tshark $n_tshark (generator: $want)"

# sniff and tcpdump take turns, so that both meet the same moments of a shared machine,
# whose speed drifts by a third within a minute; each keeps its best of the rounds.
rounds=${SP_BENCH_ROUNDS:-7}
for ((i = 0; i < rounds; i++)); do
	take sniff "$build/bin/sniff" -q -r "$cap"
	take json "$build/bin/sniff" -q -r "$cap" --json
	take readonly "$build/bin/sniff_readonly" -q -r "$cap"
	take tcpdump tcpdump -r "$cap" -w /dev/null "$bpf"
done
t_sniff=${best_wall[sniff]} c_sniff=${best_cpu[sniff]}
t_sniff_json=${best_wall[json]} c_sniff_json=${best_cpu[json]}
t_tcpdump=${best_wall[tcpdump]} c_tcpdump=${best_cpu[tcpdump]}
t_readonly=${best_wall[readonly]} c_readonly=${best_cpu[readonly]}
/usr/bin/time -f '%e %U %S' -o "$work/t" tshark -r "$cap" -Y "$dfilter" >/dev/null 2>&1 || true
read -r t_tshark u s < <(tail -1 "$work/t")
c_tshark=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')

rate() { awk -v n="$total" -v t="$1" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }'; }
printf '%-28s %8s %8s %12s\n' "" "wall s" "cpu s" "packets/s"
row() { printf '%-28s %8s %8s %12s\n' "$1" "$2" "$3" "$(rate "$2")"; }
row "sniff -r (table)" "$t_sniff" "$c_sniff"
row "sniff -r --json" "$t_sniff_json" "$c_sniff_json"
row "sniff -r, analysis left out" "$t_readonly" "$c_readonly"
row "tcpdump -r (BPF, -w null)" "$t_tcpdump" "$c_tcpdump"
row "tshark -r -Y (one run)" "$t_tshark" "$c_tshark"
# /usr/bin/time counts in hundredths: a capture read in less gives no ratio.
awk -v s="$t_sniff" -v d="$t_tcpdump" -v k="$t_tshark" -v r="$t_readonly" '
function x(a, b, f) { return b > 0 ? sprintf(f "x", a / b) : "n/a (too short to time: use more packets)" }
BEGIN {
	printf "sniff vs tshark: %s faster (target >= 100x)\n", x(k, s, "%.1f")
	printf "sniff vs tcpdump: %s its time (target <= 2x)\n", x(s, d, "%.2f")
	printf "reading alone (analysis left out) vs tshark: %s faster; vs tcpdump: %s\n", \
		x(k, r, "%.1f"), x(r, d, "%.2f") }'
