# Shared by the integration tests: sourced with BIN set to the directory of the programs.
set -u

fails=0
checks=0
tmp=$(mktemp -d /tmp/stubprobe-it.XXXXXX)
cleanup_hooks=()
cleanup() {
	for h in "${cleanup_hooks[@]}"; do eval "$h" || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

ok() { checks=$((checks + 1)); echo "ok: $*"; }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL: $*"; }
# check DESCRIPTION COMMAND...: the command must succeed; its output is shown only when it
# does not.
check() {
	local d=$1
	shift
	if "$@" >"$tmp/check.out" 2>&1; then
		ok "$d"
	else
		bad "$d"
		sed 's/^/    /' "$tmp/check.out" | head -40
	fi
}

need_root() {
	if [[ $(id -u) -ne 0 ]]; then
		echo "SKIP: needs root (network namespaces)"
		exit 77
	fi
}

# Re-runs the calling script inside a new network namespace with lo up.
in_netns() {
	if [[ -z ${SP_IN_NETNS:-} ]]; then
		SP_IN_NETNS=1 exec unshare -n -- bash "$0" "$@"
	fi
	ip link set lo up
}

finish() {
	echo "$((checks - fails)) passed, $fails failed"
	[[ $fails -eq 0 ]]
}
