# pair.sh - what the namespace tests of one host and its peer share; sourced by them.
#
# Before sourcing, set TAG (a short unique prefix, e.g. "ipf$$") and NAME (for the work
# directory).  It checks the prerequisites (root, the programs, the tools named in NEED),
# exits 77 when the test cannot run, and defines:
#   NS_H NS_P IF_H IF_P H_IP P_IP   the host under test, its peer, their veth and addresses
#   WORK R LOG                      work directory, the store root, the agent's log
#   AGENT_PID PIDS NPASS NFAIL      killed / counted by cleanup and the checks
#   hx px pol                       run in H, in P; ipsecpol on the test's root in H
#   pass fail check wait_for        "PASS name" / "FAIL name" (with $OUT), the summary counts
#   show has hasnt val              ipsecpol's output in $OUT (status $RC), and what it says
#   seen whatif_says verdict        a token's arrival, whatif's word, and the two checked
#   counted                         the packets dynamic show counts for a rule
#   store_script                    a netsh script run into the test's store, checked
# cleanup (on exit) kills the agent and PIDS and removes the namespaces and, unless KEEP=1,
# the work directory.

BIN=${IPP_BIN_DIR:?IPP_BIN_DIR is not set}
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (network namespaces)"
	exit 77
fi
for p in ipsecpol ipsecpold; do
	[ -x "$BIN/$p" ] || { echo "SKIP: $BIN/$p is not built"; exit 77; }
done
for t in ${NEED:-}; do
	command -v "$t" >/dev/null || { echo "SKIP: $t is not installed"; exit 77; }
done

NS_H="${TAG}h" NS_P="${TAG}p" IF_H="${TAG}a" IF_P="${TAG}b"
H_IP=10.77.0.1 P_IP=10.77.0.2
WORK=$(mktemp -d "/tmp/ipp-${NAME}.XXXXXX")
R=$WORK/root
LOG=$WORK/agent.log
AGENT_PID=""
PIDS=()
NPASS=0 NFAIL=0

# The agent's own pid (from its pid file): AGENT_PID may be the subshell that
# runs `hx ipsecpold ... &`.
agent_pid() { cat "$R/run/ipsecpol/ipsecpold.pid" 2>/dev/null; }

cleanup() {
	local a
	a=$(agent_pid)
	[ -n "$a" ] && kill -9 "$a" 2>/dev/null
	[ -n "$AGENT_PID" ] && kill -9 "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	# (what `ip netns exec` started in the background may be its child, not $!)
	for p in $(ip netns pids "$NS_H" 2>/dev/null) $(ip netns pids "$NS_P" 2>/dev/null); do
		kill -9 "$p" 2>/dev/null
	done
	ip netns del "$NS_H" 2>/dev/null
	ip netns del "$NS_P" 2>/dev/null
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

hx() { ip netns exec "$NS_H" "$@"; }
px() { ip netns exec "$NS_P" "$@"; }
# listed PATTERN NFT-ARGS...: does `nft NFT-ARGS` in H list a line that matches PATTERN
# (grep -e)?  0 yes, 1 no, 2 the listing failed.  The listing is taken whole first:
# `nft list ... | grep -q` under pipefail fails when grep, done at the first match,
# leaves nft writing into a closed pipe.
listed() {
	local pat=$1 out
	shift
	out=$(hx nft "$@" 2>/dev/null) || return 2
	grep -q -e "$pat" <<<"$out"
}
pol() { hx "$BIN/ipsecpol" --root "$R" "$@"; }

pass() { echo "PASS $1"; NPASS=$((NPASS + 1)); }
fail() {
	echo "FAIL $1"
	[ -n "${OUT:-}" ] && printf '%s\n' "$OUT" | head -n 40 | sed 's/^/  | /'
	NFAIL=$((NFAIL + 1))
}
check() { local d=$1; shift; if "$@"; then pass "$d"; else fail "$d"; fi; }

# show ARGS...: run `ipsecpol ARGS` in H; output in $OUT, status in $RC.
show() { OUT=$(pol "$@" 2>&1); RC=$?; }
has() { grep -qF -- "$1" <<<"$OUT"; }
hasnt() { ! grep -qF -- "$1" <<<"$OUT"; }
# val LABEL [N]: the value of the N-th "LABEL : value" line of $OUT (default 1)
val() { sed -n "s/^$1 *: //p" <<<"$OUT" | sed -n "${2:-1}p"; }

# pair_up [v4]: H and P made, joined by the veth pair, H_IP/24 and P_IP/24 (with the
# subnet's broadcast address) up and P reaching H; with v4, IPv6 off in both.  Exits 2
# when the network cannot be made.
pair_up() {
	local ns
	ip netns add "$NS_H" && ip netns add "$NS_P" || exit 2
	if [ "${1:-}" = v4 ]; then
		for ns in "$NS_H" "$NS_P"; do
			ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
			ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
		done
	fi
	ip link add "$IF_H" netns "$NS_H" type veth peer name "$IF_P" netns "$NS_P" || exit 2
	hx ip addr add $H_IP/24 brd + dev "$IF_H" && px ip addr add $P_IP/24 brd + dev "$IF_P" &&
		hx ip link set lo up && px ip link set lo up &&
		hx ip link set "$IF_H" up && px ip link set "$IF_P" up || exit 2
	wait_for 5 px ping -c1 -W1 -q $H_IP >/dev/null 2>&1 || { echo "network set-up failed"; exit 2; }
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds, or fail after SECONDS
wait_for() {
	local end=$((SECONDS + $1)); shift
	until "$@"; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}

# seen TOKEN FILE: "pass" when TOKEN reaches FILE within 0.8 s, else "drop"
seen() {
	local i
	for i in 1 2 3 4 5 6 7 8; do
		grep -aq "$1" "$2" 2>/dev/null && { echo pass; return; }
		sleep 0.1
	done
	echo drop
}

# whatif_says ARGS...: "pass" or "drop", as whatif (inside H) says of the packet
whatif_says() {
	local out
	out=$(hx env -u SSH_CONNECTION "$BIN/ipsecpol" --root "$R" whatif "$@" 2>&1) ||
		{ echo "error: $out"; return; }
	case "$(grep '^Verdict:' <<<"$out")" in
	*permitted* | *accepted* | *exempt* | *sent*) echo pass ;;
	*) echo drop ;;
	esac
}

# verdict NAME EXPECT GOT PREDICTED: the kernel did EXPECT and whatif said so (PREDICTED
# "none": whatif not asked)
verdict() {
	if [ "$3" != "$2" ]; then
		OUT="expected $2, the kernel did $3" fail "$1"
	elif [ "$4" != "$2" ] && [ "$4" != none ]; then
		OUT="the kernel did $3 as expected, but whatif predicted $4" fail "$1"
	else
		pass "$1 ($2)"
	fi
}

# counted RULE: the packets dynamic show counts for rule RULE's specific filters
counted() {
	pol dynamic show qmfilter type=specific 2>/dev/null |
		awk -v RS= -v pat="Rule Name                  : $1" 'index($0, pat) { print }' |
		awk '/^Packets/ { n += $3 } END { print n + 0 }'
}

# store_script NAME FILE: the netsh script FILE run into the test's stores (outside the
# namespaces, no SSH session check), a check NAME
store_script() {
	local script=$2
	check "$1" eval 'env -u SSH_CONNECTION "$BIN/ipsecpol" --root "$R" -f "$script" >/dev/null'
}
