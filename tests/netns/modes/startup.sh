#!/usr/bin/env bash
# Startup modes on real packets: `ipsecpold --startup` in the host namespace,
# traffic from and to the peer namespace.
#   block:    the exempted port connects, another does not, a DHCP exchange
#             passes (udp 68->67 out, 67->68 in), other traffic both ways is
#             dropped, loopback works; datagrams larger than the link to an
#             exempted port arrive, IPv6 too (reassembled: chain defrag6)
#   stateful: outbound-initiated TCP and UDP work (IPv4 and IPv6), new inbound
#             unicast and broadcast are dropped, inbound exemptions pass
#   permit:   no table, everything passes (also the control for the checks above)
#   the boot mode's resolution: unset with and without an assigned policy, a
#   malformed driver.conf (block, never permit), --dry-run
. "$(dirname "$0")/lib.sh"

setup_net yes
spawn h "$PROBE" tcp-count 3389 "$R/h3389"
spawn h "$PROBE" tcp-count 3390 "$R/h3390"
spawn p "$PROBE" tcp-count 80 "$R/p80"
spawn h "$PROBE" udp-count 40003 "$R/hbcast"
spawn h "$PROBE" udp-count 7777 "$R/h7777"
spawn h "$PROBE" udp-count 7778 "$R/h7778"
sleep 0.2

# Every golden ruleset of the unit tests loads into a real kernel.
for g in "$SRC"/tests/unit/agent/golden/modes-*.nft; do
	check "golden $(basename "$g") is accepted by the kernel" hx nft -c -f "$g"
done

# ---- block with exemptions; a link at the pid file's place is replaced, not followed
conf OperationMode=1 "BootExemptions=tcp:0:3389:inbound udp:0:53:outbound"
mkdir -p "$R/run/ipsecpol"
echo "precious" >"$R/victim"
ln -s "$R/victim" "$R/run/ipsecpol/ipsecpold.pid"
check "block: --startup succeeds" startup
check "block: the file a link at the pid file's place named is untouched" \
	grep -qx precious "$R/victim"
check "block: table says startup-block" test "$(table_mode)" = startup-block
check "block: exempted inbound tcp 3389 connects" px "$PROBE" tcp-connect $H_IP 3389 1000
refute "block: inbound tcp 3390 does not connect" px "$PROBE" tcp-connect $H_IP 3390 500
refute "block: inbound tcp 3390 over IPv6 does not connect" px "$PROBE" tcp-connect $H_IP6 3390 500
refute "block: outbound tcp 80 does not connect" hx "$PROBE" tcp-connect $P_IP 80 500
refute "block: ping is dropped" hx ping -c1 -W1 -q $P_IP >/dev/null
check "block: loopback works" hx "$PROBE" tcp-connect 127.0.0.1 3390 1000
spawn p "$PROBE" udp-answer 67 3000
check "block: DHCP exchange (client 68 -> server 67 and back) passes" \
	hx "$PROBE" udp-ask 68 $P_IP 67 2000
spawn p "$PROBE" udp-answer 67 1000
refute "block: udp to 67 from another port than 68 is dropped" \
	hx "$PROBE" udp-ask 1068 $P_IP 67 500
spawn p "$PROBE" udp-answer 53 3000
check "block: exempted outbound udp 53 and its answer pass" \
	hx "$PROBE" udp-ask 40053 $P_IP 53 2000
spawn p "$PROBE" udp-answer 54 1000
refute "block: outbound udp 54 is dropped" hx "$PROBE" udp-ask 40054 $P_IP 54 500
check "block: neighbour discovery works (IPv6 exemption connects)" \
	px "$PROBE" tcp-connect $H_IP6 3389 2000
# (the counting servers write their files a moment after the accept)
check "block: 3389 accepted 2 connections, 3390 only the loopback one" \
	wait_for 5 eval 'test "$(count_of "$R/h3389"):$(count_of "$R/h3390")" = "2:1"'

# ---- block: fragmented datagrams to an exempted port
# Non-first fragments carry no ports: IPv6 must be reassembled before the
# input hook, as IPv4 is, or they fall to the drop.
conf OperationMode=1 "BootExemptions=udp:0:7777:inbound"
check "block, udp 7777 exempted: --startup succeeds" startup
px "$PROBE" udp-send $H_IP 7777 3 100000 0 3000
check "block: 3000-byte IPv4 datagrams to exempted udp 7777 arrive" \
	wait_for 5 eval 'test "$(count_of "$R/h7777")" = 3'
px "$PROBE" udp-send $H_IP6 7777 3 100000 0 100
check "block: small IPv6 datagrams to exempted udp 7777 arrive" \
	wait_for 5 eval 'test "$(count_of "$R/h7777")" = 6'
px "$PROBE" udp-send $H_IP6 7777 3 100000 0 3000
check "block: 3000-byte IPv6 datagrams to exempted udp 7777 arrive" \
	wait_for 5 eval 'test "$(count_of "$R/h7777")" = 9'
