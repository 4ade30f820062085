#!/usr/bin/env bash
# The persistent policy in force alone: the local policy cannot be applied.
#   - at boot (startup-stateful in force), the agent puts the persistent
#     policy in force at once; what it does not match is treated as the
#     startup mode treats it (stateful: outbound and its replies pass,
#     inbound is dropped); the persistent filters decide first (a block of
#     outbound traffic holds although stateful mode would let it out)
#   - the log, the status and `dynamic show` say so, the table's comment too
#   - the local policy corrected: the whole policy, at once
#   - broken again while the whole policy is in force: it stays
#   - startup-block in force: the rest as block mode (the boot exemptions)
#   - --once with nothing filtering the host: the persistent policy alone
#     with the rest blocked, a non-zero exit and a message that says so
#   - no persistent policy: nothing of this (the startup ruleset stays)
. "$(dirname "$0")/lib.sh"

IPP=${IPP_BIN_DIR:?}/ipsecpol
setup_net no
mkdir -p "$R/var/lib/ipsecpol" "$R/etc/ipsecpol"
shell() { env -u SSH_CONNECTION -u SSH_CLIENT "$IPP" --root "$R" "$@"; }
hshell() { hx env -u SSH_CONNECTION -u SSH_CLIENT "$IPP" --root "$R" "$@"; }
printf '%s\n' "set store location=persistent" \
	"add filteraction name=Permit action=permit" "add filteraction name=Block action=block" \
	"add filter filterlist=RDP srcaddr=any dstaddr=me protocol=tcp dstport=3389" \
	"add filter filterlist=Out81 srcaddr=me dstaddr=any protocol=tcp dstport=81" \
	"add policy name=PP" \
	"add rule name=R1 policy=PP filterlist=RDP filteraction=Permit" \
	"add rule name=R2 policy=PP filterlist=Out81 filteraction=Block" \
	"add filter filterlist=U srcaddr=any dstaddr=me protocol=udp dstport=7777 mirrored=no" \
	"add rule name=R3 policy=PP filterlist=U filteraction=Permit" \
	"set policy name=PP assign=yes" \
	"set store location=local" \
	"add filteraction name=P action=permit" \
	"add filter filterlist=W srcaddr=wins dstaddr=me protocol=udp dstport=137" \
	"add policy name=LL" "add rule name=LW policy=LL filterlist=W filteraction=P" \
	"set policy name=LL assign=yes" >"$R/policy.netsh"
check "a persistent and a local policy are assigned" shell -f "$R/policy.netsh"
echo "bogus!" >"$R/etc/ipsecpol/wins.conf"
spawn h "$PROBE" tcp-count 3389 "$R/h3389"
spawn h "$PROBE" tcp-count 80 "$R/h80"
spawn p "$PROBE" tcp-count 80 "$R/p80"
spawn p "$PROBE" tcp-count 81 "$R/p81"
table_rest() { table | sed -n 's/.*comment "ipsecpol mode=secure rest=\([a-z-]*\)".*/\1/p'; }

check "boot: --startup loads startup-stateful" startup
check "boot: the table says startup-stateful" test "$(table_mode)" = startup-stateful
agent_start
check "local broken: the agent is in secure mode" wait_for 10 eval 'test "$(agent_mode)" = secure'
check "local broken: the table holds the persistent policy, the rest stateful" \
	test "$(table_rest)" = startup-stateful
check "local broken: the log says the persistent policy is in force alone and why" \
	grep -q 'cannot apply the policy (.*): .*policy "LL".*; the persistent policy is in force alone ([0-9]* rules, .*), what it does not match as in mode startup-stateful' "$LOG"
refute "local broken: wins.conf is not called harmless (its servers are why)" \
	grep -q "no filter in force names the WINS servers" "$LOG"
ctl status >"$R/status"
check "local broken: the status gives the reason" \
	grep -q '^reason=the persistent policy alone; what it does not match as in mode startup-stateful: .*policy "LL"' "$R/status"
