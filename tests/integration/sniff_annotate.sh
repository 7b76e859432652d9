#!/usr/bin/env bash
# sniff -w writes an annotated pcapng: every frame of the input, a comment (frame.comment in
# tshark) on each frame of evidence, and a display filter that tshark accepts and that shows
# exactly those frames. The --json lines follow docs/sniff.schema.json.
BIN=$1
. "$(dirname "$0")/lib.sh"
# jqok EXPR FILE: EXPR gives at least one value over the lines of FILE, and every one is true
# (jq -e alone lets an empty file pass and judges by the last line only).
jqok() {
	local out
	out=$(jq -c "$1" "$2") && [[ -n $out ]] && ! grep -qvx true <<<"$out"
}
need_root
if ! command -v tshark >/dev/null; then
	echo "SKIP: tshark is not installed (scripts/deps.sh test installs it)"
	exit 77
fi
ts() { tshark "$@" 2>/dev/null; }

out=$tmp/run
"$BIN/probe" --trials 2 --resolver racer --resolver glibc -s a-first -s aaaa-first --out "$out" -q >/dev/null 2>"$tmp/stderr"
rc=$?
check "probe run succeeded" test $rc -eq 0
[[ $rc -eq 0 ]] || cat "$tmp/stderr"
cap=$out/capture.pcapng

# Live -w (sniff under probe): the file it wrote as packets came was replaced at the end by
# its annotated copy.
check "the live capture of the run holds comments" \
	test "$(ts -r "$cap" -Y frame.comment | wc -l)" -gt 0

"$BIN/sniff" -r "$cap" -w "$tmp/ann.pcapng" --json >"$tmp/ann.jsonl" 2>"$tmp/ann.err"
rc=$?
check "sniff -r -w exits 1: the racer's races are in the capture" test $rc -eq 1
check "nothing on stderr" test ! -s "$tmp/ann.err"
sum() { jq -r "select(.type==\"summary\") | $1" "$tmp/ann.jsonl"; }
check "every frame is in the annotated file" \
	test "$(ts -r "$tmp/ann.pcapng" | wc -l)" -eq "$(ts -r "$cap" | wc -l)"
check "the summary names the annotated file" test "$(sum .annotated)" = "$tmp/ann.pcapng"
# The copy is made under a temporary name (mkstemp, 0600), but ends with the mode a plain
# create gives, or the mode of the file it replaced.
check "the annotated file has the umask's mode (0644 under umask 022)" \
	test "$(umask 022 && "$BIN/sniff" -q -r "$cap" -w "$tmp/mode.pcapng" >/dev/null 2>&1; stat -c %a "$tmp/mode.pcapng")" = 644
chmod 640 "$tmp/mode.pcapng"
"$BIN/sniff" -q -r "$cap" -w "$tmp/mode.pcapng" >/dev/null 2>&1
check "a replaced file keeps its mode (0640)" test "$(stat -c %a "$tmp/mode.pcapng")" = 640

ts -r "$tmp/ann.pcapng" -Y frame.comment -T fields -e frame.number -e frame.comment \
	>"$tmp/comments.tsv"
check "tshark shows as many comments as sniff wrote" \
	test "$(wc -l <"$tmp/comments.tsv")" -eq "$(sum .comments)"
check "some comments were written" test "$(sum .comments)" -gt 0

