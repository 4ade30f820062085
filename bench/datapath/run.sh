#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Datapath benchmark: what a policy of N filters costs the packets of a host,
# compiled by ipsecpol and, as the anchor, naively (one nft rule per filter
# in weight order).  Everything runs in two network namespaces joined by a
# veth pair (10.77.0.1 sender, 10.77.0.2 receiver); the policy under test is
# loaded in the receiver's namespace.  Figures are printed as ratios against
# a no-filter baseline measured in the same run; nothing is asserted.
#
#   bash bench/datapath/run.sh [BUILD]        (BUILD: build dir, default build)
#
# Environment knobs:
#   QUICK=1            1k and 10k filters only, one 2 s run per case, apply at 10k
#   SIZES="1000 ..."   filter counts (default 1000 10000 100000)
#   TRAFFIC="outside inside"  where the benchmark's flows are: outside every filter's
#                      address space (no filter names 10/8), or inside the most populated
#                      /16 of the policy, permitted by a low-weight filter (bench/gen -i)
#   SECS=2             seconds per traffic run
#   ROUNDS=8           paired rounds per case: the case's namespaces and the no-filter
#                      pair take turns, the ratio of each round is kept, the median printed
#   APPLY_N=100000     filters for the apply and one-filter-change timings
#   APPLY_ROUNDS=9     interleaved rounds of the full apply timing (nft -f, --once, buffer)
#   RUNS=3             hyperfine runs for the one-filter change (element floor: 3*RUNS)
#   CHANGE_ROUNDS=10   rounds of the agent's change and the element floor in turns
#   SEED=1             generator seed
#   PARTS="traffic apply change"   which parts to run
#   IPSECPOL=0         skip everything that needs ipsecpol's programs
#   FLOWCACHE=0        ipsecpol without its flow cache (driver.conf FlowCache=0): every
#                      packet walks the maps, as the first packet of a flow does
#   CELLS=0            ipsecpol with the local walks as they are, not cut into cells
#                      (driver.conf CellDispatch=0): the first packet of a flow walks
#                      every map that can match its local address
#   NAIVE=0            skip the naive anchor
#   FLOOR=0            skip the floor (floor.nft: one counted lookup of the 5-tuple per
#                      packet, the cheapest table that decides every packet), which
#                      otherwise takes a turn in every round of every case, on a pair of its own
#   NAIVE_LOAD_MAX=60  seconds allowed for loading a naive ruleset
#   UDP_TOOLS=flood    small-packet senders: flood (ipp-udpflood), iperf3, or both
#   KEEP=1             keep the work directory (printed at the end)
#   IPP_BIN_DIR        where ipsecpol and ipsecpold are (default BUILD/bin)
#   IPP_SOURCE_DIR     the source tree (default: two levels above this script)
#
# Needs root, iproute2, nft, iperf3, hyperfine, socat (agent path), a C compiler.
set -u

