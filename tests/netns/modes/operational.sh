#!/usr/bin/env bash
# Boot -> operational under continuous probe traffic, and the agent's life cycle.
#
# The probe: the peer floods UDP port 7777 of the host, which neither the
# startup ruleset (block mode, 7777 not exempt) nor the operational one (a
# persistent policy blocking udp 7777) allows; a listener on the host counts
# what arrives.  It must stay 0 across every transition, a kill -9 of the
# agent and its restart; when the agent is stopped (SIGTERM: permit) the
# count grows, which shows the probe really measures.  A second flow (udp
# 7000) is dropped at boot and allowed by the secure ruleset: it shows when
# the operational ruleset is in force.  (A leak across one transition is
# rare when it exists: bench/agent counts over a hundred.)  While the agent
# runs, --startup and --once refuse to replace its table.
. "$(dirname "$0")/lib.sh"

TRANSITIONS=${TRANSITIONS:-5}
DB=$R/var/lib/ipsecpol/policy.db
setup_net no
mkdir -p "$R/var/lib/ipsecpol"
"$MKPOLICY" "$DB" persistent Block7777 block udp 7777 || exit 2
conf OperationMode=1 "BootExemptions=tcp:0:3389:inbound"

spawn h "$PROBE" udp-count 7777 "$R/leak"
spawn h "$PROBE" udp-count 7000 "$R/ok"
leaks() { count_of "$R/leak"; }
oks() { count_of "$R/ok"; }
grows() { local a; a=$(oks); sleep 0.3; [ "$(oks)" -gt "$a" ]; }
still() { local a; a=$(oks); sleep 0.5; [ "$(oks)" -eq "$a" ]; }

check "boot: --startup loads block mode" startup
check "boot: table says startup-block" test "$(table_mode)" = startup-block
sleep 0.2
spawn p "$PROBE" udp-send $H_IP 7777 0 200
spawn p "$PROBE" udp-send $H_IP 7000 0 2000
sleep 0.5
check "boot: the secure-only flow is dropped at boot" test "$(oks)" = 0

# sd_notify: a datagram socket standing in for the service manager.
spawn h socat -u UNIX-RECV:"$R/sd.sock" OPEN:"$R/sd.msgs",creat,append
wait_for 5 test -S "$R/sd.sock"
AGENT_ENV="NOTIFY_SOCKET=$R/sd.sock" agent_start
check "operational: the agent reports secure mode" test "$(agent_mode)" = secure
check "operational: the secure-only flow passes" wait_for 10 grows
check "operational: readiness reported (READY=1, STATUS=mode: secure)" \
	wait_for 5 sh -c "grep -q READY=1 '$R/sd.msgs' && grep -q 'STATUS=mode: secure' '$R/sd.msgs'"
check "operational: 0 probes leaked through boot -> operational" test "$(leaks)" = 0

# kill -9: the ruleset stays exactly as it was.
before=$(table_stateless)
agent_signal KILL
agent_wait
sleep 0.5
check "kill -9: the table is unchanged" test "$before" = "$(table_stateless)"
check "kill -9: the secure-only flow still passes" grows
check "kill -9: 0 probes leaked" test "$(leaks)" = 0
agent_start
check "restart after kill -9: secure again" test "$(agent_mode)" = secure
check "restart after kill -9: 0 probes leaked" test "$(leaks)" = 0

# Transitions boot -> operational, again and again.
ok=1
for i in $(seq "$TRANSITIONS"); do
	agent_signal KILL; agent_wait
	startup || ok=0
	[ "$(table_mode)" = startup-block ] || ok=0
	agent_start || ok=0
	[ "$(agent_mode)" = secure ] || ok=0
done
check "$TRANSITIONS boot -> operational transitions all reached secure mode" test $ok = 1
check "$TRANSITIONS transitions: 0 probes leaked" test "$(leaks)" = 0
check "no guard table is left behind" sh -c "! ip netns exec $NS_H nft list table inet ipsecpol_guard >/dev/null 2>&1"

# Store changes take effect at once, without a signal.
check "a local policy blocking 7000 is committed" "$MKPOLICY" "$DB" local Block7000 block udp 7000
check "a local policy blocking 7000 is applied without a signal" wait_for 10 still
check "the status shows the new generation" sh -c "printf 'status\n' | socat - UNIX-CONNECT:$R/run/ipsecpol/ipsecpold.sock | grep -q '^generation=[1-9]'"
check "the local policy is unassigned" "$MKPOLICY" "$DB" local unassign
check "unassigning it is applied without a signal" wait_for 10 grows

