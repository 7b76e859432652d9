#!/usr/bin/env bash
# Trials per second: probe running glibc getaddrinfo on a zero-delay scenario (with capture,
# both witnesses and verdicts), beside a bare loop of `getent ahosts` against the same fakens
# in a lab of the bench's own, in the same run. Run as root from the source tree after a
# build: bench/probe_rate.sh BUILD [TRIALS]
set -euo pipefail
build=${1:?usage: bench/probe_rate.sh BUILD [TRIALS]}
n=${2:-300}
bin=$(cd "$build/bin" && pwd)
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$top/scripts/deps.sh" build bench
work=$(mktemp -d /tmp/probe-rate.XXXXXX)

secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.1f", n / s }'; }

declare -A took
for j in 1 8; do
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
"$bin/fakens" --listen 127.0.0.1:53 --no-tcp --ready-fd 3 3>"$work/ready" &
read -r _ <"$work/ready"
t0=\$(date +%s%N)
for i in \$(seq 1 $n); do getent ahosts "t\$i.lab.test" >/dev/null; done
t1=\$(date +%s%N)
kill %1
echo \$(( t1 - t0 ))
LOOP
ns=$(unshare -n -m bash "$work/loop.sh")
loop=$(awk -v ns="$ns" 'BEGIN { printf "%.3f", ns / 1e9 }')

printf '%-36s %8s %10s\n' "what ($n trials or lookups)" "seconds" "per second"
printf '%-36s %8s %10s\n' "probe -r glibc -s immediate -j 1" "${took[1]}" "$(rate "$n" "${took[1]}")"
printf '%-36s %8s %10s\n' "probe -r glibc -s immediate -j 8" "${took[8]}" "$(rate "$n" "${took[8]}")"
printf '%-36s %8s %10s\n' "bare loop of getent ahosts" "$loop" "$(rate "$n" "$loop")"
awk -v p="${took[8]}" -v l="$loop" 'BEGIN { printf "probe -j 8 rate / bare loop rate: %.2f (target: at least 1)\n", l / p }'
awk -v p="${took[1]}" -v l="$loop" 'BEGIN { printf "probe -j 1 rate / bare loop rate: %.2f\n", l / p }'
echo "files in $work"
