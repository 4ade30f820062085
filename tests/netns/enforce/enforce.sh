#!/usr/bin/env bash
# enforce.sh - proof of enforcement on real packets.
#
# Two namespaces joined by a veth pair: H, the host under test, runs the
# real compiled ruleset (`ipsecpold --root DIR --once` inside H); P, its
# peer, talks to it from several addresses.  Policies are typed into the
# shell as an administrator would; then real TCP (socat), UDP (socat) and
# ICMP (ping) traffic, IPv4 and IPv6, checks every kind of filter and action:
# block, permit, negotiate (clear packets dropped), mirrored and one-way
# filters, "me", subnets, ranges, port 0 and given ports, overlaps resolved
# by weight (DESIGN's worked examples), the persistent store combined with
# the local one, and the exemptions (loopback, IKE).  Every check also asks
# `whatif` (inside H) for its prediction of the first packet, which must
# agree with what the kernel did.
#
#   H: 10.77.0.1/24, 10.77.0.3/24, 10.77.9.1/24, fd00:77::1/64
#   P: 10.77.0.5/24, 10.77.0.6/24, 10.77.0.7/24, 10.77.9.5/24,
#      fd00:77::5/64, fd00:77::6/64
#
# Output: "PASS name" / "FAIL name: ..." per check, then a summary; the exit
# status is 0 only if every check passed.  KEEP=1 keeps the work directory.
set -u -o pipefail

BIN=${IPP_BIN_DIR:?IPP_BIN_DIR not set}
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: the enforcement test needs root (network namespaces)"
	exit 77
fi
for p in ipsecpol ipsecpold; do
	[ -x "$BIN/$p" ] || { echo "FAIL: $BIN/$p is not built"; exit 1; }
done
for t in socat ping nft; do
	command -v $t >/dev/null || { echo "FAIL: $t is not installed"; exit 1; }
done

TAG="ipe$$"
NS_H="${TAG}h"; NS_P="${TAG}p"
IF_H="${TAG}a"; IF_P="${TAG}b"
WORK=$(mktemp -d /tmp/ipp-enforce.XXXXXX)
ROOT=$WORK/root
NSES=()
PIDS=()
NPASS=0; NFAIL=0; SEQ=0