# 32 clients that never send a whole command: the next is told it is busy, and they give
# their places back after 10 s
cat >"$R/hold.py" <<'PY'
import socket, sys, time
held = []
for i in range(32):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.send(b"sta"); held.append(s)
time.sleep(0.3)
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(5)
print(s.recv(200).decode().strip())
time.sleep(12.5)
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(5); s.send(b"mode\n")
print(" ".join(s.recv(200).decode().split()))
PY
OUT=$(hx python3 "$R/hold.py" "$R/run/ipsecpol/ipsecpold.sock" 2>&1)
check "control socket: the 33rd client is told it is busy" grep -q "^ERR EBUSY too many clients" <<<"$OUT"
check "control socket: idle clients give their places back" grep -qx "secure OK" <<<"$OUT"

applies() { ctl status | sed -n 's/^applies=//p'; }
a1=$(applies)
agent_signal HUP
check "SIGHUP reloads" wait_for 10 sh -c "[ \"\$(printf 'status\n' | socat - UNIX-CONNECT:$R/run/ipsecpol/ipsecpold.sock | sed -n 's/^applies=//p')\" -gt $a1 ]"
refute "SIGHUP: the log does not call the agent's own table one changed by hand" \
	grep -q "changed by hand" "$LOG"
check "control socket: reload answers OK" sh -c "printf 'reload\n' | socat - UNIX-CONNECT:$R/run/ipsecpol/ipsecpold.sock | tail -n1 | grep -qx OK"
# driver.conf made invalid: reload applies with the last valid settings, and says so
cp "$R/etc/ipsecpol/driver.conf" "$R/driver.conf.good" 2>/dev/null || : >"$R/driver.conf.good"
echo "OperationMode=7" >>"$R/etc/ipsecpol/driver.conf"
check "control socket: reload with an invalid driver.conf answers ERR naming it" \
	sh -c "printf 'reload\n' | socat - UNIX-CONNECT:$R/run/ipsecpol/ipsecpold.sock | tail -n1 | grep -q '^ERR EINVAL .*driver.conf.*OperationMode.*last valid file stay in force'"
cp "$R/driver.conf.good" "$R/etc/ipsecpol/driver.conf"
check "control socket: and OK once it is valid again" \
	wait_for 10 sh -c "printf 'reload\n' | socat - UNIX-CONNECT:$R/run/ipsecpol/ipsecpold.sock | tail -n1 | grep -qx OK"
check "control socket: unknown command gives ERR" sh -c "printf 'bogus\n' | socat - UNIX-CONNECT:$R/run/ipsecpol/ipsecpold.sock | grep -q '^ERR EINVAL unknown command'"
nul_line() {
	OUT=$(printf 'mode\n\000\nmode\n' | socat - "UNIX-CONNECT:$R/run/ipsecpol/ipsecpold.sock" | tr '\n' ' ')
	grep -qF 'unknown command "\x01"' <<<"$OUT" && [ "${OUT%% *}" = secure ] &&
		[ "$(awk '{ print $(NF - 1), $NF }' <<<"$OUT")" = "secure OK" ]
}
check "control socket: a line holding a NUL gets ERR, and the next line its answer" nul_line
check "control socket: a command too long gets ERR before the connection closes" sh -c "printf '%05000d' 0 | socat -t 2 - UNIX-CONNECT:$R/run/ipsecpol/ipsecpold.sock | grep -q '^ERR E2BIG command longer than'"
refute "a second agent for the same root is refused" hx "$IPPD" --root "$R" --foreground 2>/dev/null
# another root in the same namespace: the table is the namespace's
mkdir -p "$R/other"
hx "$IPPD" --root "$R/other" --foreground >/dev/null 2>"$R/other.err"
check "an agent of another root in the same namespace is refused" \
	grep -q "another ipsecpold runs in this network namespace, for another root" "$R/other.err"
hx "$IPPD" --root "$R/other" --once >/dev/null 2>"$R/other.err"
check "--once of another root in the same namespace is refused (status 1)" test $? = 1
check "--once of another root: the message says why" \
	grep -q "a policy agent runs in this network namespace, for another root: --once would replace" "$R/other.err"

