#!/usr/bin/env bash
# The ways past filters of "me" that do not go through this host's own
# addresses, on real packets, each first without the policy (it passes:
# the check can fail) and then with it, and against what whatif says:
#  - outbound from a source this host does not own (an unprivileged
#    socket bound with IPV6_FREEBIND; a raw IPv4 socket): still from "me";
#  - inbound UDP to this host's IPv6 subnet-router anycast address (it
#    forwards), and to an address a local route of another routing table
#    gives it (AnyIP): still to "me";
#  - inbound IPv6 from an IPv4-mapped source (::ffff:P), which dual-stack
#    sockets would take for P's IPv4 packets: dropped.
#
#   H (the host under test)  10.77.0.1/24 fd77::1/64    P (its peer)  10.77.0.2/24 fd77::2/64
#
# Output: "PASS name" / "FAIL name" per check and a summary; exit 0 only if
# every check passed, 77 when it cannot run (not root, programs missing).
set -u -o pipefail

TAG="ips$$" NAME=spoof NEED="python3 timeout"
. "$(dirname "$0")/../lib/pair.sh"

pair_up
hx ip addr add fd77::1/64 dev "$IF_H" nodad && px ip addr add fd77::2/64 dev "$IF_P" nodad ||
	exit 2
wait_for 5 px ping -6 -c1 -W1 -q fd77::1 >/dev/null 2>&1 || { echo "IPv6 set-up failed"; exit 2; }
# H forwards IPv6: the kernel gives it the subnet-router anycast address fd77::
hx sysctl -qw net.ipv6.conf.all.forwarding=1
wait_for 5 hx grep -q "$IF_H" /proc/net/anycast6 || { echo "no anycast address"; exit 2; }
# (P learns where the anycast address is before the checks: a first datagram waits for it)
wait_for 5 px ping -6 -c1 -W1 -q fd77:: >/dev/null 2>&1
# (a python3 an unprivileged user can run: not one under root's home)
PY_USER=/usr/bin/python3
[ -x "$PY_USER" ] || PY_USER=$(command -v python3)
# AnyIP: 10.77.0.77 is H's by a local route of table 100 (no interface holds it); P
# reaches it through H
hx ip rule add to 10.77.0.77 lookup 100 && hx ip route add local 10.77.0.77 dev lo table 100 &&
	px ip route add 10.77.0.77/32 via $H_IP || exit 2
MAC_H=$(hx cat "/sys/class/net/$IF_H/address")
MAC_P=$(px cat "/sys/class/net/$IF_P/address")

# UDP sinks: in P on [::]:7100 (what H sends), in H on [::]:7200 (dual-stack: IPv4 and
# IPv6, as the program an IPv4-mapped source would fool), each appending what it receives
SINK='
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
open(sys.argv[2] + ".ready", "w").close()
with open(sys.argv[2], "ab", buffering=0) as f:
	while True:
		data, peer = s.recvfrom(2048)
		f.write(data + b" " + peer[0].encode() + b"\n")
'
px python3 -c "$SINK" 7100 "$WORK/p7100" </dev/null >/dev/null 2>&1 &
PIDS+=($!)
hx python3 -c "$SINK" 7200 "$WORK/h7200" </dev/null >/dev/null 2>&1 &
PIDS+=($!)
hx python3 -c "$SINK" 7201 "$WORK/h7201" </dev/null >/dev/null 2>&1 &
PIDS+=($!)
# (the sinks bound before the first datagram: a python3 can take a second to start)
for f in p7100 h7200 h7201; do
	wait_for 10 test -e "$WORK/$f.ready" || { echo "the UDP sink $f did not start"; exit 2; }
done

# predict ARGS...: what whatif says of the packet ("none" without a table)
predict() {
	[ "$NOTABLE" = 1 ] && { echo none; return; }
	whatif_says "$@"
}

SEQ=0
# freebind NAME EXPECT: from H as an unprivileged user, a UDP socket bound with
# IPV6_FREEBIND to fd77::77 (not H's) sends to P
freebind() {
	local tok
	SEQ=$((SEQ + 1)) tok="tok$SEQ"
	hx setpriv --reuid=65534 --regid=65534 --clear-groups "$PY_USER" -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, 78, 1)  # IPV6_FREEBIND
