#!/usr/bin/env bash
# Windows' default exemptions (ipsecexempt, driver.conf NoDefaultExempt) on
# real packets, under a policy that blocks everything both ways: 3 (the
# default) exempts nothing more than IKE; 0 and 2 Kerberos (TCP or UDP from
# or to port 88) and RSVP (protocol 46); 0 and 1 multicast and broadcast.
# Each exchange is checked against what `whatif` says of its first packet.
#
#   H (the host under test)  10.77.0.1/24      P (its peer)  10.77.0.2/24
#
# Output: "PASS name" / "FAIL name" per check and a summary; exit 0 only if
# every check passed, 77 when it cannot run (not root, programs missing).
set -u -o pipefail

TAG="ipx$$" NAME=exempt NEED="socat python3 timeout"
. "$(dirname "$0")/../lib/pair.sh"

pair_up v4
px ip route add 224.0.0.0/4 dev "$IF_P"

# the servers in H: a TCP echo, UDP sinks (one to a broadcast, one in a multicast group),
# and an RSVP sink (a raw socket of protocol 46: it sees what the input hook let in)
# (ip netns exec becomes the server: $! is the process cleanup kills)
ip netns exec "$NS_H" socat TCP-LISTEN:7001,reuseaddr,fork EXEC:cat </dev/null >/dev/null 2>&1 &
PIDS+=($!)
ip netns exec "$NS_H" socat -u UDP-RECV:7002,reuseaddr OPEN:"$WORK/bcast",creat,append \
	</dev/null >/dev/null 2>&1 &
PIDS+=($!)
ip netns exec "$NS_H" socat -u UDP-RECV:7003,reuseaddr,ip-add-membership=224.1.2.3:"$IF_H" \
	OPEN:"$WORK/mcast",creat,append </dev/null >/dev/null 2>&1 &
PIDS+=($!)
ip netns exec "$NS_H" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 46)
open(sys.argv[1] + ".ready", "w").close()
with open(sys.argv[1], "ab", buffering=0) as f:
	while True:
		data = s.recv(2048)
		f.write(data[20:] + b"\n")
' "$WORK/rsvp" </dev/null >/dev/null 2>&1 &
PIDS+=($!)
wait_for 10 test -e "$WORK/rsvp.ready" || { echo "the RSVP sink did not start"; exit 2; }
bound() { ip netns exec "$NS_H" ss -Han "$@" | grep -q .; }
wait_for 10 bound -t state listening sport = :7001 && wait_for 10 bound -u sport = :7002 &&
	wait_for 10 bound -u sport = :7003 || { echo "the servers did not start"; exit 2; }

cat >"$WORK/policy.netsh" <<'NETSH'
add filteraction name=Blk action=block
add filter filterlist=Everything srcaddr=any dstaddr=any protocol=any
add policy name=Closed
add rule name=Everything policy=Closed filterlist=Everything filteraction=Blk
set policy name=Closed assign=yes
NETSH
store_script "the policy: everything blocked both ways" "$WORK/policy.netsh"

SEQ=0
# predict ARGS...: what whatif says of the inbound packet
predict() { whatif_says dir=in "$@"; }
tcp_from() { # NAME EXPECT SOURCE-PORT: P -> H:7001 and back
	local tok got
	SEQ=$((SEQ + 1)) tok="tok$SEQ"
	got=$(echo "$tok" | px timeout 4 socat -t1 -T2 - \
		"TCP:$H_IP:7001,sourceport=$3,reuseaddr,connect-timeout=1" 2>/dev/null)
	[ "$got" = "$tok" ] && got=pass || got=drop
	verdict "$1" "$2" "$got" "$(predict src=$P_IP dst=$H_IP proto=tcp srcport="$3" dstport=7001)"
}
udp_to() { # NAME EXPECT DESTINATION PORT FILE
	local tok
	SEQ=$((SEQ + 1)) tok="tok$SEQ"
	echo "$tok" | px socat -u - "UDP-DATAGRAM:$3:$4,broadcast,bind=$P_IP" 2>/dev/null
	verdict "$1" "$2" "$(seen "$tok" "$5")" \
		"$(predict src=$P_IP dst="$3" proto=udp srcport=40000 dstport="$4")"
}
rsvp() { # NAME EXPECT
	local tok
	SEQ=$((SEQ + 1)) tok="tok$SEQ"
	px python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 46)
s.sendto(sys.argv[1].encode(), (sys.argv[2], 0))
' "$tok" "$H_IP"
	verdict "$1" "$2" "$(seen "$tok" "$WORK/rsvp")" "$(predict src=$P_IP dst=$H_IP proto=46)"
}

for v in 3 0 1 2; do
	check "ipsecexempt $v set" eval 'pol dynamic set config property=ipsecexempt value=$v >/dev/null'
	check "ipsecexempt $v applied" eval 'hx "$BIN/ipsecpold" --root "$R" --once >/dev/null 2>&1'
	kr=drop gr=drop
	case $v in 0) kr=pass gr=pass ;; 1) gr=pass ;; 2) kr=pass ;; esac
	tcp_from "ipsecexempt $v: TCP from port 88 to a blocked port" $kr 88
	tcp_from "ipsecexempt $v: TCP from port 89" drop 89
	rsvp "ipsecexempt $v: RSVP" $kr
	udp_to "ipsecexempt $v: UDP to the subnet's broadcast address" $gr 10.77.0.255 7002 "$WORK/bcast"
	udp_to "ipsecexempt $v: UDP to a multicast group" $gr 224.1.2.3 7003 "$WORK/mcast"
	udp_to "ipsecexempt $v: UDP to this host" drop $H_IP 7002 "$WORK/bcast"
done
show dynamic show config
check "show config says what ipsecexempt 2 exempts" has "IPsecexempt 2: the filters exempt IKE"

echo "$NPASS passed, $NFAIL failed"
[ "$NFAIL" -eq 0 ]
