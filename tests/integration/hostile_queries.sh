#!/usr/bin/env bash
# Queries sent to fakens that are not DNS, oversized, with QDCOUNT 0 or many, with broken
# names, and a burst of random datagrams and TCP streams: each gets FORMERR or nothing as
# docs/directives.md says, the log names the reason, and fakens keeps serving. (The plain
# cases of fakens_directives.sh, QDCOUNT 0 and 2, a pointer loop, short and empty datagrams,
# an oversized TCP length, are not repeated here.)
BIN=$1
. "$(dirname "$0")/lib.sh"
need_root
in_netns "$@"

PORT=5353
log=$tmp/log.jsonl
mkfifo "$tmp/ready"
"$BIN/fakens" --listen 127.0.0.1:$PORT --listen "[::1]:$PORT" --rate-limit 0 --log "$log" \
	--ready-fd 3 3>"$tmp/ready" 2>"$tmp/fakens.err" &
pid=$!
cleanup_hooks+=("kill $pid 2>/dev/null")
read -r -t 5 line <"$tmp/ready"
check "fakens is ready" test "${line:-}" = ready

# send.py UDP|TCP MSG...: one datagram, or one TCP connection, per MSG, and one line per MSG:
# "none" (no reply within the wait), "closed", or the first reply's rcode, QDCOUNT and ID.
# MSG is hex; "text:..." is the text itself; HEX*N is HEX repeated N times; over TCP, MSG is
# messages separated by ',' each sent with its two-byte length, or "raw:HEX" sent as is.
cat >"$tmp/send.py" <<'PY'
import socket, sys
def decode(m):
    if m.startswith("text:"):
        return m[5:].encode().decode("unicode_escape").encode("latin-1")
    if "*" in m:
        h, n = m.split("*")
        return bytes.fromhex(h) * int(n)
    return bytes.fromhex(m)
def reply(r, off):
    return "rcode=%d qd=%d id=%s" % (r[off + 3] & 15, r[off + 4] << 8 | r[off + 5], r[off:off + 2].hex())
proto, msgs = sys.argv[1], sys.argv[2:]
for m in msgs:
    if proto == "UDP":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(0.5)
        s.sendto(decode(m), ("127.0.0.1", 5353))
        try:
            print(reply(s.recv(65535), 0))
        except socket.timeout:
            print("none")
    else:
        if m.startswith("raw:"):
            data = decode(m[4:])
        else:
            data = b"".join(len(d).to_bytes(2, "big") + d for d in map(decode, m.split(",")))
        s = socket.create_connection(("127.0.0.1", 5353))
        s.settimeout(0.5)
        s.sendall(data)
        try:
            r = s.recv(65535)
            print(reply(r, 2) if len(r) >= 8 else "closed")
        except socket.timeout:
            print("none")
        except ConnectionResetError:
            print("closed")
    s.close()
PY
udp() { python3 "$tmp/send.py" UDP "$@"; }
tcp() { python3 "$tmp/send.py" TCP "$@"; }
hdr() { printf '%s0100%04x000000000000' "$1" "$2"; } # ID, QDCOUNT: a query header
q=027431036c616204746573740000010001                  # "t1.lab.test" A IN
http='text:GET / HTTP/1.0\r\n\r\n'

# Not DNS: read as a header ID "GE", QDCOUNT 12064.
out=$(udp "$http")
check "an HTTP request over UDP: FORMERR, the header echoed ($out)" test "$out" = "rcode=1 qd=0 id=4745"
out=$(udp "$(hdr 4243 65535)$q")
check "QDCOUNT 65535 with one question: FORMERR, header echoed, no question" \
	test "$out" = "rcode=1 qd=0 id=4243"
out=$(udp "$(hdr 4244 1)c00f0001" "$(hdr 4245 1)0174c00d00010001")
check "a pointer forward or to itself: FORMERR" \
	test "$out" = $'rcode=1 qd=0 id=4244\nrcode=1 qd=0 id=4245'