check "local broken: the status gives the failure" grep -q '^last_error=.*wins.conf' "$R/status"
check "persistent alone: RDP (its permit) connects" px "$PROBE" tcp-connect $H_IP 3389 1000
refute "persistent alone: inbound tcp 80 (no filter: stateful rest) is dropped" \
	px "$PROBE" tcp-connect $H_IP 80 500
check "persistent alone: outbound tcp 80 (no filter: stateful rest) connects" \
	hx "$PROBE" tcp-connect $P_IP 80 1000
refute "persistent alone: outbound tcp 81 (its block) is dropped although stateful would pass it" \
	hx "$PROBE" tcp-connect $P_IP 81 500
check "persistent alone: loopback works" hx "$PROBE" tcp-connect 127.0.0.1 80 1000
hshell ipsec dynamic show all >"$R/show" 2>&1
check "dynamic show all: the driver mode says the persistent policy is alone" \
	grep -q "persistent policy alone" "$R/show"
check "dynamic show all: its filters are listed" grep -q "3389" "$R/show"
wi() { hshell ipsec whatif "$@" 2>&1; }
check "whatif, alone: RDP inbound is permitted by the persistent filter" \
	eval 'wi src=$P_IP dst=me proto=tcp dstport=3389 | grep -q "^Rule: *rule \"R1\" of policy \"PP\""'
check "whatif, alone: the policy evaluated is the persistent one alone" \
	eval 'wi src=$P_IP dst=me proto=tcp dstport=3389 | grep -q "^Policy: *the persistent policy alone"'
check "whatif, alone: inbound tcp 80 is dropped as in startup-stateful mode" \
	eval 'wi src=$P_IP dst=me proto=tcp dstport=80 | grep -q "^Verdict: *no filter matched: dropped, as in startup-stateful mode, unless it replies"'
check "whatif, alone: outbound tcp 80 passes as in startup-stateful mode" \
	eval 'wi src=me dst=$P_IP proto=tcp dstport=80 | grep -q "^Verdict: *no filter matched: permitted, as in startup-stateful mode (outbound"'
printf '%s\n' "set store location=persistent" \
	"whatif src=$P_IP dst=me proto=tcp dstport=3389 policy=PP" >"$R/wipp.netsh"
check "whatif policy=PP (persistent store), alone: that policy alone, as in force" \
	eval 'hshell -f "$R/wipp.netsh" 2>&1 | grep -q "^Rule: *rule \"R1\" of policy \"PP\""'
check "whatif, alone: outbound tcp 81 is blocked by the persistent filter" \
	eval 'wi src=me dst=$P_IP proto=tcp dstport=81 | grep -q "^Rule: .*rule \"R2\""'
# a flow the peer opened, let in by a persistent permit since deleted: no reply to this
# host's traffic, so the stateful rest does not let it in
spawn h "$PROBE" udp-answer 7777 5000
check "alone: the peer's udp 7777 (a persistent permit) is answered (stateful rest: the reply out)" \
	px "$PROBE" udp-ask 40001 $H_IP 7777 3000
printf '%s\n' "set store location=persistent" \
	"delete filter filterlist=U srcaddr=any dstaddr=me protocol=udp dstport=7777 mirrored=no" \
	>"$R/del7777.netsh"
check "alone: that permit deleted" shell -f "$R/del7777.netsh"
check "alone: the deletion is in force" wait_for 10 eval '! table | grep -q "7777"'
spawn h "$PROBE" udp-count 7777 "$R/h7777"
px "$PROBE" udp-send $H_IP 7777 10 50000 40001
sleep 0.3
check "alone: the peer's established flow is not let in by the stateful rest" \
	test "$(count_of "$R/h7777")" = 0
hshell ipsec dynamic show stats >"$R/stats" 2>&1
check "dynamic show stats: the RDP packets are counted" \
	grep -Eq "Packets Permitted +: +[1-9]" "$R/stats"

# corrected: the whole policy at once
rm -f "$R/etc/ipsecpol/wins.conf"
printf '%s\n' "set store location=local" \
	"add filter filterlist=W srcaddr=any dstaddr=me protocol=udp dstport=138" >"$R/add.netsh"
shell -f "$R/add.netsh" >/dev/null 2>&1
check "local corrected: the whole policy is in force" \
	wait_for 10 eval 'test "$(table_mode)" = secure && test -z "$(table_rest)"'