# One agent per root: --startup and --once do not replace the running agent's table.
for act in --startup --once; do
	hx "$IPPD" --root "$R" $act >/dev/null 2>"$R/err"
	check "$act while the agent runs: refused (status 1)" test $? = 1
	check "$act while the agent runs: the message names the agent's pid" \
		grep -q "the policy agent of root \"$R\" is running (ipsecpold, pid $AGENT_PID): $act would replace" "$R/err"
	check "$act while the agent runs: the table is still secure" test "$(table_mode)" = secure
done
check "--startup --dry-run still prints while the agent runs" \
	sh -c "ip netns exec $NS_H '$IPPD' --root '$R' --startup --dry-run | grep -q 'mode=startup-block'"
check "--once --dry-run still prints while the agent runs" \
	sh -c "ip netns exec $NS_H '$IPPD' --root '$R' --once --dry-run | grep -q 'mode=secure'"
check "after the refusals: the agent still reports secure mode" test "$(agent_mode)" = secure
check "after the refusals: the pid file still names the agent" \
	test "$(cat "$R/run/ipsecpol/ipsecpold.pid")" = "$AGENT_PID"
check "all that time: 0 probes leaked" test "$(leaks)" = 0

# Someone flushes the ruleset (nft flush ruleset, as /etc/nftables.conf begins): the agent
# puts its table back by itself (a moment during which packets pass: after the check
# above), and the blocked port is blocked again.
check "nft flush ruleset in the host" hx nft flush ruleset
check "the agent puts the secure table back" wait_for 10 sh -c "[ \"\$(ip netns exec $NS_H nft list table inet ipsecpol 2>/dev/null | sed -n 's/.*comment \"ipsecpol mode=\([a-z-]*\)\".*/\1/p')\" = secure ]"
check "and says so" grep -q "table inet ipsecpol was removed: the secure ruleset is put back" "$LOG"
check "the block ruleset guarded the host until then (errs closed)" \
	grep -q "the block ruleset guards the host until the policy is back in force" "$LOG"
check "the guard is gone with the policy back" \
	wait_for 10 sh -c "! ip netns exec $NS_H nft list table inet ipsecpol_guard >/dev/null 2>&1"
l0=$(leaks)
sleep 0.5
check "blocked again: no probe leaks after it" test "$(leaks)" = "$l0"
check "the agent is still secure" test "$(agent_mode)" = secure

# A saved copy of the table loaded in its place (its comment and all, as restoring a saved
# /etc/nftables.conf does) after the policy changed: the agent knows it is not the table it
# made, and puts its own back; a reload applies whole, whatever the kernel holds.
hx nft list ruleset >"$R/saved.nft"
check "a local policy blocking 7000 is committed again" "$MKPOLICY" "$DB" local Block7000b block udp 7000
check "and applied: 7000 is blocked" wait_for 10 still
check "the saved copy (7000 permitted) is loaded in place of the agent's table" \
	hx sh -c "(echo 'flush ruleset'; cat '$R/saved.nft') | nft -f -"
check "the agent puts its own back, saying the table was an older copy" \
	wait_for 10 grep -q "table inet ipsecpol was replaced by another of the same mode" "$LOG"
check "7000 is blocked again" wait_for 10 still
check "the local policy is unassigned again" "$MKPOLICY" "$DB" local unassign
check "7000 is permitted again" wait_for 10 grows
check "the saved copy is loaded in place again (now the same policy)" \
	hx sh -c "(echo 'flush ruleset'; cat '$R/saved.nft') | nft -f -"
check "put back again" wait_for 10 sh -c "[ \$(grep -c 'replaced by another of the same mode' '$LOG') = 2 ]"
# the table flushed in place (its chains emptied: everything passes), and a saved copy
# loaded into it (rules added to its chains): both seen and put right
# put_back: the last "put back" of the log is followed by a whole apply
put_back() { awk '/ruleset is put back/ { p = NR } /policy re-applied whole/ { w = NR } END { exit !(p && w > p) }' "$LOG"; }
check "(the agent has put its table back)" wait_for 10 put_back
check "nft flush table inet ipsecpol" hx nft flush table inet ipsecpol
check "the agent sees the table changed in place and puts its ruleset back" \
	wait_for 10 sh -c "[ \$(grep -c 'was changed in place' '$LOG') = 1 ]"
