#!/usr/bin/env bash
# Trials per second: probe running glibc getaddrinfo on a zero-delay scenario (with capture,
# both witnesses and verdicts), beside a bare loop of `getent ahosts` against the same fakens
# in a lab of the bench's own, in the same run. Run as root from the source tree after a
# build: bench/probe_rate.sh BUILD [TRIALS [JOBS...]] (default 300 trials, --jobs 1 8 16 32)
set -euo pipefail
build=${1:?usage: bench/probe_rate.sh BUILD [TRIALS [JOBS...]]}
n=${2:-300}
shift $(($# < 2 ? $# : 2))
jobs=("$@")
[ ${#jobs[@]} -gt 0 ] || jobs=(1 8 16 32)
bin=$(cd "$build/bin" && pwd)
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$top/scripts/deps.sh" build bench
work=$(mktemp -d /tmp/probe-rate.XXXXXX)

secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.1f", n / s }'; }

declare -A took
for j in "${jobs[@]}"; do
	t0=$(date +%s%N)
	"$bin/probe" -r glibc -s immediate --trials "$n" --jobs "$j" -q --out "$work/probe-j$j" >/dev/null
	t1=$(date +%s%N)
	took[$j]=$(secs "$t0" "$t1")
done

# The bare loop: the same fakens, in a network and mount namespace of its own with the
# same resolv.conf and nsswitch.conf bind-mounted, getent run N times one after another.
cat >"$work/loop.sh" <<LOOP
set -eu
mount --make-rprivate /
ip link set lo up
printf 'nameserver 127.0.0.1\n' >"$work/resolv.conf"
printf 'hosts: files dns\n' >"$work/nsswitch.conf"
mount --bind "$work/resolv.conf" /etc/resolv.conf
mount --bind "$work/nsswitch.conf" /etc/nsswitch.conf
mkfifo "$work/ready"
"$bin/fakens" --listen 127.0.0.1:53 --no-tcp --rate-limit 0 --ready-fd 3 3>"$work/ready" &
read -r _ <"$work/ready"
t0=\$(date +%s%N)
for i in \$(seq 1 $n); do getent ahosts "t\$i.lab.test" >/dev/null; done
t1=\$(date +%s%N)
kill %1
echo \$(( t1 - t0 ))
LOOP
ns=$(unshare -n -m bash "$work/loop.sh")
loop=$(awk -v ns="$ns" 'BEGIN { printf "%.3f", ns / 1e9 }')

printf '%-36s %8s %10s %8s\n' "what ($n trials or lookups)" "seconds" "per second" "ratio"
for j in "${jobs[@]}"; do
	printf '%-36s %8s %10s %8s\n' "probe -r glibc -s immediate -j $j" "${took[$j]}" \
		"$(rate "$n" "${took[$j]}")" "$(awk -v p="${took[$j]}" -v l="$loop" 'BEGIN { printf "%.2f", l / p }')"
done
printf '%-36s %8s %10s %8s\n' "bare loop of getent ahosts" "$loop" "$(rate "$n" "$loop")" "1.00"
echo "ratio: probe's rate / the bare loop's (issue 5's target: at least 1)"
echo "files in $work"