SRC=${IPP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
HERE=$SRC/bench/datapath
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$SRC/$BUILD ;; esac
BIN=${IPP_BIN_DIR:-$BUILD/bin}
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
	SIZES=${SIZES:-"1000 10000"}
	SECS=${SECS:-1}
	ROUNDS=${ROUNDS:-3}
	APPLY_N=${APPLY_N:-10000}
else
	SIZES=${SIZES:-"1000 10000 100000"}
	SECS=${SECS:-2}
	ROUNDS=${ROUNDS:-8}
	APPLY_N=${APPLY_N:-100000}
fi
TRAFFIC=${TRAFFIC:-"outside inside"}
FLOWCACHE=${FLOWCACHE:-1}
CELLS=${CELLS:-1}
RUNS=${RUNS:-3}
CHANGE_ROUNDS=${CHANGE_ROUNDS:-10}
APPLY_ROUNDS=${APPLY_ROUNDS:-9}
SEED=${SEED:-1}
PARTS=${PARTS:-"traffic apply change"}
NAIVE=${NAIVE:-1}
FLOOR=${FLOOR:-1}
NAIVE_LOAD_MAX=${NAIVE_LOAD_MAX:-60}
UDP_TOOLS=${UDP_TOOLS:-flood}
KEEP=${KEEP:-0}
CC=${CC:-cc}

S=ippbs$$ # sender namespace
R=ippbr$$ # receiver namespace: the policy under test
S0=ippbs0$$ # the no-filter pair, the same addresses: the baseline
R0=ippbr0$$
SF=ippbsf$$ # the floor's pair: floor.nft in the receiver, for the whole traffic part
RF=ippbrf$$
SADDR=10.77.0.1
RADDR=10.77.0.2
UDP_PORT=9000

say() { printf '%s\n' "$*"; }
note() { printf '  note: %s\n' "$*"; }
die() {
	printf 'datapath: %s\n' "$*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
for t in ip nft iperf3 "$CC"; do
	command -v "$t" >/dev/null || die "\"$t\" not found"
done
HAVE_HYPERFINE=1
command -v hyperfine >/dev/null || HAVE_HYPERFINE=0

WORK=$(mktemp -d /tmp/ippbench.XXXXXX) || die "mktemp failed"
cleanup() {
	local p
	for p in $(jobs -p); do
		kill "$p" 2>/dev/null
	done
	for ns in "$S" "$R" "$S0" "$R0" "$SF" "$RF"; do ip netns del "$ns" 2>/dev/null; done
	if [ "$KEEP" = 1 ]; then
		say "work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# (Background processes are started with ip netns exec itself, not these
# functions, so that $! is the process and can be ended by its id.)
in_s() { ip netns exec "$S" "$@"; }
in_r() { ip netns exec "$R" "$@"; }

# ---------- tools ----------

"$CC" -O2 -std=c17 -D_GNU_SOURCE -Wall -Wextra -o "$WORK/ipp-benchgen" \
	"$SRC/bench/gen/gen.c" "$SRC/bench/gen/main.c" || die "cannot build the generator"
"$CC" -O2 -std=c17 -D_GNU_SOURCE -Wall -Wextra -o "$WORK/ipp-udpflood" \
	"$HERE/udpflood.c" || die "cannot build the UDP sender"
"$CC" -O2 -std=c17 -D_GNU_SOURCE -Wall -Wextra -o "$WORK/ipp-nftwalk" \
	"$HERE/nftwalk.c" || die "cannot build the lookup counter"
"$CC" -O2 -std=c17 -D_GNU_SOURCE -Wall -Wextra -o "$WORK/ipp-nftload" \
	"$HERE/nftload.c" -lnftables || die "cannot build the buffer loader"

HAVE_IPP=0
if [ "${IPSECPOL:-1}" != 0 ]; then
	if [ -x "$BIN/ipsecpol" ] && [ -x "$BIN/ipsecpold" ]; then
		HAVE_IPP=1
	else
		missing=""
		[ -x "$BIN/ipsecpol" ] || missing="$missing $BIN/ipsecpol"
		[ -x "$BIN/ipsecpold" ] || missing="$missing $BIN/ipsecpold"
		say "ipsecpol rows skipped: not built:$missing"
	fi
fi

# A policy id: N (the flows outside every filter) or Ni (inside, bench/gen -i).
pid_of() { # pid_of N TRAFFIC
	case $2 in inside) echo "$1i" ;; *) echo "$1" ;; esac
}

gen() { # gen ID: writes $WORK/pID.{netsh,nft,rules,add.netsh,del.netsh}
	local n=${1%i} inside=""
	[ "$n" != "$1" ] && inside=-i
	[ -f "$WORK/p$1.nft" ] || "$WORK/ipp-benchgen" -n "$n" -s "$SEED" $inside -o "$WORK/p$1" ||
		die "generator failed for policy $1"
}

# ---------- namespaces ----------

pair() { # pair SENDER RECEIVER
	ip netns add "$1" || die "cannot create namespace $1"
	ip netns add "$2" || die "cannot create namespace $2"
	ip -n "$1" link add vs type veth peer name vr netns "$2" || die "cannot create the veth pair"
	ip -n "$1" addr add "$SADDR/24" dev vs
	ip -n "$2" addr add "$RADDR/24" dev vr
	for ns in "$1" "$2"; do ip -n "$ns" link set lo up; done
	ip -n "$1" link set vs up
	ip -n "$2" link set vr up
	ip netns exec "$1" ping -c 1 -W 2 "$RADDR" >/dev/null ||
		die "no connectivity between the namespaces $1 and $2"
}
pair "$S" "$R"
pair "$S0" "$R0"

# ---------- measurements ----------

# Seconds (float) since the epoch.
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# Kernel memory, kB.  Preferred: what the kernel charges to this script's
# own memory cgroup (only our processes are in it; the ruleset is charged to
# the nft or ipsecpold process that created it and stays charged after it
# exits): cgroup v1 memory.kmem.usage_in_bytes, or the "kernel" line of
# cgroup v2 memory.stat.  Else the global SUnreclaim + VmallocUsed + Percpu
# of /proc/meminfo, which other activity on the machine disturbs.
KMEM_FILE=""
KMEM_HOW="SUnreclaim + VmallocUsed + Percpu of /proc/meminfo (global)"
cg1=$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)
cg2=$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
if [ -n "$cg1" ] && [ -r "/sys/fs/cgroup/memory$cg1/memory.kmem.usage_in_bytes" ]; then
	KMEM_FILE=/sys/fs/cgroup/memory$cg1/memory.kmem.usage_in_bytes
	KMEM_HOW="memory.kmem.usage_in_bytes of the benchmark's own memory cgroup (v1)"
elif [ -n "$cg2" ] && grep -q '^kernel ' "/sys/fs/cgroup$cg2/memory.stat" 2>/dev/null; then
	KMEM_FILE=/sys/fs/cgroup$cg2/memory.stat
	KMEM_HOW="\"kernel\" of memory.stat of the benchmark's own cgroup (v2)"
fi
kmem_kb() {
	case $KMEM_FILE in
	"") awk '/^SUnreclaim:|^VmallocUsed:|^Percpu:/ { s += $2 } END { print s }' /proc/meminfo ;;
	*.stat) awk '$1 == "kernel" { printf "%d\n", $2 / 1024 }' "$KMEM_FILE" ;;
	*) awk '{ printf "%d\n", $1 / 1024 }' "$KMEM_FILE" ;;
	esac
}

# stop PID GRACE: wait up to GRACE seconds for a receiver we started to end, then end it.
stop() {
	for _ in $(seq 1 $(($2 * 10))); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

wait_port() { # wait_port NS PORT: until the receiver in NS listens on TCP PORT
	for _ in $(seq 1 50); do
		ip netns exec "$1" ss -Hltn "sport = :$2" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# The traffic functions take the sender's and the receiver's namespaces.

# TCP throughput, Mbit/s, measured at the receiver.
tcp_mbps() { # tcp_mbps SENDER RECEIVER
	local out
	ip netns exec "$2" taskset -c 1 iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
	local sp=$!
	wait_port "$2" 5201 || { stop "$sp" 0; echo "-"; return; }
	out=$(ip netns exec "$1" taskset -c 0 iperf3 -c "$RADDR" -p 5201 -t "$SECS" -f m 2>&1)
	stop "$sp" 5
	echo "$out" | awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") v = $(i - 1) }
		END { print (v == "" ? "-" : v) }'
}

# 64-byte UDP packets per second received (ipp-udpflood, sendmmsg).
udp_flood_pps() { # udp_flood_pps SENDER RECEIVER
	rm -f "$WORK/sink.out"
	ip netns exec "$2" taskset -c 1 "$WORK/ipp-udpflood" sink "$UDP_PORT" "$((SECS + 10))" >"$WORK/sink.out" &
	local sp=$!
	for _ in $(seq 1 50); do
		grep -q ready "$WORK/sink.out" 2>/dev/null && break
		sleep 0.1
	done
	ip netns exec "$1" taskset -c 0 "$WORK/ipp-udpflood" send "$RADDR" "$UDP_PORT" "$SECS" 64 >/dev/null
	stop "$sp" 15
	awk '/^received/ { v = $4 } END { print (v == "" ? "-" : v) }' "$WORK/sink.out"
}

# 64-byte UDP packets per second received (iperf3 -u -l 64 -b 0).
udp_iperf_pps() { # udp_iperf_pps SENDER RECEIVER
	local out
	ip netns exec "$2" taskset -c 1 iperf3 -s -1 -p 5202 >/dev/null 2>&1 &
	local sp=$!
	wait_port "$2" 5202 || { stop "$sp" 0; echo "-"; return; }
	out=$(ip netns exec "$1" taskset -c 0 iperf3 -c "$RADDR" -p 5202 -u -l 64 -b 0 -t "$SECS" 2>&1)
	stop "$sp" 15
	# "... 0.00-4.00 sec ... lost/total (x%)  receiver"
	echo "$out" | awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\/[0-9]+$/) {
			split($i, lt, "/"); split($3, iv, "-"); d = iv[2] - iv[1] } }
		END { if (d > 0) printf "%.0f\n", (lt[2] - lt[1]) / d; else print "-" }'
}

