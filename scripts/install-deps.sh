#!/bin/sh
# Install the Debian packages ipsecpol needs to build, test and run its demo.
# Idempotent and non-interactive; must run as root (or with sudo available).
set -eu

PKGS="build-essential cmake pkg-config clang libclang-rt-14-dev
libnftables-dev nftables libsqlite3-dev sqlite3 libcmocka-dev libpcap-dev
libsystemd-dev libldap2-dev libnetfilter-log-dev
iproute2 iputils-ping netcat-openbsd socat iperf3 hyperfine tcpdump python3 bc groff-base"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "install-deps: need root to install:$missing" >&2; exit 1; }
	SUDO=sudo
fi
echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
