#!/usr/bin/env bash
# flowstart.sh - an agent that starts over a table of cached flows counts them as the
# policy then decided them: `ipsecpold --once` permits a UDP flow, 30 datagrams (one
# counted by its filter's element, 29 by the flow cache); with no agent running, the
# filter action becomes block; the agent that starts carries the counts over: 30
# permitted, none blocked (the packets were delivered), and the next datagram is blocked.
#
#   H (the host under test)  10.77.0.1/24      P (its peer)  10.77.0.2/24
set -u -o pipefail

TAG="ips$$" NAME=flowstart NEED="nft python3 ss"
. "$(dirname "$0")/../lib/pair.sh"

pair_up
hx python3 -u -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', 7000))
f = open('$WORK/udp', 'a', buffering=1)
while True:
    s.recv(100); f.write('x\n')
" </dev/null >/dev/null 2>&1 &
PIDS+=($!)
wait_for 10 eval '[ "$(hx ss -Hlun | grep -c ":7000 ")" -ge 1 ]' || { echo "the sink did not start"; exit 2; }
received() { [ -f "$WORK/udp" ] && wc -l <"$WORK/udp" || echo 0; }
send() {
	px python3 - "$1" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.0.2", 41000))
for i in range(int(sys.argv[1])):
    s.sendto(b"x" * 20, ("10.77.0.1", 7000))
    time.sleep(0.002)
PY
}
statval() { show dynamic show stats type=ipsec; val "$1"; }

printf '%s\n' \
	"add filteraction name=Act action=permit" \
	"add filter filterlist=U srcaddr=10.77.0.2 dstaddr=me protocol=udp dstport=7000" \
	"add policy name=P" "add rule name=R policy=P filterlist=U filteraction=Act" \
	"set policy name=P assign=yes" | pol >/dev/null || exit 2
check "ipsecpold --once applies the permit" eval 'hx "$BIN/ipsecpold" --root "$R" --once >/dev/null'
send 30
check "30 datagrams delivered" wait_for 5 eval '[ "$(received)" = 30 ]'
check "the filter action becomes block (no agent runs)" \
	eval 'pol static set filteraction name=Act action=block >/dev/null'
hx "$BIN/ipsecpold" --root "$R" --foreground --verbose >>"$LOG" 2>&1 </dev/null &
AGENT_PID=$!
wait_for 60 grep -q "running (pid" "$LOG" || { fail "the agent starts"; exit 1; }
check "the agent carried the counts over" grep -q "counts carried over" "$LOG"
check "stats: the 30 packets stay permitted" eval '[ "$(statval "Packets Permitted")" = 30 ]'
check "stats: none blocked" eval '[ "$(statval "Packets Blocked")" = 0 ]'
send 5
sleep 0.3
check "the next datagrams are blocked" eval '[ "$(received)" = 30 ]'
check "stats: 30 permitted, 5 blocked" \
	eval '[ "$(statval "Packets Permitted")" = 30 ] && [ "$(statval "Packets Blocked")" = 5 ]'
# a negotiate filter's packets taken in the clear (soft=yes) are flows of the permit sets:
# still counted as matching negotiate filters, not as permitted
printf '%s\n' "add filteraction name=Soft action=negotiate soft=yes" \
	"add filter filterlist=S srcaddr=10.77.0.2 dstaddr=me protocol=udp dstport=7001" \
	"add rule name=RS policy=P filterlist=S filteraction=Soft psk=secret" | pol >/dev/null || exit 2
wait_for 10 listed "7001" list table inet ipsecpol
neg0=$(statval "Packets Matching Negotiate Filters")
px python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('10.77.0.2', 41001))
for i in range(10):
    s.sendto(b'x' * 20, ('10.77.0.1', 7001)); time.sleep(0.002)
"
sleep 0.3
check "soft: 10 packets counted as matching negotiate filters" \
	eval '[ "$(statval "Packets Matching Negotiate Filters")" = $((neg0 + 10)) ]'
check "soft: none of them as permitted" eval '[ "$(statval "Packets Permitted")" = 30 ]'
echo "flowstart: $NPASS passed, $NFAIL failed"
[ "$NFAIL" -eq 0 ]
