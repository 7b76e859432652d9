#!/usr/bin/env bash
# sniff live on lo under a flood it cannot keep up with: what it analysed plus the drops it
# reports is every packet lo carried, no more. On lo each packet passes the capture twice
# (going out and coming in); libpcap hands over one copy, so the kernel must not count drops
# of the other (docs/sniff.md, "Drops").
BIN=$1
. "$(dirname "$0")/lib.sh"
need_root
in_netns "$@"
if ! command -v dnsperf >/dev/null; then
	echo "SKIP: dnsperf is not installed (scripts/deps.sh test)"
	exit 77
fi
sysctl -qw net.ipv6.conf.lo.disable_ipv6=1 2>/dev/null || true

mkfifo "$tmp/fready" "$tmp/sready"
"$BIN/fakens" --listen 127.0.0.1:53 --rate-limit 0 --ready-fd 3 3>"$tmp/fready" \
	>/dev/null 2>"$tmp/fakens.err" &
fpid=$!
cleanup_hooks+=("kill $fpid 2>/dev/null")
# A small kernel buffer, so that the flood overflows it.
"$BIN/sniff" -i lo -B 64 --json -q --window 1 --ready-fd 3 3>"$tmp/sready" \
	>"$tmp/sniff.jsonl" 2>"$tmp/sniff.err" &
spid=$!
cleanup_hooks+=("kill $spid 2>/dev/null")
read -r -t 5 line <"$tmp/fready"
check "fakens is ready" test "${line:-}" = ready
read -r -t 5 line <"$tmp/sready"
check "sniff is ready" test "${line:-}" = ready

# lo's own count: every packet is received once (its transmit count is the same packets).
lorx() { awk '{ sub(/:/, " ") } $1 == "lo" { print $3 }' /proc/net/dev; }
rx0=$(lorx)
printf 'a%d.lab.test A\n' $(seq 1 500) >"$tmp/names"
dnsperf -s 127.0.0.1 -d "$tmp/names" -l 3 -c 4 -q 200 >"$tmp/dnsperf.out" 2>&1
sleep 0.5
rx1=$(lorx)
kill -TERM "$spid"
wait "$spid"
check "sniff exits 0 or 1 on SIGTERM" test $? -le 1
check "sniff said nothing on stderr" test ! -s "$tmp/sniff.err"

summ() { jq -r "select(.type==\"summary\") | $1" "$tmp/sniff.jsonl"; }
frames=$(summ .frames_read)
drops=$(summ .drops)
link=$((rx1 - rx0))
echo "sniff: $frames frames, $drops dropped; lo: $link packets"
check "the drop count is known" test "$(summ .drops_known)" = true
check "the flood overflowed the capture (the case under test)" test "$drops" -gt 0
check "frames + drops = packets on lo ($frames + $drops = $link)" \
	test "$((frames + drops))" -eq "$link"
check "drops make the verdicts incomplete" test "$(summ .incomplete)" = true
finish