# 0x40 and 0x80 label types are reserved (RFC 6891 retired the one extended type).
out=$(udp "$(hdr 4246 1)4161000001" "$(hdr 4247 1)8161000001")
check "reserved label types: FORMERR" test "$out" = $'rcode=1 qd=0 id=4246\nrcode=1 qd=0 id=4247'
long=$(for i in 1 2 3 4 5; do printf '3f'; printf '61%.0s' {1..63}; done)
out=$(udp "$(hdr 4248 1)${long}0000010001")
check "a name over 255 bytes: FORMERR" test "$out" = "rcode=1 qd=0 id=4248"
out=$(udp "$(hdr 4249 1)027431036c6162" "$(hdr 4250 1)${q%0001}")
check "a question cut in the name or before the class: FORMERR" \
	test "$out" = $'rcode=1 qd=0 id=4249\nrcode=1 qd=0 id=4250'
out=$(udp "425181800001000000000000${q}")
check "a response (QR set): not answered" test "$out" = none
out=$(udp "$(hdr 4252 1)${q}$(printf 'ff%.0s' {1..400})")
check "a query with 400 bytes of garbage after the question: answered ($out)" \
	test "$out" = "rcode=0 qd=1 id=4252"
out=$(udp "$(hdr 4253 1)${q}$(printf '00%.0s' {1..60000})") # a query, then 60000 zero bytes
check "a 60 KB datagram: answered, the rest ignored ($out)" test "$out" = "rcode=0 qd=1 id=4253"
out=$(udp "ff*65507")
check "a 65507-byte datagram of 0xff: not answered (its QR bit says response)" test "$out" = none

out=$(tcp "$http")
check "an HTTP request over TCP with a length: FORMERR ($out)" test "$out" = "rcode=1 qd=0 id=4745"
out=$(tcp "raw:$(printf 'GET / HTTP/1.0\r\n\r\n' | od -An -tx1 | tr -d ' \n')")
check "an HTTP request over TCP, its first bytes read as a length: no answer ($out)" \
	grep -Eq '^(none|closed)$' <<<"$out"
out=$(tcp ",,$(hdr 4260 1)$q")
check "TCP: zero-length messages are skipped, the query after them answered ($out)" \
	test "$out" = "rcode=0 qd=1 id=4260"
out=$(tcp "raw:00")
check "TCP: half a length prefix, then the client waits: no answer" test "$out" = none
out=$(tcp "raw:0040$(hdr 4261 1)$q")
check "TCP: a message cut short by the client: no answer" test "$out" = none

# A burst of random datagrams and random TCP streams, from a fixed seed so that a failure
# can be replayed.
python3 - <<'PY' >"$tmp/fuzz.out"
import random, socket
rnd = random.Random(6)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3000):
    n = rnd.choice([0, 1, 11, 12, 13, 17, 30, 64, 512, 1500, rnd.randrange(0, 4096)])
    b = bytearray(rnd.getrandbits(8) for _ in range(n))
    if n >= 12 and rnd.random() < 0.7:
        b[2] &= 0x7f  # a query, so that it is parsed rather than ignored
    s.sendto(bytes(b), ("127.0.0.1", 5353))
for i in range(100):
    t = socket.create_connection(("127.0.0.1", 5353))
    n = rnd.randrange(0, 600)
    t.sendall(bytes(rnd.getrandbits(8) for _ in range(n)))
    t.close()
print("sent")
PY
check "random datagrams and TCP streams sent" grep -qx sent "$tmp/fuzz.out"
check "fakens is still running after the burst" kill -0 "$pid"
out=$("$BIN/dnsq" -t 1000 127.0.0.1 $PORT aaaa-d5ms.t1.lab.test A AAAA)
check "and still answers a query, both types" test "$(grep -c 'rcode=NOERROR' <<<"$out")" = 2
out=$("$BIN/dnsq" -T -t 1000 ::1 $PORT t2.lab.test A)
check "and over TCP on IPv6" grep -q 'rcode=NOERROR' <<<"$out"

kill -TERM "$pid"
wait "$pid"
check "fakens exits 0 on SIGTERM after all that" test $? -eq 0
check "nothing on its standard error" test ! -s "$tmp/fakens.err"
count() { jq -s "map(select($1)) | length" "$log"; }
check "log: every line is JSON" jq -e . "$log" >/dev/null
check "log: the stop event is the last" jq -e -s '.[-1].event=="stop"' "$log"
check "log: each FORMERR says why" \
	test "$(count '.event=="bad_query" and .rcode=="FORMERR" and (.reason|length>0)')" -ge 10
check "log: the HTTP datagram is logged with its reason" \
	test "$(count '.event=="bad_query" and .reason=="qdcount 12064, expected 1"')" -ge 2
finish