# Results: one line per case in $WORK/results:
#   name n load_s tcp flood iperf kmem_kb traffic walk tcp_ratio flood_ratio iperf_ratio
# (medians over the rounds; kmem_kb is written as KMEM and filled in when the
# table is deleted.)
# meds "V1 V2 ...": the median of a list of values
meds() { tr ' ' '\n' <<<"$1" | grep . | median; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# One traffic kind, ROUNDS paired rounds: the case's pair and the no-filter
# pair take turns (which one goes first alternates, so that a drift of the
# machine's speed during a round weighs on both alike); the ratio of each
# round is kept.  With the floor's pair (FLOOR_ON=1) every round has a third
# turn, the floor's, and the order rotates through case, baseline, floor.
# Prints "CASE BASELINE RATIO FLOOR_RATIO CASE/FLOOR", the medians (the
# last two "-" without the floor); the floor's ratio of each round is also
# kept in $WORK/floor.FUNCTION, for the floor's own row.
paired() { # paired FUNCTION
	local k t c b f cs="" bs="" rs="" frs="" cfs="" order
	for k in $(seq 1 "$ROUNDS"); do
		c=- b=- f=-
		if [ "$FLOOR_ON" = 1 ]; then
			case $((k % 3)) in 1) order="c b f" ;; 2) order="b f c" ;; *) order="f c b" ;; esac
		else
			case $((k % 2)) in 1) order="c b" ;; *) order="b c" ;; esac
		fi
		for t in $order; do
			case $t in
			c) c=$("$1" "$S" "$R") ;;
			b) b=$("$1" "$S0" "$R0") ;;
			f) f=$("$1" "$SF" "$RF") ;;
			esac
			sleep 0.3
		done
		[ "$c" = - ] || [ "$b" = - ] && continue
		cs="$cs $c"; bs="$bs $b"
		rs="$rs $(awk -v c="$c" -v b="$b" 'BEGIN { if (b > 0) printf "%.4f", c / b }')"
		if [ "$FLOOR_ON" = 1 ] && [ "$f" != - ]; then
			frs="$frs $(awk -v f="$f" -v b="$b" 'BEGIN { if (b > 0) printf "%.4f", f / b }')"
			cfs="$cfs $(awk -v c="$c" -v f="$f" 'BEGIN { if (f > 0) printf "%.4f", c / f }')"
		fi
	done
	[ -n "$rs" ] || { echo "- - - - -"; return; }
	[ -z "$frs" ] || tr ' ' '\n' <<<"$frs" | grep . >>"$WORK/floor.$1"
	awk -v c="$(meds "$cs")" -v b="$(meds "$bs")" -v r="$(meds "$rs")" \
		-v fr="$(meds "$frs")" -v cf="$(meds "$cfs")" 'BEGIN {
			printf "%.0f %.0f %.3f", c, b, r
			if (fr == "-") printf " - -\n"; else printf " %.3f %.3f\n", fr, cf }'
}

# Results: one line per case in $WORK/results:
#   name n load_s tcp flood iperf kmem_kb traffic walk tcp_ratio flood_ratio iperf_ratio
#   tcp_floor flood_floor iperf_floor tcp/floor flood/floor iperf/floor
# (medians over the rounds; kmem_kb is written as KMEM and filled in when the
# table is deleted; the floor columns: the floor's ratio to the no-filter pair
# in the same rounds, and the median of the rounds' case/floor ratios.)
measure() { # measure NAME N LOAD_S TRAFFIC WALK
	local tcp flood="- - - - -" iperf="- - - - -"
	tcp=$(paired tcp_mbps)
	case " $UDP_TOOLS " in *" flood "*) flood=$(paired udp_flood_pps) ;; esac
	case " $UDP_TOOLS " in *" iperf3 "*) iperf=$(paired udp_iperf_pps) ;; esac
	# 5 args, then value baseline ratio floor_ratio case/floor per kind
	set -- "$@" $tcp $flood $iperf
	echo "$1 $2 $3 $6 ${11} ${16} KMEM $4 $5 $8 ${13} ${18} $9 ${14} ${19} ${10} ${15} ${20}" >>"$WORK/results"
	local fl="" udp=""
	[ "$9" != "-" ] && fl=", floor $9, /floor ${10}"
	[ "${11}" != "-" ] && udp="$udp, UDP ${11} pps (no filter ${12}, ratio ${13}$([ "${14}" != "-" ] && echo ", floor ${14}, /floor ${15}"))"
	[ "${16}" != "-" ] && udp="$udp, iperf3 UDP ${16} pps (no filter ${17}, ratio ${18}$([ "${19}" != "-" ] && echo ", floor ${19}, /floor ${20}"))"
	printf '  %-10s %7s filters: load %s s, TCP %s Mbit/s (no filter %s, ratio %s%s)%s\n' \
		"$1" "$2" "$3" "$6" "$7" "$8" "$fl" "$udp"
}

