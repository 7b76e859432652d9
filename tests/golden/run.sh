#!/usr/bin/env bash
# Golden tests: for each case of list.txt, gencap must still make the committed capture byte
# for byte, and sniff must print the committed table, JSON and exit status for it.
#   run.sh BIN_DIR            check
#   run.sh BIN_DIR --regen    rewrite captures and expected output (only for a meant change)
set -u
BIN=$(cd "${1:?usage: run.sh BIN_DIR [--regen]}" && pwd) || exit 2
REGEN=0
[[ ${2:-} == --regen ]] && REGEN=1
HERE=$(cd "$(dirname "$0")" && pwd)
CAP=$HERE/captures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$CAP"
fail=0 n=0

# list.txt: NAME | EXIT | GENCAP ARGUMENTS | SNIFF ARGUMENTS
while IFS='|' read -r name want gargs sargs; do
	name=${name//[[:space:]]/}
	[[ -z $name || $name == \#* ]] && continue
	want=${want//[[:space:]]/}
	n=$((n + 1))
	ext=pcap
	[[ $gargs == *pcapng* || $gargs == *multi-if* ]] && ext=pcapng
	file=$name.$ext
	eval "gen=($gargs)"
	eval "sn=($sargs)"
	if ! "$BIN/gencap" -o "$tmp/$file" "${gen[@]}"; then
		echo "FAIL $name: gencap ${gen[*]} failed"
		fail=1
		continue
	fi
	if ((REGEN)); then
		cp "$tmp/$file" "$CAP/$file"
	elif ! cmp -s "$tmp/$file" "$CAP/$file"; then
		echo "FAIL $name: gencap ${gen[*]} no longer makes captures/$file"
		fail=1
	fi
	# Run where the capture lies, so that the file name in the output is stable.
	(cd "$CAP" && "$BIN/sniff" -q -r "$file" "${sn[@]}") >"$tmp/$name.txt" 2>"$tmp/$name.err"
	rc=$?
	(cd "$CAP" && "$BIN/sniff" -q -r "$file" --json "${sn[@]}") >"$tmp/$name.jsonl" 2>>"$tmp/$name.err"
	rcj=$?
	if ((REGEN)); then
		cp "$tmp/$name.txt" "$CAP/$name.txt"
		cp "$tmp/$name.jsonl" "$CAP/$name.jsonl"
		[[ $rc == "$want" ]] || { echo "FAIL $name: exit $rc, list.txt says $want"; fail=1; }
		continue
	fi
	if [[ $rc != "$want" || $rcj != "$want" ]]; then
		echo "FAIL $name: sniff exits $rc (json $rcj), expected $want"
		cat "$tmp/$name.err"
		fail=1
	fi
	for kind in txt jsonl; do
		if ! diff -u "$CAP/$name.$kind" "$tmp/$name.$kind" >"$tmp/diff"; then
			echo "FAIL $name: sniff output differs from captures/$name.$kind"
			head -40 "$tmp/diff"
			fail=1
		fi
	done
done <"$HERE/list.txt"

if ((REGEN)); then
	echo "golden: rewrote $n cases; review the diff before committing"
	exit $fail
fi
((n > 0)) || { echo "FAIL: no cases in list.txt"; exit 1; }
((fail)) && exit 1
echo "golden: $n cases match"
