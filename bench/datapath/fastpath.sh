#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# fastpath.sh - what the cheapest tables cost the small-packet rate, against
# no table at all, measured in turns in one run: an input chain with no rule,
# one with nothing but a lookup of the 5-tuple in a set the chain fills, the
# same with a counter on each element (ipsecpol's flow cache counts each
# flow's packets, for the filters' counts), and that behind the loopback
# test ipsecpol's base chain begins with: what a packet of a flow the cache
# holds meets; and last the counted lookup with a key of four fields, both
# ports read as one 32-bit field (@th,0,32) instead of two.  The floor under
# the goal of run.sh's UDP ratio: whatever the policy, a table that decides
# every packet by one lookup of its 5-tuple costs at least this.
#
#   bench/datapath/fastpath.sh            (root; two namespaces of its own)
#   ROUNDS=8 SECS=2                       rounds (each case once per round), seconds per run
#
# Prints each round's packets per second and the median of the rounds'
# ratios to the round's no-table rate.  Never touches the machine's own
# ruleset: the tables live in the receiver's namespace.
set -u -o pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROUNDS=${ROUNDS:-8}
SECS=${SECS:-2}
CC=${CC:-cc}
WORK=$(mktemp -d /tmp/ipp-fastpath.XXXXXX)
S=ippfs$$
R=ippfr$$
cleanup() {
	ip netns del "$S" 2>/dev/null
	ip netns del "$R" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ "$(id -u)" = 0 ] || { echo "fastpath.sh: needs root (network namespaces)" >&2; exit 1; }
"$CC" -O2 -std=c17 -D_GNU_SOURCE -Wall -Wextra -o "$WORK/flood" "$HERE/udpflood.c" ||
	{ echo "fastpath.sh: cannot build the UDP sender" >&2; exit 1; }
ip netns add "$S" && ip netns add "$R" || exit 1
ip -n "$S" link add vs type veth peer name vr netns "$R" || exit 1
ip -n "$S" addr add 10.79.0.1/24 dev vs
ip -n "$R" addr add 10.79.0.2/24 dev vr
for ns in "$S" "$R"; do ip -n "$ns" link set lo up; done
ip -n "$S" link set vs up
ip -n "$R" link set vr up
sleep 1

cat >"$WORK/empty.nft" <<'T'
table inet ippfp {
	chain input {
		type filter hook input priority filter; policy accept;
	}
}
T
cat >"$WORK/lookup.nft" <<'T'
table inet ippfp {
	set flows {
		type ipv4_addr . ipv4_addr . inet_proto . inet_service . inet_service
		size 65536
		flags dynamic
	}
	chain input {
		type filter hook input priority filter; policy drop;
		ip saddr . ip daddr . meta l4proto . th sport . th dport @flows accept
		ip saddr . ip daddr . meta l4proto . th sport . th dport != @flows add @flows { ip saddr . ip daddr . meta l4proto . th sport . th dport } accept
	}
}
T
sed -e 's/flags dynamic/flags dynamic\n\t\tcounter/' "$WORK/lookup.nft" >"$WORK/counted.nft"
sed -e 's/policy drop;/policy drop;\n\t\tmeta iiftype loopback accept/' "$WORK/counted.nft" >"$WORK/loopback.nft"
sed -e 's/type ipv4_addr . ipv4_addr . inet_proto . inet_service . inet_service/typeof ip saddr . ip daddr . meta l4proto . @th,0,32/' \
	-e 's/th sport . th dport/@th,0,32/g' "$WORK/counted.nft" >"$WORK/ports32.nft"

pps() { # pps: 64-byte datagrams received per second, receiver on CPU 1, sender on CPU 0
	rm -f "$WORK/sink.out"
	ip netns exec "$R" taskset -c 1 "$WORK/flood" sink 5202 "$((SECS + 10))" >"$WORK/sink.out" &
	local sp=$! _
	for _ in $(seq 1 100); do
		grep -q ready "$WORK/sink.out" 2>/dev/null && break
		sleep 0.05
	done
	ip netns exec "$S" taskset -c 0 "$WORK/flood" send 10.79.0.2 5202 "$SECS" 64 >/dev/null
	wait "$sp"
	awk '/^received/ { print $4 }' "$WORK/sink.out"
}

table() { # table FILE|"": the receiver's table
	ip netns exec "$R" nft delete table inet ippfp 2>/dev/null
	[ -z "$1" ] || ip netns exec "$R" nft -f "$1" || { echo "fastpath.sh: cannot load $1" >&2; exit 1; }
}

echo "small-packet rate (64-byte UDP, pps), $ROUNDS rounds of $SECS s; the cases in turns"
printf '%-6s %10s %10s %10s %10s %10s %10s\n' round none empty lookup counted loopback ports32
: >"$WORK/ratios"
for r in $(seq 1 "$ROUNDS"); do
	table ""; a=$(pps)
	table "$WORK/empty.nft"; b=$(pps)
	table "$WORK/lookup.nft"; c=$(pps)
	table "$WORK/counted.nft"; d=$(pps)
	table "$WORK/loopback.nft"; e=$(pps)
	table "$WORK/ports32.nft"; f=$(pps)
	table ""
	printf '%-6s %10s %10s %10s %10s %10s %10s\n' "$r" "$a" "$b" "$c" "$d" "$e" "$f"
	awk -v a="$a" -v b="$b" -v c="$c" -v d="$d" -v e="$e" -v f="$f" \
		'BEGIN { if (a > 0) printf "%.4f %.4f %.4f %.4f %.4f\n", b / a, c / a, d / a, e / a, f / a }' >>"$WORK/ratios"
done
med() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "ratio to no table, median of the rounds: empty chain $(cut -d' ' -f1 "$WORK/ratios" | med)," \
	"one 5-tuple lookup $(cut -d' ' -f2 "$WORK/ratios" | med), counted $(cut -d' ' -f3 "$WORK/ratios" | med)," \
	"behind the loopback test $(cut -d' ' -f4 "$WORK/ratios" | med)," \
	"counted with a key of four fields $(cut -d' ' -f5 "$WORK/ratios" | med)"