check "local corrected: the log says so" grep -q "the policy is in force whole again" "$LOG"
check "whole: inbound tcp 80 (no filter: permitted) connects" px "$PROBE" tcp-connect $H_IP 80 1000
refute "whole: outbound tcp 81 is still blocked" hx "$PROBE" tcp-connect $P_IP 81 500
ctl status >"$R/status"
check "whole: the status has no reason any more" grep -q '^reason=$' "$R/status"

# the local list changed in place (a filter added, one deleted): what a later failure
# keeps of the local policy is what the kernel holds since, not what the last whole
# apply read
printf '%s\n' "set store location=local" \
	"add filter filterlist=W srcaddr=any dstaddr=me protocol=udp dstport=139" >"$R/w139.netsh"
check "whole: a local filter added" shell -f "$R/w139.netsh"
check "whole: in force (in place)" wait_for 10 eval 'table_stateless | grep "[ .]139 counter : goto permit" >/dev/null'
printf '%s\n' "set store location=local" \
	"delete filter filterlist=W srcaddr=any dstaddr=me protocol=udp dstport=138" >"$R/w138.netsh"
check "whole: a local filter deleted" shell -f "$R/w138.netsh"
check "whole: gone (in place)" wait_for 10 eval '! table_stateless | grep "[ .]138 counter" >/dev/null'
check "whole: both changes went in place" \
	test "$(grep -c "deleted (in place: only the filters changed were compiled)" "$LOG")" -ge 2

# broken again while the whole policy is in force: the local policy applied stays, the
# persistent policy's changes go in force with it
echo "bogus!" >"$R/etc/ipsecpol/wins.conf"
ctl reload >/dev/null
check "broken again: the whole policy stays" \
	eval 'test "$(table_mode)" = secure && test -z "$(table_rest)"'
check "broken again: the log says the local policy applied stays, and why" \
	grep -q 'cannot apply the policy (.*): .*policy "LL".*wins.conf.*; what was applied of the domain or local store (policy "LL") stays in force, with the persistent policy and the dynamic rules as they are now' "$LOG"
ctl status >"$R/status"
check "broken again: the status gives the reason" \
	grep -q '^reason=the domain or local policy applied before stays: .*policy "LL"' "$R/status"
check "broken again: inbound tcp 80 (no filter) still connects" px "$PROBE" tcp-connect $H_IP 80 1000
printf '%s\n' "set store location=persistent" \
	"add filter filterlist=In80 srcaddr=any dstaddr=me protocol=tcp dstport=80" \
	"add rule name=R4 policy=PP filterlist=In80 filteraction=Block" >"$R/in80.netsh"
check "broken again: a persistent block of inbound tcp 80 added" shell -f "$R/in80.netsh"
check "broken again: the persistent block is in force" \
	wait_for 10 eval 'table_stateless | grep "[ .]80 counter : goto block" >/dev/null'
refute "broken again: inbound tcp 80 (the new persistent block) is dropped" \
	px "$PROBE" tcp-connect $H_IP 80 500
check "broken again: the local policy's filters stay with it (udp 139, added in place)" \
	eval 'table_stateless | grep "[ .]139 counter : goto permit" >/dev/null'
refute "broken again: not the local filter deleted in place (udp 138)" \
	eval 'table_stateless | grep "[ .]138 counter" >/dev/null'
check "broken again: a dynamic main mode policy is added" hshell ipsec dynamic add mmpolicy name=M
check "broken again: a dynamic rule is added and in force with the kept policy" \
	hshell ipsec dynamic add rule srcaddr=any dstaddr=me protocol=tcp dstport=84 mmpolicy=M actioninbound=block actionoutbound=block
check "broken again: the dynamic block is in the table" \
	eval 'table_stateless | grep "[ .]84 counter : goto block" >/dev/null'
hshell ipsec dynamic show all >"$R/show" 2>&1
check "broken again: dynamic show says the agent keeps the local policy it applied" \
	grep -q "the agent keeps what it applied of the domain or local policy, with the persistent policy and the dynamic rules as they are now.*wins.conf" "$R/show"
