#!/usr/bin/env bash
# Live sniff: a client's verdict line as it forms, and a capture that drops packets (a tiny
# kernel buffer while sniff is stopped and a flood comes) counted, with every verdict saying
# its evidence may be incomplete. All on lo of a network namespace of the test's own.
BIN=$1
. "$(dirname "$0")/lib.sh"
# jqok EXPR FILE: EXPR gives at least one value over the lines of FILE, and every one is true
# (jq -e alone lets an empty file pass and judges by the last line only).
jqok() {
	local out
	out=$(jq -c "$1" "$2") && [[ -n $out ]] && ! grep -qvx true <<<"$out"
}
need_root
in_netns "$@"

mkfifo "$tmp/fready" "$tmp/sready"
"$BIN/fakens" --listen 127.0.0.1:5353 --ready-fd 3 3>"$tmp/fready" 2>"$tmp/fakens.err" &
fpid=$!
cleanup_hooks+=("kill $fpid 2>/dev/null")
read -r -t 5 line <"$tmp/fready"
check "fakens is ready" test "${line:-}" = ready

"$BIN/sniff" -i lo -p 5353 -B 1024 --json -w "$tmp/live.pcapng" --ready-fd 3 3>"$tmp/sready" \
	>"$tmp/out.jsonl" 2>"$tmp/sniff.err" &
spid=$!
cleanup_hooks+=("kill -CONT $spid 2>/dev/null; kill $spid 2>/dev/null")
read -r -t 5 line <"$tmp/sready"
check "sniff is ready" test "${line:-}" = ready

"$BIN/dnsq" 127.0.0.1 5353 t1.lab.test A AAAA >/dev/null
# wait_for JQ-EXPR: up to 10 s for a line of the output to match (the updates come once a
# second; nothing here depends on how long they take).
wait_for() {
	for _ in $(seq 100); do
		jqok "$1 | true" "$tmp/out.jsonl" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
check "a client_update line for 127.0.0.1 while the capture runs" \
	wait_for 'select(.type=="client_update" and .client=="127.0.0.1" and .verdict=="correct" and .incomplete==false)'

# Drops: sniff stopped, its 1 KiB buffer overflows with ICMP errors from a closed port.
kill -STOP $spid
exec 4>/dev/udp/127.0.0.1/9
for _ in $(seq 20000); do printf x >&4 2>/dev/null; done
exec 4>&-
kill -CONT $spid
check "the client's line comes again, saying its evidence may be incomplete" \
	wait_for 'select(.type=="client_update" and .client=="127.0.0.1" and .incomplete==true)'
kill -TERM $spid
wait $spid
rc=$?
check "sniff exits 0 on SIGTERM (no race)" test $rc -eq 0
check "summary: drops counted" \
	jqok 'select(.type=="summary") | .drops_known and .drops > 0 and .incomplete' "$tmp/out.jsonl"
check "client line: evidence may be incomplete" \
	jqok 'select(.type=="client" and .client=="127.0.0.1") | .incomplete' "$tmp/out.jsonl"
check "trial: inconclusive because of the drops" \
	jqok 'select(.type=="trial" and .name=="t1.lab.test") | .verdict=="inconclusive" and .reason=="the capture dropped packets"' "$tmp/out.jsonl"
check "the live -w file reads back with the same trial" \
	bash -c "'$BIN/sniff' -q -r '$tmp/live.pcapng' -p 5353 --json | jq -c 'select(.type==\"trial\") | .name==\"t1.lab.test\"' | grep -qx true"

# The human form says it too.
"$BIN/sniff" -i lo -p 5353 -B 1024 --ready-fd 3 3>"$tmp/sready" >"$tmp/out.txt" 2>"$tmp/sniff2.err" &
spid=$!
cleanup_hooks+=("kill -CONT $spid 2>/dev/null; kill $spid 2>/dev/null")
read -r -t 5 line <"$tmp/sready"
"$BIN/dnsq" 127.0.0.1 5353 t2.lab.test A AAAA >/dev/null
for _ in $(seq 100); do grep -q '^live: 127.0.0.1 correct' "$tmp/out.txt" && break; sleep 0.1; done
check "human: a live line for the client" grep -q '^live: 127.0.0.1 correct (racing 0/1 trials' "$tmp/out.txt"
kill -STOP $spid
exec 4>/dev/udp/127.0.0.1/9
for _ in $(seq 20000); do printf x >&4 2>/dev/null; done
exec 4>&-
kill -CONT $spid
sleep 0.2
kill -TERM $spid
wait $spid
check "human: the summary says the evidence may be incomplete" \
	grep -Eq '^summary: .*verdict inconclusive \(evidence may be incomplete: the capture dropped [0-9]+ packets\)$' "$tmp/out.txt"
check "human: the client row says it" grep -Eq '^127\.0\.0\.1 .*may be incomplete \([0-9]+ dropped\)$' "$tmp/out.txt"
check "-B with -r is refused" bash -c "! '$BIN/sniff' -r /dev/null -B 1024 2>/dev/null"
finish
