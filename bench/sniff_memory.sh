#!/usr/bin/env bash
# Peak memory (maximum resident set, /usr/bin/time -v) of sniff -r on generated captures of
# 1 and 10 million packets, piped from tests/golden/gencap (no disk needed).
# usage: bench/sniff_memory.sh [SIZES...] (default 1000000 10000000); SP_BUILD_DIR as for
# sniff_speed.sh; SNIFF_ARGS adds sniff options (e.g. "--window 0" to see memory grow).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${SP_BUILD_DIR:-$top/build}
sizes=("$@")
[[ ${#sizes[@]} -eq 0 ]] && sizes=(1000000 10000000)
read -r -a extra <<<"${SNIFF_ARGS:-}"

"$top/scripts/deps.sh" build bench
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target sniff gencap -j "$(nproc)" >/dev/null
work=$(mktemp -d "${SP_BENCH_TMP:-/tmp}/sniff-mem.XXXXXX")
trap 'rm -rf "$work"' EXIT

printf '%-10s %-10s %-10s %-10s %s\n' PACKETS TRIALS SECONDS PEAK_MB "EXIT"
for n in "${sizes[@]}"; do
	rc=0
	"$build/bin/gencap" -n "$n" bench |
		/usr/bin/time -v -o "$work/time.txt" "$build/bin/sniff" -q -r - --json "${extra[@]}" \
			>"$work/out.jsonl" || rc=$?
	kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.txt")
	el=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$work/time.txt")
	frames=$(jq -r 'select(.type=="summary") | .frames_read' "$work/out.jsonl")
	trials=$(grep -c '"type":"trial"' "$work/out.jsonl" || true)
	awk -v n="$frames" -v t="$trials" -v kb="$kb" -v el="$el" -v rc="$rc" 'BEGIN {
		printf "%-10d %-10d %-10s %-10.1f %s\n", n, t, el, kb / 1024, rc }'
done
