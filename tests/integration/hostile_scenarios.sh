#!/usr/bin/env bash
# Scenario catalogues (--scenarios) with errors, given to probe and fakens: exit 2, one line
# on standard error naming FILE:LINE and the reason, and no run directory or log left behind.
BIN=$(cd "$1" && pwd)
. "$(dirname "$0")/lib.sh"
need_root
in_netns "$@"

work=$tmp/work
mkdir -p "$work"
cd "$work" || exit 2

# bad NAME LINE REASON TEXT: a catalogue NAME.conf holding TEXT (printf format) whose error
# is on LINE, with REASON in the message.
bad_file() {
	local name=$1 line=$2 reason=$3 f=$work/$1.conf
	printf "$4" >"$f"
	local before
	before=$(find "$work" | sort)
	for cmd in "probe run" "probe list" "fakens list" "fakens serve"; do
		case $cmd in
		"probe run") args=("$BIN/probe" --scenarios "$f" -r glibc -n 1 --out "$work/run") ;;
		"probe list") args=("$BIN/probe" --scenarios "$f" --list-scenarios) ;;
		"fakens list") args=("$BIN/fakens" --list-scenarios --scenarios "$f") ;;
		"fakens serve") args=("$BIN/fakens" --scenarios "$f" --listen 127.0.0.1:5399 --log "$work/log.jsonl") ;;
		esac
		timeout 20 "${args[@]}" >"$tmp/out" 2>"$tmp/err" </dev/null
		local rc=$? msg
		msg=$(head -c 400 "$tmp/err")
		if [[ $rc -ne 2 || $(wc -l <"$tmp/err") -ne 1 || -s $tmp/out ]]; then
			bad "$name, $cmd: exit $rc, $(wc -l <"$tmp/err") lines: $msg"
		elif ! grep -qF -- "$f:$line: " "$tmp/err" || ! grep -qF -- "$reason" "$tmp/err"; then
			bad "$name, $cmd: no '$name.conf:$line: ... $reason': $msg"
		elif ! grep -q "fix that line" "$tmp/err"; then
			bad "$name, $cmd: does not say what to do: $msg"
		elif [[ $(find "$work" | sort) != "$before" ]]; then
			bad "$name, $cmd: left something behind"
			rm -rf "$work/run" "$work/log.jsonl"
		else
			ok "$name, $cmd: ${msg#*$work/}"
		fi
	done
}

good='a-first aaaa-d50ms default "A at once, AAAA 50 ms later"\n'
bad_file unknown-directive 2 "unknown directive 'bogus-d5ms'" "$good"'b bogus-d5ms "x"\n'
bad_file empty-label 1 "empty label" 'b aaaa-d5ms..a-d0 "x"\n'
bad_file out-of-range 3 "out of range in 'aaaa-d99s'" "# comment\n$good"'b aaaa-d99s "x"\n'
bad_file conflict 1 "conflicting directive" 'b aaaa-d5ms.aaaa-d6ms "x"\n'
bad_file trial-label 1 "trial label 't000001'" 'b aaaa-d5ms.t000001 "x"\n'
bad_file no-name 2 "missing scenario name" "$good"'   "x"\n'
bad_file bad-name 1 "bad scenario name" 'Bad! - "x"\n'
bad_file long-name 1 "bad scenario name" 'abcdefghijabcdefghijabcdefghijabc - "x"\n'
bad_file no-directives 1 "missing directives" 'lonely\n'
bad_file no-description 1 "missing description" 'b aaaa-d5ms\n'
bad_file unterminated 1 "unterminated description" 'b - "no end\n'
bad_file duplicate 2 "duplicate scenario 'a-first'" "$good$good"
bad_file default-twice 1 "'default' given twice" 'b - default default "x"\n'
bad_file unknown-word 1 "unknown word 'defualt'" 'b - defualt "x"\n'
bad_file after-description 1 "after the description" 'b - "x" more\n'
bad_file control-char 1 "control character" 'b - "a\001b"\n'
bad_file nul-byte 2 "NUL byte" "$good"'b - "a\0b"\n'
bad_file crlf-then-error 2 "unknown directive" 'a - "x"\r\nb nope "y"\r\n'
bad_file long-line 1 "longer than 4096 bytes" "b - \"$(head -c 5000 /dev/zero | tr '\0' x)\"\n"
bad_file binary 1 "bad scenario name" '\377\376\200 - "x"\n'

# Not a line's fault: the whole file. Still exit 2, the file named, nothing left behind.
head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' '#' >"$work/huge.conf"
: >"$work/empty.conf"
mkdir "$work/adir.conf"
for f in huge.conf adir.conf missing.conf; do
	"$BIN/probe" --scenarios "$work/$f" -r glibc -n 1 --out "$work/run" 2>"$tmp/err" >/dev/null
	rc=$?
	check "$f: exit 2 ($(cat "$tmp/err"))" test $rc -eq 2
	check "$f: the message names the file" grep -qF "$work/$f" "$tmp/err"
	check "$f: no run directory" test ! -e "$work/run"
done
"$BIN/probe" --scenarios "$work/empty.conf" -r glibc -n 1 --out "$work/run" 2>"$tmp/err" >/dev/null
rc=$?
check "an empty catalogue: exit 2, nothing to run ($(cat "$tmp/err"))" test $rc -eq 2
check "an empty catalogue: says to name scenarios" grep -q "name some with --scenario" "$tmp/err"
check "an empty catalogue: no run directory" test ! -e "$work/run"
finish