# Each evidence frame carries the comment that says what it is.
jq -r 'select(.type=="trial") | .name as $n | .evidence[] |
	[$n, .kind, .qtype, .client, .cport, .query_frame, .answer_frame, .icmp_frame,
	 (.taken_frame // 0), (.taken_qtype // "")] | @tsv' "$tmp/ann.jsonl" >"$tmp/evidence.tsv"
check "the capture has evidence to check" test -s "$tmp/evidence.tsv"
comment_of() { awk -F'\t' -v f="$1" '$1 == f { print $2 }' "$tmp/comments.tsv"; }
while IFS=$'\t' read -r name kind qtype client cport qf af icf tf tq; do
	check "frame $af: the refused answer says so" \
		grep -qF "$qtype answer refused by $client:$cport (ICMP port unreachable in frame $icf): $kind; trial $name" <<<"$(comment_of "$af")"
	check "frame $icf: the ICMP error names the answer it quotes" \
		grep -qF "ICMP port unreachable for frame $af ($qtype answer to $client:$cport): $kind" <<<"$(comment_of "$icf")"
	check "frame $qf: the query of the refused answer" \
		grep -qF "$qtype query; its answer (frame $af) was refused: $kind; trial $name" <<<"$(comment_of "$qf")"
	if [[ $tf != 0 ]]; then
		check "frame $tf: the answer taken before" \
			grep -qE "^taken: $tq answer .* before the refused $qtype \(frame $af\); trial $name" <<<"$(comment_of "$tf")"
	fi
done <"$tmp/evidence.tsv"
racing=$(jq -r 'select(.type=="trial" and .verdict=="racing") | .name' "$tmp/ann.jsonl" | head -1)
check "every query of a racing trial has a comment naming the trial" \
	test "$(ts -r "$tmp/ann.pcapng" -Y "dns.flags.response == 0 and dns.qry.name == \"$racing\" and not frame.comment" | wc -l)" -eq 0

filter=$(sum .display_filter)
check "a display filter is given" grep -q '^frame.number in {' <<<"$filter"
check "tshark accepts the display filter" tshark -r "$cap" -Y "$filter" -c 1
check "the display filter shows exactly the commented frames" \
	test "$(ts -r "$cap" -Y "$filter" -T fields -e frame.number | tr '\n' ' ')" = \
	"$(cut -f1 "$tmp/comments.tsv" | tr '\n' ' ')"
"$BIN/sniff" -r "$cap" -w "$tmp/ann2.pcapng" >"$tmp/human.txt"
check "the table prints the filter and the annotated file" \
	grep -qF "display filter (" "$tmp/human.txt"
check "the table says how to see the comments" \
	grep -qF "annotated: $tmp/ann2.pcapng, $(sum .comments) packets commented; display filter there: frame.comment" "$tmp/human.txt"

# Standard input cannot be read twice: sniff keeps a copy for -w and removes it.
"$BIN/sniff" -r - -w "$tmp/stdin.pcapng" -q <"$cap" >/dev/null
check "-r - -w gives the same annotated file" cmp "$tmp/ann.pcapng" "$tmp/stdin.pcapng"
check "no temporary file is left beside it" \
	test "$(find "$tmp" -maxdepth 1 -name 'stdin.pcapng.*' | wc -l)" -eq 0

"$BIN/sniff" -r "$tmp/ann.pcapng" -w "$tmp/ann.pcapng" 2>"$tmp/same.err" >/dev/null
rc=$?
check "-w onto the file being read: exit 2" test $rc -eq 2
check "-w onto the file being read: says why" grep -q "is the capture being read" "$tmp/same.err"
"$BIN/sniff" -r "$cap" -w "$tmp/no/such/dir/x.pcapng" 2>"$tmp/nodir.err" >/dev/null
rc=$?
check "-w into a missing directory: exit 2" test $rc -eq 2
check "-w into a missing directory: says what to do" grep -q "give a writable path with -w" "$tmp/nodir.err"

# The JSON lines against the schema, and no key the schema does not document.
if /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
	check "every --json line follows docs/sniff.schema.json" /usr/bin/python3 - \
		"$(dirname "$0")/../../docs/sniff.schema.json" "$tmp/ann.jsonl" "$out/sniff.jsonl" <<-'EOF'
		import json, sys, jsonschema
		schema = json.load(open(sys.argv[1]))
		v = jsonschema.Draft202012Validator(schema)
		defs = schema["$defs"]
		bad = 0
		for path in sys.argv[2:]:
		    for n, line in enumerate(open(path), 1):
		        o = json.loads(line)
		        for e in v.iter_errors(o):
		            print(f"{path}:{n}: {e.message}"); bad += 1
		        extra = set(o) - set(defs.get(o.get("type"), {}).get("properties", {}))
		        if extra:
		            print(f"{path}:{n}: keys not in the schema: {sorted(extra)}"); bad += 1
		        for ev in o.get("evidence", []):
		            extra = set(ev) - set(defs["evidence"]["properties"])
		            if extra:
		                print(f"{path}:{n}: evidence keys not in the schema: {sorted(extra)}"); bad += 1
		sys.exit(1 if bad else 0)
		EOF
else
	check "summary has the documented keys (jq; python3-jsonschema not installed)" \
		jqok 'select(.type=="summary") | has("display_filter") and has("incomplete")' "$tmp/ann.jsonl"
fi
finish
