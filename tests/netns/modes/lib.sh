# lib.sh - shared set-up of the mode tests (sourced).
#
# Two network namespaces joined by a veth pair:
#   H (the host under test, runs ipsecpold)  10.77.0.1/24  fd00:77::1/64
#   P (the peer)                             10.77.0.2/24  fd00:77::2/64
# Everything (namespaces, processes, the --root directory) is removed on exit.
# Programs: $IPPD (ipsecpold), $PROBE and $MKPOLICY (this directory's helpers);
# by default from the build tree given by IPP_BIN_DIR / IPP_BUILD_DIR.

set -u -o pipefail

IPPD=${IPPD:-${IPP_BIN_DIR:?}/ipsecpold}
PROBE=${PROBE:-${IPP_BUILD_DIR:?}/tests/ipp_modes_probe}
MKPOLICY=${MKPOLICY:-${IPP_BUILD_DIR:?}/tests/ipp_modes_mkpolicy}
SRC=${IPP_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}

H_IP=10.77.0.1 P_IP=10.77.0.2 BCAST=10.77.0.255
H_IP6=fd00:77::1 P_IP6=fd00:77::2
TAG=${TAG:-"ipm$$"}
NS_H="${TAG}h" NS_P="${TAG}p" VETH_H="${TAG}a" VETH_P="${TAG}b"
NPASS=0 NFAIL=0
PIDS=()
AGENT_PID=""
for f in "$IPPD" "$PROBE" "$MKPOLICY"; do
	[ -x "$f" ] || { echo "SKIP: $f is not built"; exit 77; }
done
R=$(mktemp -d /tmp/ipp-modes-XXXXXX)
LOG=$R/agent.log

cleanup() {
	local p
	for p in "${PIDS[@]}" $AGENT_PID; do
		kill -9 "$p" 2>/dev/null
	done
	# (a process ip netns exec started in the background may not be the pid $! gave)
	for ns in "$NS_H" "$NS_P"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
	done
	wait 2>/dev/null
	ip netns del "$NS_H" 2>/dev/null
	ip netns del "$NS_P" 2>/dev/null
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $R"; else rm -rf "$R"; fi
}
trap cleanup EXIT

hx() { ip netns exec "$NS_H" "$@"; }
px() { ip netns exec "$NS_P" "$@"; }

pass() { echo "PASS $1"; NPASS=$((NPASS + 1)); }
fail() {
	echo "FAIL $1"
	NFAIL=$((NFAIL + 1))
	if [ -s "$LOG" ]; then
		echo "  --- last lines of the agent's log ---"
		tail -n 10 "$LOG" | sed 's/^/  | /'
	fi
}
# check DESC CMD...: the command must succeed.
check() { local d=$1; shift; if "$@"; then pass "$d"; else fail "$d"; fi; }
# refute DESC CMD...: the command must fail.
refute() { local d=$1; shift; if "$@"; then fail "$d"; else pass "$d"; fi; }

finish() {
	echo "$NPASS passed, $NFAIL failed"
	[ "$NFAIL" -eq 0 ]
	exit $?
}

# wait_for TIMEOUT_S CMD...: poll CMD every 50 ms until it succeeds.
wait_for() {
	local end=$((SECONDS + $1)); shift
	until "$@"; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.05
	done
}

setup_net() {
	local v6=${1:-yes}
	ip netns add "$NS_H" && ip netns add "$NS_P" || exit 2
	if [ "$v6" = no ]; then
		# Quiet hosts: no IPv6 means no neighbour discovery or MLD chatter.
		for ns in "$NS_H" "$NS_P"; do
			ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
			ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
		done
	fi
	ip link add "$VETH_H" netns "$NS_H" type veth peer name "$VETH_P" netns "$NS_P" || exit 2
	hx ip addr add $H_IP/24 broadcast $BCAST dev "$VETH_H"
	px ip addr add $P_IP/24 broadcast $BCAST dev "$VETH_P"
	if [ "$v6" != no ]; then
		hx ip -6 addr add $H_IP6/64 dev "$VETH_H" nodad
		px ip -6 addr add $P_IP6/64 dev "$VETH_P" nodad
	fi
	hx ip link set lo up; px ip link set lo up
	hx ip link set "$VETH_H" up; px ip link set "$VETH_P" up
	wait_for 5 px ping -c1 -W1 -q $H_IP >/dev/null 2>&1 || { echo "network set-up failed"; exit 2; }
}

# spawn NS CMD...: start CMD in namespace NS (h or p) in the background.
# (`ip netns exec` execs the command, so $! is the command's own pid.)
spawn() {
	local ns=$NS_P
	[ "$1" = h ] && ns=$NS_H
	shift
	ip netns exec "$ns" "$@" &
	PIDS+=($!)
}

conf() { mkdir -p "$R/etc/ipsecpol"; printf '%s\n' "$@" > "$R/etc/ipsecpol/driver.conf"; }

table() { hx nft list table inet ipsecpol 2>/dev/null; }
# The table without counters (they move with the traffic).
table_stateless() { hx nft -s list table inet ipsecpol 2>/dev/null; }
table_mode() { table | sed -n 's/.*comment "ipsecpol mode=\([a-z-]*\)".*/\1/p'; }
no_table() { ! hx nft list table inet ipsecpol >/dev/null 2>&1; }

startup() { hx "$IPPD" --root "$R" --startup "$@"; }

agent_start() {
	: > "$LOG"
	ip netns exec "$NS_H" env ${AGENT_ENV:-} "$IPPD" --root "$R" --foreground --verbose "$@" 2>>"$LOG" &
	AGENT_PID=$!
	wait_for 60 grep -q "running (pid" "$LOG" || { fail "agent start"; return 1; }
}
agent_signal() { kill -"$1" "$AGENT_PID"; }
agent_wait() {
	local rc
	wait "$AGENT_PID"; rc=$?
	AGENT_PID=""
	return $rc
}

ctl() { printf '%s\n' "$1" | socat -t 30 - "UNIX-CONNECT:$R/run/ipsecpol/ipsecpold.sock"; }
agent_mode() { ctl mode | head -n1; }

count_of() { cat "$1" 2>/dev/null || echo 0; }
