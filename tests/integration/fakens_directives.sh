#!/usr/bin/env bash
# fakens behaviours of issue 3, asked by real clients (dnsq, and dig where installed) inside a
# network namespace of the test's own: rcodes, truncation and TCP, duplicates, decoys, several
# servers, conntrack-style loss, EDNS, malformed queries. Answers, flags and order only.
BIN=$1
. "$(dirname "$0")/lib.sh"
need_root
in_netns "$@"

mkfifo "$tmp/ready"
"$BIN/fakens" --listen 127.0.0.1:5353 --listen 127.0.0.2:5353 --listen '127.0.0.3:5353@2' \
	--listen '[::1]:5353' --rate-limit 0 --log "$tmp/log.jsonl" \
	--ready-fd 3 3>"$tmp/ready" 2>"$tmp/fakens.err" &
pid=$!
cleanup_hooks+=("kill $pid 2>/dev/null")
read -r -t 5 line <"$tmp/ready"
check "fakens says it is ready" test "${line:-}" = ready

q() { "$BIN/dnsq" "$@"; }
types() { cut -d' ' -f1 <<<"$1" | tr '\n' ' '; }
# The first word of each line, "from=" lines shown as "other".
kinds() { sed 's/^from=[^ ]* /other:/' <<<"$1" | cut -d' ' -f1 | tr '\n' ' '; }

# ---- rcodes ----
out=$(q 127.0.0.1 5353 aaaa-nxdomain.t1.lab.test AAAA A)
check "aaaa-nxdomain: NXDOMAIN with the zone's SOA, AA and RA" \
	grep -Eq '^AAAA .*rcode=NXDOMAIN flags=qr,aa,rd,ra an=0 ns=1 soa=lab\.test$' <<<"$out"
check "aaaa-nxdomain: A still answered" grep -Eq '^A .*rcode=NOERROR .*an=1' <<<"$out"
out=$(q 127.0.0.1 5353 aaaa-lame.t2.lab.test AAAA)
check "aaaa-lame: NOERROR, no answer, AA and RA clear" \
	grep -Eq '^AAAA .*rcode=NOERROR flags=qr,rd an=0 ns=0$' <<<"$out"
out=$(q 127.0.0.1 5353 aaaa-nodata.t2.lab.test AAAA)
check "aaaa-nodata: RA and AA set (unlike lame)" \
	grep -Eq '^AAAA .*rcode=NOERROR flags=qr,aa,rd,ra an=0 ns=1' <<<"$out"
out=$(q 127.0.0.1 5353 a-refused.t3.lab.test A)
check "a-refused: REFUSED, no AA" grep -Eq '^A .*rcode=REFUSED flags=qr,rd an=0' <<<"$out"
out=$(q 127.0.0.1 5353 a-notimp.t4.lab.test A)
check "a-notimp: NOTIMP" grep -Eq '^A .*rcode=NOTIMP flags=qr,rd an=0' <<<"$out"
out=$(q 127.0.0.1 5353 a-servfail.a-d5ms.t5.lab.test A)
check "a-servfail delayed: SERVFAIL" grep -Eq '^A .*rcode=SERVFAIL' <<<"$out"

# ---- unknown directive ----
out=$(q 127.0.0.1 5353 frob.t6.lab.test A)
check "unknown directive: REFUSED with a TXT naming the label" \
	grep -Eq "^A .*rcode=REFUSED .*txt=\"unknown directive 'frob'\"" <<<"$out"
out=$(q 127.0.0.1 5353 a-d5ms.a-drop.t6.lab.test A)
check "conflicting directive: REFUSED with a TXT naming it" \
	grep -Eq "^A .*rcode=REFUSED .*txt=\"bad directive 'a-drop'" <<<"$out"

