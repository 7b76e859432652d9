#!/usr/bin/env bash
# sniff on damaged captures: a clear error (exit 2) when nothing can be read, a note and the
# analysis of what could be read otherwise; never a crash. The files are made here, byte by
# byte, from one good capture of a racing trial (raw IPv4).
BIN=$1
. "$(dirname "$0")/lib.sh"
# jqok EXPR FILE: EXPR gives at least one value over the lines of FILE, and every one is true
# (jq -e alone lets an empty file pass and judges by the last line only).
jqok() {
	local out
	out=$(jq -c "$1" "$2") && [[ -n $out ]] && ! grep -qvx true <<<"$out"
}

# Little-endian fields and pcap records as printf escapes.
le32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
hex() { sed 's/\([0-9a-f][0-9a-f]\)/\\x\1/g' <<<"$1"; }
# pcap file header for a link type (101 = raw IP).
pcap_header() { printf "\\xd4\\xc3\\xb2\\xa1\\x02\\x00\\x04\\x00$(le32 0)$(le32 0)$(le32 65535)$(le32 "$1")"; }
# record SECONDS USEC HEX [CAPLEN [LEN]]: one packet record, lengths from the bytes unless given.
record() {
	local n=$((${#3} / 2))
	printf "$(le32 "$1")$(le32 "$2")$(le32 "${4:-$n}")$(le32 "${5:-${4:-$n}}")$(hex "$3")"
}

# An A and an AAAA query from 192.0.2.10 (ports 40001, 40002) to 192.0.2.53, both answers,
# and an ICMP port unreachable quoting the AAAA answer: one racing trial.
name=0174076c61627465737400 # "t.labtest": the analysis needs no zone
ip() { # ip SRC DST PROTO PAYLOADHEX: IPv4 header (checksum 0: sniff does not check it)
	printf '4500%04x000000004%s0000%s%s%s' $((20 + ${#4} / 2)) "$(printf '0%02x' "$3")" \
		"$1" "$2" "$4"
}
udp() { printf '%04x%04x%04x0000%s' "$1" "$2" $((8 + ${#3} / 2)) "$3"; }
C=c000020a S=c0000235
q_a=$(ip $C $S 17 "$(udp 40001 53 "123401000001000000000000${name}00010001")")
q_aaaa=$(ip $C $S 17 "$(udp 40002 53 "123501000001000000000000${name}001c0001")")
ans_a=$(ip $S $C 17 "$(udp 53 40001 "123481800001000100000000${name}00010001c00c000100010000012c0004c0000201")")
ans_aaaa=$(ip $S $C 17 "$(udp 53 40002 "123581800001000100000000${name}001c0001c00c001c00010000012c001020010db8000000000000000000000001")")
icmp=$(ip $C $S 1 "0303000000000000$ans_aaaa")
garbage_icmp=$(ip $C $S 1 "03030000000000004f0000ffffffff1111deadbeef")

good=$tmp/good.pcap
{
	pcap_header 101
	record 100 0 "$q_a"
	record 100 10 "$q_aaaa"
	record 100 500 "$ans_a"
	record 100 900 "$ans_aaaa"
	record 100 950 "$icmp"
} >"$good"

"$BIN/sniff" -r "$good" --json >"$tmp/good.jsonl" 2>"$tmp/good.err"
rc=$?
check "the good capture races (exit 1)" test $rc -eq 1
check "the good capture: one race over 5 frames" \
	jqok 'select(.type=="summary") | .frames == 5 and .verdict == "racing"' "$tmp/good.jsonl"

# run NAME FILE: sniff's exit status in $rc, stderr in $tmp/NAME.err, stdout in $tmp/NAME.out
run() {
	"$BIN/sniff" -r "$2" --json >"$tmp/$1.out" 2>"$tmp/$1.err"
	rc=$?
	check "$1: no crash (exit status $rc is 0, 1 or 2)" test $rc -le 2
	check "$1: every line on stderr starts with 'sniff:'" \
		bash -c "! grep -v '^sniff: ' '$tmp/$1.err'"
}

: >"$tmp/empty.pcap"
run empty "$tmp/empty.pcap"
check "empty file: exit 2" test $rc -eq 2
check "empty file: says it is not a capture and what to give" \
	grep -q "is not a pcap or pcapng file.*give a pcap or pcapng file with -r" "$tmp/empty.err"

{ printf 'GARBAGE!'; tail -c +9 "$good"; } >"$tmp/magic.pcap"
run bad_magic "$tmp/magic.pcap"
check "bad magic: exit 2 with the reason" test $rc -eq 2
check "bad magic: the message names the file" grep -q "'$tmp/magic.pcap' is not a pcap" \
	"$tmp/bad_magic.err"

head -c 10 "$good" >"$tmp/short_header.pcap"
run short_header "$tmp/short_header.pcap"
check "file header cut short: exit 2" test $rc -eq 2

size=$(stat -c %s "$good")
head -c $((size - 20)) "$good" >"$tmp/cut.pcap"
run cut "$tmp/cut.pcap"
check "cut in the last packet: the 4 whole packets analysed" \
	jqok 'select(.type=="summary") | .frames == 4' "$tmp/cut.out"
check "cut in the last packet: a note says where" \
	grep -q "capture ends in the middle of packet 5; analysed the 4 packets before it" "$tmp/cut.err"
check "cut in the last packet: exit 0 (no ICMP error left to race)" test $rc -eq 0

head -c $((24 + 16 + 8)) "$good" >"$tmp/cut_first.pcap"
run cut_first "$tmp/cut_first.pcap"
check "cut in the first packet: nothing analysed, exit 0" test $rc -eq 0

{
	pcap_header 101
	record 100 0 "$q_a"
	record 100 1 ""
	record 100 2 "" 0 1500
	record 100 10 "$q_aaaa"
	record 100 500 "$ans_a"
	record 100 900 "$ans_aaaa"
	record 100 950 "$icmp"
} >"$tmp/zero.pcap"
run zero_length "$tmp/zero.pcap"
check "zero-length packets: the rest still races (exit 1)" test $rc -eq 1
check "zero-length packets: the filter passes over them, they keep their numbers" \
	jqok 'select(.type=="summary") | .frames == 5 and .frames_read == 7 and
		.display_filter == "frame.number in {4..7}"' "$tmp/zero_length.out"
"$BIN/sniff" -r "$tmp/zero.pcap" -f '' --json >"$tmp/zero_all.out" 2>"$tmp/zero_all.err"
rc=$?
check "zero-length packets, no filter: still races (exit 1)" test $rc -eq 1
check "zero-length packets, no filter: a note for each" \
	grep -q "frame 3 skipped" "$tmp/zero_all.err"
check "zero-length packets, no filter: counted as skipped" \
	jqok 'select(.type=="summary") | .skipped == 2 and .frames == 7' "$tmp/zero_all.out"

# Notes keep the order of the frames although the analysis (and its skip notes) runs on a
# second thread: the skip notes of frames 2 and 3 come before the note about the cut at 8.
zsize=$(stat -c %s "$tmp/zero.pcap")
{ cat "$tmp/zero.pcap"; record 100 990 "$q_a" | head -c 20; } >"$tmp/zero_cut.pcap"
"$BIN/sniff" -r "$tmp/zero_cut.pcap" -f '' --json >/dev/null 2>"$tmp/zero_cut.err"
check "notes in frame order: skip notes of frames 2 and 3, then the cut at packet 8" \
	test "$(grep -o 'frame [0-9]* skipped\|ends in the middle of packet [0-9]*' \
		"$tmp/zero_cut.err" | tr '\n' ' ')" = \
	"frame 2 skipped frame 3 skipped ends in the middle of packet 8 "
check "notes in frame order: the cut file is the whole one and 20 bytes more" \
	test "$(stat -c %s "$tmp/zero_cut.pcap")" -eq $((zsize + 20))

{
	pcap_header 101
	record 100 0 "$q_a"
	printf "$(le32 100)$(le32 1)$(le32 2147483647)$(le32 2147483647)"
	record 100 10 "$q_aaaa"
} >"$tmp/absurd.pcap"
run absurd_length "$tmp/absurd.pcap"
check "absurd record length: a note that the capture is damaged at packet 2" \
	grep -q "capture is damaged at packet 2" "$tmp/absurd_length.err"
check "absurd record length: the packet before it analysed" \
	jqok 'select(.type=="summary") | .frames == 1' "$tmp/absurd_length.out"

{
	pcap_header 101
	record 100 0 "$q_a"
	record 100 10 "$ans_a" 40 200
	record 100 20 "$ans_aaaa" 28
} >"$tmp/snapped.pcap"
run short_snap "$tmp/snapped.pcap"
check "packets cut by the snap length: no error" test $rc -le 1

{
	pcap_header 101
	record 100 0 "$q_a"
	record 100 500 "$ans_a"
	record 100 950 "$garbage_icmp"
	record 100 951 "$(ip $C $S 1 "0303000000000000")"
	record 100 952 "$(ip $C $S 1 "0303000000000000450000140000000040")"
	record 100 953 "$(ip $C $S 1 "$(printf '0303000000000000%s' "$(printf 'ff%.0s' {1..80})")")"
} >"$tmp/garbage.pcap"
run icmp_garbage "$tmp/garbage.pcap"
check "ICMP quoting garbage: exit 0, no refusal made of it" test $rc -eq 0
check "ICMP quoting garbage: no trial races" \
	jqok 'select(.type=="summary") | .verdict != "racing"' "$tmp/icmp_garbage.out"

{ pcap_header 147; record 100 0 "$q_a"; } >"$tmp/user0.pcap"
run linktype "$tmp/user0.pcap"
check "unsupported link type: exit 2 naming it" grep -q "link type .* (147), which sniff does not read" "$tmp/linktype.err"

# pcapng: a good file written by sniff itself, then a block length no file can have.
"$BIN/sniff" -q -r "$good" -w "$tmp/good.pcapng" >/dev/null
check "sniff -w writes a pcapng of the good capture" test -s "$tmp/good.pcapng"
{ head -c 4 "$tmp/good.pcapng"; printf '\xff\xff\xff\x7f'; tail -c +9 "$tmp/good.pcapng"; } \
	>"$tmp/badshb.pcapng"
run pcapng_bad_shb "$tmp/badshb.pcapng"
check "pcapng with a broken section header: exit 2" test $rc -eq 2
ng=$(stat -c %s "$tmp/good.pcapng")
head -c $((ng - 30)) "$tmp/good.pcapng" >"$tmp/cut.pcapng"
run pcapng_cut "$tmp/cut.pcapng"
check "pcapng cut in the last block: the packets before it analysed" \
	jqok 'select(.type=="summary") | .frames == 4' "$tmp/pcapng_cut.out"

"$BIN/sniff" -q -r "$tmp/cut.pcap" -w "$tmp/cut-annotated.pcapng" >/dev/null
rc=$?
check "-w on a cut capture: the frames before the cut are written" test $rc -le 1
check "-w on a cut capture: the annotated file reads back" \
	bash -c "'$BIN/sniff' -q -r '$tmp/cut-annotated.pcapng' --json | jq -c 'select(.type==\"summary\") | .frames == 4' | grep -qx true"

head -c 100000 /dev/urandom >"$tmp/random.bin"
run random "$tmp/random.bin"
check "random bytes: exit 2" test $rc -eq 2

finish