cleanup() {
	local pid ns
	# the listeners, and anything else still running in our own namespaces
	for ns in "${NSES[@]}"; do
		PIDS+=($(ip netns pids "$ns" 2>/dev/null))
	done
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
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
nsx() { local side=$1; shift; ip netns exec "$( [ "$side" = H ] && echo "$NS_H" || echo "$NS_P")" "$@"; }

setup() {
	ip netns add "$NS_H" && NSES+=("$NS_H") || return 1
	ip netns add "$NS_P" && NSES+=("$NS_P") || return 1
	ip link add "$IF_H" netns "$NS_H" type veth peer name "$IF_P" netns "$NS_P" || return 1
	hx ip link set lo up && hx ip link set "$IF_H" up &&
	hx ip addr add 10.77.0.1/24 dev "$IF_H" &&
	hx ip addr add 10.77.0.3/24 dev "$IF_H" &&
	hx ip addr add 10.77.9.1/24 dev "$IF_H" &&
	hx ip -6 addr add fd00:77::1/64 dev "$IF_H" nodad || return 1
	px ip link set lo up && px ip link set "$IF_P" up || return 1
	local a
	for a in 10.77.0.5/24 10.77.0.6/24 10.77.0.7/24 10.77.9.5/24; do
		px ip addr add $a dev "$IF_P" || return 1
	done
	px ip -6 addr add fd00:77::5/64 dev "$IF_P" nodad &&
	px ip -6 addr add fd00:77::6/64 dev "$IF_P" nodad || return 1
	# listeners on both sides: TCP echo (dual stack), UDP sinks writing to files
	# (`ip netns exec` runs them in place: $! is the listener itself)
	local side ns p
	for side in H P; do
		ns=$([ $side = H ] && echo "$NS_H" || echo "$NS_P")
		for p in 22 80 445 3389; do
			ip netns exec "$ns" socat TCP6-LISTEN:$p,ipv6only=0,reuseaddr,fork PIPE \
				</dev/null >/dev/null 2>&1 &
			PIDS+=($!)
		done
		for p in 53 500 5353; do
			ip netns exec "$ns" socat -u UDP6-RECV:$p,ipv6only=0,reuseaddr \
				OPEN:"$WORK/udp.$side.$p",creat,append </dev/null >/dev/null 2>&1 &
			PIDS+=($!)
		done
	done
	# wait until every listener is up
	local i
	for i in $(seq 50); do
		[ "$(hx ss -Hltn | wc -l)" -ge 4 ] && [ "$(px ss -Hltn | wc -l)" -ge 4 ] &&
		[ "$(hx ss -Hlun | wc -l)" -ge 3 ] && [ "$(px ss -Hlun | wc -l)" -ge 3 ] && return 0
		sleep 0.1
	done
	return 1
}

pass() { echo "PASS $1"; NPASS=$((NPASS + 1)); }
fail() { echo "FAIL $1: $2"; NFAIL=$((NFAIL + 1)); }

# policy NAME: a fresh root, the netsh script on stdin, then apply it in H.
policy() {
	local name=$1
	echo "== $name"
	rm -rf "$ROOT"
	mkdir -p "$ROOT"
	cat >"$WORK/$name.netsh"
	if ! "$BIN/ipsecpol" --root "$ROOT" -f "$WORK/$name.netsh" >"$WORK/$name.shell" 2>&1; then
		fail "$name" "the shell refused the policy: $(cat "$WORK/$name.shell")"
		return 1
	fi
	if ! hx "$BIN/ipsecpold" --root "$ROOT" --once >"$WORK/$name.apply" 2>&1; then
		fail "$name" "ipsecpold --once failed: $(cat "$WORK/$name.apply")"
		return 1
	fi
	return 0
}

# What `whatif` (inside H) predicts for one packet: "pass" or "drop".
predict() {
	local out
	out=$(hx "$BIN/ipsecpol" --root "$ROOT" whatif "$@" 2>&1) || { echo "error: $out"; return; }
	case "$(grep '^Verdict:' <<<"$out")" in
	*permitted* | *accepted* | *exempt* | *sent*) echo pass ;;
	*) echo drop ;;
	esac
}

# verdict NAME EXPECT GOT PREDICTED
verdict() {
	if [ "$3" != "$2" ]; then
		fail "$1" "expected $2, the kernel did $3"
	elif [ "$4" != "$2" ]; then
		fail "$1" "the kernel did $3 as expected, but whatif predicted $4"
	else
		pass "$1 ($2)"
	fi
}

v6() { case $1 in *:*) return 0 ;; esac; return 1; }
hp() { if v6 "$1"; then echo "[$1]:$2"; else echo "$1:$2"; fi; }
b6() { if v6 "$1"; then echo "[$1]"; else echo "$1"; fi; }

# tcp NAME EXPECT FROM_SIDE SRC DST PORT: a TCP echo round trip.
tcp() {
	local name=$1 want=$2 side=$3 src=$4 dst=$5 port=$6 got tok pre
	SEQ=$((SEQ + 1)); tok="tok$SEQ"
	got=$(echo "$tok" | nsx "$side" timeout 4 socat -t1 -T2 - \
		"TCP:$(hp "$dst" "$port"),bind=$(b6 "$src"),connect-timeout=1" 2>/dev/null)
	[ "$got" = "$tok" ] && got=pass || got=drop
	pre=$(predict srcaddr="$src" dstaddr="$dst" protocol=tcp srcport=40000 dstport="$port")
	verdict "$name" "$want" "$got" "$pre"
}

# seen TOKEN FILE: "pass" when a line TOKEN reaches the sink's FILE within 0.6 s, else "drop".
seen() {
	local i
	for i in 1 2 3 4 5 6; do
		if grep -aqx "$1" "$2" 2>/dev/null; then
			echo pass
			return
		fi
		sleep 0.1
	done
	echo drop
}

