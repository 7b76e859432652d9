#!/usr/bin/env bash
# Every command-line option of fakens, sniff and probe given bad values (empty, negative, out
# of range, not a number, trailing garbage, missing, unknown, files that do not exist, are
# directories or cannot be read or written): exit 2, nothing on standard output, one line on
# standard error that names the option and says what to do, and nothing left behind: no
# file or directory made, none that existed changed.
BIN=$(cd "$1" && pwd)
. "$(dirname "$0")/lib.sh"
need_root
in_netns "$@"

work=$tmp/work # every command runs here, and writes only here
mkdir -p "$work/dir"
printf 'existing\n' >"$work/existing.jsonl"
cp "$(dirname "$0")/../golden/captures/race-v4.pcap" "$work/good.pcap"
printf 'a-first aaaa-d50ms default "x"\n' >"$work/good.conf"
printf 'secret\n' >"$work/unreadable"
chmod 000 "$work/unreadable"
mkdir "$work/ro" && chmod 555 "$work/ro"
# Root reads and writes anything; without these two capabilities it is held to the modes.
nodac=(setpriv --bounding-set=-dac_override,-dac_read_search --inh-caps=-dac_override,-dac_read_search)

snapshot() { (cd "$work" && find . -printf '%p %y %s %m\n' | sort && find . -type f -perm -u+r -exec md5sum {} + | sort); }
before=$(snapshot)