# ---- truncation and TCP ----
out=$(q 127.0.0.1 5353 aaaa-tc.t7.lab.test A AAAA)
check "aaaa-tc over UDP: TC set, no answer" grep -Eq '^AAAA .*flags=qr,aa,tc,rd,ra an=0' <<<"$out"
check "aaaa-tc over UDP: A not truncated" grep -Eq '^A .*flags=qr,aa,rd,ra an=1' <<<"$out"
out=$(q -T 127.0.0.1 5353 aaaa-tc.t7.lab.test AAAA)
check "aaaa-tc over TCP: the full answer" \
	grep -Eq '^AAAA .*flags=qr,aa,rd,ra an=1 .*addr=2001:db8::10$' <<<"$out"
out=$(q -T 127.0.0.1 5353 aaaa-d50ms.t8.lab.test AAAA A)
check "TCP pipelining: A answered first although AAAA was asked first" \
	test "$(types "$out")" = "A AAAA "
out=$(q -T 127.0.0.1 5353 a-d50ms.t9.lab.test A AAAA)
check "TCP pipelining: answers out of order, each when due" test "$(types "$out")" = "AAAA A "
out=$(q -T ::1 5353 t10.lab.test A AAAA MX)
check "TCP over IPv6, three queries on one connection" \
	test "$(grep -c 'rcode=NOERROR' <<<"$out")" = 3
out=$(q -T -t 500 127.0.0.1 5353 a-drop.t10.lab.test A AAAA)
check "TCP: a-drop leaves A unanswered, AAAA answered" \
	test "$(tr '\n' ' ' <<<"$out" | sed 's/ id=[^ ]*//g' | cut -c1-13)" = "AAAA rcode=NO"
if command -v dig >/dev/null; then
	out=$(dig +norec +tries=1 +time=2 -p 5353 @127.0.0.1 a-tc.t11.lab.test A)
	check "dig: retries a-tc over TCP and gets the address" \
		grep -Eq 'a-tc\.t11\.lab\.test\..*IN[[:space:]]+A[[:space:]]+192\.0\.2\.10' <<<"$out"
	out=$(dig +norec +tries=1 +time=2 -p 5353 @127.0.0.1 bogus.t11.lab.test A)
	check "dig: REFUSED with the TXT" grep -q "unknown directive 'bogus'" <<<"$out"
fi

# ---- duplicates ----
out=$(q -a -t 300 127.0.0.1 5353 a-dup2.aaaa-d50ms.t12.lab.test A AAAA)
check "a-dup2: A three times, before the AAAA" test "$(types "$out")" = "A A A AAAA "
out=$(q -a -t 300 127.0.0.1 5353 a-dup1after.aaaa-d20ms.t13.lab.test A AAAA)
check "a-dup1after: the copy of A after the AAAA" test "$(types "$out")" = "A AAAA A "

# ---- decoys ----
out=$(q -a -t 300 127.0.0.1 5353 a-badid.t14.lab.test A)
check "a-badid: a wrong ID with the decoy address first, then the answer" \
	test "$(sed -E 's/.* id=([0-9]+) .*addr=(.*)$/\1 \2/' <<<"$out" | tr '\n' ' ')" = \
	"36864 192.0.2.66 4096 192.0.2.10 "
out=$(q -a -t 300 127.0.0.1 5353 a-wrongq.t15.lab.test A)
check "a-wrongq: an AAAA answer with the A query's ID first, then the A answer" \
	test "$(sed -E 's/ rcode.*addr=/ /' <<<"$out" | tr '\n' ' ')" = \
	"AAAA id=4096 2001:db8::66 A id=4096 192.0.2.10 "
out=$(q -a -t 300 127.0.0.1 5353 aaaa-runt.t16.lab.test AAAA)
check "aaaa-runt: an 11-byte message, then the answer" \
	test "$(types "$out")" = "malformed AAAA "