s.bind(("fd77::77", 5556))
try:
	s.sendto(sys.argv[1].encode(), ("fd77::2", 7100))
except OSError:
	pass
' "$tok"
	verdict "$1" "$2" "$(seen "$tok" "$WORK/p7100")" \
		"$(predict dir=out src=fd77::77 dst=fd77::2 proto=udp srcport=5556 dstport=7100)"
}
# rawspoof NAME EXPECT: from H, a raw IPv4 socket sends UDP from 10.77.0.77 (not H's) to P
rawspoof() {
	local tok
	SEQ=$((SEQ + 1)) tok="tok$SEQ"
	hx python3 - "$tok" <<'PY'
import socket, struct, sys
data = sys.argv[1].encode()
udp = struct.pack("!HHHH", 5557, 7100, 8 + len(data), 0) + data
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                 socket.inet_aton("10.77.0.77"), socket.inet_aton("10.77.0.2"))
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
try:
	s.sendto(ip + udp, ("10.77.0.2", 0))
except OSError:
	pass
PY
	verdict "$1" "$2" "$(seen "$tok" "$WORK/p7100")" \
		"$(predict dir=out src=10.77.0.77 dst=10.77.0.2 proto=udp srcport=5557 dstport=7100)"
}
# to_h NAME EXPECT SRC DST [PORT]: from P (its address SRC), UDP to DST port PORT (7200),
# which H takes
to_h() {
	local tok port=${5:-7200}
	SEQ=$((SEQ + 1)) tok="tok$SEQ"
	px python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[2] else socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(sys.argv[1].encode(), (sys.argv[2], int(sys.argv[3])))
' "$tok" "$4" "$port"
	verdict "$1" "$2" "$(seen "$tok" "$WORK/h$port")" \
		"$(predict dir=in src="$3" dst="$4" proto=udp srcport=40000 dstport="$port")"
}
# anycast NAME EXPECT: to H's subnet-router anycast address
anycast() { to_h "$1" "$2" fd77::2 fd77::; }
# anyip NAME EXPECT: to 10.77.0.77, H's by a local route of table 100
anyip() { to_h "$1" "$2" "$P_IP" 10.77.0.77; }
# mapped NAME EXPECT: from P, an Ethernet frame with IPv6 UDP from ::ffff:10.77.0.2 to H
mapped() {
	local tok
	SEQ=$((SEQ + 1)) tok="tok$SEQ"
	px python3 - "$tok" "$IF_P" "$MAC_H" "$MAC_P" <<'PY'
import socket, struct, sys
tok, ifname, dmac, smac = sys.argv[1:5]
src = socket.inet_pton(socket.AF_INET6, "::ffff:10.77.0.2")
dst = socket.inet_pton(socket.AF_INET6, "fd77::1")
data = tok.encode()
length = 8 + len(data)
def csum(b):
	if len(b) % 2:
		b += b"\0"
	s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
	while s >> 16:
		s = (s & 0xffff) + (s >> 16)
	return ~s & 0xffff
udp = struct.pack("!HHHH", 5558, 7200, length, 0) + data
c = csum(src + dst + struct.pack("!IxxxB", length, 17) + udp) or 0xffff
udp = udp[:6] + struct.pack("!H", c) + udp[8:]
ip6 = struct.pack("!IHBB", 6 << 28, length, 17, 64) + src + dst
eth = bytes.fromhex(dmac.replace(":", "")) + bytes.fromhex(smac.replace(":", "")) + b"\x86\xdd"
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
s.send(eth + ip6 + udp)
PY
	verdict "$1" "$2" "$(seen "$tok" "$WORK/h7200")" \
		"$(predict dir=in src=::ffff:10.77.0.2 dst=fd77::1 proto=udp srcport=5558 dstport=7200)"
}

# without a table everything passes (the checks can fail)
NOTABLE=1
freebind "no table: from an address H does not own (IPV6_FREEBIND, unprivileged)" pass
rawspoof "no table: from an address H does not own (raw IPv4 socket)" pass
anycast "no table: UDP to H's subnet-router anycast address" pass
anyip "no table: UDP to an address H's by a local route of another table" pass
mapped "no table: IPv6 from an IPv4-mapped address" pass
NOTABLE=0