# The kernel memory of the last case: fill in its KMEM.
set_kmem() { sed -i "\$s/ KMEM / $1 /" "$WORK/results"; }

# The benchmark's flows as ipp-nftwalk packets: TCP in, TCP out (the receiver's
# ACKs), UDP in.
FLOWS="hook=in src=$SADDR dst=$RADDR proto=6 sport=40000 dport=5201
	hook=out src=$RADDR dst=$SADDR proto=6 sport=5201 dport=40000
	hook=in src=$SADDR dst=$RADDR proto=17 sport=40000 dport=$UDP_PORT"

# Set and map lookups per packet of the flows in ipsecpol's ruleset for
# policy ID ("TCPin,TCPout,UDPin", each FIRST/NEXT when the flow cache answers
# the next packets of a 5-tuple with fewer; "-" when it cannot be computed).
ipp_walk() { # ipp_walk ID
	if ! in_r "$BIN/ipsecpold" --root "$IPP_ROOT" --once --dry-run >"$WORK/emitted$1.nft" 2>/dev/null; then
		echo "-"
		return
	fi
	# shellcheck disable=SC2086
	"$WORK/ipp-nftwalk" "$WORK/emitted$1.nft" $FLOWS 2>"$WORK/walk$1.log" |
		awk '{ v = v (NR > 1 ? "," : "") $2 ($4 != $2 ? "/" $4 : "") } END { print (v == "" ? "-" : v) }'
}

# Rules of the naive chain a packet of the flows walks: all of them outside,
# up to the permit 10.77.0.0/16 -> 10.77.0.0/16 inside.
naive_walk() { # naive_walk ID
	awk '/^\tchain filters/ { on = 1; next } on && /^\t}/ { exit }
		on { n++; if (!hit && /ip saddr 10\.77\.0\.0\/16 ip daddr 10\.77\.0\.0\/16 accept/) hit = n }
		END { printf "%dr\n", hit ? hit : n }' "$WORK/p$1.nft"
}

# Kernel memory freed when TABLE goes (kB); deletes the table.
drop_table() { # drop_table TABLE [NS] -> prints kB (NS: the receiver's by default)
	local before after
	sleep 1
	before=$(kmem_kb)
	ip netns exec "${2:-$R}" nft delete table inet "$1" 2>/dev/null
	sleep 1.5
	after=$(kmem_kb)
	echo $((before - after))
}

# ipsecpol: a fresh store with policy N, assigned.  Sets IPP_ROOT, STORE_S.
ipp_store() { # ipp_store N
	IPP_ROOT=$WORK/root$1
	rm -rf "$IPP_ROOT"
	mkdir -p "$IPP_ROOT"
	local t0 t1
	t0=$(now)
	if ! in_r env -u SSH_CONNECTION -u SSH_CLIENT "$BIN/ipsecpol" --root "$IPP_ROOT" \
		-f "$WORK/p$1.netsh" >"$WORK/store$1.log" 2>&1; then
		note "ipsecpol -f p$1.netsh failed: $(tail -3 "$WORK/store$1.log" | tr '\n' ' ')"
		return 1
	fi
	t1=$(now)
	STORE_S=$(elapsed "$t0" "$t1")
	mkdir -p "$IPP_ROOT/etc/ipsecpol"
	: >"$IPP_ROOT/etc/ipsecpol/driver.conf"
	[ "$FLOWCACHE" = 0 ] && echo "FlowCache=0" >>"$IPP_ROOT/etc/ipsecpol/driver.conf"
	[ "$CELLS" = 0 ] && echo "CellDispatch=0" >>"$IPP_ROOT/etc/ipsecpol/driver.conf"
	return 0
}

ipp_apply() { # ipp_apply N: ipsecpold --once into the receiver; sets APPLY_S
	local t0 t1
	t0=$(now)
	if ! in_r "$BIN/ipsecpold" --root "$IPP_ROOT" --once >"$WORK/apply$1.log" 2>&1; then
		note "ipsecpold --once ($1 filters) failed: $(tail -3 "$WORK/apply$1.log" | tr '\n' ' ')"
		return 1
	fi
	t1=$(now)
	APPLY_S=$(elapsed "$t0" "$t1")
}

# ---------- machine ----------

say "datapath benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
say "machine: $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)," \
	"$(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) RAM), kernel $(uname -r)," \
	"$(nft --version | awk '{ print $1, $2 }'), $(iperf3 --version | head -1 | awk '{ print $1, $2 }')"
say "traffic: $ROUNDS paired rounds of $SECS s runs per case; sender pinned to CPU 0, receiver to CPU 1; seed $SEED"
[ "$FLOWCACHE" = 0 ] || [ "$CELLS" = 0 ] &&
	say "ipsecpol's driver.conf: FlowCache=$FLOWCACHE CellDispatch=$CELLS"
: >"$WORK/results"

# ---------- part 1: traffic ----------

