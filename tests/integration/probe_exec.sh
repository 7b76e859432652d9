#!/usr/bin/env bash
# exec:COMMAND runs any program with the trial name substituted; its exit status and output
# are recorded in report.json and the wire gives the verdict.
BIN=$1
. "$(dirname "$0")/lib.sh"
need_root

out=$tmp/run
"$BIN/probe" -r 'exec:getent ahosts {name}' -s a-first --trials 2 --out "$out" -q \
	>"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
cat "$tmp/stdout"
check "probe exits 0: getent waits for both answers" test $rc -eq 0
r=$out/report.json
cell() { jq -e --arg r "$1" ".cells[] | select(.resolver==\$r) | $2" "$r"; }
check "getent: correct on the wire" cell 'exec:getent ahosts {name}' '.verdict=="correct"'
check "getent: exit status 0 recorded" cell 'exec:getent ahosts {name}' 'all(.trials[]; .exit_status==0)'
check "getent: its output holds both documentation addresses, for the trial's own name" \
	cell 'exec:getent ahosts {name}' 'all(.trials[]; . as $t | ($t.output|test("2001:db8::10")) and ($t.output|test("192.0.2.10")) and ($t.output|contains($t.name)))'

# A program that asks nothing: its status is recorded, and with no queries on the wire the
# run has no verdict (exit 2).
"$BIN/probe" -r 'exec:sh -c "exit 3" {name}' -s a-first --trials 1 --out "$tmp/run2" -q \
	>/dev/null 2>"$tmp/stderr2"
rc=$?
check "no queries seen: exit 2" test $rc -eq 2
r=$tmp/run2/report.json
check "a program's failing exit status is recorded" \
	cell 'exec:sh -c "exit 3" {name}' 'all(.trials[]; .exit_status==3 and .verdict=="inconclusive")'
finish