# udp NAME EXPECT FROM_SIDE SRC DST PORT [SPORT]: one datagram, seen or not by the sink.
udp() {
	local name=$1 want=$2 side=$3 src=$4 dst=$5 port=$6 sport=${7:-} to got pre
	SEQ=$((SEQ + 1)); tok="tok$SEQ"
	to=$([ "$side" = H ] && echo P || echo H)
	echo "$tok" | nsx "$side" socat -u - \
		"UDP:$(hp "$dst" "$port"),bind=$(b6 "$src")${sport:+:$sport}" 2>/dev/null
	got=$(seen "$tok" "$WORK/udp.$to.$port")
	pre=$(predict srcaddr="$src" dstaddr="$dst" protocol=udp srcport="${sport:-40000}" \
		dstport="$port")
	verdict "$name" "$want" "$got" "$pre"
}

# icmp NAME EXPECT FROM_SIDE SRC DST: an echo request and its reply.
icmp() {
	local name=$1 want=$2 side=$3 src=$4 dst=$5 got pre
	if nsx "$side" ping -q -c1 -W1 -I "$src" "$dst" >/dev/null 2>&1; then
		got=pass
	else
		got=drop
	fi
	# (whatif takes icmp as the ICMP of the packet's family, ICMPv6 for IPv6)
	pre=$(predict srcaddr="$src" dstaddr="$dst" protocol=icmp)
	verdict "$name" "$want" "$got" "$pre"
}

if ! setup; then
	echo "FAIL: cannot set up the namespaces and listeners"
	exit 1
fi

# ---------- no policy: everything passes (the checks themselves work) ----------
if policy none </dev/null; then
	tcp "none: tcp in" pass P 10.77.0.6 10.77.0.1 80
	tcp "none: tcp out" pass H 10.77.0.1 10.77.0.6 80
	udp "none: udp in" pass P 10.77.0.5 10.77.0.1 53
	udp "none: udp out" pass H 10.77.0.1 10.77.0.5 5353
	icmp "none: ping" pass P 10.77.0.5 10.77.0.1
	tcp "none: tcp in IPv6" pass P fd00:77::6 fd00:77::1 22
	icmp "none: ping IPv6" pass P fd00:77::5 fd00:77::1
fi

