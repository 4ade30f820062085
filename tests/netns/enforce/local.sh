#!/usr/bin/env bash
# local.sh - the walks of the host's own addresses, on real packets: the base chain sends
# a packet whose local address is one of the host's to a walk of the maps that have an
# element for it.  The running agent follows addresses that come and go, and a filter
# added in place for an address that had none in its map joins that address's walk.
#
#   H (the host under test)  10.77.0.1/24, later also 10.77.0.50/24    P  10.77.0.2/24
#   policy: block any -> 10.77.0.1 tcp 7001 and any -> 10.77.0.99 tcp 7002 (one map),
#           block any -> 10.77.0.50/31 tcp 7003 (another), permit any <-> any
#   P connects to H's ports; the filter any -> 10.77.0.50 tcp 7002 is added while the
#   agent runs (a change in place into the map that had no element for 10.77.0.50).
set -u -o pipefail

TAG="ipl$$" NAME=local NEED="nft python3"
. "$(dirname "$0")/../lib/pair.sh"

pair_up v4

# H listens on every address, TCP 7001 to 7004
hx python3 - >/dev/null 2>&1 <<'PY' &
import selectors, socket
sel = selectors.DefaultSelector()
for port in range(7001, 7005):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(16)
    sel.register(s, selectors.EVENT_READ)
while True:
    for key, _ in sel.select():
        c, _ = key.fileobj.accept()
        c.close()
PY
PIDS+=($!)

# tcp ADDR PORT: "pass" when P's connection to ADDR:PORT is accepted within 1 s, else "drop"
tcp() {
	px python3 - "$1" "$2" <<'PY'
import socket, sys
s = socket.socket()
s.settimeout(1)
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
    print("pass")
except OSError:
    print("drop")
PY
}
# dispatch: the local addresses the TCP walk of the input hook dispatches on
dispatch() { hx nft list chain inet ipsecpol in4_p6 2>/dev/null | grep 'local address'; }
# walks HEX: the chains of the input TCP walk of local address HEX (-1: no table)
walks() {
	local t
	t=$(hx nft list table inet ipsecpol 2>/dev/null) || { echo -1; return; }
	grep -c "chain in4_p6_x$1" <<<"$t"
}


printf '%s\n' \
	"add filter filterlist=FLb srcaddr=any dstaddr=10.77.0.1 protocol=tcp dstport=7001 mirrored=no" \
	"add filter filterlist=FLb srcaddr=any dstaddr=10.77.0.99 protocol=tcp dstport=7002 mirrored=no" \
	"add filter filterlist=FLc srcaddr=any dstaddr=10.77.0.50 dstmask=31 protocol=tcp dstport=7003 mirrored=no" \
	"add filter filterlist=FLany srcaddr=any dstaddr=any" \
	"add filteraction name=Blk action=block" "add filteraction name=Perm action=permit" \
	"add policy name=LocP" \
	"add rule name=Rb policy=LocP filterlist=FLb filteraction=Blk" \
	"add rule name=Rc policy=LocP filterlist=FLc filteraction=Blk" \
	"add rule name=Rany policy=LocP filterlist=FLany filteraction=Perm" \
	"set policy name=LocP assign=yes" | pol >/dev/null || exit 2
# without the flow cache every packet walks: what the walk chains' counters hold is all a
# keyless filter counted
mkdir -p "$R/etc/ipsecpol" && echo "FlowCache=0" >"$R/etc/ipsecpol/driver.conf"
hx "$BIN/ipsecpold" --root "$R" --foreground --verbose >>"$LOG" 2>&1 </dev/null &
AGENT_PID=$!
wait_for 60 grep -q "running (pid" "$LOG" || { fail "the agent starts"; exit 1; }
wait_for 10 eval 'hx nft list table inet ipsecpol >/dev/null 2>&1' || { fail "the table is loaded"; exit 1; }

OUT=$(dispatch)
check "the input TCP walk dispatches on 10.77.0.1" eval 'grep -q "10.77.0.1 : goto in4_p6_x0a4d0001_d" <<<"$OUT"'
OUT=$(hx nft list chain inet ipsecpol in4_p6_x0a4d0001_d 2>&1)
check "its walk holds the map with an element for it" eval 'grep -q "ip_sany_d32_p6_dp" <<<"$OUT"'
check "and not the map without one (10.77.0.50/31)" \
	eval 'grep -q "chain in4_p6_x0a4d0001_d" <<<"$OUT" && ! grep -q "ip_sany_d31_p6_dp" <<<"$OUT"'
