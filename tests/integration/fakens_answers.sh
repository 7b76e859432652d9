#!/usr/bin/env bash
# fakens answers, flags and answer order for each directive of issue 2, asked by a real
# client (dnsq) over IPv4 and IPv6 inside a network namespace of the test's own.
BIN=$1
. "$(dirname "$0")/lib.sh"
need_root
in_netns "$@"

mkfifo "$tmp/ready"
"$BIN/fakens" --listen 127.0.0.1:5353 --listen '[::1]:5353' --log "$tmp/log.jsonl" \
	--ready-fd 3 3>"$tmp/ready" 2>"$tmp/fakens.err" &
pid=$!
cleanup_hooks+=("kill $pid 2>/dev/null")
read -r -t 5 line <"$tmp/ready"
check "fakens says it is ready" test "${line:-}" = ready

q() { "$BIN/dnsq" "$@"; }

out=$(q 127.0.0.1 5353 t1.lab.test A AAAA)
check "A answered with a documentation address, AA and RA set" \
	grep -Eq '^A .*rcode=NOERROR flags=qr,aa,rd,ra an=1 .*addr=192\.0\.2\.' <<<"$out"
check "AAAA answered with a documentation address" \
	grep -Eq '^AAAA .*rcode=NOERROR .*an=1 .*addr=2001:db8:' <<<"$out"

out=$(q ::1 5353 t2.lab.test AAAA A)
check "answers over IPv6 too" test "$(grep -c 'rcode=NOERROR' <<<"$out")" = 2

out=$(q 127.0.0.1 5353 t3.lab.test MX)
check "other types: NODATA with an SOA of the zone and RA set" \
	grep -Eq '^MX .*rcode=NOERROR flags=qr,aa,rd,ra an=0 ns=1 soa=lab\.test$' <<<"$out"

out=$(q 127.0.0.1 5353 www.example.org A)
check "outside the zone: REFUSED" grep -Eq '^A .*rcode=REFUSED' <<<"$out"

out=$(q 127.0.0.1 5353 aaaa-d50ms.t4.lab.test A AAAA)
check "aaaa-d50ms: A answer first, then AAAA" \
	test "$(cut -d' ' -f1 <<<"$out" | tr '\n' ' ')" = "A AAAA "
out=$(q 127.0.0.1 5353 a-d50ms.t5.lab.test A AAAA)
check "a-d50ms: AAAA answer first, then A" \
	test "$(cut -d' ' -f1 <<<"$out" | tr '\n' ' ')" = "AAAA A "
out=$(q 127.0.0.1 5353 A-D20MS.AAAA-D0.t6.lab.test A AAAA)
check "directives are case-insensitive" \
	test "$(cut -d' ' -f1 <<<"$out" | tr '\n' ' ')" = "AAAA A "
out=$(q 127.0.0.1 5353 aaaa-d20ms.t7.lab.test AAAA A)
check "aaaa-d20ms: A answer first although AAAA was asked first" \
	test "$(cut -d' ' -f1 <<<"$out" | tr '\n' ' ')" = "A AAAA "
out=$(q 127.0.0.1 5353 aaaa-d250us.t12.lab.test AAAA A)
check "aaaa-d250us: both answered" test "$(grep -c 'rcode=NOERROR' <<<"$out")" = 2

out=$(q 127.0.0.1 5353 a-servfail.t8.lab.test A AAAA)
check "a-servfail: A gets SERVFAIL" grep -Eq '^A .*rcode=SERVFAIL' <<<"$out"
check "a-servfail: AAAA still answered" grep -Eq '^AAAA .*rcode=NOERROR .*an=1' <<<"$out"

out=$(q 127.0.0.1 5353 aaaa-nodata.t9.lab.test AAAA)
check "aaaa-nodata: NOERROR, no answer, SOA" \
	grep -Eq '^AAAA .*rcode=NOERROR .*an=0 ns=1 soa=lab\.test' <<<"$out"

out=$(q -t 500 127.0.0.1 5353 a-drop.t10.lab.test A AAAA)
check "a-drop: AAAA answered" grep -Eq '^AAAA .*rcode=NOERROR' <<<"$out"
check "a-drop: A never answered" grep -q '^unanswered=1$' <<<"$out"

out=$(q 127.0.0.1 5353 bogus.t11.lab.test A)
check "unknown directive: REFUSED" grep -Eq '^A .*rcode=REFUSED' <<<"$out"

kill -INT $pid
wait $pid
check "fakens exits 0 on SIGINT" test $? -eq 0

log=$tmp/log.jsonl
check "log: every line is JSON" jq -e . "$log" >/dev/null
check "log: the delayed AAAA query is logged" \
	jq -e -s 'map(select(.event=="query" and .qname=="aaaa-d50ms.t4.lab.test" and .qtype=="AAAA")) | length == 1' "$log"
check "log: the delayed AAAA answer carries its delay" \
	jq -e -s 'map(select(.event=="answer" and .qname=="aaaa-d50ms.t4.lab.test" and .qtype=="AAAA" and .delay_us==50000)) | length == 1' "$log"
check "log: the microsecond delay is kept as asked" \
	jq -e -s 'map(select(.event=="answer" and .qname=="aaaa-d250us.t12.lab.test" and .qtype=="AAAA" and .delay_us==250)) | length == 1' "$log"
check "log: the unknown directive is logged with its label" \
	jq -e -s 'map(select(.event=="refused" and (.reason|test("bogus")))) | length >= 1' "$log"
check "log: the dropped query is logged" \
	jq -e -s 'map(select(.event=="drop" and .qname=="a-drop.t10.lab.test")) | length == 1' "$log"
finish