# ---------- DESIGN example 1: any<->me block, one host's RDP permitted ----------
if policy rdp <<'EOF'; then
add policy name=Srv
add filteraction name=Block action=block
add filteraction name=Permit action=permit
add filterlist name=AnyMe
add filter filterlist=AnyMe srcaddr=any dstaddr=me
add filterlist name=RDP
add filter filterlist=RDP srcaddr=10.77.0.5 dstaddr=me protocol=tcp dstport=3389
add rule name=BlockAll policy=Srv filterlist=AnyMe filteraction=Block
add rule name=RDP policy=Srv filterlist=RDP filteraction=Permit
set policy name=Srv assign=yes
EOF
	# a real capture of this scenario, for whatif pcap= below (the capture sees
	# what arrives before the input hook and what left after the output hook)
	CAP_PID=
	if command -v tcpdump >/dev/null; then
		ip netns exec "$NS_H" tcpdump -i any --immediate-mode -U -n -w "$WORK/rdp.pcap" \
			</dev/null >/dev/null 2>"$WORK/tcpdump.err" &
		CAP_PID=$!
		PIDS+=($CAP_PID)
		for i in $(seq 30); do
			[ -s "$WORK/rdp.pcap" ] && break
			sleep 0.1
		done
	fi
	tcp "rdp: permitted host, port 3389" pass P 10.77.0.5 10.77.0.1 3389
	tcp "rdp: me is every address (10.77.0.3)" pass P 10.77.0.5 10.77.0.3 3389
	tcp "rdp: another host, port 3389" drop P 10.77.0.6 10.77.0.1 3389
	tcp "rdp: permitted host, port 80" drop P 10.77.0.5 10.77.0.1 80
	udp "rdp: udp in" drop P 10.77.0.5 10.77.0.1 53
	icmp "rdp: ping in" drop P 10.77.0.5 10.77.0.1
	tcp "rdp: tcp out (mirror of any<->me)" drop H 10.77.0.1 10.77.0.6 80
	udp "rdp: udp out" drop H 10.77.0.1 10.77.0.5 5353
	tcp "rdp: IPv6 is blocked too" drop P fd00:77::5 fd00:77::1 3389
	icmp "rdp: ping IPv6 (neighbour discovery exempt, echo blocked)" drop P fd00:77::5 fd00:77::1
	udp "rdp: IKE is exempt" pass P 10.77.0.6 10.77.0.1 500
	# only to the IKE ports in, from them out: source port 500 is no way past the policy
	udp "rdp: from port 500 to another port in is filtered" drop P 10.77.0.6 10.77.0.1 53 500
	udp "rdp: from port 4500 to another port in is filtered" drop P 10.77.0.6 10.77.0.1 5353 4500
	udp "rdp: out from port 4500 is exempt" pass H 10.77.0.1 10.77.0.5 5353 4500
	# ... from the IKE daemon's (root's) sockets only: port 4500 is no privileged port, and
	# another user's program bound to it is filtered (whatif cannot know the sender)
	if command -v setpriv >/dev/null; then
		SEQ=$((SEQ + 1)); tok="tok$SEQ"
		echo "$tok" | nsx H setpriv --reuid=65534 --regid=65534 --clear-groups \
			socat -u - "UDP:10.77.0.5:5353,bind=10.77.0.1:4500" 2>/dev/null
		if [ "$(seen "$tok" "$WORK/udp.P.5353")" = drop ]; then
			pass "rdp: out from port 4500 by another user than root is filtered (drop)"
		else
			fail "rdp: out from port 4500 by another user than root is filtered" \
				"the kernel let it pass"
		fi
		# the flow cache does not remember that outcome for root's next datagram of
		# the same addresses and ports (the IKE daemon's)
		SEQ=$((SEQ + 1)); tok="tok$SEQ"
		echo "$tok" | nsx H socat -u - "UDP:10.77.0.5:5353,bind=10.77.0.1:4500" 2>/dev/null
		if [ "$(seen "$tok" "$WORK/udp.P.5353")" = pass ]; then
			pass "rdp: then root's, of the same 5-tuple, is exempt (pass)"
		else
			fail "rdp: then root's, of the same 5-tuple, is exempt" "the cache blocked it"
		fi
	fi
	udp "rdp: out to port 500 from another port is filtered" drop H 10.77.0.1 10.77.0.5 500 40001
	# ESP and AH are exempt: a table of the test's own in H, on the input hook
	# after ours, counts the raw packets that get past ours
	hx nft -f - <<'PROBE'
table inet probe {
	chain input {
		type filter hook input priority filter + 10; policy accept;
		meta l4proto esp counter
		meta l4proto ah counter
	}
}
PROBE
	for proto in 50 51; do
		px python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, $proto)
for i in range(3):
    s.sendto(bytes(32), ('10.77.0.1', 0))"
	done
	sleep 0.3
	out=$(hx nft list chain inet probe input 2>&1)
	for proto in esp ah; do
		if grep -qE "meta l4proto $proto counter packets 3 " <<<"$out"; then
			pass "rdp: $proto is exempt (3 raw packets past the policy)"
		else
			fail "rdp: $proto is exempt (3 raw packets past the policy)" "$out"
		fi
	done
	hx nft delete table inet probe
	icmp "rdp: loopback is exempt" pass H 10.77.0.1 10.77.0.3
	# H's addresses were given without a broadcast address: the host's own is no
	# broadcast address to whatif (its C library reports it in the broadcast's place)
	out=$(hx "$BIN/ipsecpol" --root "$ROOT" whatif src=10.77.0.2 dst=10.77.0.1 proto=udp \
		dstport=7000 direction=in 2>&1)
	if grep -q "broadcast or multicast" <<<"$out"; then
		fail "whatif direction=in: the host's own address is not taken for a broadcast" "$out"
	else
		pass "whatif direction=in: the host's own address is not taken for a broadcast"
	fi
	out=$(hx "$BIN/ipsecpol" --root "$ROOT" whatif src=10.77.0.2 dst=10.77.0.255 proto=udp \
		dstport=7000 direction=in 2>&1)
	if grep -q "broadcast or multicast" <<<"$out"; then
		pass "whatif direction=in: the subnet's broadcast address is one"
	else
		fail "whatif direction=in: the subnet's broadcast address is one" "$out"
	fi
	if [ -n "$CAP_PID" ]; then
		sleep 0.3
		kill -INT "$CAP_PID"
		wait "$CAP_PID" 2>/dev/null
		out=$(hx "$BIN/ipsecpol" --root "$ROOT" whatif pcap="$WORK/rdp.pcap" 2>&1)
		if grep -qE 'rule "RDP" of policy "Srv" +[1-9][0-9]* +0 +0' <<<"$out" &&
		   grep -qE 'rule "BlockAll" of policy "Srv" +0 +[1-9][0-9]* +0' <<<"$out" &&
		   grep -qE 'exempt: IKE \(UDP 500/4500\) +[1-9]' <<<"$out" &&
		   grep -q ' 0 malformed' <<<"$out"; then
			pass "rdp: whatif pcap= over a capture of this scenario"
		else
			fail "rdp: whatif pcap= over a capture of this scenario" "$out"
		fi
	fi
