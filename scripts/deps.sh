#!/usr/bin/env bash
# Installs the Debian packages stubprobe needs to build and test, only those missing.
set -euo pipefail

packages=(
	gcc libc6-dev make cmake pkg-config
	libuv1-dev libc-ares-dev libpcap-dev libjansson-dev libcmocka-dev
	jq iproute2 util-linux
)

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
