#!/usr/bin/env bash
# sniff on hostile captures, beyond sniff_malformed.sh (damaged files) and the golden cases:
# packets whose headers lie (IP header and total lengths, UDP lengths, IPv6 extension
# chains), DNS names that loop or point forward, counts far above what the packet holds,
# TCP DNS lengths out of range, ICMP errors that quote garbage, other ICMP errors or the
# wrong protocol, and pcapng blocks whose lengths disagree. Each file is such frames and one
# good racing trial (the pcap files: garbage first; the pcapng files: blocks after): sniff
# must not crash or stop, must make no race of the garbage, and must still find that one
# race (exit 1, one racing trial with one race).
BIN=$1
. "$(dirname "$0")/lib.sh"

gen=$tmp/gen.py
cat >"$gen" <<'PY'
import struct, sys

out = sys.argv[1]

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF

C4, S4 = bytes([192, 0, 2, 10]), bytes([192, 0, 2, 53])
C6 = bytes.fromhex("20010db8000000000000000000000010")
S6 = bytes.fromhex("20010db8000000000000000000000053")

def ip4(src, dst, proto, payload, ihl=5, total=None, opts=b""):
    total = 20 + len(opts) + len(payload) if total is None else total
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total & 0xFFFF, 0, 0, 64, proto, 0, src, dst)
    return h + opts + payload

def ip6(src, dst, nh, payload, plen=None):
    plen = len(payload) if plen is None else plen
    return struct.pack("!IHBB16s16s", 0x60000000, plen & 0xFFFF, nh, 64, src, dst) + payload

def udp(sport, dport, payload, length=None):
    length = 8 + len(payload) if length is None else length
    return struct.pack("!HHHH", sport, dport, length & 0xFFFF, 0) + payload

def tcp(sport, dport, seq, payload, flags=0x18):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 65535, 0, 0) + payload

def name(text):
    return b"".join(bytes([len(l)]) + l.encode() for l in text.split(".")) + b"\0"

QN = name("t1.lab.test")

def query(qid, qtype, qname=QN, qd=1):
    return struct.pack("!HHHHHH", qid, 0x0100, qd, 0, 0, 0) + qname + struct.pack("!HH", qtype, 1)

def answer(qid, qtype, rdata, an=1, qd=1):
    h = struct.pack("!HHHHHH", qid, 0x8180, qd, an, 0, 0)
    rr = b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, 300, len(rdata)) + rdata
    return h + QN + struct.pack("!HH", qtype, 1) + rr

def icmp4(t, c, quoted):
    return struct.pack("!BBHI", t, c, 0, 0) + quoted

def icmp6(t, c, quoted):
    return struct.pack("!BBHI", t, c, 0, 0) + quoted

# The trial that races: A and AAAA from two ports, both answered, the AAAA answer refused.
a_ans = ip4(S4, C4, 17, udp(53, 40001, answer(0x1234, 1, bytes([192, 0, 2, 1]))))
aaaa_ans = ip4(S4, C4, 17, udp(53, 40002, answer(0x1235, 28, S6)))
RACE = [
    ip4(C4, S4, 17, udp(40001, 53, query(0x1234, 1))),
    ip4(C4, S4, 17, udp(40002, 53, query(0x1235, 28))),
    a_ans,
    aaaa_ans,
    ip4(C4, S4, 1, icmp4(3, 3, aaaa_ans)),
]

def dns_hdr(qid, flags, qd, an, ns=0, ar=0):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)

cases = {}
# ---- IPv4 and UDP headers that lie ----
q = udp(41000, 53, query(0x2000, 1))
cases["ihl-under-5"] = [ip4(C4, S4, 17, q, ihl=3), ip4(C4, S4, 17, q, ihl=0)]
cases["ihl-past-end"] = [ip4(C4, S4, 17, b"\0" * 8, ihl=15)]
cases["total-length-huge"] = [ip4(C4, S4, 17, q, total=65535)]
cases["total-length-under-header"] = [ip4(C4, S4, 17, q, total=10), ip4(C4, S4, 17, q, total=0)]
cases["udp-length-lies"] = [ip4(C4, S4, 17, udp(41001, 53, query(0x2001, 1), length=4)),
                            ip4(C4, S4, 17, udp(41002, 53, query(0x2002, 1), length=60000)),
                            ip4(C4, S4, 17, udp(41003, 53, b"", length=0))]
cases["ip-version-7"] = [bytes([0x75]) + ip4(C4, S4, 17, q)[1:]]
cases["fragments-that-overlap"] = [
    ip4(C4, S4, 17, q[:16])[:6] + b"\x20\x00" + ip4(C4, S4, 17, q[:16])[8:],
    ip4(C4, S4, 17, q[:16])[:6] + b"\x00\x01" + ip4(C4, S4, 17, q[:16])[8:],
    ip4(C4, S4, 17, q)[:6] + b"\x3f\xff" + ip4(C4, S4, 17, q)[8:]]
