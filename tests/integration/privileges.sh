#!/usr/bin/env bash
# What each program keeps once it runs (docs/privileges.md), read from /proc/PID/status of
# the running processes: a live sniff has given up its capture rights once the capture is
# open (and its bounding set, so that nothing it could run gets them back); in a probe run,
# fakens is nobody without capabilities, sniff holds neither CAP_NET_RAW nor CAP_NET_ADMIN,
# and a resolver under test holds no capability at all. The probe checks run as root and,
# where the kernel allows, as an ordinary user (the lab in a user namespace).
BIN=$1
. "$(dirname "$0")/lib.sh"
need_root
in_netns "$@"

NET_ADMIN=$((1 << 12)) NET_RAW=$((1 << 13)) DAC_OVERRIDE=$((1 << 1))
# cap PID FIELD: a capability set of a process as a number (CapEff, CapPrm, CapBnd ...).
cap() { echo $((16#$(awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"))); }

# ---- sniff alone, live ----
# start_sniff ARGS...: a live sniff on lo, ready; sets $spid.
start_sniff() {
	rm -f "$tmp/ready"
	mkfifo "$tmp/ready"
	"$BIN/sniff" -i lo -q --json --ready-fd 3 "$@" 3>"$tmp/ready" >"$tmp/sniff.out" 2>"$tmp/sniff.err" &
	spid=$!
	cleanup_hooks+=("kill $spid 2>/dev/null")
	read -r -t 5 line <"$tmp/ready"
}
check "sniff starts with full capabilities here (else the checks below prove nothing)" \
	test $(($(cap $$ CapEff) & NET_RAW)) -ne 0
start_sniff
check "live sniff is capturing" test "${line:-}" = ready
check "live sniff: no capability left (CapEff, CapPrm 0)" \
	test "$(cap $spid CapEff)" = 0 -a "$(cap $spid CapPrm)" = 0
check "live sniff: bounding set empty (an exec could not get them back)" test "$(cap $spid CapBnd)" = 0
check "live sniff: still root (its files are root's)" grep -Eq '^Uid:\s+0\s' "/proc/$spid/status"
"$BIN/dnsq" -t 200 127.0.0.1 53 t1.lab.test A >/dev/null
kill -INT $spid
wait $spid
check "live sniff still saw the query sent after the drop" \
	jq -e 'select(.type=="summary") | .queries == 1' "$tmp/sniff.out"

start_sniff -w "$tmp/live.pcapng"
check "live sniff -w: capturing" test "${line:-}" = ready
check "live sniff -w: keeps CAP_DAC_OVERRIDE alone, for the annotated copy beside -w" \
	test "$(cap $spid CapEff)" = $DAC_OVERRIDE -a "$(cap $spid CapPrm)" = $DAC_OVERRIDE
check "live sniff -w: bounding set empty" test "$(cap $spid CapBnd)" = 0
kill -INT $spid
wait $spid

# ---- in a probe run ----
# An exec: resolver that reports its own capabilities and those of the fakens and sniff that
# probe started (probe forks the lookup's child, which runs sh -c, which runs this). awk is
# a program it executes: its sets are the ones an executed program gets.
cat >"$tmp/caps.sh" <<'SH'
#!/bin/sh
ppid() { awk '/^PPid:/ {print $2}' "/proc/$1/status"; }
probe=$(ppid "$(ppid $PPID)")
for s in /proc/[0-9]*/status; do
	awk -v pp="$probe" '/^Name:/ {n = $2} /^PPid:/ {p = $2} /^Uid:/ {u = $2}
		/^CapEff:/ {e = $2} /^CapPrm:/ {r = $2} /^CapBnd:/ {b = $2}
		END {if (p == pp && (n == "fakens" || n == "sniff")) print n, u, e, r, b}' "$s" 2>/dev/null
done
awk '/^(Uid|CapEff|CapPrm|CapBnd|CapAmb):/ {print "self", $1, $2}' /proc/self/status
SH
chmod 755 "$tmp" "$tmp/caps.sh"

# check_run LABEL REPORT UID: the checks on one run's report; UID is fakens's expected uid.
check_run() {
	local label=$1 out
	out=$(jq -r '.cells[] | select(.resolver|startswith("exec:")) | .trials[0].output' "$2")
	printf '%s\n' "$out" >"$tmp/$label.caps"
	check "$label: the resolver reported" grep -q '^self CapEff:' "$tmp/$label.caps"
	for f in CapEff CapPrm CapBnd CapAmb; do
		check "$label: the resolver's $f is empty" grep -q "^self $f: 0000000000000000$" "$tmp/$label.caps"
	done
	read -r _ su se sr sb < <(grep '^sniff ' "$tmp/$label.caps")
	check "$label: sniff found running beside the resolver" test -n "${se:-}"
	check "$label: sniff holds neither CAP_NET_RAW nor CAP_NET_ADMIN (eff $se, prm $sr)" \
		test $(((16#${se:-ffff} | 16#${sr:-ffff}) & (NET_RAW | NET_ADMIN))) -eq 0
	check "$label: sniff's bounding set is empty" test "${sb:-x}" = 0000000000000000
	read -r _ fu fe fr fb < <(grep '^fakens ' "$tmp/$label.caps")
	check "$label: fakens runs as uid $3 (is $fu)" test "${fu:-x}" = "$3"
	check "$label: fakens holds no capability" \
		test "${fe:-x}" = 0000000000000000 -a "${fr:-x}" = 0000000000000000
}

args=(-q -r "exec:$tmp/caps.sh" -s a-first -n 1)
"$BIN/probe" "${args[@]}" --out "$tmp/root" >/dev/null 2>"$tmp/root.err"
check_run root "$tmp/root/report.json" "$(id -u nobody)"

if command -v setpriv >/dev/null &&
	setpriv --reuid=65534 --regid=65534 --clear-groups unshare -U true 2>/dev/null; then
	cp -r "$BIN" "$tmp/bin"
	cp -r "$(dirname "$0")/../../data" "$tmp/data"
	chmod -R a+rX "$tmp/bin" "$tmp/data"
	mkdir -m 777 "$tmp/out"
	setpriv --reuid=65534 --regid=65534 --clear-groups env STUBPROBE_DATADIR="$tmp/data" \
		"$tmp/bin/probe" "${args[@]}" --out "$tmp/out/user" >/dev/null 2>"$tmp/user.err"
	# In the user namespace fakens cannot become nobody (setgroups is denied) and stays its
	# root: without capabilities.
	check_run "as nobody" "$tmp/out/user/report.json" 0
else
	echo "note: unprivileged user namespaces are not allowed here; the run as nobody is skipped"
fi
finish
