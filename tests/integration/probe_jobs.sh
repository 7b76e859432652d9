#!/usr/bin/env bash
# Parallel trials give a sequential run's verdicts: the same small matrix with -j 1 and -j 8,
# compared cell by cell (verdict and counts) and trial by trial (names, lookup outcome).
BIN=$1
. "$(dirname "$0")/lib.sh"
need_root

matrix=(-n 3 -r racer -r glibc -r c-ares -s a-first -s aaaa-first -s aaaa-lost -q)
for j in 1 8; do
	"$BIN/probe" -j $j "${matrix[@]}" --out "$tmp/j$j" >"$tmp/stdout$j" 2>"$tmp/stderr$j"
	echo $? >"$tmp/rc$j"
	[[ -s $tmp/stderr$j ]] && sed "s/^/stderr -j $j: /" "$tmp/stderr$j"
done
rc1=$(cat "$tmp/rc1")
rc8=$(cat "$tmp/rc8")
check "-j 1 ran the matrix (exit 0 or 1, not an error)" test "$rc1" -le 1
check "-j 8 ran the matrix (exit 0 or 1, not an error)" test "$rc8" -le 1
check "-j 8 exits as -j 1 does" test "$rc1" -eq "$rc8"

cells() {
	jq -S '[.cells[] | {resolver, scenario, verdict, correct, racing, inconclusive}]' "$1"
}
trials() { # what the lookup returned; its timing differs from run to run
	jq -S '[.cells[] | .trials[] | {name, returned}]' "$1"
}
for j in 1 8; do
	check "-j $j report.json is JSON" jq -e . "$tmp/j$j/report.json"
	cells "$tmp/j$j/report.json" >"$tmp/cells$j"
	trials "$tmp/j$j/report.json" >"$tmp/trials$j"
done
check "the matrix has 9 cells" test "$(jq length "$tmp/cells1")" -eq 9
check "every cell has a verdict (none inconclusive) with -j 1" \
	jq -e 'all(.[]; .inconclusive == 0)' "$tmp/cells1"
check "each cell's verdict and counts equal between -j 1 and -j 8" \
	diff -u "$tmp/cells1" "$tmp/cells8"
check "trial names and what each lookup returned equal between -j 1 and -j 8" \
	diff -u "$tmp/trials1" "$tmp/trials8"
check "the racer races in a-first with -j 8 (the lab still sees races)" \
	jq -e '.[] | select(.resolver=="racer" and .scenario=="a-first") | .racing == 3' \
	"$tmp/cells8"
check "glibc is correct in aaaa-lost with -j 8 (a lost answer's timeout overlaps others)" \
	jq -e '.[] | select(.resolver=="glibc" and .scenario=="aaaa-lost") | .correct == 3' \
	"$tmp/cells8"
check "trials are numbered as in a sequential run (first cell t000001..t000003)" \
	jq -e '[.cells[0].trials[].name | test("\\.t00000[123]\\.lab\\.test$")] | all' \
	"$tmp/j8/report.json"
check "-j 0 is refused with a sentence" \
	bash -c "'$BIN/probe' -j 0 -o '$tmp/j0' 2>&1 | grep -q \"bad --jobs value '0'\""
check "-j 65 is refused, exit 2" bash -c "'$BIN/probe' -j 65 -o '$tmp/j65' 2>/dev/null; test \$? -eq 2"
finish