check "broken again: dynamic show says first that what is in force is not the stores'" \
	grep -q "reading the policy in force: what is in force is not what the stores give: the agent keeps" "$R/show"
wi src=$P_IP dst=me proto=tcp dstport=80 >"$R/wi.out"
check "broken again: whatif says so too" \
	grep -q "whatif: what is in force is not what the stores give: the agent keeps what it applied" "$R/wi.out"
check "broken again: still secure, the whole table (no rest)" \
	eval 'test "$(agent_mode)" = secure && test -z "$(table_rest)"'
rm -f "$R/etc/ipsecpol/wins.conf"
ctl reload >/dev/null
check "corrected again: the whole policy, said in the log" \
	wait_for 10 eval 'test "$(grep -c "the policy is in force whole again" "$LOG")" = 2'
ctl status >"$R/status"
check "corrected again: the status has no reason any more" grep -q '^reason=$' "$R/status"
refute "corrected again: inbound tcp 80 (the persistent block) is still dropped" \
	px "$PROBE" tcp-connect $H_IP 80 500
printf '%s\n' "set store location=persistent" "delete rule name=R4 policy=PP" >"$R/in80.netsh"
check "the persistent block of inbound tcp 80 deleted" shell -f "$R/in80.netsh"
check "the block deleted: inbound tcp 80 connects" \
	wait_for 10 px "$PROBE" tcp-connect $H_IP 80 500
echo "bogus!" >"$R/etc/ipsecpol/wins.conf"
agent_signal TERM
check "SIGTERM: exit 0" agent_wait

# startup-block with an exemption: the rest as block mode
conf OperationMode=1 "BootExemptions=tcp:0:80:inbound"
check "boot block: --startup" startup
check "boot block: the table says startup-block" test "$(table_mode)" = startup-block
agent_start
check "boot block, local broken: the persistent policy alone, the rest startup-block" \
	wait_for 10 eval 'test "$(table_rest)" = startup-block'
check "boot block: RDP (the persistent permit) connects" px "$PROBE" tcp-connect $H_IP 3389 1000
check "boot block: inbound tcp 80 (a boot exemption) connects" px "$PROBE" tcp-connect $H_IP 80 1000
check "whatif, boot block: inbound tcp 80 is let in by the boot exemption" \
	eval 'wi src=$P_IP dst=me proto=tcp dstport=80 | grep -q "^Verdict: .*as in startup-block mode (boot exemption tcp:0:80:inbound)"'
check "whatif, boot block: its reply too" \
	eval 'wi src=me dst=$P_IP proto=tcp srcport=80 dstport=40000 | grep -q "^Verdict: .*permitted, as in startup-block mode (boot exemption"'
check "whatif, boot block: outbound tcp 80 is dropped" \
	eval 'wi src=me dst=$P_IP proto=tcp dstport=80 | grep -q "^Verdict: *no filter matched: dropped, as in startup-block mode$"'
# the persistent policy unassigned meanwhile: the mode of the rest alone takes its place
printf '%s\n' "set store location=persistent" "set policy name=PP assign=no" >"$R/unassign.netsh"
check "boot block: the persistent policy unassigned" shell -f "$R/unassign.netsh"
check "persistent unassigned: the startup-block ruleset in its place" \
	wait_for 10 eval 'test "$(table_mode)" = startup-block && test "$(agent_mode)" = startup-block'
check "persistent unassigned: the log says so" \
	grep -q "no persistent policy can be in force alone any more: the startup-block ruleset is loaded in its place" "$LOG"
refute "persistent unassigned: RDP (its permit is gone) is dropped" px "$PROBE" tcp-connect $H_IP 3389 500
check "persistent unassigned: inbound tcp 80 (the boot exemption) connects" \
	px "$PROBE" tcp-connect $H_IP 80 1000
printf '%s\n' "set store location=persistent" "set policy name=PP assign=yes" >"$R/assign.netsh"
check "boot block: the persistent policy assigned again" shell -f "$R/assign.netsh"
check "persistent assigned again: alone again, the rest startup-block" \
	wait_for 10 eval 'test "$(table_rest)" = startup-block'
