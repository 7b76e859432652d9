#!/usr/bin/env bash
# Installs the Debian packages stubprobe needs, only those missing. Arguments name lists in
# scripts/packages/ (build, test, bench ...); default: build.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

lists=("$@")
[[ ${#lists[@]} -eq 0 ]] && lists=(build)
packages=()
for l in "${lists[@]}"; do
	f=$here/packages/$l.txt
	if [[ ! -f $f ]]; then
		echo "deps: no package list '$l' (expected $f)" >&2
		exit 2
	fi
	while read -r p _; do
		[[ -z $p || $p == \#* ]] || packages+=("$p")
	done <"$f"
done

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ $status == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
	echo "deps: missing Debian packages: ${missing[*]}; run this as root or install them with apt-get" >&2
	exit 2
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
