#!/usr/bin/env bash
# The man pages (docs/man/) against the programs' --help: every option --help lists is in
# the page, every option the page's EXAMPLES use is one --help lists, and man renders the
# pages without warnings. Runs without root.
BIN=$1
. "$(dirname "$0")/lib.sh"
man_dir=$(cd "$(dirname "$0")/../../docs/man" && pwd)
if ! command -v man >/dev/null; then
	echo "SKIP: man (man-db) is missing (scripts/packages/test.txt)"
	exit 77
fi

render() { MANWIDTH=200 LC_ALL=C.UTF-8 man --warnings -l "$1" 2>"$tmp/warn" | col -bx; }
# The options a usage text defines: the dashed words at the start of its option lines
# ("  -r, --resolver NAME", "    -w FILE", "  -h, --help / -V, --version") and of its
# synopsis lines ("  sniff -i IFACE [options]", "Usage: probe observe --interface IFACE").
help_options() {
	sed -E 's/^ *([Uu]sage: *)?//; s/^([a-z]+ )+(-)/\2/' | grep -E '^-' |
		sed -E 's/  +.*//' | grep -oE '(^| |,|/)--?[a-zA-Z][a-zA-Z0-9-]*' |
		sed -E 's/^[ ,\/]//' | sort -u
}
# The options an example line uses, in its first command of each pipeline, when that
# command is PROGRAM (with "probe diff", "probe observe" and "probe lookup" as commands of
# their own).
example_options() { # PROGRAM SUBCOMMAND
	awk '/^EXAMPLES/{on=1; next} /^[A-Z]/{on=0} on' |
		sed -E 's/\x27[^\x27]*\x27//g; s/"[^"]*"//g' | tr '|&;' '\n\n\n' |
		awk -v p="$1" -v s="$2" '{
			i = 1; if ($1 != p) next
			if ($2 == "diff" || $2 == "observe" || $2 == "lookup") { if ($2 != s) next; i = 2 }
			else if (s != "") next
			for (i = i + 1; i <= NF; i++) if ($i ~ /^--?[a-zA-Z]/) { sub(/=.*/, "", $i); print $i }
		}' | sort -u
}

check_page() { # PAGE PROGRAM [SUBCOMMAND]
	local page=$1 prog=$2 sub=${3:-} what
	what="$prog${sub:+ $sub}"
	if [[ -n $sub ]]; then "$BIN/$prog" "$sub" --help; else "$BIN/$prog" --help; fi \
		>"$tmp/help" 2>&1
	help_options <"$tmp/help" >"$tmp/help.opts"
	check "$what --help lists options (the parser here works)" test -s "$tmp/help.opts"
	render "$man_dir/$page" >"$tmp/page"
	check "man renders $page without warnings" test ! -s "$tmp/warn"
	while read -r opt; do
		check "$page has $what $opt" grep -qE -- "(^|[^a-zA-Z-])$opt([^a-zA-Z-]|$)" "$tmp/page"
	done <"$tmp/help.opts"
	example_options "$prog" "$sub" <"$tmp/page" >"$tmp/ex.opts"
	while read -r opt; do
		check "$page EXAMPLES: $what $opt is an option of --help" grep -qx -- "$opt" \
			"$tmp/help.opts"
	done <"$tmp/ex.opts"
}

check_page probe.1 probe
check_page probe.1 probe diff
check_page probe.1 probe observe
check_page probe.1 probe lookup
check "probe.1 has a section on probe lookup" grep -q '^\.SS probe lookup' "$man_dir/probe.1"
check_page sniff.1 sniff
check_page fakens.8 fakens
check "probe.1 has EXAMPLES" grep -q '^\.SH EXAMPLES' "$man_dir/probe.1"
check "sniff.1 has EXAMPLES" grep -q '^\.SH EXAMPLES' "$man_dir/sniff.1"
check "fakens.8 has EXAMPLES" grep -q '^\.SH EXAMPLES' "$man_dir/fakens.8"
finish