check "persistent assigned again: RDP connects" px "$PROBE" tcp-connect $H_IP 3389 1000
refute "boot block: outbound tcp 80 (no exemption) is dropped" hx "$PROBE" tcp-connect $P_IP 80 500
agent_signal TERM
check "SIGTERM: exit 0" agent_wait
check "SIGTERM: no table" no_table

# --once, nothing filters the host: the persistent policy alone, the rest blocked
conf
hx "$IPPD" --root "$R" --once >"$R/once.out" 2>&1
check "--once, local broken, no table: exit 1" test $? = 1
check "--once: the persistent policy is in force alone, the rest as block mode" \
	test "$(table_rest)" = block
check "--once: the message says so and why" \
	grep -q 'the policy cannot be applied whole (the persistent policy was put in force alone): .*policy "LL"' "$R/once.out"
check "--once: RDP connects" px "$PROBE" tcp-connect $H_IP 3389 1000
refute "--once: inbound tcp 80 is dropped" px "$PROBE" tcp-connect $H_IP 80 500
refute "--once: outbound tcp 80 is dropped" hx "$PROBE" tcp-connect $P_IP 80 500
"$IPPD" --root "$R" --once --dry-run >"$R/dry.out" 2>&1
check "--once --dry-run: exit 1" test $? = 1
check "--once --dry-run: the ruleset ends the walks in the rest's chain" \
	grep -q 'chain rest_in' "$R/dry.out"
# the local policy corrected: the whole policy
rm -f "$R/etc/ipsecpol/wins.conf"
check "--once, corrected: exit 0" hx "$IPPD" --root "$R" --once
check "--once, corrected: the whole policy" \
	eval 'test "$(table_mode)" = secure && test -z "$(table_rest)"'
check "--once, corrected: inbound tcp 80 connects" px "$PROBE" tcp-connect $H_IP 80 1000

# no persistent policy: the startup ruleset stays
printf '%s\n' "set store location=persistent" "set policy name=PP assign=no" >"$R/unassign.netsh"
check "no persistent policy: unassigned" shell -f "$R/unassign.netsh"
echo "bogus!" >"$R/etc/ipsecpol/wins.conf"
conf OperationMode=1
check "no persistent policy: --startup" startup
hx "$IPPD" --root "$R" --once >"$R/once.out" 2>&1
check "no persistent policy, local broken: exit 1" test $? = 1
check "no persistent policy: the startup ruleset stays" test "$(table_mode)" = startup-block
# the agent keeps it while the policy fails; driver.conf's boot exemptions follow
agent_start
check "no persistent policy, agent: the startup ruleset stays" \
	eval 'test "$(agent_mode)" = startup-block && test "$(table_mode)" = startup-block'
refute "startup-block: inbound tcp 80 is dropped" px "$PROBE" tcp-connect $H_IP 80 500
hshell ipsec dynamic show all >"$R/show" 2>&1
check "startup-block kept: dynamic show all says why the policy is not applied" \
	grep -q 'The policy agent cannot apply the assigned policy: .*policy "LL".*wins.conf' "$R/show"
conf OperationMode=1 "BootExemptions=tcp:0:80:inbound"
check "an exemption added to driver.conf: the startup ruleset is loaded again with it" \
	wait_for 10 eval 'table | grep -q "boot exemption tcp:0:80:inbound"'
check "the log says so" grep -q "the startup-block ruleset is loaded again with driver.conf's boot exemptions" "$LOG"
check "startup-block: inbound tcp 80 (the new exemption) connects" \
	px "$PROBE" tcp-connect $H_IP 80 1000
# the startup ruleset the agent keeps is put back when another program removes it or
# makes it dormant (an unfiltered host is not left open)
hx nft delete table inet ipsecpol
check "startup-block, table removed: put back" \
	wait_for 10 eval 'test "$(table_mode)" = startup-block'
check "startup-block, table removed: the log says so" \
	grep -q "table inet ipsecpol was removed: the startup-block ruleset is put back" "$LOG"
