#!/usr/bin/env bash
# probe as an ordinary user (a user namespace first, then network and mount namespaces)
# gives the same verdicts as root. The programs and the catalogue are copied where the
# unprivileged user can read them, whatever the permissions of the build tree.
BIN=$1
. "$(dirname "$0")/lib.sh"
need_root
if ! command -v setpriv >/dev/null; then
	echo "SKIP: setpriv (util-linux) is missing"
	exit 77
fi

if ! setpriv --reuid=65534 --regid=65534 --clear-groups unshare -U true 2>/dev/null; then
	echo "SKIP: this machine does not allow unprivileged user namespaces"
	exit 77
fi

chmod 755 "$tmp"
cp -r "$BIN" "$tmp/bin"
cp -r "$(dirname "$0")/../../data" "$tmp/data"
chmod -R a+rX "$tmp/bin" "$tmp/data"
mkdir -m 777 "$tmp/out"
args=(-r racer -r glibc -r c-ares -s a-first -s aaaa-first --trials 2 -q)

STUBPROBE_DATADIR=$tmp/data "$tmp/bin/probe" "${args[@]}" --out "$tmp/out/root" >/dev/null 2>"$tmp/root.err"
check "as root: exit 0" test $? -eq 0
setpriv --reuid=65534 --regid=65534 --clear-groups env STUBPROBE_DATADIR="$tmp/data" \
	"$tmp/bin/probe" "${args[@]}" --out "$tmp/out/user" >/dev/null 2>"$tmp/user.err"
rc=$?
check "as nobody: exit 0" test $rc -eq 0
[[ $rc -eq 0 ]] || cat "$tmp/user.err"
check "the unprivileged run's files belong to nobody" \
	test "$(stat -c %u "$tmp/out/user/report.json")" = 65534

cells() { jq -c '[.cells[] | {resolver, scenario, verdict, racing, correct, inconclusive}]' "$1"; }
cells "$tmp/out/root/report.json" >"$tmp/root.cells"
cells "$tmp/out/user/report.json" >"$tmp/user.cells"
check "the racer raced in the root run (the comparison is not empty)" \
	grep -q '"resolver":"racer","scenario":"a-first","verdict":"racing"' "$tmp/root.cells"
check "same verdicts and counts as root" diff -u "$tmp/root.cells" "$tmp/user.cells"
finish
