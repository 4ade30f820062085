#!/usr/bin/env bash
# diff.sh - the differential test: random policies and random packets, the
# reference matcher's verdict against what the kernel did with the same
# packet sent for real (ipp-difftest does the work; this script builds and
# removes the two namespaces it runs in).
#
#   host under test H: 10.77.0.1/24, 10.77.1.1, 10.77.1.2, fd00:77::1/64,
#                      fd00:77:0:1::1, fd00:77:0:1::2; routes to the pools via P
#   peer P:            10.77.0.2/24, fd00:77::2/64; sends the inbound cases
#                      from any address of 10.77.16.0/20 and fd00:77:0:2::/116
#                      and records the outbound ones
# Neighbours are static, so that neither ARP nor neighbour discovery depends
# on the policy under test.
#
# Environment:
#   IPP_DIFF_SEED         replay a run (the seed is printed first)
#   IPP_DIFF_POLICIES     random policies (6); sizes cycle through 1, 1/10 and 3
#                         times IPP_DIFF_FILTERS (300)
#   IPP_DIFF_CASES        packets per policy (2000)
#   IPP_DIFF_NAIVE_CASES  packets of the harness's own check against a
#                         one-rule-per-filter ruleset, run first (600; 0 skips)
#   IPP_DIFF_AGENT_POLICIES  policies put in force by the running agent, each
#                         then changed: a quarter of its filters deleted and added
#                         back, four single filters deleted and added back, a
#                         rule's filter action changed and changed back, with the
#                         cases checked after every change (3; 0 skips)
#   IPP_DIFF_AGENT_CASES  packets per policy in the agent's part (1000)
#   IPP_DIFF_AGENT_FLOWS  the agent's FlowCacheSize (128: it evicts during the run)
#   IPP_DIFF_COUNT_FILTERS  in the agent's policies of up to this many filters, check
#                         each filter's packet count against the packets the matcher
#                         says it decided, after every change (400; 0: not checked;
#                         each check reads the counts through the shell)
#   IPP_DIFF_CELLS=0      both ipsecpold parts with CellDispatch=0: the local
#                         walks as they are, not cut into cells by the remote
#                         address (the default)
#   KEEP=1                keep the work directory
set -u -o pipefail

BIN=${IPP_BIN_DIR:?IPP_BIN_DIR not set}
BUILD=${IPP_BUILD_DIR:?IPP_BUILD_DIR not set}
DIFF=$BUILD/tests/ipp-difftest

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: the differential test needs root (network namespaces)"
	exit 77
fi
for f in "$DIFF" "$BIN/ipsecpold"; do
	if [ ! -x "$f" ]; then
		echo "FAIL: $f is not built"
		exit 1
	fi
done

TAG="ipd$$"
NS_H="${TAG}h"; NS_P="${TAG}p"
IF_H="${TAG}a"; IF_P="${TAG}b"
MAC_H=02:77:00:00:00:01; MAC_P=02:77:00:00:00:02
WORK=$(mktemp -d /tmp/ipp-diff.XXXXXX)
NSES=()
AGENT_PID=""

cleanup() {
	local ns
	if [ -n "$AGENT_PID" ]; then
		kill "$AGENT_PID" 2>/dev/null
		wait "$AGENT_PID" 2>/dev/null
	fi
	for ns in "${NSES[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ "${KEEP:-0}" = 1 ]; then
		echo "work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

hx() { ip netns exec "$NS_H" "$@"; }
px() { ip netns exec "$NS_P" "$@"; }

setup() {
	ip netns add "$NS_H" && NSES+=("$NS_H") || return 1
	ip netns add "$NS_P" && NSES+=("$NS_P") || return 1
	ip link add "$IF_H" address $MAC_H netns "$NS_H" type veth \
		peer name "$IF_P" address $MAC_P netns "$NS_P" || return 1
	hx sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 || return 1
	hx ip link set lo up && hx ip link set "$IF_H" up || return 1
	hx sysctl -qw "net.ipv4.conf.$IF_H.rp_filter=0" || return 1
	hx ip addr add 10.77.0.1/24 dev "$IF_H" &&
	hx ip addr add 10.77.1.1/32 dev "$IF_H" &&
	hx ip addr add 10.77.1.2/32 dev "$IF_H" &&
	hx ip -6 addr add fd00:77::1/64 dev "$IF_H" nodad &&
	hx ip -6 addr add fd00:77:0:1::1/128 dev "$IF_H" nodad &&
	hx ip -6 addr add fd00:77:0:1::2/128 dev "$IF_H" nodad &&
	hx ip neigh add 10.77.0.2 lladdr $MAC_P dev "$IF_H" nud permanent &&
	hx ip -6 neigh add fd00:77::2 lladdr $MAC_P dev "$IF_H" nud permanent &&
	hx ip route add 10.77.16.0/20 via 10.77.0.2 &&
	hx ip -6 route add fd00:77:0:2::/64 via fd00:77::2 || return 1
	px ip link set lo up && px ip link set "$IF_P" up &&
	px ip addr add 10.77.0.2/24 dev "$IF_P" &&
	px ip -6 addr add fd00:77::2/64 dev "$IF_P" nodad &&
	px ip neigh add 10.77.0.1 lladdr $MAC_H dev "$IF_P" nud permanent &&
	px ip -6 neigh add fd00:77::1 lladdr $MAC_H dev "$IF_P" nud permanent &&
	px ip route add 10.77.1.0/24 via 10.77.0.1 &&
	px ip -6 route add fd00:77:0:1::/64 via fd00:77::1 || return 1
	# H's answers to the inbound cases (RST to a SYN, echo replies, ICMP errors)
	# and its multicast listener reports go no further than this table, ahead of
	# ipsecpol's: the filters then count the cases alone (the outbound cases are
	# SYNs, UDP, echo requests, protocol 253)
	hx nft -f - <<-'EOF' || return 1
	table inet difftest_quiet {
		chain output {
			type filter hook output priority -10; policy accept;
			tcp flags != syn drop
			icmp type != echo-request drop
			icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem, echo-reply } drop
			icmpv6 type { 130, 131, 132, 143 } drop
		}
	}
	EOF
	# and P's answers to the outbound cases (ICMP errors: it does not forward to the
	# pool) and its multicast listener reports
	px nft -f - <<-'EOF' || return 1
	table inet difftest_quiet {
		chain output {
			type filter hook output priority -10; policy accept;
			icmp type != echo-request drop
			icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem, echo-reply } drop
			icmpv6 type { 130, 131, 132, 143 } drop
			tcp flags != syn drop
		}
	}
	EOF
}