check "10.77.0.1:7001 blocked" eval '[ "$(tcp 10.77.0.1 7001)" = drop ]'
check "10.77.0.1:7003 permitted" eval '[ "$(tcp 10.77.0.1 7003)" = pass ]'

hx ip addr add 10.77.0.50/24 dev "$IF_H"
check "an address added: its walks follow" wait_for 10 eval '[ "$(walks 0a4d0032)" -ge 1 ]'
OUT=$(dispatch)
check "and the dispatch" eval 'grep -q "10.77.0.50 : goto in4_p6_x0a4d0032_d" <<<"$OUT"'
check "10.77.0.50:7003 blocked (its map in its walk)" eval '[ "$(tcp 10.77.0.50 7003)" = drop ]'
check "10.77.0.50:7002 permitted (no element for it yet)" eval '[ "$(tcp 10.77.0.50 7002)" = pass ]'
OUT=$(hx nft list chain inet ipsecpol in4_p6_x0a4d0032_d 2>&1)
check "the map of 7001 and 7002 not in its walk" \
	eval 'grep -q "chain in4_p6_x0a4d0032_d" <<<"$OUT" && ! grep -q "ip_sany_d32_p6_dp" <<<"$OUT"'

n_any=$(counted Rany)
check "Rany counted the permitted connections" eval '[ "$n_any" -gt 0 ]'
n=$(grep -c "in place" "$LOG")
pol static add filter filterlist=FLb srcaddr=any dstaddr=10.77.0.50 protocol=tcp dstport=7002 mirrored=no >/dev/null
check "a filter for it added: in place" wait_for 10 eval '[ "$(grep -c "in place" "$LOG")" -gt '"$n"' ]'
OUT=$(hx nft list chain inet ipsecpol in4_p6_x0a4d0032_d 2>&1)
check "the map now in its walk" eval 'grep -q "ip_sany_d32_p6_dp" <<<"$OUT"'
OUT="before $n_any, now $(counted Rany)"
check "Rany's count kept when the walks that counted are rewritten" \
	eval '[ "$(counted Rany)" -ge "$n_any" ]'
check "10.77.0.50:7002 blocked" eval '[ "$(tcp 10.77.0.50 7002)" = drop ]'
check "10.77.0.1:7002 still permitted" eval '[ "$(tcp 10.77.0.1 7002)" = pass ]'
check "10.77.0.1:7001 still blocked" eval '[ "$(tcp 10.77.0.1 7001)" = drop ]'
check "10.77.0.50:7004 permitted" eval '[ "$(tcp 10.77.0.50 7004)" = pass ]'

n_any=$(counted Rany)
hx ip addr del 10.77.0.50/24 dev "$IF_H"
check "the address removed: its walks go" wait_for 10 eval '[ "$(walks 0a4d0032)" = 0 ]'
OUT="before $n_any, now $(counted Rany)"
check "Rany's count kept when the walks that counted go" eval '[ "$(counted Rany)" -ge "$n_any" ]'
OUT=$(dispatch)
check "and its dispatch" eval '! grep -q "10.77.0.50" <<<"$OUT" && grep -q "10.77.0.1 :" <<<"$OUT"'
check "10.77.0.1:7001 blocked after all that" eval '[ "$(tcp 10.77.0.1 7001)" = drop ]'

# the agent's netlink socket overflowing (more messages than it holds while the agent does
# not read): the address added among them all the same has its walks
for i in $(seq 0 79); do for j in $(seq 0 249); do echo "route add 10.78.$i.$j/32 dev $IF_H"; done; done >"$WORK/routes.batch"
apid=$(agent_pid)
[ -n "$apid" ] || { fail "the agent's pid is known"; exit 1; }
kill -STOP "$apid"
hx ip -batch "$WORK/routes.batch"
hx ip addr add 10.77.0.60/24 dev "$IF_H"
kill -CONT "$apid"
check "an address added while notifications were lost: its walks follow" \
	wait_for 15 eval '[ "$(walks 0a4d003c)" -ge 1 ]'
check "the agent logged no failure" eval '! grep -q "walks of the host" "$LOG"'

echo "local: $NPASS passed, $NFAIL failed"
[ "$NFAIL" -eq 0 ]