check "aaaa-runt: the runt is under 12 bytes" grep -q '^malformed len=11$' <<<"$out"
out=$(q -u -a -t 300 127.0.0.1 5353 aaaa-otherport.t17.lab.test AAAA)
check "aaaa-otherport: the decoy comes from 127.0.0.1 on another port, then the answer" \
	test "$(kinds "$out")" = "other:AAAA AAAA "
check "aaaa-otherport: same address" grep -Eq '^from=127\.0\.0\.1:[0-9]+ AAAA .*2001:db8::66' <<<"$out"
out=$(q -a -t 300 127.0.0.1 5353 aaaa-otherport.t18.lab.test AAAA)
check "aaaa-otherport: a connected socket sees only the real answer" \
	test "$(kinds "$out")" = "AAAA "
out=$(q -u -a -t 300 127.0.0.1 5353 a-otheraddr.t19.lab.test A)
check "a-otheraddr: the decoy comes from 127.0.0.254" \
	grep -Eq '^from=127\.0\.0\.254:[0-9]+ A .*addr=192\.0\.2\.66' <<<"$out"
out=$(q -a -t 300 127.0.0.1 5353 a-badid.a-drop.t20.lab.test A)
check "a-badid with a-drop: only the decoy" test "$(grep -c 'id=36864' <<<"$out")/$(wc -l <<<"$out")" = "1/1"

# ---- several servers ----
n='s2-a-nxdomain.s1-a-d20ms.t21.lab.test'
check "s2-a-nxdomain on server 2 (127.0.0.2): NXDOMAIN" \
	grep -Eq '^A .*rcode=NXDOMAIN' <<<"$(q 127.0.0.2 5353 $n A)"
check "s2-a-nxdomain on server 2 by number (127.0.0.3@2): NXDOMAIN" \
	grep -Eq '^A .*rcode=NXDOMAIN' <<<"$(q 127.0.0.3 5353 $n A)"
check "s1-a-d20ms on server 1: answered" \
	grep -Eq '^A .*rcode=NOERROR .*192\.0\.2\.10' <<<"$(q 127.0.0.1 5353 $n A)"
out=$(q ::1 5353 s2-a-nxdomain.a-servfail.t22.lab.test A)
check "server 4 ([::1]) has no sN- rule: the rule for every server applies" \
	grep -Eq '^A .*rcode=SERVFAIL' <<<"$out"

# ---- conntrack-style loss ----
out=$(q -t 500 127.0.0.1 5353 a-d50ms.aaaa-ctloss.t23.lab.test A AAAA)
check "aaaa-ctloss: AAAA lost while A is pending on the same 5-tuple" \
	test "$(types "$out")" = "A unanswered=1 "
out=$(q -t 500 127.0.0.1 5353 aaaa-ctloss.t24.lab.test A AAAA)
check "aaaa-ctloss: AAAA answered when A was answered at once" \
	test "$(grep -c 'rcode=NOERROR' <<<"$out")" = 2

# ---- EDNS ----
out=$(q -e 1232 127.0.0.1 5353 t25.lab.test A)
check "EDNS: the answer echoes an OPT record" grep -Eq '^A .*an=1 .* opt=1232$' <<<"$out"
out=$(q 127.0.0.1 5353 t25.lab.test A)
check "no EDNS: no OPT record" bash -c "! grep -q opt= <<<'$out'"
out=$(q -e 100 127.0.0.1 5353 aaaa-tc.t26.lab.test AAAA)
check "EDNS with a size under 512 still works, TC kept" grep -Eq '^AAAA .*tc.* opt=' <<<"$out"
out=$(q -t 500 -R 12340100000100000000000103743237036c6162047465737400000100010000291000000100000000 \
	127.0.0.1 5353)
check "EDNS version 1: BADVERS" grep -Eq 'rcode=NOERROR .*ercode=BADVERS' <<<"$out"

# ---- malformed queries ----
out=$(q -t 300 -R 123401000000000000000000 127.0.0.1 5353)
check "QDCOUNT 0: FORMERR with the header echoed" \
	grep -Eq '^noquestion id=4660 rcode=FORMERR qd=0$' <<<"$out"