if [[ " $PARTS " == *" traffic "* ]]; then
	say ""
	say "traffic runs (each case against the no-filter pair, in turns; medians):"
	first=1

	# the floor: a pair of its own, its table loaded once, a turn in every round
	FLOOR_ON=0
	if [ "$FLOOR" = 1 ]; then
		pair "$SF" "$RF"
		t0=$(now)
		if ip netns exec "$RF" nft -f "$HERE/floor.nft" >"$WORK/floor.log" 2>&1; then
			t1=$(now)
			FLOOR_ON=1
			FLOOR_LOAD=$(elapsed "$t0" "$t1")
		else
			note "floor: cannot load floor.nft: $(tail -3 "$WORK/floor.log" | tr '\n' ' ')"
		fi
	fi

	for tr in $TRAFFIC; do
		if [ "$HAVE_IPP" = 1 ]; then
			sizes=$SIZES
			# the empty policy does not depend on where the traffic is: once
			[ "$first" = 1 ] && sizes="0 $SIZES"
			for n in $sizes; do
				id=$(pid_of "$n" "$tr")
				gen "$id"
				ipp_store "$id" || continue
				ipp_apply "$id" || continue
				walk=$(ipp_walk "$id")
				note "ipsecpol $n ($tr): store (ipsecpol -f) $STORE_S s, apply (ipsecpold --once) $APPLY_S s," \
					"$(in_r nft -t list table inet ipsecpol 2>/dev/null | grep -cE '^[[:space:]]*map ') maps," \
					"lookups per packet (TCP in, TCP out, UDP in) $walk"
				measure ipsecpol "$n" "$APPLY_S" "$tr" "$walk"
				set_kmem "$(drop_table ipsecpol)"
			done
		fi

		if [ "$NAIVE" = 1 ]; then
			for n in $SIZES; do
				id=$(pid_of "$n" "$tr")
				gen "$id"
				t0=$(now)
				if ! in_r timeout "$NAIVE_LOAD_MAX" nft -f "$WORK/p$id.nft" >"$WORK/naive$id.log" 2>&1; then
					t1=$(now)
					note "naive $n ($tr): load did not finish within ${NAIVE_LOAD_MAX} s ($(elapsed "$t0" "$t1") s): skipped"
					in_r nft delete table inet ippnaive 2>/dev/null
					echo "naive $n >$NAIVE_LOAD_MAX - - - - $tr - - - -" >>"$WORK/results"
					continue
				fi
				t1=$(now)
				measure naive "$n" "$(elapsed "$t0" "$t1")" "$tr" "$(naive_walk "$id")"
				set_kmem "$(drop_table ippnaive)"
			done
		fi
		first=0
	done

	# the floor's row: the medians of its ratios over every round of every case
	if [ "$FLOOR_ON" = 1 ]; then
		fmed() { # the floor's ratios of one traffic function: their median
			[ -s "$WORK/floor.$1" ] || { echo -; return; }
			median <"$WORK/floor.$1" | awk '{ printf "%.3f\n", $1 }'
		}
		fkm=$(drop_table ippfloor "$RF")
		# (first in the table)
		{ echo "floor - $FLOOR_LOAD - - - $fkm all 1 $(fmed tcp_mbps) $(fmed udp_flood_pps) $(fmed udp_iperf_pps) - - - - - -"
		  cat "$WORK/results"; } >"$WORK/results.new" && mv "$WORK/results.new" "$WORK/results"
	fi

	say ""
	say "Ratios against the no-filter pair: the median of the rounds' ratios ($ROUNDS rounds per case):"
	awk -v tools="$UDP_TOOLS" -v fo="$FLOOR_ON" '
	# one kind: the value, its ratio and, with the floor, the ratio of the floor and case/floor
	function kind(val, r, fr, cf, w) {
		return sprintf(" %" w "s %6s", val, r) (fo ? sprintf(" %6s %6s", fr, cf) : "")
	}
	{ name[NR] = $1; for (k = 2; k <= 18; k++) v[NR, k] = ($k == "" ? "-" : $k) }
	END {
		fl = index(" " tools " ", " flood ") > 0; ip = index(" " tools " ", " iperf3 ") > 0
		hdr = sprintf("%-9s %-7s %7s %8s", "policy", "traffic", "filters", "load s")
		hdr = hdr kind("TCP Mb/s", "ratio", "floor", "/floor", 9)
		if (fl) hdr = hdr kind("UDP pps", "ratio", "floor", "/floor", 10)
		if (ip) hdr = hdr kind("iperf pps", "ratio", "floor", "/floor", 10)
		print hdr sprintf(" %8s  %s", "kmem MB", "walk")
		for (i = 1; i <= NR; i++) {
			mem = (v[i, 7] == "-" || v[i, 7] == "KMEM") ? "-" : sprintf("%.1f", v[i, 7] / 1024)
			l = sprintf("%-9s %-7s %7s %8s", name[i], v[i, 8], v[i, 2], v[i, 3])
			l = l kind(v[i, 4], v[i, 10], v[i, 13], v[i, 16], 9)
			if (fl) l = l kind(v[i, 5], v[i, 11], v[i, 14], v[i, 17], 10)
			if (ip) l = l kind(v[i, 6], v[i, 12], v[i, 15], v[i, 18], 10)
			print l sprintf(" %8s  %s", mem, v[i, 9])
		}
	}' "$WORK/results"
	say "(UDP: 64-byte datagrams received per second; \"UDP\" = ipp-udpflood (sendmmsg), \"iperf\" ="
	say " iperf3 -u -l 64 -b 0.  kmem: kernel memory freed when the table is deleted, measured as"
	say " $KMEM_HOW."
	say " walk: set and map lookups per packet in ipsecpol's ruleset for the TCP packets in, the"
	say " TCP ACKs out and the UDP packets in, counted by ipp-nftwalk on the emitted text, as"
	say " FIRST/NEXT: the first packet of a 5-tuple, then the next ones (flow cache); for"
	say " naive, the rules the flows walk (r); for floor (floor.nft), the one lookup of the"
	say " 5-tuple that decides each packet, the least a stateless table with counts costs."
	say " traffic: outside = the flows are outside every filter's addresses, inside = in the"
	say " most populated /16 (bench/gen -i).)"
	if [ "$FLOOR_ON" = 1 ]; then
		say "(floor: the floor's ratio to the no-filter pair in the same rounds as the case, and"
		say " /floor: the median of the rounds' case/floor ratios, what the case costs beyond the"
		say " floor; the floor's own row: the median of its ratios over every round of the run.)"
	fi
fi

# ---------- part 2: full apply vs the kernel floor ----------

hf() { # hf NAME CSV RUNS [hyperfine args...] -- in the receiver; prints the mean in seconds
	local name=$1 csv=$2 runs=$3
	shift 3
	if ! in_r hyperfine -N --runs "$runs" --export-csv "$csv" -n "$name" "$@" \
		>>"$WORK/hyperfine.log" 2>&1; then
		echo "-"
		return 1
	fi
	awk -F, 'NR == 2 { print $2 }' "$csv"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b <= 0) print "-"; else printf "%.2f", a / b }'; }
ms() { awk -v a="$1" 'BEGIN { if (a == "-") print "-"; else printf "%.1f ms", a * 1000 }'; }