check "7777 is blocked again (the probe's count stops)" wait_for 10 sh -c "l=\$(cat '$R/leak' 2>/dev/null || echo 0); sleep 0.5; [ \"\$(cat '$R/leak' 2>/dev/null || echo 0)\" = \"\$l\" ]"
l0=$(leaks)
check "the saved copy is loaded into the table (not in its place)" hx nft -f "$R/saved.nft"
check "the agent sees that too" wait_for 10 sh -c "[ \$(grep -c 'was changed in place' '$LOG') = 2 ]"
check "and no probe leaked meanwhile" test "$(leaks)" = "$l0"
check "(the agent has put its table back again)" wait_for 10 put_back
# the input chain flushed, and a store change at once: the change is not applied onto the
# emptied chain (its rule count taken for the agent's own), the table is put back
check "the input chain flushed and a policy committed at once" \
	sh -c "ip netns exec $NS_H nft flush chain inet ipsecpol input && '$MKPOLICY' '$DB' local Block7000c block udp 7000"
check "the agent sees the table changed in place before it applies the change" \
	wait_for 10 sh -c "[ \$(grep -c 'was changed in place' '$LOG') -ge 3 ]"
check "(put back)" wait_for 10 put_back
# a base chain's policy made accept (what a table on its way out lets fall through would
# pass): seen and put right
pa_seen() { grep -c "changed in place (a base chain's policy made accept)\|changed in place (a map, set or object of it changed)\|committed a transaction while the agent applied its own: what was done" "$LOG"; }
pa0=$(pa_seen)
check "the input chain's policy made accept" hx nft add chain inet ipsecpol input '{ policy accept; }'
# (named as such when the agent's look at the table can count its rules at that moment,
# else as a change of the table it was told of, or, when the change crossed the agent's own
# transaction of the commit just before, as a doubt: put back, or applied whole, all the
# same: the chain drops again, below)
check "the agent sees the policy changed and puts its ruleset back" \
	wait_for 10 eval '[ "$(pa_seen)" -gt "$pa0" ]'
check "the input chain drops again" \
	wait_for 10 sh -c "ip netns exec $NS_H nft list chain inet ipsecpol input | grep -q 'policy drop'"
check "(put back once more)" wait_for 10 put_back
l0=$(leaks)
sleep 0.5
check "7777 is blocked (no probe leaked since)" test "$(leaks)" = "$l0"
check "the local policy is unassigned once more" "$MKPOLICY" "$DB" local unassign
w0=$(grep -c "policy re-applied whole" "$LOG")
check "control socket: reload" sh -c "printf 'reload\n' | socat - UNIX-CONNECT:$R/run/ipsecpol/ipsecpold.sock | tail -n1 | grep -qx OK"
check "reload applies whole (a rule changed inside the table is put right)" \
	wait_for 10 eval '[ "$(grep -c "policy re-applied whole" "$LOG")" -gt "$w0" ]'
# a rule replaced inside a chain: it keeps its handle and its chain's rule count (nft
# replace rule), which the cheap look at the base chains cannot see; the periodic look
# at the fingerprint of all the rules does (taken a look after the agent's own change)
check "no change of the agent's own taken for someone else's" \
	eval '! grep -q "a rule of it replaced" "$LOG"'
sleep 3
w0=$(grep -c "policy re-applied whole" "$LOG")
walk_rule=$(hx nft -a list table inet ipsecpol |
	awk '/^\tchain / { c = $2 } /vmap @/ && c != "input" && c != "output" { print c, $NF; exit }')