fi

# ---------- DESIGN example 2: any<->me negotiate, ICMP permitted ----------
if policy icmp-exempt <<'EOF'; then
add policy name=Secure
add filteraction name=Require action=negotiate
add filteraction name=Permit action=permit
add filterlist name=AnyMe
add filter filterlist=AnyMe srcaddr=any dstaddr=me
add filterlist name=ICMP
add filter filterlist=ICMP srcaddr=any dstaddr=me protocol=icmp
add rule name=Secure policy=Secure filterlist=AnyMe filteraction=Require
add rule name=ICMP policy=Secure filterlist=ICMP filteraction=Permit
set policy name=Secure assign=yes
EOF
	icmp "negotiate: ping permitted (protocol given)" pass P 10.77.0.5 10.77.0.1
	icmp "negotiate: ping IPv6 permitted (ICMP is ICMPv6 there)" pass P fd00:77::5 fd00:77::1
	tcp "negotiate: clear tcp in dropped" drop P 10.77.0.5 10.77.0.1 80
	udp "negotiate: clear udp in dropped" drop P 10.77.0.5 10.77.0.1 53
	udp "negotiate: clear udp out dropped" drop H 10.77.0.1 10.77.0.5 5353
	tcp "negotiate: clear tcp IPv6 dropped" drop P fd00:77::5 fd00:77::1 22
fi

# ---------- IPv6 prefixes nested within one scaled weight: the longer one wins ----------
# (/64 and /66 both weigh 16 scaled; the rest of the scaling breaks the tie)
if policy v6-nested <<'EOF'; then
add policy name=V6
add filteraction name=Blk action=block
add filteraction name=Perm action=permit
add filter filterlist=Net64 srcaddr=fd00:77:: srcmask=64 dstaddr=me
add filter filterlist=Net66 srcaddr=fd00:77:: srcmask=66 dstaddr=me protocol=udp
add rule name=Block64 policy=V6 filterlist=Net64 filteraction=Blk
add rule name=Permit66 policy=V6 filterlist=Net66 filteraction=Perm
set policy name=V6 assign=yes
EOF
	udp "v6 nested: a /66 permit inside a /64 block" pass P fd00:77::5 fd00:77::1 53
	tcp "v6 nested: the /64 block for the rest" drop P fd00:77::5 fd00:77::1 22
fi

# the prefix lengths summed exactly: /67 + /67 (134 bits) beats /68 + /64 (132 bits)
if policy v6-sum <<'EOF'; then
add policy name=V6
add filteraction name=Blk action=block
add filteraction name=Perm action=permit
add filter filterlist=Narrow srcaddr=fd00:77:: srcmask=67 dstaddr=fd00:77:: dstmask=67 protocol=udp
add filter filterlist=Wide srcaddr=fd00:77:: srcmask=68 dstaddr=fd00:77:: dstmask=64 protocol=udp
add rule name=BlockNarrow policy=V6 filterlist=Narrow filteraction=Blk
add rule name=PermitWide policy=V6 filterlist=Wide filteraction=Perm
set policy name=V6 assign=yes
EOF
	udp "v6 sum: /67 + /67 block beats /68 + /64 permit" drop P fd00:77::5 fd00:77::1 53
