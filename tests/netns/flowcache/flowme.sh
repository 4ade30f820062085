#!/usr/bin/env bash
# flowme.sh - the flow cache and "me": when the host's addresses change, the running agent
# moves the cache to a fresh generation, and the generation left behind is counted with
# "me" as it was when its flows were decided: no count moves from the filter that decided
# it to another.  Outbound, every packet is from "me", whatever source it claims.
#
#   H (the host under test)  10.77.0.1/24      P (its peer)  10.77.0.2/24
#   policy: block me -> any udp 9999 (not mirrored), permit any <-> any
#   H sends, through a raw socket, datagrams from 10.77.0.51 (not yet its address) to
#   P:9999: from me, blocked, and cached; 10.77.0.51 is then added to H, and removed.
set -u -o pipefail

TAG="ipm$$" NAME=flowme NEED="nft python3"
. "$(dirname "$0")/../lib/pair.sh"

pair_up

# send N: N datagrams 10.77.0.51:1235 -> P:9999 from H; prints "sent" or "err" for each
send() {
	hx python3 - "$1" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
for i in range(int(sys.argv[1])):
    udp = struct.pack("!HHHH", 1235, 9999, 12, 0) + b"abcd"
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     socket.inet_aton("10.77.0.51"), socket.inet_aton("10.77.0.2"))
    try:
        s.sendto(ip + udp, ("10.77.0.2", 0))
        print("sent")
    except OSError:
        print("err")
PY
}

printf '%s\n' \
	"add filter filterlist=FLme srcaddr=me dstaddr=any protocol=udp dstport=9999 mirrored=no" \
	"add filter filterlist=FLany srcaddr=any dstaddr=any protocol=udp" \
	"add filteraction name=Blk action=block" "add filteraction name=Perm action=permit" \
	"add policy name=MeP" \
	"add rule name=Rme policy=MeP filterlist=FLme filteraction=Blk" \
	"add rule name=Rany policy=MeP filterlist=FLany filteraction=Perm" \
	"set policy name=MeP assign=yes" | pol >/dev/null || exit 2
hx "$BIN/ipsecpold" --root "$R" --foreground --verbose >>"$LOG" 2>&1 </dev/null &
AGENT_PID=$!
wait_for 60 grep -q "running (pid" "$LOG" || { fail "the agent starts"; exit 1; }

OUT=$(send 3)
check "from an address not the host's: from me all the same, blocked" eval '[ "$(grep -c err <<<"$OUT")" = 3 ]'
check "counted for Rme: 3" wait_for 5 eval '[ "$(counted Rme)" = 3 ]'
hx ip addr add 10.77.0.51/32 dev "$IF_H"
check "the address added: the agent renews the flow cache" \
	wait_for 5 grep -q "the host's addresses changed (me)" "$LOG"
sleep 0.5
OUT=$(send 2)
check "now the host's own: blocked" eval '[ "$(grep -c err <<<"$OUT")" = 2 ]'
check "Rany counts none" eval '[ "$(counted Rany)" = 0 ]'
check "Rme counts the 3 of the generation left behind and the 2" wait_for 5 eval '[ "$(counted Rme)" = 5 ]'
hx ip addr del 10.77.0.51/32 dev "$IF_H"
wait_for 5 eval '[ "$(grep -c "the host'"'"'s addresses changed (me)" "$LOG")" -ge 2 ]'
sleep 0.5
check "the address removed: the counts stay (Rany 0, Rme 5)" \
	eval '[ "$(counted Rany)" = 0 ] && [ "$(counted Rme)" = 5 ]'
OUT=$(send 1)
check "not the host's again: blocked" eval '[ "$(grep -c err <<<"$OUT")" = 1 ]'
check "Rme: 6" wait_for 5 eval '[ "$(counted Rme)" = 6 ]'

# an address that comes and goes within the time renewals are held back (2 s): the flows
# cached meanwhile may have been decided by it, so the cache is renewed all the same
n=$(grep -c "the host's addresses changed (me)" "$LOG")
hx ip addr add 10.77.0.52/32 dev "$IF_H"
wait_for 5 eval '[ "$(grep -c "the host'"'"'s addresses changed (me)" "$LOG")" -gt '"$n"' ]'
n=$(grep -c "the host's addresses changed (me)" "$LOG")
hx ip addr add 10.77.0.53/32 dev "$IF_H"
sleep 0.5
hx ip addr del 10.77.0.53/32 dev "$IF_H"
check "an address added and removed soon after a renewal: renewed again, after the hold" \
	wait_for 5 eval '[ "$(grep -c "the host'"'"'s addresses changed (me)" "$LOG")" -gt '"$n"' ]'

# an address made the host's by a route of the local table alone (no address of an
# interface changes: ip route add local ...): what "me" matches changed all the same
sleep 2.2
n=$(grep -c "the host's addresses changed (me)" "$LOG")
hx ip route add local 10.77.0.60 dev lo table local
check "a local route added: the cache is renewed" \
	wait_for 5 eval '[ "$(grep -c "the host'"'"'s addresses changed (me)" "$LOG")" -gt '"$n"' ]'
sleep 2.2
n=$(grep -c "the host's addresses changed (me)" "$LOG")
hx ip route del local 10.77.0.60 dev lo table local
check "and removed: renewed again" \
	wait_for 5 eval '[ "$(grep -c "the host'"'"'s addresses changed (me)" "$LOG")" -gt '"$n"' ]'

echo "flowme: $NPASS passed, $NFAIL failed"
[ "$NFAIL" -eq 0 ]