# ---- IPv6 ----
chain = b""
for i in range(200):  # 200 destination-options headers, each pointing at the next
    chain += bytes([60, 0]) + b"\x01\x04\0\0\0\0"
cases["ipv6-extension-chain"] = [ip6(C6, S6, 60, chain + udp(41004, 53, query(0x2004, 1)))]
cases["ipv6-extension-past-end"] = [ip6(C6, S6, 0, bytes([17, 255]) + b"\0" * 6)]
cases["ipv6-payload-length-lies"] = [ip6(C6, S6, 17, udp(41005, 53, query(0x2005, 28)), plen=65535),
                                     ip6(C6, S6, 17, udp(41006, 53, query(0x2006, 28)), plen=3)]
# ---- DNS names and counts ----
loop_self = dns_hdr(0x2100, 0x0100, 1, 0) + b"\xc0\x0c" + b"\0\x01\0\x01"
loop_two = dns_hdr(0x2101, 0x0100, 1, 0) + b"\x01a\xc0\x12" + b"\x01b\xc0\x0c" + b"\0\x01\0\x01"
forward = dns_hdr(0x2102, 0x0100, 1, 0) + b"\xc0\x20" + b"\0\x01\0\x01" + b"\0" * 20
deep = dns_hdr(0x2103, 0x0100, 1, 0)
for i in range(200):  # 200 pointers, each to the one before: a name nowhere near its end
    deep += b"\x01x" + (struct.pack("!H", 0xC000 | (12 + 4 * (i - 1))) if i else b"\0")
deep += struct.pack("!HH", 1, 1)
ans_loop = dns_hdr(0x1234, 0x8180, 1, 1) + QN + b"\0\x01\0\x01" + b"\xc0\x1d" + b"\0\x01\0\x01" + \
    struct.pack("!IH", 300, 4) + bytes([192, 0, 2, 66])
counts = dns_hdr(0x1235, 0x8180, 1, 65535, 65535, 65535) + QN + b"\0\x1c\0\x01"
rdlen = dns_hdr(0x1235, 0x8180, 1, 1) + QN + b"\0\x1c\0\x01" + b"\xc0\x0c\0\x1c\0\x01" + \
    struct.pack("!IH", 300, 65535) + b"\0" * 4
cases["dns-pointer-loops"] = [ip4(C4, S4, 17, udp(41010 + i, 53, m))
                              for i, m in enumerate([loop_self, loop_two, forward, deep])]
cases["dns-answer-loops"] = [ip4(S4, C4, 17, udp(53, 40001, ans_loop))]
cases["dns-counts-and-rdlength-lie"] = [ip4(S4, C4, 17, udp(53, 40002, counts)),
                                        ip4(S4, C4, 17, udp(53, 40002, rdlen))]
cases["dns-qdcount-0-and-many"] = [ip4(C4, S4, 17, udp(41020, 53, dns_hdr(0x2200, 0x0100, 0, 0))),
                                   ip4(C4, S4, 17, udp(41021, 53, query(0x2201, 1, qd=65535)))]
# ---- DNS over TCP ----
cases["tcp-lengths-lie"] = [
    ip4(C4, S4, 6, tcp(41030, 53, 1, b"\xff\xff" + query(0x2300, 1))),
    ip4(C4, S4, 6, tcp(41031, 53, 1, b"\x00\x00" * 50)),
    ip4(C4, S4, 6, tcp(41032, 53, 1, b"\x00")),
    ip4(C4, S4, 6, tcp(41032, 53, 0xFFFFFFFF, b"\x00\x05abcde")),
    ip4(S4, C4, 6, tcp(53, 41030, 7, b"\x00\x0c" + b"\xff" * 12))]
