#!/usr/bin/env bash
# sniff on a pcapng whose two interfaces have different link types (Ethernet and Linux
# cooked v2), which libpcap 1.10 refuses: the racing trial spread over both is found, frames
# keep their numbers, and -w (from a file and from standard input) keeps both interfaces,
# each packet on its own, with the comments (tshark shows frame.interface_id).
BIN=$1
. "$(dirname "$0")/lib.sh"

cat >"$tmp/gen.py" <<'PY'
import struct, sys

def blk(t, body):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", t, n) + body + struct.pack("<I", n)

def opt(code, val):
    return struct.pack("<HH", code, len(val)) + val + b"\0" * (-len(val) % 4)

def ip4(src, dst, proto, payload):
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0, 64, proto, 0,
                       src, dst) + payload

def udp(sp, dp, payload):
    return struct.pack("!HHHH", sp, dp, 8 + len(payload), 0) + payload

QN = b"\x02t1\x03lab\x04test\x00"
def query(qid, qtype):
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + QN + struct.pack("!HH", qtype, 1)
def answer(qid, qtype, rdata):
    return (struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + QN + struct.pack("!HH", qtype, 1)
            + b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, 300, len(rdata)) + rdata)

C, S = bytes([192, 0, 2, 10]), bytes([192, 0, 2, 53])
eth = lambda ip: b"\x02\0\0\0\0\x53\x02\0\0\0\0\x0a\x08\x00" + ip
sll2 = lambda ip: b"\x08\x00\0\0\0\0\0\x02\0\x01\0\x06\x02\0\0\0\0\x0a\0\0" + ip
a_ans = ip4(S, C, 17, udp(53, 40001, answer(0x1234, 1, S)))
aaaa_ans = ip4(S, C, 17, udp(53, 40002, answer(0x1235, 28, b"\x20\x01\x0d\xb8" + b"\0" * 11 + b"\x53")))
frames = [
    (0, eth(ip4(C, S, 17, udp(40001, 53, query(0x1234, 1))))),
    (1, sll2(ip4(C, S, 17, udp(40002, 53, query(0x1235, 28))))),
    (0, eth(ip4(C, S, 6, struct.pack("!HHIIBBHHH", 40000, 443, 1, 0, 0x50, 0x10, 100, 0, 0)))),
    (0, eth(a_ans)),
    (1, sll2(aaaa_ans)),
    (1, sll2(ip4(C, S, 1, struct.pack("!BBHI", 3, 3, 0, 0) + aaaa_ans))),
]
out = blk(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + opt(0, b""))
out += blk(1, struct.pack("<HHI", 1, 0, 65535) + opt(2, b"eth0") + opt(9, b"\x06") + opt(0, b""))
out += blk(1, struct.pack("<HHI", 276, 0, 65535) + opt(2, b"any") + opt(9, b"\x09") + opt(0, b""))
for i, (ifid, f) in enumerate(frames):
    ts = (1700000000 * (10**6 if ifid == 0 else 10**9)) + i * (1000 if ifid == 0 else 10**6)
    out += blk(6, struct.pack("<IIIII", ifid, ts >> 32, ts & 0xFFFFFFFF, len(f), len(f)) + f)
open(sys.argv[1], "wb").write(out)
PY
cap=$tmp/multi.pcapng
python3 "$tmp/gen.py" "$cap"
check "the generator wrote the capture" test -s "$cap"

"$BIN/sniff" -r "$cap" --json >"$tmp/out.jsonl" 2>"$tmp/err"
rc=$?
check "two link types: sniff reads it and finds the race (exit 1)" test $rc -eq 1
check "every frame read, the TCP/443 one passed over by the default filter" \
	jq -e 'select(.type=="summary") | .frames_read == 6 and .frames == 5 and .verdict == "racing"' "$tmp/out.jsonl"
check "the evidence names frames by their place in the file" \
	jq -s -e '[.[] | select(.type=="trial")][0].evidence[0] | .query_frame == 2 and .answer_frame == 5 and .icmp_frame == 6 and .taken_frame == 4' "$tmp/out.jsonl"
check "the summary names the first interface's link type" \
	jq -e 'select(.type=="summary") | .linktype == "Ethernet"' "$tmp/out.jsonl"
check "no note on standard error but the summary's own" bash -c "! grep -v '^sniff: ' '$tmp/err'"

# tshark's view of the annotated copy: frame number, interface, comment.
fields() {
	tshark -r "$1" -T fields -e frame.number -e frame.interface_id -e frame.comment 2>/dev/null
}
"$BIN/sniff" -q -r "$cap" -w "$tmp/annotated.pcapng" >/dev/null
check "-w: the annotated copy is written" test -s "$tmp/annotated.pcapng"
if command -v tshark >/dev/null; then
	fields "$tmp/annotated.pcapng" >"$tmp/fields"
	check "-w: all six frames, each on its own interface" \
		bash -c "cut -f1,2 '$tmp/fields' | tr '\t' ' ' | paste -sd, | grep -qx '1 0,2 1,3 0,4 0,5 1,6 1'"
	check "-w: the refused AAAA answer (frame 5, interface 1) has its comment" \
		bash -c "awk -F'\t' '\$1==5 && \$2==1 && \$3 ~ /refused/' '$tmp/fields' | grep -q ."
	check "-w: the ICMP error (frame 6) and the taken A answer (frame 4) have theirs" \
		bash -c "awk -F'\t' '(\$1==6 && \$3 ~ /ICMP port unreachable/) || (\$1==4 && \$3 ~ /taken/)' '$tmp/fields' | wc -l | grep -qx 2"
	check "-w: the Linux cooked v2 interface keeps its link type" \
		bash -c "tshark -r '$tmp/annotated.pcapng' -T fields -e frame.number -e sll.pkttype -Y 'frame.interface_id == 1' 2>/dev/null | wc -l | grep -qx 3"

	"$BIN/sniff" -q -r - -w "$tmp/from-stdin.pcapng" <"$cap" >/dev/null
	fields "$tmp/from-stdin.pcapng" >"$tmp/fields-stdin"
	check "-r - -w: the copy kept from standard input has both interfaces too" \
		cmp "$tmp/fields" "$tmp/fields-stdin"
	check "-r - -w: the spool beside it is gone" bash -c "! ls '$tmp'/from-stdin.pcapng.stdin-* 2>/dev/null"
else
	bad "tshark missing (scripts/packages/test.txt)"
fi

# -f: the expression compiled for each link type; frames of both pass.
"$BIN/sniff" -r "$cap" -f 'udp or icmp' --json >"$tmp/f.jsonl" 2>/dev/null
rc=$?
check "-f on two link types: still the race (exit 1)" test $rc -eq 1
check "-f 'udp or icmp': the five frames of both interfaces" \
	jq -e 'select(.type=="summary") | .frames == 5' "$tmp/f.jsonl"
"$BIN/sniff" -r "$cap" -f 'vlan and udp' 2>"$tmp/f.err" >/dev/null
rc=$?
check "-f that does not compile for Linux cooked v2: exit 2, saying so" \
	bash -c "test $rc -eq 2 && grep -q \"bad filter 'vlan and udp' for link type Linux cooked v2\" '$tmp/f.err'"

finish