# expect OPTION COMMAND...: the command fails as above; OPTION is text the message must hold
# (the option's name as given).
expect() {
	local opt=$1 prog
	shift
	prog=$(for a in "$@"; do case $a in */fakens | */sniff | */probe) basename "$a" && break ;; esac; done)
	(cd "$work" && timeout 20 "$@" >"$tmp/out" 2>"$tmp/err" </dev/null)
	local rc=$? lines what
	lines=$(wc -l <"$tmp/err")
	what="$(printf '%q ' "$@")"
	what=${what//$BIN\//}
	what=${what//$work\//}
	if [[ $rc -ne 2 ]]; then
		bad "$what: exit $rc, not 2: $(head -c 300 "$tmp/err")"
	elif [[ -s $tmp/out ]]; then
		bad "$what: wrote to standard output: $(head -c 200 "$tmp/out")"
	elif [[ $lines -ne 1 ]]; then
		bad "$what: $lines lines on standard error: $(head -c 400 "$tmp/err")"
	elif ! grep -q "^$prog: " "$tmp/err"; then
		bad "$what: the message does not start '$prog: ': $(cat "$tmp/err")"
	elif ! grep -qF -- "$opt" "$tmp/err"; then
		bad "$what: the message does not name '$opt': $(cat "$tmp/err")"
	elif ! grep -Eq '[;:,] (give|see|use|choose|check|run|set|open|fix|build|split|name|free|list|stop|bring|expected|start|pass)' "$tmp/err"; then
		bad "$what: the message does not say what to do: $(cat "$tmp/err")"
	elif [[ $(snapshot) != "$before" ]]; then
		bad "$what: left something behind: $(diff <(echo "$before") <(snapshot) | head -5)"
		before=$(snapshot) # one failure, not every one after it
	else
		ok "$what: $(cat "$tmp/err")"
	fi
}

numbers=("" -1 abc 5x 99999999999999999999 " 5" +5 0x10)

# ---- fakens ----
F=$BIN/fakens
L=(--listen 127.0.0.1:5399)
for v in "${numbers[@]}" 0 600001; do expect --tcp-idle-ms "$F" "${L[@]}" --tcp-idle-ms "$v"; done
for v in "${numbers[@]}" 1000001; do expect --spin-us "$F" "${L[@]}" --spin-us "$v"; done
for v in "${numbers[@]}" 1 99; do expect --ready-fd "$F" "${L[@]}" --ready-fd "$v"; done
for v in "${numbers[@]}" 1/m /s 1/s, 1/s,x 10000001; do
	expect --rate-limit "$F" "${L[@]}" --rate-limit "$v"
done
for v in "" : 127.0.0.1: 127.0.0.1:-1 127.0.0.1:65536 127.0.0.1:53x '[::1' '[::1]x' '[::1]:' \
	127.0.0.1:53@0 127.0.0.1:53@10 127.0.0.1:53@ 127.0.0.1:53@x localhost:53 1.2.3.4.5; do
	expect --listen "$F" --listen "$v"
done
many=()
for p in {1..65}; do many+=(-l "127.0.0.1:$p"); done
expect --listen "$F" "${many[@]}"
for v in "" . a..b .a "$(printf 'a%.0s' {1..64}).test"; do expect --zone "$F" "${L[@]}" --zone "$v"; done
for v in "" bogus ::zz 1.2.3.4.5 127.0.0.1:53; do
	expect --other-source "$F" "${L[@]}" --other-source "$v"
done
# An address of no interface here: refused when fakens binds, before it logs anything.
expect --other-source "$F" "${L[@]}" --other-source 192.0.2.77 --log new.jsonl
expect --user "$F" "${L[@]}" --user ""
expect --user "$F" "${L[@]}" --user no-such-user-stubprobe --log new.jsonl
expect --log "$F" "${L[@]}" --log ""
expect dir "$F" "${L[@]}" --log dir
expect nodir/x.jsonl "$F" "${L[@]}" --log nodir/x.jsonl
expect ro/x.jsonl "${nodac[@]}" "$F" "${L[@]}" --log ro/x.jsonl
# A bad option after --log: the existing log is neither created nor touched.
expect --spin-us "$F" "${L[@]}" --log existing.jsonl --spin-us x
expect --ready-fd "$F" "${L[@]}" --log new.jsonl --ready-fd 99
for f in "" missing.conf dir; do expect "'$f'" "$F" --list-scenarios --scenarios "$f"; done
expect unreadable "${nodac[@]}" "$F" --list-scenarios --scenarios unreadable
expect missing.conf "$F" "${L[@]}" --scenarios missing.conf
for o in --listen --zone --log --ready-fd --spin-us --rate-limit --user --tcp-idle-ms \
	--other-source --scenarios -l -z -L; do
	expect "$o" "$F" "$o"
done
for o in --no-tcp --list-scenarios --help --version; do expect "$o" "$F" "$o=1"; done
expect --bogus "$F" --bogus
expect -x "$F" -x
expect --list "$F" --list # --listen or --list-scenarios
expect extra "$F" "${L[@]}" extra

# ---- sniff ----
S=$BIN/sniff
R=(-r good.pcap)
for v in "${numbers[@]}" 0 65536; do expect -p "$S" "${R[@]}" -p "$v"; done
for v in "${numbers[@]}" 31622401; do expect --window "$S" "${R[@]}" --window "$v"; done
for v in "${numbers[@]}" 0 1048577; do expect -B "$S" -i lo -B "$v"; done
for v in "${numbers[@]}" 2 99; do expect --ready-fd "$S" -i lo --ready-fd "$v"; done
expect -B "$S" "${R[@]}" -B 1024
expect --ready-fd "$S" "${R[@]}" --ready-fd 1
expect -f "$S" "${R[@]}" -f 'udp port'
expect -f "$S" -i lo -f 'not a filter'
for v in "" nosuch0; do expect -i "$S" -i "$v"; done
for f in "" missing.pcap dir; do expect -r "$S" -r "$f"; done
expect -r "${nodac[@]}" "$S" -r unreadable
expect -r "$S" -r existing.jsonl
for w in "" dir nodir/x.pcapng; do expect -w "$S" "${R[@]}" -w "$w"; done
expect -w "${nodac[@]}" "$S" "${R[@]}" -w ro/x.pcapng
expect -w "${nodac[@]}" "$S" -i lo -w ro/x.pcapng
expect -w "$S" "${R[@]}" -w good.pcap
# The capture cannot be read: the -w file that exists is left as it was.
expect -r "$S" -r missing.pcap -w existing.jsonl
expect -r "$S" -r dir -w new.pcapng
expect "-i IFACE" "$S"
expect "-i" "$S" -i lo -r good.pcap
for o in -i -r -w -f -p --port --window --ready-fd -B --buffer-size; do expect "$o" "$S" "$o"; done
for o in --json --all-trials --per-client --quiet --help --version; do expect "$o" "$S" "${R[@]}" "$o=1"; done
expect --bogus "$S" --bogus
expect -Z "$S" -qZ
expect extra "$S" "${R[@]}" extra

# ---- probe ----
P=$BIN/probe
O=(--out run)
for v in "${numbers[@]}" 0 1001; do expect --trials "$P" "${O[@]}" --trials "$v"; done
for v in "${numbers[@]}" 0 65; do expect --jobs "$P" "${O[@]}" --jobs "$v"; done
many=()
for d in {1..101}; do many+=(-s "a-d${d}ms"); done
# 10 resolvers x 101 scenarios x 1000 trials: more than six digits can number.
expect "split the run" "$P" "${O[@]}" -n 1000 "${many[@]}" -r racer -r glibc -r glibc-use-vc \
	-r glibc-single-request -r glibc-single-request-reopen -r glibc-short -r c-ares \
	-r c-ares-usevc -r c-ares-igntc -r c-ares-primary
for v in "" nosuch exec: "exec:"; do expect "resolver '$v'" "$P" "${O[@]}" --resolver "$v"; done
for v in "" bogus-d5ms aaaa-d99s 'a..b' aaaa-d5ms.t000001 aaaa-d5ms.aaaa-d6ms; do
	expect "scenario '$v'" "$P" "${O[@]}" --scenario "$v"
done
expect --out "$P" --out ""
expect dir "$P" --out dir
expect existing.jsonl "$P" --out existing.jsonl
expect existing.jsonl/run "$P" -r glibc -s a-first -n 1 --out existing.jsonl/run
expect ro/run "${nodac[@]}" "$P" -r glibc -s a-first -n 1 --out ro/run
for f in "" missing.conf dir; do expect "'$f'" "$P" "${O[@]}" --scenarios "$f"; done
expect unreadable "${nodac[@]}" "$P" --list-scenarios --scenarios unreadable
for v in "" bogus one-host,two-host; do expect --topology "$P" "${O[@]}" --topology "$v"; done
for f in "" missing.json dir existing.jsonl; do expect --baseline "$P" "${O[@]}" --baseline "$f"; done
for o in --resolver --scenario --trials --jobs --out --scenarios --topology --baseline -r -s -n -j -o; do
	expect "$o" "$P" "$o"
done
for o in --list-scenarios --list-resolvers --quiet --help --version; do expect "$o" "$P" "$o=1"; done
expect --bogus "$P" --bogus
expect -Z "$P" -qZ
expect --list "$P" --list # --list-scenarios or --list-resolvers
expect extra "$P" "${O[@]}" extra
expect observe "$P" run observe # "run" takes options only, not another subcommand

chmod 755 "$work/ro"
finish