fi

# ---------- connection types: rules for LAN or dial-up interfaces only ----------
# veth is a LAN interface; a tun device (no link header, as PPP) is a dial-up one.
# A datagram the output hook drops fails sendto() with EPERM.
# tun NAME EXPECT DPORT: a datagram from H to 10.99.0.2 by the tun device, and whatif's
# prediction for it by a dial-up interface
tun() {
	local got pre
	got=$(hx python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.sendto(b'x', ('10.99.0.2', $3)); print('pass')
except PermissionError:
    print('drop')")
	pre=$(predict srcaddr=10.77.0.1 dstaddr=10.99.0.2 protocol=udp srcport=40000 dstport="$3" \
		conntype=dialup)
	verdict "$1" "$2" "$got" "$pre"
}
HAVE_TUN=1
hx ip tuntap add dev "${TAG}t" mode tun && hx ip link set "${TAG}t" up &&
	hx ip addr add 10.99.0.1/24 dev "${TAG}t" || {
	HAVE_TUN=0
	echo "SKIP conntype: no tun device in this kernel (/dev/net/tun)"
}
if [ "$HAVE_TUN" = 1 ] && policy conntype <<'EOF'; then
add policy name=Conn
add filteraction name=Block action=block
add filterlist name=Dial
add filter filterlist=Dial srcaddr=me dstaddr=any protocol=udp dstport=5353
add filterlist name=Lan
add filter filterlist=Lan srcaddr=me dstaddr=any protocol=udp dstport=53
add rule name=Dial policy=Conn filterlist=Dial filteraction=Block conntype=dialup
add rule name=Lan policy=Conn filterlist=Lan filteraction=Block conntype=lan
set policy name=Conn assign=yes
EOF
	udp "conntype: a dial-up rule does not apply to a LAN interface" pass H 10.77.0.1 10.77.0.5 5353
	udp "conntype: a LAN rule applies to a LAN interface" drop H 10.77.0.1 10.77.0.5 53
	tun "conntype: a dial-up rule applies to a dial-up interface" drop 5353
	tun "conntype: a LAN rule does not apply to a dial-up interface" pass 53
	hx ip link del "${TAG}t"
fi

# ---------- negotiate with inbound passthrough (inpass) and fallback to clear (soft) ----------
if policy inpass-soft <<'EOF'; then
add policy name=Mixed
add filteraction name=Require action=negotiate
add filteraction name=InPass action=negotiate inpass=yes
add filteraction name=Soft action=negotiate soft=yes
add filterlist name=Strict
add filter filterlist=Strict srcaddr=10.77.0.7 dstaddr=me
add filterlist name=Pass
add filter filterlist=Pass srcaddr=10.77.0.5 dstaddr=me
add filterlist name=Fallback
add filter filterlist=Fallback srcaddr=10.77.0.6 dstaddr=me
add rule name=Strict policy=Mixed filterlist=Strict filteraction=Require
add rule name=Pass policy=Mixed filterlist=Pass filteraction=InPass
add rule name=Fallback policy=Mixed filterlist=Fallback filteraction=Soft
set policy name=Mixed assign=yes
EOF
	udp "inpass: clear udp in accepted" pass P 10.77.0.5 10.77.0.1 53
	udp "inpass: clear udp in, one 5-tuple, first packet" pass P 10.77.0.5 10.77.0.1 53 41234
	udp "inpass: clear udp in, one 5-tuple, from the flow cache" pass P 10.77.0.5 10.77.0.1 53 41234
	udp "inpass: clear udp out dropped (answers must be secured)" drop H 10.77.0.1 10.77.0.5 5353
	udp "soft: clear udp in accepted" pass P 10.77.0.6 10.77.0.1 53
	udp "soft: clear udp out accepted" pass H 10.77.0.1 10.77.0.6 5353
	tcp "soft: clear tcp both ways" pass P 10.77.0.6 10.77.0.1 80
	udp "strict negotiate: clear udp in dropped" drop P 10.77.0.7 10.77.0.1 53
	udp "strict negotiate: clear udp out dropped" drop H 10.77.0.1 10.77.0.7 5353
fi

# ---------- DESIGN example 3: a subnet permit outweighs any<->me TCP 445 block ----------
if policy address-dominates <<'EOF'; then
add policy name=Lan
add filteraction name=Block action=block
add filteraction name=Permit action=permit
add filterlist name=Lan
add filter filterlist=Lan srcaddr=10.77.0.0 srcmask=24 dstaddr=me
add filterlist name=SMB
add filter filterlist=SMB srcaddr=any dstaddr=me protocol=tcp dstport=445
add rule name=Lan policy=Lan filterlist=Lan filteraction=Permit
add rule name=SMB policy=Lan filterlist=SMB filteraction=Block
set policy name=Lan assign=yes
EOF
	tcp "weight: subnet permit beats port block" pass P 10.77.0.5 10.77.0.1 445
	tcp "weight: outside the subnet, port block" drop P 10.77.9.5 10.77.9.1 445
	tcp "weight: outside the subnet, other port" pass P 10.77.9.5 10.77.9.1 80
	tcp "weight: IPv6 port block" drop P fd00:77::5 fd00:77::1 445
fi

# ---------- one-way filters, port 0, source ports ----------
if policy one-way <<'EOF'; then
add policy name=OneWay
add filteraction name=Block action=block
add filterlist name=Out
add filter filterlist=Out srcaddr=me dstaddr=10.77.0.6 protocol=udp dstport=5353 mirrored=no
add filterlist name=Host7
add filter filterlist=Host7 srcaddr=10.77.0.7 dstaddr=me protocol=tcp
add filterlist name=Sport
add filter filterlist=Sport srcaddr=any dstaddr=me protocol=udp srcport=7000 mirrored=no
add rule name=Out policy=OneWay filterlist=Out filteraction=Block
add rule name=Host7 policy=OneWay filterlist=Host7 filteraction=Block
add rule name=Sport policy=OneWay filterlist=Sport filteraction=Block
set policy name=OneWay assign=yes
EOF
	udp "one-way: the filtered direction" drop H 10.77.0.1 10.77.0.6 5353
	udp "one-way: the reverse passes" pass P 10.77.0.6 10.77.0.1 5353
	udp "one-way: another port passes" pass H 10.77.0.1 10.77.0.6 53
	udp "one-way: another host passes" pass H 10.77.0.1 10.77.0.5 5353
	tcp "port 0: any port (80)" drop P 10.77.0.7 10.77.0.1 80
	tcp "port 0: any port (22)" drop P 10.77.0.7 10.77.0.1 22
	tcp "port 0: mirrored, outbound to the host" drop H 10.77.0.1 10.77.0.7 22
	udp "port 0: tcp filter, udp passes" pass P 10.77.0.7 10.77.0.1 53
	tcp "port 0: other hosts pass" pass P 10.77.0.5 10.77.0.1 80
	udp "srcport: 7000 blocked" drop P 10.77.0.5 10.77.0.1 53 7000
	udp "srcport: 7001 passes" pass P 10.77.0.5 10.77.0.1 53 7001
fi

# ---------- fragments: a permitted datagram larger than the link passes whole ----------
# IPv4 reaches the input hook reassembled; IPv6 is reassembled for the policy
# too (chain defrag6), or its non-first fragments, which carry no ports, would
# fall to the block-all filter.
# big_udp NAME EXPECT SRC DST PORT: a 3000-byte datagram from P to H.
big_udp() {
	local name=$1 want=$2 src=$3 dst=$4 port=$5 tok
	SEQ=$((SEQ + 1)); tok="tok$SEQ"
	px python3 -c "
import socket, sys
fam = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
s.sendto(sys.argv[3].encode() + b'\n' + bytes(3000) + b'\n', (sys.argv[2], int(sys.argv[4])))
" "$src" "$dst" "$tok" "$port"
	verdict "$name" "$want" "$(seen "$tok" "$WORK/udp.H.$port")" \
		"$(predict srcaddr="$src" dstaddr="$dst" protocol=udp srcport=40000 dstport="$port")"
}
if policy fragments <<'EOF'; then
add policy name=Frag
add filteraction name=Block action=block
add filteraction name=Permit action=permit
add filterlist name=Everything
add filter filterlist=Everything srcaddr=any dstaddr=me
add filterlist name=Dns
add filter filterlist=Dns srcaddr=any dstaddr=me protocol=udp dstport=53
add rule name=Everything policy=Frag filterlist=Everything filteraction=Block
add rule name=Dns policy=Frag filterlist=Dns filteraction=Permit
set policy name=Frag assign=yes
EOF
	big_udp "fragments: IPv4, permitted port, 3000 bytes" pass 10.77.0.5 10.77.0.1 53
	big_udp "fragments: IPv6, permitted port, 3000 bytes" pass fd00:77::5 fd00:77::1 53
	big_udp "fragments: IPv6, blocked port, 3000 bytes" drop fd00:77::5 fd00:77::1 5353
	udp "fragments: IPv6, permitted port, small" pass P fd00:77::5 fd00:77::1 53
fi

# ---------- subnets, ranges and hosts overlapping ----------
if policy overlaps <<'EOF'; then
add policy name=Layers
add filteraction name=Block action=block
add filteraction name=Permit action=permit
add filterlist name=Net
add filter filterlist=Net srcaddr=10.77.0.0 srcmask=255.255.255.0 dstaddr=me
add filter filterlist=Net srcaddr=fd00:77:: srcmask=64 dstaddr=me
add filterlist name=Range
add filter filterlist=Range srcaddr=10.77.0.5-10.77.0.6 dstaddr=me
add filterlist name=Hosts
add filter filterlist=Hosts srcaddr=fd00:77::5 dstaddr=me
add filterlist name=SSH6
add filter filterlist=SSH6 srcaddr=10.77.0.6 dstaddr=me protocol=tcp dstport=22
add rule name=Net policy=Layers filterlist=Net filteraction=Block
add rule name=Range policy=Layers filterlist=Range filteraction=Permit
add rule name=Hosts policy=Layers filterlist=Hosts filteraction=Permit
add rule name=SSH6 policy=Layers filterlist=SSH6 filteraction=Block
set policy name=Layers assign=yes
EOF
	tcp "overlap: range beats subnet (.5)" pass P 10.77.0.5 10.77.0.1 80
	tcp "overlap: range beats subnet (.6)" pass P 10.77.0.6 10.77.0.1 80
	tcp "overlap: host+port beats range" drop P 10.77.0.6 10.77.0.1 22
	tcp "overlap: range, other port" pass P 10.77.0.5 10.77.0.1 22
	tcp "overlap: subnet outside the range (.7)" drop P 10.77.0.7 10.77.0.1 80
	tcp "overlap: another subnet, no filter" pass P 10.77.9.5 10.77.9.1 80
	tcp "overlap: IPv6 host beats its /64" pass P fd00:77::5 fd00:77::1 80
	tcp "overlap: IPv6 /64" drop P fd00:77::6 fd00:77::1 80
	icmp "overlap: ping IPv6 host" pass P fd00:77::5 fd00:77::1
fi

# ---------- the persistent store adds to the local one ----------
if policy persistent <<'EOF'; then
set store location=persistent
add policy name=Block80
add filteraction name=Block action=block
add filterlist name=HTTP
add filter filterlist=HTTP srcaddr=any dstaddr=me protocol=tcp dstport=80
add rule name=BlockHTTP policy=Block80 filterlist=HTTP filteraction=Block
set policy name=Block80 assign=yes
set store location=local
add policy name=Open
add filteraction name=Permit action=permit
add filterlist name=AnyMe
add filter filterlist=AnyMe srcaddr=any dstaddr=me
add rule name=Open policy=Open filterlist=AnyMe filteraction=Permit
set policy name=Open assign=yes
EOF
	tcp "stores: persistent block of port 80" drop P 10.77.0.5 10.77.0.1 80
	tcp "stores: local permit elsewhere" pass P 10.77.0.5 10.77.0.1 22
	tcp "stores: IPv6 port 80" drop P fd00:77::5 fd00:77::1 80
fi

echo "$NPASS passed, $NFAIL failed"
[ "$NFAIL" -eq 0 ]