if ! setup; then
	echo "FAIL: cannot set up the namespaces"
	exit 1
fi

seed=()
[ -n "${IPP_DIFF_SEED:-}" ] && seed=(--seed "$IPP_DIFF_SEED")
common=(--host-ns "$NS_H" --peer-ns "$NS_P" --peer-if "$IF_P" --bindir "$BIN" "${seed[@]}")

status=0
naive_cases=${IPP_DIFF_NAIVE_CASES:-600}
if [ "$naive_cases" -gt 0 ]; then
	echo "== the harness against a one-rule-per-filter ruleset"
	mkdir -p "$WORK/naive"
	"$DIFF" "${common[@]}" --root "$WORK/naive" --naive --policies 1 \
		--filters "${IPP_DIFF_FILTERS:-300}" --cases "$naive_cases" || status=1
fi
cells_conf() { # cells_conf ROOT: CellDispatch=0 in its driver.conf when asked
	if [ "${IPP_DIFF_CELLS:-1}" = 0 ]; then
		mkdir -p "$1/etc/ipsecpol" && echo "CellDispatch=0" >>"$1/etc/ipsecpol/driver.conf"
	fi
}
echo "== ipsecpold --once against the reference matcher"
mkdir -p "$WORK/real"
cells_conf "$WORK/real"
"$DIFF" "${common[@]}" --root "$WORK/real" --policies "${IPP_DIFF_POLICIES:-6}" \
	--filters "${IPP_DIFF_FILTERS:-300}" --cases "${IPP_DIFF_CASES:-2000}" || status=1

agent_policies=${IPP_DIFF_AGENT_POLICIES:-3}
if [ "$agent_policies" -gt 0 ]; then
	echo "== the running agent, with changes in place, against the reference matcher"
	R=$WORK/agent
	LOG=$WORK/agent.log
	# a small flow cache: the agent moves to a fresh generation (and folds the old one)
	# on its own while the cases run and the policy changes
	mkdir -p "$R/etc/ipsecpol"
	echo "FlowCacheSize=${IPP_DIFF_AGENT_FLOWS:-128}" >"$R/etc/ipsecpol/driver.conf"
	cells_conf "$R"
	ip netns exec "$NS_H" "$BIN/ipsecpold" --root "$R" --foreground --verbose \
		>"$LOG" 2>&1 </dev/null &
	AGENT_PID=$!
	for _ in $(seq 600); do
		grep -q "running (pid" "$LOG" && break
		kill -0 "$AGENT_PID" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q "running (pid" "$LOG"; then
		echo "FAIL: the agent did not start"
		tail -n 20 "$LOG" | sed 's/^/  | /'
		exit 1
	fi
	"$DIFF" "${common[@]}" --root "$R" --agent --policies "$agent_policies" \
		--count-filters "${IPP_DIFF_COUNT_FILTERS:-400}" \
		--filters "${IPP_DIFF_FILTERS:-300}" --cases "${IPP_DIFF_AGENT_CASES:-1000}" || {
		status=1
		echo "the agent's log (last 30 lines):"
		tail -n 30 "$LOG" | sed 's/^/  | /'
	}
	echo "agent: $(grep -c "flow cache: a set is (nearly) full" "$LOG") generation switches by eviction," \
		"$(grep -c "generation [01] folded" "$LOG") folds"
	if grep -q "cannot change the policy in place" "$LOG"; then
		echo "FAIL: the kernel refused a change in place:"
		grep "cannot change the policy in place" "$LOG" | sed 's/^/  | /'
		status=1
	fi
fi
exit $status