# ---- ICMP errors that quote garbage, other errors, or other protocols ----
nested = icmp4(3, 3, ip4(C4, S4, 1, icmp4(3, 3, aaaa_ans)))
cases["icmp-quotes"] = [
    ip4(C4, S4, 1, icmp4(3, 3, ip4(S4, C4, 1, nested))),               # an error quoting an error
    ip4(C4, S4, 1, icmp4(3, 3, ip4(S4, C4, 6, tcp(53, 40002, 1, b"")))),  # quoting TCP
    ip4(C4, S4, 1, icmp4(3, 3, ip4(S4, C4, 17, udp(53, 40002, b"", length=9000)))),
    ip4(C4, S4, 1, icmp4(3, 3, aaaa_ans[:20])),                         # IP header only
    ip4(C4, S4, 1, icmp4(3, 3, aaaa_ans[:27])),                         # UDP header cut
    ip4(C4, S4, 1, icmp4(3, 3, ip6(S6, C6, 17, udp(53, 40002, b"")))),  # IPv6 inside ICMPv4
    ip4(C4, S4, 1, icmp4(3, 3, bytes([0x45]) + aaaa_ans[1:2] + b"\xff\xff" + aaaa_ans[4:])),
    ip4(C4, S4, 1, icmp4(11, 0, aaaa_ans)),                             # time exceeded
    ip4(C4, S4, 1, b"\x03"),                                            # ICMP cut after type
    ip6(C6, S6, 58, icmp6(1, 4, b"\x60" + b"\xff" * 39)),                # ICMPv6 quoting garbage
    ip6(C6, S6, 58, icmp6(1, 4, ip6(S6, C6, 58, icmp6(1, 4, b"")))),
]

def pcap(frames, linktype=101):
    b = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype)
    for i, f in enumerate(frames):
        b += struct.pack("<IIII", 100, i * 100, len(f), len(f)) + f
    return b

for n, frames in cases.items():
    with open("%s/%s.pcap" % (out, n), "wb") as fh:
        fh.write(pcap(frames + RACE))

# ---- pcapng whose blocks disagree with themselves ----
def block(t, body, total=None):
    body += b"\0" * (-len(body) % 4)
    total = 12 + len(body) if total is None else total
    return struct.pack("<II", t, total) + body + struct.pack("<I", total)

SHB = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
IDB = block(1, struct.pack("<HHI", 101, 0, 65535))
def epb(f, iface=0, caplen=None, origlen=None):
    caplen = len(f) if caplen is None else caplen
    origlen = len(f) if origlen is None else origlen
    return block(6, struct.pack("<IIIII", iface, 0, 1000, caplen, origlen) + f)

good_ng = b"".join(epb(f) for f in RACE)
ng = {
    # A packet whose captured length is past its block: the reader must stop or skip it.
    "pcapng-caplen-past-block": [epb(RACE[0], caplen=60000)],
    "pcapng-unknown-interface": [epb(RACE[0], iface=7)],
    "pcapng-origlen-under-caplen": [epb(RACE[0], origlen=1)],
    "pcapng-unknown-blocks": [block(0x0BAD, b"junk" * 10), block(0x80000001, b"")],
}
for n, blocks in ng.items():
    with open("%s/%s.pcapng" % (out, n), "wb") as fh:
        fh.write(SHB + IDB + good_ng + b"".join(blocks))
# A second section in the other byte order, then garbage: the first section still counts.
with open("%s/pcapng-second-section-garbage.pcapng" % out, "wb") as fh:
    fh.write(SHB + IDB + good_ng + b"\x0a\x0d\x0d\x0a\x00\x00\x00\x1c\x4d\x3c\x2b\x1a" + b"\xff" * 40)
PY
mkdir -p "$tmp/caps"
check "the hostile captures are made" python3 "$gen" "$tmp/caps"

for f in "$tmp"/caps/*; do
	n=$(basename "$f")
	"$BIN/sniff" -r "$f" -f '' --json >"$tmp/out" 2>"$tmp/err"
	rc=$?
	racing=$(jq -c 'select(.type=="trial" and .verdict=="racing") | [.name, .race]' "$tmp/out" 2>/dev/null)
	if [[ $rc -ge 128 ]]; then
		bad "$n: sniff died (exit $rc): $(tail -c 400 "$tmp/err")"
	elif ! jq -e . "$tmp/out" >/dev/null 2>&1; then
		bad "$n: the JSON output does not parse (exit $rc)"
	elif grep -qv '^sniff: ' "$tmp/err"; then
		bad "$n: standard error holds more than sniff's lines: $(grep -v '^sniff: ' "$tmp/err" | head -3)"
	elif [[ $rc -ne 1 || $racing != '["t1.lab.test",1]' ]]; then
		bad "$n: exit $rc and racing trials [$racing], not 1 and the one race after the garbage"
	else
		ok "$n: the race after the garbage found, $(jq -r 'select(.type=="summary") | "\(.frames) frames, \(.skipped) skipped"' "$tmp/out")"
	fi
done
# What each kind of damage is called: a note per skipped frame, the reason in parentheses.
"$BIN/sniff" -r "$tmp/caps/ihl-under-5.pcap" -f '' >/dev/null 2>"$tmp/err"
check "a bad IP header is noted as a skipped frame with a reason" \
	grep -Eq '^sniff: note: frame 1 skipped \(.+\)$' "$tmp/err"
finish