out=$(q -t 300 -R 1234010000020000000000000161036c616204746573740000010001 127.0.0.1 5353)
check "QDCOUNT 2: FORMERR" grep -Eq '^noquestion id=4660 rcode=FORMERR' <<<"$out"
out=$(q -t 300 -R 123401000001000000000000c00c00010001 127.0.0.1 5353)
check "compression loop: FORMERR" grep -Eq '^noquestion id=4660 rcode=FORMERR' <<<"$out"
out=$(q -t 300 -R 1234 127.0.0.1 5353)
check "under 12 bytes: dropped" test "$out" = "unanswered=1"
out=$(q -t 300 -R '' 127.0.0.1 5353)
check "empty datagram: dropped" test "$out" = "unanswered=1"
out=$(q -T -t 2000 -R ffff00 127.0.0.1 5353)
check "TCP length over the limit: the connection is closed" test "$(head -1 <<<"$out")" = closed
out=$(q -T -t 500 -R 000c123401000000000000000000 127.0.0.1 5353)
check "TCP QDCOUNT 0: FORMERR" grep -Eq '^noquestion id=4660 rcode=FORMERR' <<<"$out"

kill -INT $pid
wait $pid
check "fakens exits 0 on SIGINT" test $? -eq 0

log=$tmp/log.jsonl
count() { jq -s "map(select($1)) | length" "$log"; }
check "log: every line is JSON" jq -e . "$log" >/dev/null
check "log: the start event numbers the servers" \
	jq -e -s 'map(select(.event=="start"))[0].servers == [1,2,2,4]' "$log"
check "log: TCP connections open and close" \
	test "$(count '.event=="tcp_open"')" -ge 6 -a "$(count '.event=="tcp_close"')" -ge 6
check "log: the oversized TCP length is logged" \
	test "$(count '.event=="bad_query" and .transport=="tcp" and (.reason|test("over the limit"))')" = 1
check "log: the connection closed for it says why" \
	test "$(count '.event=="tcp_close" and .reason=="oversized length"')" = 1
check "log: TCP queries carry their transport" \
	test "$(count '.event=="query" and .transport=="tcp" and .qname=="a-d50ms.t9.lab.test"')" = 2
check "log: FORMERR answers are logged as bad_query with the rcode" \
	test "$(count '.event=="bad_query" and .rcode=="FORMERR"')" -ge 4
check "log: short and empty datagrams are logged" \
	test "$(count '.event=="bad_query" and (.len==2 or .len==0)')" = 2
check "log: decoys are logged with what they are" \
	test "$(count '.event=="answer" and .extra=="badid"')" = 2
check "log: duplicates are logged as such" \
	test "$(count '.event=="answer" and .extra=="duplicate"')" = 3
check "log: the conntrack loss is a drop with its reason" \
	test "$(count '.event=="drop" and (.reason|test("ctloss")) and .qtype=="AAAA"')" = 1
check "log: the unknown directive is refused and logged" \
	test "$(count '.event=="refused" and (.reason|test("frob"))')" = 1

out=$("$BIN/fakens" --list-scenarios)
check "--list-scenarios: the catalogue with the new scenarios" \
	grep -Eq '^tc-aaaa +aaaa-tc +(yes +)?AAAA truncated' <<<"$out"
check "--list-scenarios: the defaults kept" grep -Eq '^a-first +aaaa-d50ms +yes' <<<"$out"
printf 'x foo "bad"\n' >"$tmp/bad.conf"
"$BIN/fakens" --list-scenarios --scenarios "$tmp/bad.conf" 2>"$tmp/err"
check "--scenarios with a bad file: exit 2" test $? -eq 2
check "--scenarios with a bad file: names the line" \
	grep -q "bad.conf:1: unknown directive 'foo'" "$tmp/err"
finish
