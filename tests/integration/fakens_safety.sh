#!/usr/bin/env bash
# fakens in observe mode: drops root after binding (and skips that, with a note, inside a
# user namespace), and limits each client's query rate.
BIN=$1
. "$(dirname "$0")/lib.sh"
need_root
in_netns "$@"

# start_fakens LOG [fakens options...]: runs fakens in the background, sets $pid.
start_fakens() {
	local log=$1
	shift
	rm -f "$tmp/ready"
	mkfifo "$tmp/ready"
	"$@" --log "$log" --ready-fd 3 3>"$tmp/ready" 2>>"$tmp/fakens.err" &
	pid=$!
	cleanup_hooks+=("kill $pid 2>/dev/null")
	read -r -t 5 line <"$tmp/ready"
}
stop_fakens() {
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

start_fakens "$tmp/root.jsonl" "$BIN/fakens" --listen 127.0.0.1:53 --listen '[::1]:53'
check "started as root on port 53" test "${line:-}" = ready
check "runs as nobody once bound" grep -Eq "^Uid:[[:space:]]+$(id -u nobody)[[:space:]]" \
	"/proc/$pid/status"
check "its groups are nobody's alone" grep -Eq "^Groups:[[:space:]]*$(id -g nobody)[[:space:]]*$" \
	"/proc/$pid/status"
check "still answers" grep -q 'rcode=NOERROR' <<<"$("$BIN/dnsq" 127.0.0.1 53 t1.lab.test A)"
check "still answers over IPv6" grep -q 'rcode=NOERROR' <<<"$("$BIN/dnsq" ::1 53 t2.lab.test AAAA)"
stop_fakens
check "the start event says so" jq -e -s \
	'.[0].event=="start" and (.[0].privileges|startswith("dropped to nobody"))' "$tmp/root.jsonl"
check "the log is complete after the drop" jq -e -s '.[-1].event=="stop" and .[-1].answers==2' \
	"$tmp/root.jsonl"

"$BIN/fakens" --user no-such-user-stubprobe --listen 127.0.0.1:5300 2>"$tmp/err"
check "an unknown --user: exit 2" test $? -eq 2
check "an unknown --user: says what to do" grep -q "give an existing unprivileged user" "$tmp/err"

# As a harness without root gets it: root in a user namespace that denies setgroups.
start_fakens "$tmp/userns.jsonl" unshare -U -r -n -- "$BIN/fakens" --listen 127.0.0.1:5353
check "starts in an unprivileged user namespace" test "${line:-}" = ready
stop_fakens
check "the drop is skipped there, with a note" jq -e -s \
	'.[0].event=="start" and (.[0].privileges|startswith("skipped: setgroups"))' \
	"$tmp/userns.jsonl"

start_fakens "$tmp/rl.jsonl" "$BIN/fakens" --listen 127.0.0.1:5353 --listen '[::1]:5353' \
	--rate-limit 2/s,3 --user root
out=$("$BIN/dnsq" -t 300 127.0.0.1 5353 t3.lab.test A A A A A A A A A A)
check "over the limit: only the burst is answered" test "$(grep -c 'rcode=NOERROR' <<<"$out")" -eq 3
out=$("$BIN/dnsq" -t 300 ::1 5353 t4.lab.test A)
check "another client address has its own bucket" grep -q 'rcode=NOERROR' <<<"$out"
stop_fakens
check "the drops are logged once for the second" jq -e -s \
	'[.[] | select(.event=="rate_limited")] | length==1 and .[0].client=="127.0.0.1"' "$tmp/rl.jsonl"
check "and counted in the stop event" jq -e -s \
	'[.[] | select(.event=="stop")][0] | .rate_limited==7 and .queries==4' "$tmp/rl.jsonl"
check "--user root keeps root, not its capabilities" jq -e -s \
	'.[0].privileges=="kept: --user root is root; capabilities dropped"' \
	"$tmp/rl.jsonl"

"$BIN/fakens" --rate-limit lots --listen 127.0.0.1:5300 2>"$tmp/err"
check "a bad --rate-limit: exit 2" test $? -eq 2
check "a bad --rate-limit: says the form" grep -q "such as 1000/s,2000" "$tmp/err"
finish