cat >"$WORK/policy.netsh" <<'NETSH'
add filteraction name=Blk action=block
add filteraction name=Ok action=permit
add filter filterlist=FromMe srcaddr=me dstaddr=any protocol=udp dstport=7100 mirrored=no
add filter filterlist=ToMe srcaddr=any dstaddr=me protocol=udp dstport=7200 mirrored=no
add filter filterlist=PeerV4 srcaddr=10.77.0.2 dstaddr=me protocol=any
add filter filterlist=Rest srcaddr=any dstaddr=any protocol=any
add policy name=Closed
add rule name=FromMe policy=Closed filterlist=FromMe filteraction=Blk
add rule name=ToMe policy=Closed filterlist=ToMe filteraction=Blk
add rule name=PeerV4 policy=Closed filterlist=PeerV4 filteraction=Blk
add rule name=Rest policy=Closed filterlist=Rest filteraction=Ok
set policy name=Closed assign=yes
NETSH
store_script "the policy: UDP from me to 7100, to me at 7200 and P's IPv4 address blocked" \
	"$WORK/policy.netsh"
check "the policy applied" eval 'hx "$BIN/ipsecpold" --root "$R" --once >/dev/null 2>&1'
freebind "from an address H does not own (IPV6_FREEBIND, unprivileged): from me" drop
rawspoof "from an address H does not own (raw IPv4 socket): from me" drop
anycast "UDP to H's subnet-router anycast address: to me" drop
anyip "UDP to an address H's by a local route of another table: to me" drop
mapped "IPv6 from the IPv4-mapped address of a blocked IPv4 host" drop
show whatif src=::ffff:10.77.0.2 dst=me proto=udp dstport=7200
check "whatif says an IPv6 packet from a mapped address is dropped" \
	has "an IPv6 packet that carries it is dropped"
# the table's own count of what it dropped so
OUT=$(hx nft list chain inet ipsecpol input 2>&1)
check "the table counted the mapped source" eval \
	'grep "IPv4-mapped source" <<<"$OUT" | grep -qv "packets 0 "'
# P's IPv6 address is not blocked: its packets still reach the dual-stack socket
to_h "IPv6 from P's own address to another port" pass fd77::2 fd77::1 7201

# IPv6 path MTU discovery under a policy that blocks everything: a router's packet too big
# (here P's, about an echo request H sent to fd77::2) still sets the path's MTU (RFC 4890); no
# filter of a peer would name the router it comes from
cat >"$WORK/closed.netsh" <<'NETSH'
add filter filterlist=Everything srcaddr=any dstaddr=any protocol=any
add policy name=AllBlocked
add rule name=Everything policy=AllBlocked filterlist=Everything filteraction=Blk
set policy name=AllBlocked assign=yes
NETSH
store_script "the policy: everything blocked" "$WORK/closed.netsh"
check "it is applied" eval 'hx "$BIN/ipsecpold" --root "$R" --once >/dev/null 2>&1'
hx ip -6 route flush cache >/dev/null 2>&1
px python3 - <<'PY'
import socket, struct
# the packet H would have sent: IPv6 fd77::1 -> fd77::2, an echo request of 1440 bytes
# on the wire (ICMPv6's own error handler sets the path's MTU, with no socket to find)
src = socket.inet_pton(socket.AF_INET6, "fd77::1")
dst = socket.inet_pton(socket.AF_INET6, "fd77::2")
inner = struct.pack("!IHBB", 6 << 28, 1400, 58, 64) + src + dst + struct.pack("!BBHHH", 128, 0, 0, 7, 1)
inner += bytes(1232 - len(inner))
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.sendto(struct.pack("!BBHI", 2, 0, 0, 1400) + inner, ("fd77::1", 0))
PY
check "IPv6 packet too big passes the block: H's path MTU to fd77::2 is 1400" \
	wait_for 3 eval 'hx ip -6 route get fd77::2 | grep -q "mtu 1400"'

echo "$NPASS passed, $NFAIL failed"
[ "$NFAIL" -eq 0 ]
