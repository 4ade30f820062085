#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Policy agent benchmark: figures printed, nothing asserted.
#   1. `ipsecpold --startup`: exec to the startup ruleset in force (the
#      process exits after the kernel committed the transaction), per mode
#   2. agent start to operational (READY) with a policy of N filters (the
#      ClassBench-like generator of bench/gen), from the startup ruleset and
#      after a crash (the secure ruleset in force, replaced whole), next
#      to `--once` and the kernel's own floor (`nft -f` of the same ruleset)
#   3. leaked probes: a flood of UDP datagrams to a port that neither the
#      startup nor the secure ruleset allows, across TRANSITIONS boot ->
#      operational transitions and CHANGES policy changes; and how long a
#      change takes to be in force
# Everything runs in two network namespaces (10.77.0.1 host, 10.77.0.2 peer).
#
#   bash bench/agent/run.sh [BUILD]          (BUILD: build dir, default build)
#
# Environment knobs:
#   N=100000           filters of the policy for part 2
#   RUNS=30            --startup runs per mode
#   TRANSITIONS=100    boot -> operational transitions (part 3)
#   CHANGES=100        policy changes (part 3)
#   PARTS="startup start leaks"
#   KEEP=1             keep the work directory
# Needs root, iproute2, nft, socat, a C compiler; hyperfine when present.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$SRC/$BUILD ;; esac
BIN=${IPP_BIN_DIR:-$BUILD/bin}
IPPD=$BIN/ipsecpold
IPSECPOL=$BIN/ipsecpol
PROBE=$BUILD/tests/ipp_modes_probe
MKPOLICY=$BUILD/tests/ipp_modes_mkpolicy
N=${N:-100000}
RUNS=${RUNS:-30}
TRANSITIONS=${TRANSITIONS:-100}
CHANGES=${CHANGES:-100}
PARTS=${PARTS:-"startup start leaks"}
CC=${CC:-cc}