px "$PROBE" udp-send $H_IP6 7778 3 100000 0 3000
px "$PROBE" udp-send $H_IP 7778 3 100000 0 3000
sleep 0.3
check "block: 3000-byte datagrams to udp 7778 (not exempted) are dropped" \
	test "$(count_of "$R/h7778")" = 0

# ---- stateful
conf OperationMode=3 "BootExemptions=tcp:0:3389:inbound udp:0:53:outbound"
check "stateful: --startup succeeds (replacing block)" startup
check "stateful: table says startup-stateful" test "$(table_mode)" = startup-stateful
check "stateful: outbound tcp 80 connects" hx "$PROBE" tcp-connect $P_IP 80 1000
check "stateful: outbound tcp 80 over IPv6 connects" hx "$PROBE" tcp-connect $P_IP6 80 2000
spawn p "$PROBE" udp-answer 5000 3000
check "stateful: outbound udp gets its answer" hx "$PROBE" udp-ask 40001 $P_IP 5000 2000
refute "stateful: new inbound tcp 3390 is dropped" px "$PROBE" tcp-connect $H_IP 3390 500
refute "stateful: new inbound tcp 3390 over IPv6 is dropped" px "$PROBE" tcp-connect $H_IP6 3390 500
check "stateful: exempted inbound tcp 3389 connects" px "$PROBE" tcp-connect $H_IP 3389 1000
px "$PROBE" udp-send $BCAST 40003 5 1000
px "$PROBE" udp-send $H_IP 40003 5 1000
# an outbound exemption's replies are the tracked ones: not any datagram from its port
px "$PROBE" udp-send $H_IP 40003 5 1000 53
px "$PROBE" udp-send $H_IP6 40003 5 1000 53
sleep 0.3
check "stateful: inbound broadcast and unicast udp dropped, from port 53 too" \
	test "$(count_of "$R/hbcast")" = 0
check "stateful: loopback works" hx "$PROBE" tcp-connect 127.0.0.1 3390 1000

# ---- permit
conf OperationMode=0 "BootExemptions=tcp:0:3389:inbound"
check "permit: --startup succeeds (removing stateful)" startup
check "permit: no table" no_table
check "permit: inbound tcp 3390 connects" px "$PROBE" tcp-connect $H_IP 3390 1000
px "$PROBE" udp-send $BCAST 40003 5 1000
sleep 0.3
check "permit: inbound broadcast arrives (the stateful check could fail)" \
	wait_for 5 eval 'test "$(count_of "$R/hbcast")" -gt 0'

# ---- how the boot mode is chosen
rm -f "$R/etc/ipsecpol/driver.conf"
check "unset, no policy store: permit" startup
check "unset, no policy store: no table" no_table
mkdir -p "$R/var/lib/ipsecpol"
"$MKPOLICY" "$R/var/lib/ipsecpol/policy.db" local Local1 block udp 7777
check "unset, a local policy assigned: --startup succeeds" startup
check "unset, a local policy assigned: stateful" test "$(table_mode)" = startup-stateful
"$MKPOLICY" "$R/var/lib/ipsecpol/policy.db" local unassign
startup
check "unset, policy unassigned again: permit" no_table

conf OperationMode=0 "DiagnosticMode=12"
startup 2>"$R/err"
rc=$?
check "malformed driver.conf: exit status 1" test $rc = 1
check "malformed driver.conf: block, never permit" test "$(table_mode)" = startup-block
check "malformed driver.conf: the warning names file:line and token" \
	grep -q "driver.conf:2: DiagnosticMode \"12\" is not valid: expected 0..9: booting in block mode" "$R/err"

conf OperationMode=0
startup
check "--dry-run prints the ruleset" sh -c "'$IPPD' --root '$R' --startup --dry-run | grep -q 'delete table inet ipsecpol'"
conf OperationMode=1
hx "$IPPD" --root "$R" --startup --dry-run >/dev/null
check "--dry-run changes nothing in the kernel" no_table
check "-n: configuration OK" sh -c "ip netns exec $NS_H '$IPPD' --root '$R' -n | grep -qx 'configuration OK'"
conf OperationMode=7
refute "-n: a malformed driver.conf fails" hx "$IPPD" --root "$R" -n 2>/dev/null

# the lock cannot be had (the run directory is a file): at boot the ruleset is loaded anyway
conf OperationMode=1
hx nft delete table inet ipsecpol 2>/dev/null
mv "$R/run" "$R/run.away" 2>/dev/null
touch "$R/run"
startup 2>"$R/err"
check "no lock to be had: block mode all the same" test "$(table_mode)" = startup-block
check "no lock to be had: the warning says so" grep -q "loaded without the lock" "$R/err"
rm -f "$R/run"
mv "$R/run.away" "$R/run" 2>/dev/null

finish
