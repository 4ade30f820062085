#!/usr/bin/env bash
# Diagnostic mode: dropped packets reach the log through NFLOG, rate-limited.
#   level 1, secure mode (a persistent policy blocks udp 7777): one dropped
#     probe gives exactly one event; 30 more give no event until the summary
#     "30 more packets dropped" (written when the interval ends; here when the
#     agent stops, which ends it early)
#   level 2, block mode: 50 probes give exactly 20 events and "30 more"
#   turning diagnostics off in driver.conf while the agent runs: the log
#     statements leave the ruleset and no more events come
#   a conflict of filters is logged once, not again when a deletion renumbers them
#   LogInterval changed: the summary of the interval in progress is written at once
#   a root that never had a policy database: no word of one removed
. "$(dirname "$0")/lib.sh"

DB=$R/var/lib/ipsecpol/policy.db
setup_net no
mkdir -p "$R/var/lib/ipsecpol"

# ---- a root that never had a policy database: a change of driver.conf says nothing of one
conf DiagnosticMode=1
agent_start
hx env -u SSH_CONNECTION -u SSH_CLIENT "$IPP_BIN_DIR/ipsecpol" --root "$R" \
	dynamic set config ipsecdiagnostics 2 >/dev/null
check "no database: the new level is taken" wait_for 10 grep -q "diagnostics: level 2 (was 1)" "$LOG"
sleep 0.5
refute "no database: no warning that it was removed" grep -q "was removed" "$LOG"
agent_signal TERM
agent_wait

"$MKPOLICY" "$DB" persistent Block7777 block udp 7777 || exit 2
events() { grep -c "dropped inbound udp $P_IP:[0-9]* -> $H_IP:7777" "$LOG"; }
settled() { local a; a=$(events); sleep 0.5; [ "$(events)" = "$a" ]; }

# ---- level 1, secure mode
conf OperationMode=1 DiagnosticMode=1
startup
agent_start
check "level 1: secure mode" test "$(agent_mode)" = secure
check "level 1: the ruleset logs its drops" sh -c "ip netns exec $NS_H nft list table inet ipsecpol | grep -q 'log prefix \"ipsecpol secure'"
px "$PROBE" udp-send $H_IP 7777 1 0
check "level 1: a dropped probe is logged" wait_for 5 sh -c "[ \$(grep -c 'dropped inbound udp $P_IP:[0-9]* -> $H_IP:7777' '$LOG') -ge 1 ]"
settled
check "level 1: exactly one event for one probe" test "$(events)" = 1
check "level 1: the event names the mode and why" \
	grep -q "dropped inbound udp .*:7777 (mode secure: a block filter)" "$LOG"
px "$PROBE" udp-send $H_IP 7777 30 1000
sleep 0.5
settled
check "level 1: 30 more probes in the same interval: no more events" test "$(events)" = 1
# the interval changed: what the one in progress holds is said now, not with the next one
conf OperationMode=1 DiagnosticMode=1 LogInterval=600
check "level 1: LogInterval changed: said" \
	wait_for 10 grep -q "diagnostics: summaries every 600 s" "$LOG"
check "level 1: the summary of the interval in progress is written at once" \
	grep -q "30 more packets dropped in the last interval (31 inbound, 0 outbound dropped in all)" "$LOG"
px "$PROBE" udp-send $H_IP 7777 5 1000
sleep 0.5
settled
agent_signal TERM
agent_wait
check "level 1: the next summary counts what came after" \
	grep -q "4 more packets dropped in the last interval (5 inbound" "$LOG"

# ---- level 2, operational block mode
conf OperationMode=1 DiagnosticMode=2
head -c 4096 /dev/urandom > "$DB"
rm -f "$DB-wal" "$DB-shm"
agent_start
check "level 2: block mode" test "$(agent_mode)" = block
px "$PROBE" udp-send $H_IP 7777 50 1000
wait_for 5 sh -c "[ \$(grep -c 'dropped inbound udp $P_IP:[0-9]* -> $H_IP:7777' '$LOG') -ge 20 ]"
settled
check "level 2: 50 probes, exactly 20 events" test "$(events)" = 20
check "level 2: the events name the mode" grep -q "dropped inbound udp .*:7777 (mode block)" "$LOG"
conf OperationMode=1 DiagnosticMode=3
check "level 2 -> 3 while running: the log says so" \
	wait_for 10 grep -q "diagnostics: level 3 (was 2)" "$LOG"

# ---- diagnostics off while running
conf OperationMode=1 DiagnosticMode=0
check "off: the ruleset loses its log statements" wait_for 10 sh -c "! ip netns exec $NS_H nft list table inet ipsecpol | grep -q 'log prefix'"
check "off: still block mode" test "$(agent_mode)" = block
px "$PROBE" udp-send $H_IP 7777 10 1000
sleep 0.5
check "off: no more events" test "$(events)" = 20
agent_signal TERM
agent_wait
check "off: the pending summary was written when diagnostics went off" \
	grep -q "30 more packets dropped in the last interval" "$LOG"

# ---- a conflict of filters is logged once, not again when a deletion renumbers them
rm -f "$DB" "$DB-wal" "$DB-shm"
conf
printf '%s\n' "add filteraction name=P action=permit" "add filteraction name=B action=block" \
	"add filter filterlist=A srcaddr=10.1.1.1 dstaddr=me" \
	"add filter filterlist=A srcaddr=10.9.0.0 srcmask=24 dstaddr=me protocol=tcp dstport=80" \
	"add filter filterlist=Bl srcaddr=10.9.0.0 srcmask=24 dstaddr=me protocol=tcp dstport=80" \
	"add filter filterlist=C srcaddr=10.9.9.9 dstaddr=me" \
	"add policy name=X" "add rule name=R1 policy=X filterlist=A filteraction=P" \
	"add rule name=R2 policy=X filterlist=Bl filteraction=B" \
	"add rule name=R3 policy=X filterlist=C filteraction=B" \
	"set policy name=X assign=yes" >"$R/conflict.netsh"
shell() { env -u SSH_CONNECTION -u SSH_CLIENT "${IPP_BIN_DIR:?}/ipsecpol" --root "$R" "$@"; }
check "a policy with filters of identical selectors is assigned" shell -f "$R/conflict.netsh"
agent_start
conflicts() { grep -c "have identical selectors (10.9.0.0/24 -> me" "$LOG"; }
check "the conflict is logged" wait_for 10 eval 'test "$(conflicts)" = 1'
check "a filter before it deleted (in place)" \
	shell static delete filter filterlist=A srcaddr=10.1.1.1 dstaddr=me
check "another rule made inactive (the whole policy computed)" \
	shell static set rule name=R3 policy=X activate=no
check "applied" wait_for 10 eval 'ctl status | grep -q "^applies=3$"'
check "the conflict is not logged again (its filter's number changed)" test "$(conflicts)" = 1
check "a reload (the policy applied whole)" eval 'ctl reload | tail -n1 | grep -qx OK'
check "reloaded" wait_for 10 eval 'ctl status | grep -q "^applies=4$"'
check "the conflict is not logged again after a reload" test "$(conflicts)" = 1
agent_signal TERM
agent_wait

finish