check "a rule of walk chain ${walk_rule% *} replaced in place" \
	hx nft replace rule inet ipsecpol ${walk_rule% *} handle ${walk_rule#* } counter accept
check "the agent sees it at a later look and puts its ruleset back" \
	wait_for 20 grep -q "was changed in place (a rule of it replaced, added or deleted)" "$LOG"
check "applied whole" wait_for 10 eval '[ "$(grep -c "policy re-applied whole" "$LOG")" -gt "$w0" ]'
check "the rule is the agent's again" \
	sh -c "ip netns exec $NS_H nft -a list chain inet ipsecpol ${walk_rule% *} | grep -q 'vmap @'"
# the same right after a change of the agent's own (an address added: the flow cache moves
# to a fresh generation, its chains rewritten), before its next look: not taken for its own
sleep 3
n_changed=$(grep -c "a rule of it replaced" "$LOG")
walk_rule=$(hx nft -a list table inet ipsecpol |
	awk '/^\tchain / { c = $2 } /vmap @/ && c != "input" && c != "output" { print c, $NF; exit }')
hx ip addr add 10.77.0.77/32 dev "$VETH_H"
moved() { grep -q "flow cache: the host's addresses changed" "$LOG"; }
check "an address added: the agent renews its flow cache" wait_for 10 moved
check "at once a rule replaced in place" \
	hx nft replace rule inet ipsecpol ${walk_rule% *} handle ${walk_rule#* } counter accept
check "seen all the same" \
	wait_for 20 eval '[ "$(grep -c "a rule of it replaced" "$LOG")" -gt "$n_changed" ]'
hx ip addr del 10.77.0.77/32 dev "$VETH_H"
check "after all that: 0 probes leaked (the 7777 block never lapsed)" test "$(leaks)" = "$l0"

# An element of a map deleted or added by hand (nft delete|add element), which the looks at
# the rules cannot see: nf_tables' notifications name the process, and the agent puts its
# table back at once; flow cache elements (the packet path's own) are left alone.
map7777=$(hx nft list table inet ipsecpol |
	awk '/^\tmap / { m = $2 } /^\t}/ { m = "" } m ~ /dme/ && /elements = .*[{ ]7777 / { print m; exit }')
# (the agent idle: a change during one of its own transactions is seen otherwise, below)
quiet() { local a; a=$(applies); sleep 1.5; [ "$(applies)" = "$a" ]; }
check "(the agent is idle)" wait_for 40 quiet
w0=$(grep -c "policy re-applied whole" "$LOG")
check "the element blocking 7777 deleted by hand (map $map7777)" \
	hx nft delete element inet ipsecpol "$map7777" "{ 7777 }"
check "the agent is told at once, and says by whom" \
	wait_for 5 grep -q "changed by process [0-9]* (nft): an element of $map7777 deleted" "$LOG"
check "it puts the table back (applied whole)" \
	wait_for 10 eval '[ "$(grep -c "policy re-applied whole" "$LOG")" -gt "$w0" ]'
check "the element is there again" \
	sh -c "ip netns exec $NS_H nft list map inet ipsecpol $map7777 | grep -q '[{ ]7777 '"
check "7777 is blocked again (the probe's count stops)" wait_for 10 sh -c "l=\$(cat '$R/leak' 2>/dev/null || echo 0); sleep 0.5; [ \"\$(cat '$R/leak' 2>/dev/null || echo 0)\" = \"\$l\" ]"
w0=$(grep -c "policy re-applied whole" "$LOG")
check "an element permitting 7001 added by hand" \
	hx nft add element inet ipsecpol "$map7777" "{ 7001 : accept }"
check "put back too" wait_for 10 eval '[ "$(grep -c "policy re-applied whole" "$LOG")" -gt "$w0" ]'
check "the element added by hand is gone" \
	sh -c "! ip netns exec $NS_H nft list map inet ipsecpol $map7777 | grep -q '[{ ]7001 '"
# the table made dormant (its chains see no packet): seen and put back
check "the table made dormant by hand" hx nft add table inet ipsecpol '{ flags dormant; }'
check "the agent says so and puts the table back" \
	wait_for 10 grep -q "table inet ipsecpol was made dormant" "$LOG"
check "not dormant any more" wait_for 10 sh -c "! ip netns exec $NS_H nft list table inet ipsecpol | sed -n 2,3p | grep -q dormant"
check "7777 is blocked again after the dormant table" wait_for 10 sh -c "l=\$(cat '$R/leak' 2>/dev/null || echo 0); sleep 0.5; [ \"\$(cat '$R/leak' 2>/dev/null || echo 0)\" = \"\$l\" ]"
# the element deleted again and again, for 3 s: some of the deletions are committed
# while the agent applies its own transaction (not listening): the ruleset's generation
# tells, the agent reads the table back and puts it right; it never stays deleted
end=$((SECONDS + 3))
while [ $SECONDS -lt $end ]; do hx nft delete element inet ipsecpol "$map7777" "{ 7777 }" 2>/dev/null; done
check "after 3 s of deletions the element is put back" \
	wait_for 10 sh -c "ip netns exec $NS_H nft list map inet ipsecpol $map7777 | grep -q '[{ ]7777 '"
check "7777 is blocked again after the deletions" wait_for 10 sh -c "l=\$(cat '$R/leak' 2>/dev/null || echo 0); sleep 0.5; [ \"\$(cat '$R/leak' 2>/dev/null || echo 0)\" = \"\$l\" ]"
# rules inserted by hand again and again, some right after one of the agent's own whole
# applies (which the insertions bring about): never left in place
end=$((SECONDS + 4))
while [ $SECONDS -lt $end ]; do
	hx nft insert rule inet ipsecpol input udp dport 7777 accept comment '"by hand"' 2>/dev/null
	sleep 0.0$((RANDOM % 7 + 3))
done
byhand() { ip netns exec "$NS_H" nft list table inet ipsecpol | grep '"by hand"' >/dev/null; }
check "after 4 s of insertions no rule inserted by hand is left" wait_for 40 eval '! byhand'
# another table of the namespace with a base chain "input" of policy accept (as
# /etc/nftables.conf makes one): not taken for the agent's own chain
p0=$(grep -c "base chain's policy made accept" "$LOG")
printf 'table inet other {\n\tchain input {\n\t\ttype filter hook input priority 10; policy accept;\n\t}\n}\n' \
	>"$R/other.nft"
check "another table with an input chain of policy accept" hx nft -f "$R/other.nft"
sleep 3
check "is not taken for the agent's table" \
	eval '[ "$(grep -c "base chain'"'"'s policy made accept" "$LOG")" = "$p0" ]'
hx nft delete table inet other
# a change to the agent's table at the end of a transaction whose notifications are too
# many for its socket (200,000 elements into a set of another table): the agent cannot
# tell what was lost, and applies its policy whole again (a chain of policy drop put
# into its table, which its looks do not read, goes with it)
check "7000 passes before" wait_for 10 grows
check "(the agent is idle again)" wait_for 40 quiet
python3 -c "
print('table inet flood { set s { type ipv4_addr; size 300000; }; }')
print('add element inet flood s { ' + ', '.join('10.%d.%d.%d' % (i >> 16, (i >> 8) & 255, i & 255) for i in range(200000)) + ' }')
print('add chain inet ipsecpol dropall { type filter hook input priority -300; policy drop; }')" \
	>"$R/flood.nft"
check "200,000 elements and a drop chain in one transaction" hx nft -f "$R/flood.nft"
nodrop() { ! ip netns exec "$NS_H" nft list chain inet ipsecpol dropall >/dev/null 2>&1; }
check "the agent applies its policy whole again: the drop chain is gone" wait_for 20 nodrop
# (lost, unless the agent read as fast as the kernel wrote: then the chain is named)
check "and says why" grep -Eq "notifications were lost, too many at once|chain dropall added" "$LOG"
check "7000 passes again" wait_for 10 grows
hx nft delete table inet flood
check "(the agent is idle once more)" wait_for 40 quiet
n0=$(grep -c "changed by process" "$LOG")
w0=$(grep -c "policy re-applied whole" "$LOG")
check "a flow cache element added by hand" hx nft add element inet ipsecpol flow4_in_permit_g0 \
	"{ 10.77.0.9 . $H_IP . udp . 1 . 2 }"
sleep 1
check "is not taken for a change of the policy" \
	eval '[ "$(grep -c "changed by process" "$LOG")" = "$n0" ] && [ "$(grep -c "policy re-applied whole" "$LOG")" = "$w0" ]'
l0=$(leaks)

# The database's shared memory index removed under the agent (its connection would keep the
# old one, and every connection of the process with it): the next change is still applied.
check "7000 passes" wait_for 10 grows
# (a filter added in place first, to a list no rule uses, so that the agent holds the
# database open when the file goes)
n0=$(ctl status | sed -n 's/^applies=//p')
check "a filter added to a list no rule uses" \
	env -u SSH_CONNECTION "${IPP_BIN_DIR:?}/ipsecpol" --root "$R" static add filter filterlist=Spare \
	srcaddr=any dstaddr=me protocol=udp dstport=9
check "(seen by the agent)" wait_for 10 eval '[ "$(ctl status | sed -n "s/^applies=//p")" != "$n0" ]'
check "policy.db-shm removed" rm "$DB-shm"
check "a local policy blocking 7000 committed after that" "$MKPOLICY" "$DB" local Block7000d block udp 7000
check "the agent opens the database again, saying why" \
	wait_for 10 grep -q 'policy.db-shm" was [a-z]* under the agent: the policy database is opened again' "$LOG"
check "and applies the change: 7000 is blocked" wait_for 10 still
check "the local policy unassigned" "$MKPOLICY" "$DB" local unassign
check "7000 passes again" wait_for 10 grows

# The run directory removed: the pid file and the sockets are made again, so that the shell
# reaches the agent and a second agent of the root is still refused.
check "the run directory removed" rm -rf "$R/run/ipsecpol"
check "the agent makes its files again" wait_for 10 test -S "$R/run/ipsecpol/ipsecpold.sock"
check "and says so" grep -q "the run directory .* was removed or replaced" "$LOG"
check "its control socket answers" test "$(agent_mode)" = secure
ip netns add "${TAG}x"
ip netns exec "${TAG}x" timeout 10 "$IPPD" --root "$R" --foreground >/dev/null 2>"$R/second.err"
check "a second agent of the root (another namespace) is still refused" \
	grep -q "another ipsecpold is running for root" "$R/second.err"
ip netns del "${TAG}x"

# driver.conf made a FIFO (or a link to /dev/zero): refused at once as not a regular file, the
# settings in force kept, the agent answering
cp "$R/etc/ipsecpol/driver.conf" "$R/driver.conf.saved"
mkfifo "$R/etc/ipsecpol/fifo"
check "driver.conf replaced by a FIFO" mv "$R/etc/ipsecpol/fifo" "$R/etc/ipsecpol/driver.conf"
fifo_said() { ctl status | grep -q '^config_error=.*driver.conf" is a FIFO: expected a regular file'; }
check "the agent answers and names the FIFO" wait_for 10 fifo_said
check "still secure" test "$(agent_mode)" = secure
cp "$R/driver.conf.saved" "$R/etc/ipsecpol/driver.conf.new"
check "driver.conf put back" mv "$R/etc/ipsecpol/driver.conf.new" "$R/etc/ipsecpol/driver.conf"
conf_good() { ! ctl status | grep -q '^config_error=.'; }
check "the configuration error is gone" wait_for 10 conf_good

# Another program committing all the time (a ban list of its own, a container runtime):
# a transaction of its during the agent's own is a doubt, which the agent settles by
# applying whole again, never by cutting the host off with block mode's guard (that is for
# a table seen removed or changed)
g0=$(grep -c "the block ruleset guards the host" "$LOG")
d0=$(grep -c "another program committed a transaction\|cannot all be told from the agent's own" "$LOG")
hx sh -c 'end=$(($(date +%s) + 6)); while [ $(date +%s) -lt $end ]; do nft add table inet othertool; nft delete table inet othertool; done' &
churn=$!
for i in 1 2 3 4 5 6 7 8 9 10; do agent_signal HUP; sleep 0.4; done
wait $churn
sleep 1
check "(the doubts were there: transactions crossed the agent's)" \
	test "$(grep -c "another program committed a transaction\|cannot all be told from the agent's own" "$LOG")" -gt "$d0"
check "no guard for a doubt" test "$(grep -c "the block ruleset guards the host" "$LOG")" = "$g0"
check "still secure after the churn" wait_for 10 eval 'test "$(agent_mode)" = secure'

# Stop (systemctl stop = SIGTERM): permit.
agent_signal TERM
check "SIGTERM: the agent exits 0" agent_wait
check "SIGTERM: the table is removed (permit)" no_table
check "SIGTERM: the log says so" grep -q "filtering removed (permit mode)" "$LOG"
check "SIGTERM: the probe now gets through (it measures)" wait_for 5 sh -c "[ \$(cat '$R/leak') -gt 0 ]"
check "SIGTERM: the control socket is gone" test ! -e "$R/run/ipsecpol/ipsecpold.sock"
check "agent stopped: --startup loads again" startup
# the namespace's claim taken by another user (anyone may bind the name): no agent, so
# it does not stand in the way
if command -v setpriv >/dev/null && [ -x /usr/bin/python3 ]; then
	hx setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c \
		'import socket, time; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(b"\0ipsecpol-agent"); time.sleep(5)' &
	squatter=$!
	sleep 0.5
	check "the claim held by another user: --startup still loads" startup
	kill "$squatter" 2>/dev/null
	wait "$squatter" 2>/dev/null
fi
check "agent stopped: table says startup-block" test "$(table_mode)" = startup-block
check "agent stopped: --startup leaves no pid file" test ! -e "$R/run/ipsecpol/ipsecpold.pid"

# A stop signal during --once waits for its last step: a secure table is replaced through a
# guard table (two tables in force for a moment), and the signal must not leave both.  A
# policy of 3,000 maps makes the moment long enough to be caught.
{
	echo "add filterlist Big"
	echo "add filteraction Blk action=block"
	echo "add policy Big"
	for i in $(seq 0 1499); do
		echo "add filter filterlist=Big srcaddr=10.$((i % 200)).$((i / 200)).0 srcmask=$((16 + i % 17)) dstaddr=me protocol=$((2 + i % 50))"
	done
	echo "add rule name=R policy=Big filterlist=Big filteraction=Blk"
	echo "set policy Big assign=yes"
} >"$R/big.netsh"
check "a policy of 3,000 maps" sh -c "env -u SSH_CONNECTION -u SSH_CLIENT '$IPP_BIN_DIR/ipsecpol' --root '$R' -f '$R/big.netsh' >/dev/null"
check "--once applies it" sh -c "ip netns exec $NS_H '$IPPD' --root '$R' --once >/dev/null"
# how long a replacement takes here: the signals then land at a quarter, half and three
# quarters of it (the guard stands through the second half)
t0=$(date +%s%N)
hx "$IPPD" --root "$R" --once >/dev/null 2>&1
d=$((($(date +%s%N) - t0) / 1000000))
guards=0 stopped=0
for q in 1 2 3; do
	ip netns exec "$NS_H" "$IPPD" --root "$R" --once >/dev/null 2>&1 &
	p=$!
	sleep "$(awk -v d="$d" -v q="$q" 'BEGIN { printf "%.3f", d * q / 4000 }')"
	kill -TERM "$p" 2>/dev/null
	wait "$p" && continue
	stopped=$((stopped + 1))
	hx nft list table inet ipsecpol_guard >/dev/null 2>&1 && guards=$((guards + 1))
	hx nft delete table inet ipsecpol_guard 2>/dev/null
done
echo "  ($stopped of 3 runs stopped by the signal; a replacement takes $d ms)"
check "--once stopped by SIGTERM leaves no guard table beside the policy" test "$guards" = 0
check "and the policy table is there" sh -c "ip netns exec $NS_H nft list table inet ipsecpol >/dev/null"

# Which replacements need the guard: the secure table replaced whole in one transaction
# (its base chains drop what their lookups miss), a secure table of an earlier version
# (base chains of policy accept) through the guard table.  nft monitor sees the guard's
# chains (an empty guard table is created and deleted with every replacement: the removal
# of one a crash may have left).
guard_seen() { # guard_seen FILE: --once replaces the table while nft monitor writes FILE
	ip netns exec "$NS_H" nft monitor chains >"$1" 2>/dev/null &
	local m=$!
	sleep 0.3
	hx "$IPPD" --root "$R" --once >/dev/null 2>&1
	sleep 0.3
	kill "$m" 2>/dev/null
	wait "$m" 2>/dev/null
	grep -q "add chain inet ipsecpol_guard input" "$1"
}
refute "a secure table in force: --once replaces it with no guard table" guard_seen "$R/mon1"
check "its base chains drop what their lookups miss" \
	sh -c "ip netns exec $NS_H nft list chain inet ipsecpol input | grep -q 'policy drop'"
hx "$IPPD" --root "$R" --once --dry-run 2>/dev/null | sed 's/policy drop;/policy accept;/' >"$R/old.nft"
check "a secure table of an earlier version (policy accept) loaded" hx nft -f "$R/old.nft"
check "--once replaces it through the guard table" guard_seen "$R/mon2"
check "and leaves no guard behind" sh -c "! ip netns exec $NS_H nft list table inet ipsecpol_guard >/dev/null 2>&1"

finish