APPLY_READY=0
if [[ " $PARTS " == *" apply "* || " $PARTS " == *" change "* ]] && [ "$HAVE_IPP" = 1 ]; then
	gen "$APPLY_N"
	if ipp_store "$APPLY_N"; then
		if in_r "$BIN/ipsecpold" --root "$IPP_ROOT" --once --dry-run >"$WORK/emitted.nft" 2>"$WORK/dry.log"; then
			APPLY_READY=1
		else
			note "ipsecpold --dry-run failed: $(tail -3 "$WORK/dry.log" | tr '\n' ' ')"
		fi
	fi
fi

# Interleaved rounds, run inside the receiver: each round times `nft -f` of
# the emitted text, `ipsecpold --once` and ipp-nftload of the emitted text
# (libnftables from a buffer, as ipsecpold loads it), and `nft -f` with
# glibc.malloc.hugetlb=1 (the heap in huge pages, as ipsecpold starts itself
# where the kernel gives them on request: ipsecpold(8), ENVIRONMENT), each
# from a namespace without the table, in an order that rotates from round to
# round (so that a drift of the machine's load hits all alike); prints
# "round I FLOOR_US APPLY_US BUFFER_US HFLOOR_US".
write_apply_rounds() {
	cat >"$WORK/apply-rounds.sh" <<EOF
#!/bin/bash
us() { echo \$(( \$(date +%s%N) / 1000 )); }
floor() { local t0; nft delete table inet ipsecpol 2>/dev/null; t0=\$(us)
	nft -f "$WORK/emitted.nft" >/dev/null 2>&1 || echo "floor failed" >&2; echo \$(( \$(us) - t0 )); }
apply() { local t0; nft delete table inet ipsecpol 2>/dev/null; t0=\$(us)
	"$BIN/ipsecpold" --root "$IPP_ROOT" --once >/dev/null 2>&1 || echo "apply failed" >&2; echo \$(( \$(us) - t0 )); }
buffer() { local t0; nft delete table inet ipsecpol 2>/dev/null; t0=\$(us)
	"$WORK/ipp-nftload" "$WORK/emitted.nft" >/dev/null 2>&1 || echo "buffer floor failed" >&2; echo \$(( \$(us) - t0 )); }
hfloor() { local t0; nft delete table inet ipsecpol 2>/dev/null; t0=\$(us)
	GLIBC_TUNABLES=glibc.malloc.hugetlb=1 nft -f "$WORK/emitted.nft" >/dev/null 2>&1 || echo "huge-page floor failed" >&2; echo \$(( \$(us) - t0 )); }
for i in \$(seq 1 \$1); do
	case \$((i % 4)) in
	1) f=\$(floor); a=\$(apply); b=\$(buffer); h=\$(hfloor) ;;
	2) a=\$(apply); b=\$(buffer); h=\$(hfloor); f=\$(floor) ;;
	3) b=\$(buffer); h=\$(hfloor); f=\$(floor); a=\$(apply) ;;
	*) h=\$(hfloor); f=\$(floor); a=\$(apply); b=\$(buffer) ;;
	esac
	echo "round \$i \$f \$a \$b \$h"
done
nft delete table inet ipsecpol 2>/dev/null
exit 0
EOF
}

