#!/usr/bin/env bash
# The Debian package: built with CPack from a fresh build directory, installed with dpkg -i,
# its man pages found by man, the INSTALLED probe run on the default matrix (1 trial a cell)
# from / with the source tree and both build trees hidden, then removed with dpkg -r (a trap
# removes it on failure too). Skipped when a stubprobe package is installed already: the
# test would replace it and then remove it.
BIN=$1
. "$(dirname "$0")/lib.sh"
need_root
src=$(cd "$(dirname "$0")/../.." && pwd)
for tool in dpkg dpkg-deb cpack man unshare; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool is missing (scripts/packages/test.txt)"
		exit 77
	fi
done
if dpkg-query -W -f='${Status}' stubprobe 2>/dev/null | grep -q 'installed'; then
	echo "SKIP: a stubprobe package is installed already; this test would replace and remove it"
	exit 77
fi

build=$tmp/build
log=$tmp/build.log
if cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
	>"$log" 2>&1 && cmake --build "$build" -j 2 >>"$log" 2>&1 &&
	(cd "$build" && cpack -G DEB) >>"$log" 2>&1; then
	ok "cpack -G DEB in a fresh build directory"
else
	bad "cpack -G DEB in a fresh build directory"
	tail -30 "$log" | sed 's/^/    /'
	finish
	exit 1
fi
debs=("$build"/stubprobe_*.deb)
check "one .deb, named stubprobe_VERSION_ARCH.deb" test ${#debs[@]} -eq 1 -a -f "${debs[0]}"
deb=${debs[0]}

field() { dpkg-deb -f "$deb" "$1"; }
depends=$(field Depends)
echo "Depends: $depends"
for lib in libc6 libuv1 libc-ares2 libpcap0.8 libjansson4; do
	check "Depends names $lib" grep -Eq "(^|, )$lib( |,|$)" <<<"$depends"
done
check "Section is net" test "$(field Section)" = net
check "a Maintainer is named" grep -q '<.*@.*>' <<<"$(field Maintainer)"
check "a long description follows the summary" test "$(field Description | wc -l)" -ge 3
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$tmp/contents"
for f in /usr/bin/probe /usr/bin/sniff /usr/bin/fakens /usr/share/stubprobe/scenarios.conf \
	/usr/share/man/man1/probe.1.gz /usr/share/man/man1/sniff.1.gz \
	/usr/share/man/man8/fakens.8.gz /usr/share/doc/stubprobe/README.md \
	/usr/share/doc/stubprobe/probe.md /usr/share/doc/stubprobe/install.md; do
	check "the package holds $f" grep -qx "$f" "$tmp/contents"
done
musl=0
if [[ -x $BIN/musl-gai ]]; then
	musl=1
	check "the package holds the musl helper in /usr/libexec/stubprobe" \
		grep -qx /usr/libexec/stubprobe/musl-gai "$tmp/contents"
fi
check "nothing outside /usr" test -z "$(grep -v '^/usr' "$tmp/contents" | grep -vx '/')"

cleanup_hooks+=("dpkg --purge stubprobe >/dev/null 2>&1")
if dpkg -i "$deb" >"$tmp/dpkg-i.log" 2>&1; then
	ok "dpkg -i installs it"
else
	bad "dpkg -i installs it"
	sed 's/^/    /' "$tmp/dpkg-i.log"
fi
check "dpkg says it is installed" \
	test "$(dpkg-query -W -f='${Status}' stubprobe)" = "install ok installed"
check "man -w probe finds probe(1)" test "$(man -w probe)" = /usr/share/man/man1/probe.1.gz
check "man -w sniff finds sniff(1)" test "$(man -w sniff)" = /usr/share/man/man1/sniff.1.gz
check "man -w 8 fakens finds fakens(8)" test "$(man -w 8 fakens)" = /usr/share/man/man8/fakens.8.gz

# The installed probe, run where the source tree and the build trees are out of sight:
# empty file systems over them in a mount namespace of its own, from /, with no STUBPROBE_*
# variable, so that only the installed paths can serve.
hidden=("$src" "$(cd "$BIN/.." && pwd)" "$build")
installed() { # COMMAND...: run as described above
	local mounts="" h
	# A directory inside one hidden before it is gone already: skipped.
	for h in "${hidden[@]}"; do
		[[ $h == / ]] || mounts+="{ [ ! -d '$h' ] || mount -t tmpfs stubprobe-hidden '$h'; } && "
	done
	unshare -m -- env -u STUBPROBE_DATADIR -u STUBPROBE_BINDIR -u STUBPROBE_LIBEXECDIR \
		bash -c "$mounts cd / && exec \"\$@\"" installed "$@"
}
check "the source tree is out of sight there" installed test ! -e "$src/CMakeLists.txt"
check "the build tree is out of sight there" installed test ! -e "$BIN/probe"
installed /usr/bin/probe --list-scenarios >"$tmp/list" 2>&1
check "the installed probe reads the installed catalogue" grep -q '^a-first ' "$tmp/list"
installed /usr/bin/probe --list-resolvers >"$tmp/resolvers" 2>&1
if [[ $musl -eq 1 ]]; then
	check "the installed probe finds its musl helper" \
		grep -Eq '^musl +musl getaddrinfo' "$tmp/resolvers"
	check "... and does not skip the musl resolver" \
		bash -c '! grep -Eq "^musl .*skipped" "$1"' - "$tmp/resolvers"
fi
# Without the installed catalogue the installed probe says where it looked: the installed
# path, not the source tree's.
installed bash -c 'mount -t tmpfs x /usr/share/stubprobe && exec /usr/bin/probe --list-scenarios' \
	>"$tmp/nocat" 2>&1
check "with /usr/share/stubprobe hidden, it names /usr/share/stubprobe/scenarios.conf" \
	grep -q "'/usr/share/stubprobe/scenarios.conf'" "$tmp/nocat"

out=$tmp/out
installed /usr/bin/probe -n 1 --out "$out" -q >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
cat "$tmp/stdout"
[[ -s $tmp/stderr ]] && sed 's/^/stderr: /' "$tmp/stderr"
check "the installed probe ran the default matrix (exit 0 or 1, not an error)" test $rc -le 1
check "it printed the verdict table" grep -Eq '^resolver +scenario +verdict +behaviour' \
	"$tmp/stdout"
check "it wrote table.txt" test -s "$out/table.txt"
r=$out/report.json
check "it wrote report.json" jq -e . "$r"
cell() { # resolver scenario jq-condition-on-the-cell
	jq -e --arg r "$1" --arg s "$2" ".cells[] | select(.resolver==\$r and .scenario==\$s) | $3" \
		"$r" >/dev/null
}
for s in a-first aaaa-first; do
	check "racer racing in $s" cell racer "$s" '.verdict=="racing" and .racing==1'
	check "glibc correct in $s" cell glibc "$s" '.verdict=="correct" and .correct==1'
done
if [[ $musl -eq 1 ]]; then
	check "the musl helper ran (a musl cell with a verdict)" \
		cell musl a-first '.verdict=="correct" or .verdict=="racing"'
fi

check "dpkg -r removes it" dpkg -r stubprobe
check "no probe left in /usr/bin" test ! -e /usr/bin/probe
check "dpkg no longer lists it as installed" \
	test "$(dpkg-query -W -f='${Status}' stubprobe 2>/dev/null)" != "install ok installed"
finish