refute "startup-block put back: inbound tcp 3389 (listened to, no exemption) is dropped" px "$PROBE" tcp-connect $H_IP 3389 500
hx nft add table inet ipsecpol '{ flags dormant; }'
check "startup-block, table made dormant: put back" \
	wait_for 10 grep -q "table inet ipsecpol was made dormant .*: the startup-block ruleset is put back" "$LOG"
refute "startup-block put back again: inbound tcp 3389 is dropped" \
	px "$PROBE" tcp-connect $H_IP 3389 500
# and with the persistent policy alone in force, the rest's exemptions follow too
printf '%s\n' "set store location=persistent" "set policy name=PP assign=yes" >"$R/assign.netsh"
shell -f "$R/assign.netsh" >/dev/null 2>&1
check "persistent assigned: alone, the rest startup-block" \
	wait_for 10 eval 'test "$(table_rest)" = startup-block'
conf OperationMode=1 "BootExemptions=tcp:0:80:inbound tcp:0:8080:inbound"
check "persistent alone: an exemption added to driver.conf reaches the rest" \
	wait_for 10 eval 'table | grep -q "boot exemption tcp:0:8080:inbound"'
# the local policy corrected, then a row of it damaged by another program: alone again, and
# what is shown is the persistent policy (the local store cannot be read)
rm -f "$R/etc/ipsecpol/wins.conf"
ctl reload >/dev/null
check "wins.conf removed: the whole policy" eval 'test -z "$(table_rest)" && test "$(table_mode)" = secure'
sqlite3 -cmd ".timeout 10000" "$R/var/lib/ipsecpol/policy.db" "UPDATE filter SET protocol = 999 WHERE dstport = 137" ||
	exit 2
check "a local row damaged: the whole policy in force stays" \
	wait_for 10 eval 'grep -q "reading the local store: .*bad protocol: 999.*what was applied of the domain or local store (policy \"LL\") stays in force" "$LOG"'
agent_signal TERM
agent_wait
check "a local row damaged, next boot: --startup" startup
agent_start
check "a local row damaged: the persistent policy alone again" \
	wait_for 10 eval 'test "$(table_rest)" = startup-block'
hshell ipsec dynamic show stats >"$R/stats" 2>&1
check "a local row damaged: dynamic show stats shows the persistent policy alone" \
	grep -q "Driver Mode .*the persistent policy alone" "$R/stats"
check "a local row damaged: whatif gives the kernel's verdict" \
	eval 'wi src=$P_IP dst=me proto=tcp dstport=3389 | grep -q "^Rule: *rule \"R1\" of policy \"PP\""'
agent_signal TERM
check "SIGTERM: exit 0" agent_wait

# a whole policy left by an agent killed, the local policy broken when the next one starts
# (it keeps the table it found, knowing nothing of the local policy in it), then the table
# removed by another program: nothing of the policy is left to keep, so the persistent
# policy alone, the rest as block mode; block mode's guard goes with it
sqlite3 -cmd ".timeout 10000" "$R/var/lib/ipsecpol/policy.db" "UPDATE filter SET protocol = 17 WHERE dstport = 137" ||
	exit 2
conf
agent_start
check "inherited: the whole policy" wait_for 10 eval 'test "$(table_mode)" = secure && test -z "$(table_rest)"'
agent_signal KILL
agent_wait
echo "bogus!" >"$R/etc/ipsecpol/wins.conf"
agent_start
check "inherited, local broken: the ruleset in force stays" \
	wait_for 10 grep -q "the ruleset in force (mode secure) stays" "$LOG"
hx nft delete table inet ipsecpol
check "inherited, table removed: the persistent policy alone, the rest block" \
	wait_for 10 eval 'test "$(table_rest)" = block'
check "inherited, table removed: no guard left" \
	wait_for 10 eval '! hx nft list table inet ipsecpol_guard >/dev/null 2>&1'
check "inherited, table removed: RDP (the persistent permit) connects" \
	px "$PROBE" tcp-connect $H_IP 3389 1000
refute "inherited, table removed: inbound tcp 80 (no filter: the rest blocked) is dropped" \
	px "$PROBE" tcp-connect $H_IP 80 500
agent_signal TERM
check "SIGTERM: exit 0" agent_wait
finish