if [[ " $PARTS " == *" apply "* ]] && [ "$APPLY_READY" = 1 ]; then
	say ""
	say "full apply of $APPLY_N filters ($APPLY_ROUNDS interleaved rounds, table deleted before each run):"
	in_r nft delete table inet ipsecpol 2>/dev/null
	if ! in_r nft -f "$WORK/emitted.nft" >"$WORK/floor.log" 2>&1; then
		note "nft -f of the emitted ruleset fails: $(head -3 "$WORK/floor.log" | tr '\n' ' ')"
	fi
	write_apply_rounds
	in_r bash "$WORK/apply-rounds.sh" "$APPLY_ROUNDS" >"$WORK/apply-rounds.log" 2>"$WORK/apply-rounds.err"
	[ -s "$WORK/apply-rounds.err" ] && note "$(sort -u "$WORK/apply-rounds.err" | tr '\n' ' ')"
	awk -v goal=1.1 '
	function median(a, n,    i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	$1 == "round" { n++; f[n] = $3 / 1000; a[n] = $4 / 1000; b[n] = $5 / 1000; h[n] = $6 / 1000
		r[n] = $4 / $3; rb[n] = $4 / $5; rh[n] = $4 / $6
		fs = fs sprintf(" %.0f", f[n]); as = as sprintf(" %.0f", a[n]); bs = bs sprintf(" %.0f", b[n])
		hs = hs sprintf(" %.0f", h[n]) }
	END {
		if (!n) { print "  (no round finished)"; exit }
		printf "  floor   nft -f <ipsecpold --dry-run output>   median %7.1f ms   (runs:%s)\n", median(f, n), fs
		printf "  apply   ipsecpold --once                      median %7.1f ms   (runs:%s)\n", median(a, n), as
		printf "  buffer  ipp-nftload <the same text>           median %7.1f ms   (runs:%s)\n", median(b, n), bs
		printf "  ratio   apply / floor, median of the rounds = %.2f   (goal <= %s)\n", median(r, n), goal
		printf "  ratio   apply / buffer, median of the rounds = %.2f   (libnftables from a buffer, as ipsecpold loads it)\n", median(rb, n)
		printf "  hfloor  nft -f, glibc.malloc.hugetlb=1        median %7.1f ms   (runs:%s)\n", median(h, n), hs
		printf "  ratio   apply / hfloor, median of the rounds = %.2f   (nft with the heap in huge pages, as ipsecpold has it where the kernel gives them on request)\n", median(rh, n)
	}' "$WORK/apply-rounds.log"
	say "  emitted ruleset: $(wc -l <"$WORK/emitted.nft") lines, $(wc -c <"$WORK/emitted.nft") bytes," \
		"$(grep -cE '^[[:space:]]*map ' "$WORK/emitted.nft") maps," \
		"$(grep -cE '^[[:space:]]*chain ' "$WORK/emitted.nft") chains"
fi

# ---------- part 3: one-filter change vs one kernel element transaction ----------

# List our table's sets and maps: "name kind count first-element" per line.
set_counts() {
	local kind name
	in_r nft -t list table inet ipsecpol 2>/dev/null |
		awk '$1 == "set" || $1 == "map" { print $1, $2 }' |
		while read -r kind name; do
			in_r nft list "$kind" inet ipsecpol "$name" 2>/dev/null | awk -v k="$kind" -v n="$name" '
				/elements = \{/ { on = 1; sub(/.*elements = \{ */, "") }
				on { buf = buf " " $0; if ($0 ~ /\}[ \t]*$/) on = 0 }
				END {
					sub(/\}[ \t]*$/, "", buf); gsub(/^[ \t]+|[ \t]+$/, "", buf)
					if (buf == "") { print n, k, 0, ""; exit }
					c = split(buf, e, ",")
					first = e[1]; gsub(/^[ \t]+|[ \t]+$/, "", first)
					print n, k, c, first
				}'
		done
}

# The one-filter change through a running agent: the shell commits and
# notifies it; the agent re-applies (incrementally when it can).  Written as
# a script for hyperfine: run ipsecpol -f SCRIPT, then wait until the
# agent's "applies" counter (control socket, `status`) has moved.  A status
# request is answered between applies, so the wait ends when the apply that
# the change caused is finished.
write_change_wait() {
	cat >"$WORK/change-wait.sh" <<EOF
#!/bin/sh
status() {
	echo status | socat -t 120 - "UNIX-CONNECT:$IPP_ROOT/run/ipsecpol/ipsecpold.sock" 2>/dev/null
}
applies() { status | sed -n 's/^applies=//p'; }
# The count before the change, given (APPLIES_BEFORE: read before the timing starts) or read.
b=\${APPLIES_BEFORE:-\$(applies)}
[ -n "\$b" ] || exit 1
[ "\${1:-}" = "-n" ] && { echo "\$b"; exit 0; }
# With a second argument (the preparation), a change that is already made is fine.
if ! env -u SSH_CONNECTION -u SSH_CLIENT "$BIN/ipsecpol" --root "$IPP_ROOT" -f "\$1" >/dev/null 2>&1; then
	[ -n "\${2:-}" ] && exit 0
	exit 1
fi
deadline=\$((\$(date +%s) + 30))
while :; do
	a=\$(applies)
	[ -n "\$a" ] || exit 1
	if [ "\$a" != "\$b" ]; then
		# END=1: print when the agent's apply ended (status applied_at), not when this loop saw it
		[ "\${END:-0}" = 1 ] && status | sed -n 's/^applied_at=//p'
		exit 0
	fi
	# Give up after 30 s: the agent did not react to the change.
	[ \$(date +%s) -gt \$deadline ] && exit 1
	sleep 0.001
done
EOF
}

# The agent's change against the element floor in turns: the floor in a
# namespace of its own (ippbf<pid>) holding the same table after the change,
# so that the agent's table is left alone; CHANGE_ROUNDS rounds, the first
# of the two alternating; the median of the rounds' ratios.  Run after the
# hyperfine timings, with the agent up and the change made.
change_rounds() {
	local F=ippbf$$ k a b t0 t1 rs="" as="" fs=""
	ip netns add "$F" 2>/dev/null || return
	if ! ip netns exec "$F" nft -f "$WORK/emitted-after.nft" >/dev/null 2>&1; then
		ip netns del "$F"
		note "the element floor's namespace could not load the table"
		return
	fi
	for k in $(seq 1 "$CHANGE_ROUNDS"); do
		floor_once() {
			ip netns exec "$F" nft -f "$WORK/del-elem.nft" 2>/dev/null
			t0=$(now); ip netns exec "$F" nft -f "$WORK/add-elem.nft" 2>/dev/null; t1=$(now)
			b=$(elapsed "$t0" "$t1")
		}
		agent_once() {
			in_r sh "$WORK/change-wait.sh" "$DEL" prepare
			# (the agent's count before the change is read before the timing starts)
			ab=$(in_r sh "$WORK/change-wait.sh" -n)
			# the end is the agent's own (status applied_at): the loop's polling adds nothing
			t0=$(now); t1=$(in_r env APPLIES_BEFORE="$ab" END=1 sh "$WORK/change-wait.sh" "$ADD")
			[ -n "$t1" ] || t1=$(now)
			a=$(elapsed "$t0" "$t1")
		}
		if [ $((k % 2)) = 1 ]; then floor_once; agent_once; else agent_once; floor_once; fi
		fs="$fs $b"; as="$as $a"
		rs="$rs $(awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.4f", a / b }')"
	done
	ip netns del "$F"
	say "  in turns     agent $(ms "$(meds "$as")"), floor $(ms "$(meds "$fs")") (medians of $CHANGE_ROUNDS rounds; the floor in a namespace of its own)"
	say "               ratio agent / floor, median of the rounds = $(awk -v r="$(meds "$rs")" 'BEGIN { printf "%.2f", r }')   (goal <= 1.2)"
}

if [[ " $PARTS " == *" change "* ]] && [ "$APPLY_READY" = 1 ] && [ "$HAVE_HYPERFINE" = 0 ]; then
	say ""
	say "one-filter change timings skipped: hyperfine not installed"
elif [[ " $PARTS " == *" change "* ]] && [ "$APPLY_READY" = 1 ]; then
	say ""
	say "one-filter change at $APPLY_N filters (add one filter to a list of the assigned policy):"
	ADD=$WORK/p$APPLY_N.add.netsh
	DEL=$WORK/p$APPLY_N.del.netsh
	in_r nft delete table inet ipsecpol 2>/dev/null
	if ipp_apply "$APPLY_N"; then
		set_counts >"$WORK/sets.before"
		t0=$(now)
		if in_r env -u SSH_CONNECTION -u SSH_CLIENT "$BIN/ipsecpol" --root "$IPP_ROOT" \
			-f "$ADD" >"$WORK/add.log" 2>&1; then
			t1=$(now)
			say "  store only   ipsecpol -f (add filter), single run        $(ms "$(elapsed "$t0" "$t1")")"
			ipp_apply "$APPLY_N" && say "  first re-apply, ipsecpold --once, single run          $(ms "$APPLY_S")"
			set_counts >"$WORK/sets.after"
			in_r "$BIN/ipsecpold" --root "$IPP_ROOT" --once --dry-run >"$WORK/emitted-after.nft" 2>/dev/null

			# 1. ipsecpold --once after the change.
			cat >"$WORK/change-prep.sh" <<EOF
