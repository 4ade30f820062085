#!/usr/bin/env bash
# The tour of README.md, played for real.
#
# Part 1 (any user): the Block80 persistent policy and a restrictive server
# policy, typed as a Windows administrator types them, shown with `show all`,
# dumped, and asked `whatif`.
#
# Part 2 (root, network namespaces): the driver modes on real traffic between
# two namespaces this script creates and deletes: boot in block mode with an
# RDP exemption, then the agent applies the Block80 persistent policy, then the
# service is stopped on purpose; at the next boot the local policy cannot be
# applied, and the persistent policy goes in force alone.  Every step says what
# passes and what not.
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/.." || exit 1
case $BUILD in /*) BIN=$BUILD/bin ;; *) BIN=$PWD/$BUILD/bin ;; esac
IPSECPOL=$BIN/ipsecpol
NETSH=$BIN/netsh
IPSECPOLD=$BIN/ipsecpold
[ -x "$IPSECPOL" ] || { echo "demo: $IPSECPOL is not built (run make)" >&2; exit 1; }

ROOT=$(mktemp -d /tmp/ipsecpol-demo.XXXXXX)
H=ippdemoh$$ P=ippdemop$$
AGENT_PID=
cleanup() {
	[ -n "$AGENT_PID" ] && kill -9 "$AGENT_PID" 2>/dev/null
	ip netns del "$H" 2>/dev/null
	ip netns del "$P" 2>/dev/null
	rm -rf "$ROOT"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "Part 1: policies the Windows way (scratch installation in $ROOT)"
run cat examples/block80.netsh
run "$IPSECPOL" --root "$ROOT" -f examples/block80.netsh || exit 1
run "$IPSECPOL" --root "$ROOT" -f examples/restrictive-server.netsh || exit 1

say "a Windows batch file, run as cmd.exe runs it (its checks, its loop, its subroutine)"
run cat examples/close-ports.bat
run "$IPSECPOL" --root "$ROOT" -f examples/close-ports.bat || exit 1
run "$IPSECPOL" --root "$ROOT" -f examples/close-ports.bat || exit 1

say "show all, in each store"
printf 'set store location=persistent\nshow all\n' | run "$NETSH" --root "$ROOT" -f - || exit 1
run "$NETSH" --root "$ROOT" ipsec static show all format=table || exit 1
run "$IPSECPOL" --root "$ROOT" static show rule all policy="Restrictive Server" format=table || exit 1

say "dump: the local store as a netsh script that recreates it"
run "$IPSECPOL" --root "$ROOT" static dump || exit 1

say "whatif: which rule wins, and why"
run "$IPSECPOL" --root "$ROOT" whatif srcaddr=10.77.9.20 dstaddr=me protocol=tcp dstport=3389 me=10.77.0.1
run "$IPSECPOL" --root "$ROOT" whatif srcaddr=192.0.2.7 dstaddr=me protocol=tcp dstport=80 me=10.77.0.1
run "$IPSECPOL" --root "$ROOT" whatif srcaddr=192.0.2.7 dstaddr=me protocol=tcp dstport=22 me=10.77.0.1

say "the nftables ruleset the agent would load (first lines)"
"$IPSECPOLD" --root "$ROOT" --once --dry-run | head -40

if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null || ! ip netns add "$H" 2>/dev/null; then
	say "Part 2 needs root and network namespaces: skipped"
	exit 0
fi
ip netns add "$P"

say "Part 2: the driver modes on real traffic (namespaces $H = the server, $P = a client)"
ip link add "v$H" netns "$H" type veth peer name "v$P" netns "$P"
ip -n "$H" addr add 10.77.0.1/24 dev "v$H"
ip -n "$P" addr add 10.77.0.2/24 dev "v$P"
for ns in "$H" "$P"; do ip -n "$ns" link set lo up; done
ip -n "$H" link set "v$H" up
ip -n "$P" link set "v$P" up

# A fresh installation for the server: Block80 only (the persistent store).
SROOT=$ROOT/server
mkdir -p "$SROOT"
"$IPSECPOL" --root "$SROOT" -f examples/block80.netsh || exit 1

LISTENERS=()
for port in 22 80 3389; do
	ip netns exec "$H" socat -T1 "TCP-LISTEN:$port,fork,reuseaddr" SYSTEM:'echo hello' \
		>/dev/null 2>&1 &
	LISTENERS+=($!)
done
trap 'kill ${LISTENERS[*]} 2>/dev/null; cleanup' EXIT
sleep 0.3

probe() {
	local line=""
	for port in 22 80 3389; do
		if ip netns exec "$P" socat -T1 - "TCP:10.77.0.1:$port,connect-timeout=1" </dev/null \
			2>/dev/null | grep -q hello; then
			line+="  tcp/$port: passes"
		else
			line+="  tcp/$port: BLOCKED"
		fi
	done
	if ip netns exec "$P" ping -c1 -W1 10.77.0.1 >/dev/null 2>&1; then
		line+="  ping: passes"
	else
		line+="  ping: BLOCKED"
	fi
	echo "client -> server:$line"
}

# The agent in the background (its log appended to agent.log), once its ruleset is in force.
agent_start() {
	ip netns exec "$H" "$IPSECPOLD" --root "$SROOT" --foreground >>"$ROOT/agent.log" 2>&1 &
	AGENT_PID=$!
	for _ in $(seq 50); do
		ip netns exec "$H" nft list table inet ipsecpol 2>/dev/null | grep -q 'mode=secure' &&
			break
		sleep 0.1
	done
}

say "1. no ipsecpol table: nothing is filtered"
probe

say "2. boot in block mode with the RDP exemption"
run "$IPSECPOL" --root "$SROOT" dynamic set config bootmode value=block
run "$IPSECPOL" --root "$SROOT" dynamic set config bootexemptions value="tcp:0:3389:inbound"
run ip netns exec "$H" "$IPSECPOLD" --root "$SROOT" --startup
probe

say "3. the agent starts: the Block80 persistent policy replaces the boot filters in one transaction"
agent_start
probe
run "$IPSECPOL" --root "$SROOT" whatif srcaddr=10.77.0.2 dstaddr=me protocol=tcp dstport=80 me=10.77.0.1

say "4. a local policy is assigned while the agent runs: it applies at once"
cat >"$ROOT/noping.netsh" <<'EOF'
add policy name=NoPing
add filter filterlist=ICMP srcaddr=any dstaddr=me protocol=ICMP
add filteraction name=Block action=block
add rule name=BlockPing policy=NoPing filterlist=ICMP filteraction=Block
set policy name=NoPing assign=yes
EOF
run cat "$ROOT/noping.netsh"
"$IPSECPOL" --root "$SROOT" -f "$ROOT/noping.netsh" || exit 1
sleep 0.5
probe
run ip netns exec "$H" "$IPSECPOL" --root "$SROOT" dynamic show stats type=ipsec

say "4b. one more filter in a list in force: the agent adds its elements, without reloading the table"
run "$IPSECPOL" --root "$SROOT" static add filter filterlist=ICMP srcaddr=10.77.0.9 dstaddr=me \
	protocol=ICMP
sleep 0.5
probe

say "5. the service is stopped on purpose (SIGTERM, as systemctl stop): filtering is removed"
kill -TERM "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
AGENT_PID=
probe

say "6. the next boot, with a local policy that cannot be applied: the persistent policy goes in force alone"
printf 'add filter filterlist=ICMP srcaddr=wins dstaddr=me protocol=ICMP\n' >"$ROOT/wins.netsh"
run cat "$ROOT/wins.netsh"
"$IPSECPOL" --root "$SROOT" -f "$ROOT/wins.netsh" || exit 1
echo "wins-server.example" >"$SROOT/etc/ipsecpol/wins.conf"
run cat "$SROOT/etc/ipsecpol/wins.conf"
run ip netns exec "$H" "$IPSECPOLD" --root "$SROOT" --startup
agent_start
probe
run ip netns exec "$H" "$IPSECPOL" --root "$SROOT" whatif srcaddr=10.77.0.2 dstaddr=me \
	protocol=tcp dstport=80
run ip netns exec "$H" "$IPSECPOL" --root "$SROOT" whatif srcaddr=10.77.0.2 dstaddr=me \
	protocol=tcp dstport=22
kill -TERM "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
AGENT_PID=

say "what the agent logged"
cat "$ROOT/agent.log"
exit 0
