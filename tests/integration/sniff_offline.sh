#!/usr/bin/env bash
# `sniff -r` on the capture of a lab run gives the same trial and client verdicts as sniff
# gave live during that run.
BIN=$1
. "$(dirname "$0")/lib.sh"
need_root

out=$tmp/run
"$BIN/probe" --trials 2 --resolver racer --resolver glibc -s a-first -s aaaa-first --out "$out" -q >/dev/null 2>"$tmp/stderr"
rc=$?
check "probe run succeeded" test $rc -eq 0
[[ $rc -eq 0 ]] || cat "$tmp/stderr"

"$BIN/sniff" -r "$out/capture.pcapng" --json >"$tmp/offline.jsonl"
rc=$?
check "sniff -r exits 1: the capture holds the racer's races" test $rc -eq 1

pick() { jq -c 'select(.type=="trial" or .type=="client")' "$1" | sort; }
pick "$out/sniff.jsonl" >"$tmp/live"
pick "$tmp/offline.jsonl" >"$tmp/off"
check "live run saw trials" test "$(wc -l <"$tmp/live")" -ge 8
check "some trials race (the comparison is not between empty sets)" \
	grep -q '"verdict":"racing"' "$tmp/off"
check "offline verdicts and evidence equal the live ones" diff -u "$tmp/live" "$tmp/off"
finish