#!/bin/sh
env -u SSH_CONNECTION -u SSH_CLIENT "$BIN/ipsecpol" --root "$IPP_ROOT" -f "$DEL" >/dev/null 2>&1
"$BIN/ipsecpold" --root "$IPP_ROOT" --once >/dev/null 2>&1
env -u SSH_CONNECTION -u SSH_CLIENT "$BIN/ipsecpol" --root "$IPP_ROOT" -f "$ADD" >/dev/null 2>&1
exit 0
EOF
			reapply=$(hf reapply "$WORK/reapply.csv" "$RUNS" --prepare "sh $WORK/change-prep.sh" \
				"$BIN/ipsecpold --root $IPP_ROOT --once")

			# 2. The kernel's own single-element transaction, in the map the
			#    change touched (else the biggest): delete an element, time adding it back.
			target=$(awk 'NR == FNR { c[$1] = $3; next } ($1 in c) && c[$1] != $3 { print $1, $2; exit }' \
				"$WORK/sets.before" "$WORK/sets.after")
			how="the map the change touched"
			if [ -z "$target" ]; then
				target=$(sort -k3,3nr "$WORK/sets.after" | awk '$3 > 0 { print $1, $2; exit }')
				how="the biggest map: no map changed size"
			fi
			elemt="-"
			if [ -n "$target" ]; then
				set -- $target
				tname=$1
				tkind=$2
				elem=$(awk -v n="$tname" '$1 == n { $1 = ""; $2 = ""; $3 = ""; sub(/^ +/, ""); print; exit }' \
					"$WORK/sets.after")
				tcount=$(awk -v n="$tname" '$1 == n { print $3; exit }' "$WORK/sets.after")
				key=${elem%% : *}
				printf 'delete element inet ipsecpol %s { %s }\n' "$tname" "$key" >"$WORK/del-elem.nft"
				printf 'add element inet ipsecpol %s { %s }\n' "$tname" "$elem" >"$WORK/add-elem.nft"
				printf '#!/bin/sh\nnft -f %s 2>/dev/null\nexit 0\n' "$WORK/del-elem.nft" >"$WORK/elem-prep.sh"
				if ! in_r nft -f "$WORK/del-elem.nft" >"$WORK/elem.log" 2>&1 ||
					! in_r nft -f "$WORK/add-elem.nft" >>"$WORK/elem.log" 2>&1; then
					note "element round trip on $tkind $tname failed: $(head -3 "$WORK/elem.log" | tr '\n' ' ')"
				fi
				elemt=$(hf element "$WORK/element.csv" $((RUNS * 3)) --prepare "sh $WORK/elem-prep.sh" \
					"nft -f $WORK/add-elem.nft")
				say "  floor        nft add element, one transaction             $(ms "$elemt")   ($((RUNS * 3)) runs; $tkind $tname, $tcount elements: $how)"
			else
				note "no map with elements in table inet ipsecpol: no element floor"
			fi
			say "  --once       ipsecpold --once after the change           $(ms "$reapply")   ($RUNS runs)   ratio $(ratio "$reapply" "$elemt")   (replaces the table: for comparison)"

			# 3. Through the running agent.
			if ! command -v socat >/dev/null; then
				note "socat not installed: the agent path is not measured"
			else
				in_r nft delete table inet ipsecpol 2>/dev/null
				in_r env -u SSH_CONNECTION -u SSH_CLIENT "$BIN/ipsecpol" --root "$IPP_ROOT" -f "$DEL" >/dev/null 2>&1
				ip netns exec "$R" "$BIN/ipsecpold" --root "$IPP_ROOT" -f >"$WORK/agent.log" 2>&1 &
				apid=$!
				up=0
				for _ in $(seq 1 1200); do
					if echo status | in_r socat -t 5 - "UNIX-CONNECT:$IPP_ROOT/run/ipsecpol/ipsecpold.sock" 2>/dev/null |
						grep -q '^mode=secure'; then
						up=1
						break
					fi
					kill -0 "$apid" 2>/dev/null || break
					sleep 0.1
				done
				if [ "$up" = 1 ]; then
					write_change_wait
					# One change before timing: the agent must have seen a change since it started.
					if ! in_r sh "$WORK/change-wait.sh" "$ADD"; then
						note "the agent did not re-apply within 30 s after the first store change since its start"
					fi
					agent=$(hf agent "$WORK/agent.csv" "$RUNS" --prepare "sh $WORK/change-wait.sh $DEL prepare" \
						"sh $WORK/change-wait.sh $ADD")
					say "  agent        ipsecpol -f + the agent's re-apply           $(ms "$agent")   ($RUNS runs)   ratio $(ratio "$agent" "$elemt")   (goal <= 1.2)"
					[ "$agent" = "-" ] && note "a change was not re-applied by the agent within 30 s, or ipsecpol failed (KEEP=1: hyperfine.log, agent.log)"
					[ "$elemt" != "-" ] && [ "$agent" != "-" ] && change_rounds
				else
					note "the agent did not reach secure mode: $(tail -3 "$WORK/agent.log" | tr '\n' ' ')"
				fi
				kill "$apid" 2>/dev/null
				wait "$apid" 2>/dev/null
			fi
		else
			note "ipsecpol -f add.netsh failed: $(tail -3 "$WORK/add.log" | tr '\n' ' ')"
		fi
	fi
	in_r nft delete table inet ipsecpol 2>/dev/null
fi
exit 0
