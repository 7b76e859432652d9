#!/usr/bin/env bash
# Two answers due at the same moment from one fakens socket, the first to a client that has
# closed its socket: the second send reports the first one's ICMP error. fakens must still
# log that error as an icmp event at once (not when some later error comes) and still
# answer the live client.
BIN=$1
. "$(dirname "$0")/lib.sh"
need_root
in_netns "$@"

mkfifo "$tmp/ready"
"$BIN/fakens" --listen 127.0.0.1:5353 --no-tcp --log "$tmp/log.jsonl" \
	--ready-fd 3 3>"$tmp/ready" 2>"$tmp/fakens.err" &
pid=$!
cleanup_hooks+=("kill $pid 2>/dev/null")
read -r -t 5 line <"$tmp/ready"
check "fakens says it is ready" test "${line:-}" = ready

for i in 1 2 3; do
	out=$("$BIN/dnsq" -k 127.0.0.1 5353 "aaaa-d20ms.t$i.lab.test" AAAA AAAA)
	check "trial $i: the live client gets its answer" grep -Eq '^AAAA .*rcode=NOERROR' <<<"$out"
done
# Let the last answers go and stop fakens only after the last answer is well past.
sleep 0.2
kill -INT $pid
wait $pid
check "fakens exits 0" test $? -eq 0

log=$tmp/log.jsonl
for i in 1 2 3; do
	check "trial $i: the refused answer is logged as an icmp event" \
		jq -e -s --arg n "aaaa-d20ms.t$i.lab.test" \
		'map(select(.event=="icmp" and .qname==$n)) | length == 1' "$log"
done
finish