die() { echo "bench/agent: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
for f in "$IPPD" "$PROBE" "$MKPOLICY"; do [ -x "$f" ] || die "$f is not built"; done

WORK=$(mktemp -d /tmp/ipp-bench-agent-XXXXXX)
TAG="ipb$$"
NS_H="${TAG}h" NS_P="${TAG}p"
H_IP=10.77.0.1
PIDS=()
AGENT=""
cleanup() {
	local p
	for p in "${PIDS[@]}" $AGENT; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$NS_H" 2>/dev/null
	ip netns del "$NS_P" 2>/dev/null
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

hx() { ip netns exec "$NS_H" "$@"; }
now_ns() { date +%s%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f\n", (b - a) / 1e6 }'; }
# stats FILE: "median M ms (min A, max B, n C)" of a file of numbers (ms).
stats() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "no data"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "median %.1f ms (min %.1f, max %.1f, n %d)", m, v[1], v[NR], NR }'
}
wait_for() {
	local end=$((SECONDS + $1)); shift
	until "$@"; do [ $SECONDS -ge $end ] && return 1; sleep 0.01; done
}

ip netns add "$NS_H" && ip netns add "$NS_P" || die "cannot create namespaces"
for ns in "$NS_H" "$NS_P"; do ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1; done
ip link add "${TAG}a" netns "$NS_H" type veth peer name "${TAG}b" netns "$NS_P" || die "veth"
hx ip addr add $H_IP/24 dev "${TAG}a"
ip netns exec "$NS_P" ip addr add 10.77.0.2/24 dev "${TAG}b"
for ns in "$NS_H" "$NS_P"; do
	ip netns exec "$ns" ip link set lo up
	ip netns exec "$ns" ip link set "${TAG}$([ "$ns" = "$NS_H" ] && echo a || echo b)" up
done

root() { # root NAME: a fresh installation root
	mkdir -p "$WORK/$1/etc/ipsecpol" "$WORK/$1/var/lib/ipsecpol"
	echo "$WORK/$1"
}

# Start the agent on root $1; wait for READY (the "running" log line).
agent_start() {
	: > "$1/agent.log"
	ip netns exec "$NS_H" "$IPPD" --root "$1" --foreground 2>>"$1/agent.log" &
	AGENT=$!
	wait_for 600 grep -q "running (pid" "$1/agent.log"
}
agent_kill() { kill -"${2:-9}" "$AGENT" 2>/dev/null; wait "$AGENT" 2>/dev/null; AGENT=""; }

# ---------- 1. startup
if [[ " $PARTS " == *" startup "* ]]; then
	echo "== --startup: exec -> startup ruleset in force ($RUNS runs each, after a warm-up)"
	R=$(root startup)
	for mode in "block 1" "stateful 3" "permit 0"; do
		set -- $mode
		printf 'OperationMode=%s\nBootExemptions=tcp:0:3389:inbound udp:0:53:outbound\n' "$2" \
			> "$R/etc/ipsecpol/driver.conf"
		hx "$IPPD" --root "$R" --startup
		: > "$WORK/t"
		for _ in $(seq "$RUNS"); do
			t0=$(now_ns); hx "$IPPD" --root "$R" --startup; t1=$(now_ns)
			ms "$t0" "$t1" >> "$WORK/t"
		done
		printf '  %-10s %s\n' "$1" "$(stats "$WORK/t")"
	done
	# The namespace-entering wrapper is part of the figures above: its own cost.
	: > "$WORK/t"
	for _ in $(seq "$RUNS"); do t0=$(now_ns); hx true; t1=$(now_ns); ms "$t0" "$t1" >> "$WORK/t"; done
	printf '  %-10s %s   (ip netns exec + a process that does nothing)\n' "baseline" "$(stats "$WORK/t")"
	if command -v hyperfine >/dev/null; then
		printf 'OperationMode=1\nBootExemptions=tcp:0:3389:inbound udp:0:53:outbound\n' \
			> "$R/etc/ipsecpol/driver.conf"
		hx hyperfine -N -w 3 -r "$RUNS" --export-json "$WORK/hf.json" \
			"$IPPD --root $R --startup" >/dev/null 2>&1 &&
			awk -F: '/"median"/ { gsub(/[ ,]/, "", $2); printf "  block, measured inside the namespace (hyperfine): median %.1f ms\n", $2 * 1000; exit }' "$WORK/hf.json"
	fi
	# Stateful in a namespace where conntrack was never used (first use loads its state).
	ip netns add "${TAG}c"
	printf 'OperationMode=3\n' > "$R/etc/ipsecpol/driver.conf"
	t0=$(now_ns); ip netns exec "${TAG}c" "$IPPD" --root "$R" --startup; t1=$(now_ns)
	ip netns del "${TAG}c"
	printf '  %-10s %s ms   (first conntrack use in a fresh namespace)\n' "stateful" "$(ms "$t0" "$t1")"
fi

# ---------- 2. agent start with N filters
if [[ " $PARTS " == *" start "* ]]; then
	echo "== agent start -> operational with $N filters"
	if [ ! -x "$IPSECPOL" ]; then
		echo "  skipped: $IPSECPOL is not built"
	else
		"$CC" -O2 -std=c17 -D_GNU_SOURCE -o "$WORK/ipp-benchgen" "$SRC/bench/gen/gen.c" \
			"$SRC/bench/gen/main.c" || die "cannot build the generator"
		"$WORK/ipp-benchgen" -n "$N" -s 1 -o "$WORK/p" || die "generator failed"
		R=$(root start)
		printf 'OperationMode=1\n' > "$R/etc/ipsecpol/driver.conf"
		t0=$(now_ns)
		"$IPSECPOL" --root "$R" -f "$WORK/p.netsh" >/dev/null || die "loading the policy failed"
		t1=$(now_ns)
		echo "  (policy written to the store in $(ms "$t0" "$t1") ms)"
		: > "$WORK/t"
		for _ in 1 2 3; do
			hx "$IPPD" --root "$R" --startup
			t0=$(now_ns); agent_start "$R"; t1=$(now_ns)
			ms "$t0" "$t1" >> "$WORK/t"
			agent_kill "$R"
		done
		printf '  %-28s %s\n' "agent exec -> READY" "$(stats "$WORK/t")"
		# After a crash the secure ruleset is in force: replaced in one transaction (its
		# base chains drop what their lookups miss; an earlier version's table: guarded).
		agent_start "$R"
		: > "$WORK/t"
		for _ in 1 2 3; do
			agent_kill "$R"
			t0=$(now_ns); agent_start "$R"; t1=$(now_ns)
			ms "$t0" "$t1" >> "$WORK/t"
		done
		agent_kill "$R"
		printf '  %-28s %s\n' "restart after kill -9" "$(stats "$WORK/t")   (secure in force: replaced whole)"
		: > "$WORK/t"
		for _ in 1 2 3; do
			hx "$IPPD" --root "$R" --startup
			t0=$(now_ns); hx "$IPPD" --root "$R" --once >/dev/null; t1=$(now_ns)
			ms "$t0" "$t1" >> "$WORK/t"
		done
		printf '  %-28s %s\n' "ipsecpold --once" "$(stats "$WORK/t")   (startup block in force)"
		: > "$WORK/t"
		for _ in 1 2 3; do
			t0=$(now_ns); hx "$IPPD" --root "$R" --once >/dev/null; t1=$(now_ns)
			ms "$t0" "$t1" >> "$WORK/t"
		done
		printf '  %-28s %s\n' "ipsecpold --once again" "$(stats "$WORK/t")   (its secure table in force: replaced whole)"
		"$IPPD" --root "$R" --once --dry-run > "$WORK/ruleset.nft"
		: > "$WORK/t"
		for _ in 1 2 3; do
			hx "$IPPD" --root "$R" --startup
			t0=$(now_ns); hx nft -f "$WORK/ruleset.nft"; t1=$(now_ns)
			ms "$t0" "$t1" >> "$WORK/t"
		done
		printf '  %-28s %s\n' "kernel floor (nft -f)" "$(stats "$WORK/t")"
		grep "secure mode" "$R/agent.log" | tail -n1 | sed 's/^/  (/; s/$/)/'
		: > "$R/etc/ipsecpol/driver.conf" # OperationMode unset: the stores decide
		: > "$WORK/t"
		for _ in 1 2 3; do
			t0=$(now_ns); hx "$IPPD" --root "$R" --startup; t1=$(now_ns)
			ms "$t0" "$t1" >> "$WORK/t"
		done
		printf '  %-28s %s\n' "--startup, mode unset" "$(stats "$WORK/t")   (reads the $N-filter store)"
	fi
fi

# ---------- 3. leaks
if [[ " $PARTS " == *" leaks "* ]]; then
	echo "== leaked probes (udp 7777: blocked at boot and by the persistent policy)"
	R=$(root leaks)
	DB=$R/var/lib/ipsecpol/policy.db
	printf 'OperationMode=1\nBootExemptions=tcp:0:3389:inbound\n' > "$R/etc/ipsecpol/driver.conf"
	"$MKPOLICY" "$DB" persistent Block7777 block udp 7777 || die "mkpolicy"
	ip netns exec "$NS_H" "$PROBE" udp-count 7777 "$WORK/leak" &
	PIDS+=($!)
	hx "$IPPD" --root "$R" --startup
	sleep 0.2
	ip netns exec "$NS_P" "$PROBE" udp-send $H_IP 7777 0 100 2>"$WORK/sent" &
	FLOOD=$!
	PIDS+=($FLOOD)
	t0=$(now_ns)
	for i in $(seq "$TRANSITIONS"); do
		hx "$IPPD" --root "$R" --startup
		agent_start "$R" || die "agent start failed"
		agent_kill "$R"
	done
	t1=$(now_ns)
	printf '  %d boot -> operational transitions (%s s): %s probes leaked\n' "$TRANSITIONS" \
		"$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')" "$(cat "$WORK/leak")"

	agent_start "$R"
	gen() { printf 'status\n' | socat -t 30 - "UNIX-CONNECT:$R/run/ipsecpol/ipsecpold.sock" |
		sed -n 's/^generation=//p'; }
	gen_moved() { [ "$(gen)" != "$g" ]; }
	: > "$WORK/t"
	l0=$(cat "$WORK/leak")
	for i in $(seq "$CHANGES"); do
		g=$(gen)
		t0=$(now_ns)
		if [ $((i % 2)) = 1 ]; then
			"$MKPOLICY" "$DB" local "L$i" block udp $((8000 + i)) >/dev/null
		else
			"$MKPOLICY" "$DB" local unassign
		fi
		wait_for 60 gen_moved
		t1=$(now_ns)
		ms "$t0" "$t1" >> "$WORK/t"
	done
	printf '  %d policy changes: %s probes leaked; command -> in force %s\n' "$CHANGES" \
		"$(($(cat "$WORK/leak") - l0))" "$(stats "$WORK/t")"
	agent_kill "$R" TERM
	sleep 0.3
	kill -TERM "$FLOOD"; wait "$FLOOD" 2>/dev/null
	printf '  (probes sent: %s; after the agent stopped (permit) the listener counted %s: the probe measures)\n' \
		"$(sed -n 's/^sent //p' "$WORK/sent")" "$(cat "$WORK/leak")"
fi
