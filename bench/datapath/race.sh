#!/usr/bin/env bash
# race.sh - how many packets the filters' counters count twice when the
# first packets of a flow are walked at the same instant on two CPUs.
#
# Two namespaces (10.78.0.1 the host under test, 10.78.0.2 its peer); one
# filter, any -> me protocol 253, permit, applied by ipsecpold --once.  Two
# threads of the peer, one per CPU, send the first packets of N address
# pairs (sources from 10.78.16.0/20) in lock step, then the same again;
# the filter's count (dynamic show qmfilter) against the packets sent, with
# the flow cache and, as the baseline of the same run, without it
# (FlowCache=0: every packet is walked and counted by its element alone).
#
#   bash bench/datapath/race.sh BUILD_DIR        N=1000 ROUNDS=3
set -u -o pipefail

BUILD=${1:?usage: race.sh BUILD_DIR}
BIN=${IPP_BIN_DIR:-$BUILD/bin}
HERE=$(cd "$(dirname "$0")" && pwd)
N=${N:-1000} ROUNDS=${ROUNDS:-3}
TAG="ipr$$" H="ipr$$h" P="ipr$$p"
WORK=$(mktemp -d /tmp/ipp-race.XXXXXX)

die() { echo "race.sh: $*" >&2; exit 1; }
cleanup() {
	ip netns del "$H" 2>/dev/null
	ip netns del "$P" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || { echo "race.sh: needs root (network namespaces)"; exit 77; }
[ "$(nproc)" -ge 2 ] || { echo "race.sh: one CPU: nothing can race"; exit 77; }
[ "$((N * ROUNDS))" -le 4096 ] || die "N * ROUNDS must be at most 4096 (a /20 of sources)"
"${CC:-cc}" -O2 -std=c17 -D_GNU_SOURCE -Wall -Wextra -pthread -o "$WORK/race_send" \
	"$HERE/race_send.c" || die "cannot build the sender"

ip netns add "$H" && ip netns add "$P" || die "cannot add the namespaces"
ip link add "${TAG}a" netns "$H" type veth peer name "${TAG}b" netns "$P" || die "no veth"
ip -n "$H" link set lo up && ip -n "$H" link set "${TAG}a" up &&
	ip -n "$H" addr add 10.78.0.1/24 dev "${TAG}a" &&
	ip -n "$P" link set lo up && ip -n "$P" link set "${TAG}b" up &&
	ip -n "$P" addr add 10.78.0.2/24 dev "${TAG}b" &&
	ip -n "$H" route add 10.78.16.0/20 via 10.78.0.2 || die "cannot set up the link"
ip netns exec "$H" sysctl -qw net.ipv4.conf.all.rp_filter=0 "net.ipv4.conf.${TAG}a.rp_filter=0"

cat >"$WORK/policy.netsh" <<'NETSH'
add filteraction name=Perm action=permit
add filter filterlist=L srcaddr=any dstaddr=me protocol=253 mirrored=no
add policy name=Race
add rule name=R policy=Race filterlist=L filteraction=Perm
set policy name=Race assign=yes
NETSH

# one pass: the count after ROUNDS rounds of N pairs, each pair's first packets raced
pass() { # pass FLOWCACHE
	local root=$WORK/root$1 r got
	mkdir -p "$root/etc/ipsecpol"
	echo "FlowCache=$1" >"$root/etc/ipsecpol/driver.conf"
	ip netns exec "$H" "$BIN/ipsecpol" --root "$root" -f "$WORK/policy.netsh" >/dev/null ||
		die "the policy was refused"
	ip netns exec "$H" "$BIN/ipsecpold" --root "$root" --once >/dev/null ||
		die "ipsecpold --once failed"
	for r in $(seq 0 $((ROUNDS - 1))); do
		ip netns exec "$P" "$WORK/race_send" "$N" $((r * N)) 10.78.0.1 || die "the sender failed"
	done
	sleep 0.5
	got=$(ip netns exec "$H" "$BIN/ipsecpol" --root "$root" dynamic show qmfilter type=specific |
		sed -n 's/^Packets *: //p' | head -n 1)
	echo "${got:-0}"
}

sent=$((2 * N * ROUNDS))
base=$(pass 0)
cached=$(pass 1)
echo "sent $sent packets (2 per address pair, $((N * ROUNDS)) pairs, each pair's two at once)"
echo "counted without the flow cache: $base ($(awk -v a="$base" -v b="$sent" 'BEGIN { printf "%.3f", a / b }') of sent)"
echo "counted with the flow cache:    $cached ($(awk -v a="$cached" -v b="$sent" 'BEGIN { printf "%.3f", a / b }') of sent;" \
	"$(awk -v a="$cached" -v b="$base" 'BEGIN { printf "%.3f", a / b }') of the baseline)"
