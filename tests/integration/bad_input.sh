#!/usr/bin/env bash
# Bad input of each kind named in issue 2 gets exit status 2 and one line on standard error
# that says what is wrong.
BIN=$1
. "$(dirname "$0")/lib.sh"

# expect2 DESCRIPTION PATTERN COMMAND...: exit 2, exactly one stderr line matching PATTERN.
expect2() {
	local d=$1 pat=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	local rc=$? lines
	lines=$(wc -l <"$tmp/err")
	if [[ $rc -eq 2 && $lines -eq 1 ]] && grep -Eqi -- "$pat" "$tmp/err"; then
		ok "$d: $(cat "$tmp/err")"
	else
		bad "$d: exit $rc, $lines stderr lines: $(head -c 600 "$tmp/err")"
	fi
}

expect2 "probe: unknown directive" "unknown.*bogus" \
	"$BIN/probe" --scenario bogus-d5ms --out "$tmp/r1"
expect2 "probe: malformed directive list" "scenario|directive|name" \
	"$BIN/probe" --scenario 'aaaa-d50ms..a-d0' --out "$tmp/r2"
expect2 "probe: delay out of range" "aaaa-d99s|range|long" \
	"$BIN/probe" --scenario 'aaaa-d99s' --out "$tmp/r3"
expect2 "probe: bad trial count" "trials" "$BIN/probe" --trials 0 --out "$tmp/r4"
expect2 "probe: unknown option" "option" "$BIN/probe" --frobnicate
expect2 "probe: unknown resolver" "resolver.*nosuch" "$BIN/probe" --resolver nosuch --out "$tmp/r5"
expect2 "fakens: malformed zone name" "zone" "$BIN/fakens" --zone 'bad..name'
expect2 "fakens: bad listen address" "listen" "$BIN/fakens" --listen 'not-an-address'
expect2 "sniff: missing capture file" "cannot read.*no such file" "$BIN/sniff" -r "$tmp/none.pcap"
head -c 300 /dev/urandom >"$tmp/corrupt.pcap"
printf 'this is not a capture\n' >>"$tmp/corrupt.pcap"
expect2 "sniff: corrupt capture file" "not a pcap" "$BIN/sniff" -r "$tmp/corrupt.pcap"
expect2 "sniff: interface that does not exist" "no interface.*nosuch0" "$BIN/sniff" -i nosuch0
expect2 "sniff: no source given" "-r|-i" "$BIN/sniff"

# No permission to make namespaces: a user namespace of the test's own in which user
# namespaces are used up (max_user_namespaces 0) and the process holds no capabilities, so
# probe can make neither a network namespace nor a user namespace to make one in.
if [[ $(id -u) -eq 0 ]] && command -v setpriv >/dev/null; then
	expect2 "probe: no permission to make namespaces" "namespace.*root" \
		unshare -U --map-root-user sh -c 'echo 0 >/proc/sys/user/max_user_namespaces &&
			exec setpriv --bounding-set=-all --inh-caps=-all "$@"' sh \
		"$BIN/probe" --trials 1 --out "$tmp/noperm"
fi
finish
