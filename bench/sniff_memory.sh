#!/usr/bin/env bash
# Peak memory (maximum resident set, /usr/bin/time -v) of sniff -r on generated captures of
# 1 and 10 million packets. usage: bench/sniff_memory.sh [SIZES...] (default 1000000
# 10000000); SP_BUILD_DIR and SP_BENCH_TMP as for sniff_speed.sh. The 10M file is ~1.2 GB.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${SP_BUILD_DIR:-$top/build}
sizes=("$@")
[[ ${#sizes[@]} -eq 0 ]] && sizes=(1000000 10000000)

"$top/scripts/deps.sh" build bench
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target sniff -j "$(nproc)" >/dev/null
work=$(mktemp -d "${SP_BENCH_TMP:-/tmp}/sniff-mem.XXXXXX")
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/gencap" "$top/bench/sniff_gencap.c"

printf '%-10s %-10s %-10s %-10s %s\n' PACKETS TRIALS SECONDS PEAK_MB "MB PER 1M PACKETS"
for n in "${sizes[@]}"; do
	read -r _ total _ _ _ _ _ trials _ _ < <("$work/gencap" "$n" "$work/c.pcap")
	/usr/bin/time -v "$build/bin/sniff" -q -r "$work/c.pcap" >/dev/null 2>"$work/time.txt" || true
	kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.txt")
	el=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$work/time.txt")
	awk -v n="$total" -v t="$trials" -v kb="$kb" -v el="$el" 'BEGIN {
		printf "%-10d %-10d %-10s %-10.1f %.1f\n", n, t, el, kb / 1024, kb / 1024 / (n / 1e6) }'
	rm -f "$work/c.pcap"
done
