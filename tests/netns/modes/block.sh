#!/usr/bin/env bash
# Operational block mode: a persistent policy exists but cannot be applied.
#   - a corrupt store at agent start: block mode (everything dropped both
#     ways but what the boot exemptions and DHCP permit, as Windows' block
#     mode does, and loopback), a log line that
#     says why and how to regain connectivity, the status names the reason
#   - a repaired store is applied at once: secure mode
#   - the store corrupted while the agent runs: block mode again, also when the
#     same file is damaged in place (truncated, overwritten, a newer schema
#     version written by another program)
#   - SIGTERM in block mode: permit
#   - --once errs closed too: block mode and a non-zero exit when the store is
#     corrupt; a bad driver.conf applies nothing
#   - the agent started with a bad driver.conf: block mode, the log and the
#     status say why; the corrected file is applied at once (secure mode); a
#     file that goes bad while the agent runs leaves its settings in force
. "$(dirname "$0")/lib.sh"

DB=$R/var/lib/ipsecpol/policy.db
setup_net no
mkdir -p "$R/var/lib/ipsecpol"
"$MKPOLICY" "$DB" persistent Block7777 block udp 7777 || exit 2
conf OperationMode=1 "BootExemptions=tcp:0:3389:inbound"
spawn h "$PROBE" tcp-count 3389 "$R/h3389"
spawn h "$PROBE" udp-count 7000 "$R/h7000"
spawn p "$PROBE" tcp-count 80 "$R/p80"
corrupt() {
	rm -f "$DB-wal" "$DB-shm"
	head -c 4096 /dev/urandom > "$DB.new" && mv "$DB.new" "$DB"
}

check "boot: --startup loads block mode with the RDP exemption" startup
check "boot: the exempted port connects before the agent runs" \
	px "$PROBE" tcp-connect $H_IP 3389 1000
corrupt
agent_start
check "corrupt store: the agent is in block mode" test "$(agent_mode)" = block
check "corrupt store: the table says block" test "$(table_mode)" = block
hx env -u SSH_CONNECTION -u SSH_CLIENT "$IPP_BIN_DIR/ipsecpol" --root "$R" dynamic show all \
	>"$R/showall" 2>&1
check "dynamic show all: block mode lets what the ruleset lets through, neighbour discovery too" \
	grep -q "dropped except loopback, DHCP, IPv6 neighbour discovery and the boot exemptions" \
	"$R/showall"
check "corrupt store: the log says why" \
	grep -q "entered block mode: the persistent policy could not be applied and the policy database cannot be read, so no command can change it: .*$DB" "$LOG"
check "corrupt store: the log says how to regain connectivity" \
	grep -q "To regain connectivity, restore the database from a backup or move it aside.*systemctl stop ipsecpold" "$LOG"
refute "corrupt store: no advice to repair it with commands" \
	grep -q "repair or unassign the persistent policy" "$LOG"
check "corrupt store: the status gives the reason" sh -c "printf 'status\n' | socat - UNIX-CONNECT:$R/run/ipsecpol/ipsecpold.sock | grep -q '^reason=.*$DB'"
check "block: the boot exemption applies (as in Windows' block mode)" \
	px "$PROBE" tcp-connect $H_IP 3389 1000
check "block: the log says what still passes" \
	grep -q "dropped except loopback, DHCP, IPv6 neighbour discovery and the boot exemptions" "$LOG"
refute "block: outbound tcp is dropped" hx "$PROBE" tcp-connect $P_IP 80 500
px "$PROBE" udp-send $H_IP 7000 20 1000
sleep 0.3
check "block: inbound udp is dropped" test "$(count_of "$R/h7000")" = 0
check "block: loopback works" hx "$PROBE" tcp-connect 127.0.0.1 3389 1000

# The exemptions changed while in block mode: the block ruleset follows at once
conf OperationMode=1 "BootExemptions=none"
check "block: an exemption removed from driver.conf is removed from the ruleset" \
	wait_for 10 sh -c "! ip netns exec $NS_H nft list table inet ipsecpol | grep -q 'boot exemption'"
refute "block: and 3389 no longer connects" px "$PROBE" tcp-connect $H_IP 3389 500
conf OperationMode=1 "BootExemptions=tcp:0:3389:inbound"
check "block: the exemption given again is let through again" \
	wait_for 10 px "$PROBE" tcp-connect $H_IP 3389 500

# Repair: a valid store with the persistent policy is applied at once.
rm -f "$DB" "$DB-wal" "$DB-shm"
check "repair: a new store is written" "$MKPOLICY" "$DB" persistent Block7777 block udp 7777
check "repair: the agent leaves block mode by itself" wait_for 10 sh -c "[ \"\$(printf 'mode\n' | socat - UNIX-CONNECT:$R/run/ipsecpol/ipsecpold.sock | head -n1)\" = secure ]"
check "repair: the log says block mode was left" grep -q "secure mode (block mode left): the policy is in force" "$LOG"
check "secure: tcp 3389 connects (no filter blocks it)" px "$PROBE" tcp-connect $H_IP 3389 1000
px "$PROBE" udp-send $H_IP 7000 20 1000
check "secure: udp 7000 arrives" wait_for 5 sh -c "[ \$(cat '$R/h7000') -gt 0 ]"

# Damaged in place while running: the same file truncated, overwritten, given a newer
# schema version by another program, or one page of it damaged, after commits the agent's connection holds the pages
# of (its cached pages would hide the damage): block mode, then the repair applied again.
secure_now() { [ "$(printf 'mode\n' | socat - UNIX-CONNECT:$R/run/ipsecpol/ipsecpold.sock | head -n1)" = secure ]; }
block_now() { [ "$(printf 'mode\n' | socat - UNIX-CONNECT:$R/run/ipsecpol/ipsecpold.sock | head -n1)" = block ]; }
for how in truncated overwritten version page; do
	for i in 1 2 3 4 5 6; do
		env -u SSH_CONNECTION -u SSH_CLIENT "$IPP_BIN_DIR/ipsecpol" --root "$R" \
			-c "ipsec static" add filter filterlist="L$how" srcaddr=any dstaddr=me \
			protocol=tcp dstport=$((6000 + i)) >/dev/null || exit 2
	done
	check "$how in place: secure before" wait_for 10 secure_now
	sleep 1
	n=$(grep -c "entered block mode" "$LOG")
	case $how in
	truncated) : >"$DB" ;;
	overwritten) head -c 100 /dev/urandom | dd of="$DB" conv=notrunc status=none ;;
	version) sqlite3 -cmd ".timeout 10000" "$DB" "PRAGMA user_version = 99" || exit 2 ;;
	page)
		# the filter table's page, in the file itself (the log checkpointed into it
		# first), damaged where the agent's look at the generation does not read
		root=$(sqlite3 -cmd ".timeout 10000" "$DB" "PRAGMA wal_checkpoint(TRUNCATE);" \
			"SELECT rootpage FROM sqlite_schema WHERE name = 'filter'" | tail -n1)
		psize=$(sqlite3 -cmd ".timeout 10000" "$DB" "PRAGMA page_size")
		sleep 0.5
		printf '\x00\xff\xff\xff\xff' |
			dd of="$DB" bs=1 seek=$(((root - 1) * psize)) conv=notrunc status=none
		;;
	esac
	check "$how in place while running: block mode" wait_for 10 block_now
	check "$how in place while running: a new log line says why" \
		test "$(grep -c "entered block mode" "$LOG")" -gt "$n"
	refute "$how in place while running: outbound tcp is dropped" hx "$PROBE" tcp-connect $P_IP 80 500
	rm -f "$DB" "$DB-wal" "$DB-shm"
	"$MKPOLICY" "$DB" persistent Block7777 block udp 7777 || exit 2
	check "$how in place, repaired: secure again" wait_for 10 secure_now
done

# Corrupted while running.
: > "$LOG.mark"
n=$(grep -c "entered block mode" "$LOG")
corrupt
check "corrupted while running: block mode again" wait_for 10 sh -c "[ \"\$(printf 'mode\n' | socat - UNIX-CONNECT:$R/run/ipsecpol/ipsecpold.sock | head -n1)\" = block ]"
check "corrupted while running: a new log line" test "$(grep -c "entered block mode" "$LOG")" -gt "$n"
check "corrupted while running: tcp 3389 (exempted) connects" px "$PROBE" tcp-connect $H_IP 3389 1000
refute "corrupted while running: outbound tcp is dropped" hx "$PROBE" tcp-connect $P_IP 80 500

agent_signal TERM
check "SIGTERM in block mode: exit 0" agent_wait
check "SIGTERM in block mode: permit" no_table
check "permit: tcp 3389 connects" px "$PROBE" tcp-connect $H_IP 3389 1000

# --once, the same store corrupted: block mode too, exit 1, the message says so; --dry-run
# prints that block ruleset first, changing nothing
corrupt
hx "$IPPD" --root "$R" --once --dry-run >"$R/dry.out" 2>&1
check "--once --dry-run, corrupt store: exit 1" test $? = 1
check "--once --dry-run, corrupt store: the block ruleset printed" \
	grep -q 'comment "ipsecpol mode=block"' "$R/dry.out"
check "--once --dry-run, corrupt store: it says block mode would be loaded" \
	grep -q "the persistent policy cannot be enforced: .*; block mode would be loaded (printed)" "$R/dry.out"
check "--once --dry-run: nothing loaded" no_table
hx "$IPPD" --root "$R" --once >"$R/once.out" 2>&1
check "--once, corrupt store: exit 1" test $? = 1
check "--once, corrupt store: block mode in force" test "$(table_mode)" = block
check "--once, corrupt store: the message says why and that it blocks" \
	grep -q "the persistent policy cannot be enforced: .*$DB.*; block mode loaded" "$R/once.out"
refute "--once, corrupt store: the reason is said once" \
	grep -q "cannot be enforced: the persistent policy cannot be enforced" "$R/once.out"
check "--once, corrupt store: tcp 3389 (exempted) connects" px "$PROBE" tcp-connect $H_IP 3389 1000
refute "--once, corrupt store: outbound tcp is dropped" hx "$PROBE" tcp-connect $P_IP 80 500
# a table missing from the store: the reason is said once too
rm -f "$DB" "$DB-wal" "$DB-shm"
"$MKPOLICY" "$DB" persistent Block7777 block udp 7777 || exit 2
sqlite3 -cmd ".timeout 10000" "$DB" 'DROP TABLE auth' || exit 2
"$IPPD" --root "$R" --once --dry-run >"$R/once.out" 2>&1
check "--once, a table missing: the message says why" \
	grep -q "the persistent policy cannot be enforced: .*its table \"auth\" is missing" "$R/once.out"
refute "--once, a table missing: the reason is said once" \
	grep -q "cannot be enforced: the persistent policy cannot be enforced" "$R/once.out"
# the journal or the generation gone: the store cannot be read either (the host stayed open)
for t in journal meta; do
	rm -f "$DB" "$DB-wal" "$DB-shm"
	"$MKPOLICY" "$DB" persistent Block7777 block udp 7777 || exit 2
	sqlite3 -cmd ".timeout 10000" "$DB" "DROP TABLE $t" || exit 2
	hx nft delete table inet ipsecpol 2>/dev/null
	hx "$IPPD" --root "$R" --once >"$R/once.out" 2>&1
	check "--once, table $t missing: block mode in force" test "$(table_mode)" = block
	check "--once, table $t missing: the message says why" \
		grep -q "the persistent policy cannot be enforced: .*its table \"$t\" is missing.*block mode loaded" "$R/once.out"
done
rm -f "$DB" "$DB-wal" "$DB-shm"
"$MKPOLICY" "$DB" persistent Block7777 block udp 7777 || exit 2
check "--once, repaired: applied" hx "$IPPD" --root "$R" --once
check "--once, repaired: tcp 3389 connects" px "$PROBE" tcp-connect $H_IP 3389 1000
# A bad row in the local store, no persistent policy assigned: an invalid local policy, not
# a damaged database; the startup ruleset in force stays (commands can correct it)
rm -f "$DB" "$DB-wal" "$DB-shm"
"$MKPOLICY" "$DB" local Block7000 block udp 7000 || exit 2
sqlite3 -cmd ".timeout 10000" "$DB" "UPDATE filter SET dst = 'bogus..'" || exit 2
check "bad local row: startup block loaded" startup
hx "$IPPD" --root "$R" --once >"$R/once.out" 2>&1
check "--once, bad local row: exit 1" test $? = 1
check "--once, bad local row: the startup ruleset stays" test "$(table_mode)" = startup-block
check "--once, bad local row: the message names the local store" \
	grep -q "reading the local store" "$R/once.out"
refute "--once, bad local row: no persistent policy is blamed" \
	grep -q "persistent policy" "$R/once.out"
rm -f "$DB" "$DB-wal" "$DB-shm"
"$MKPOLICY" "$DB" persistent Block7777 block udp 7777 || exit 2
check "--once, store repaired again: applied" hx "$IPPD" --root "$R" --once
# A local policy that cannot be applied (a filter of the WINS servers, wins.conf broken)
# beside a valid persistent policy: the local policy failed, not the persistent one; the
# secure ruleset in force stays, no block mode
printf '%s\n' "set store location=local" "add filteraction name=P action=permit" \
	"add filter filterlist=W srcaddr=wins dstaddr=me protocol=udp dstport=137" \
	"add policy name=LL" "add rule name=LW policy=LL filterlist=W filteraction=P" \
	"set policy name=LL assign=yes" >"$R/local.netsh"
check "a local policy naming the WINS servers is assigned" \
	env -u SSH_CONNECTION -u SSH_CLIENT "${IPP_BIN_DIR:?}/ipsecpol" --root "$R" -f "$R/local.netsh"
echo "bogus!" >"$R/etc/ipsecpol/wins.conf"
hx "$IPPD" --root "$R" --once >"$R/once.out" 2>&1
check "--once, local policy broken beside the persistent: exit 1" test $? = 1
check "--once, local policy broken: the secure ruleset stays" test "$(table_mode)" = secure
refute "--once, local policy broken: the persistent policy is not blamed" \
	grep -q "persistent policy cannot be enforced" "$R/once.out"
check "--once, local policy broken: the local policy is named" grep -q 'policy "LL"' "$R/once.out"
rm -f "$R/etc/ipsecpol/wins.conf"
# A bad row in a persistent policy that is not assigned: not read, not enforced, no block
rm -f "$DB" "$DB-wal" "$DB-shm"
"$MKPOLICY" "$DB" persistent Other block udp 7001 || exit 2
"$MKPOLICY" "$DB" persistent Block7777 block udp 7777 || exit 2
sqlite3 -cmd ".timeout 10000" "$DB" "UPDATE filter SET dst = 'bogus..' WHERE dstport = 7001" || exit 2
check "--once, a bad row of an unassigned persistent policy: applied" hx "$IPPD" --root "$R" --once
check "--once, a bad row of an unassigned persistent policy: secure" test "$(table_mode)" = secure
# A driver.conf with a bad line: nothing is applied, not the defaults in its place.
conf OperationMode=7 FlowCache=0
before=$(table_stateless)
hx "$IPPD" --root "$R" --once >"$R/once.out" 2>&1
check "--once, bad driver.conf: exit 1" test $? = 1
check "--once, bad driver.conf: the message names the file, line and value" \
	grep -q "nothing applied: .*driver.conf:1: OperationMode \"7\"" "$R/once.out"
check "--once, bad driver.conf: the table in force is unchanged" test "$(table_stateless)" = "$before"
"$IPPD" --root "$R" --once --dry-run >/dev/null 2>&1
check "--once --dry-run, bad driver.conf: exit 1" test $? = 1
# the same with nothing filtering the host: not left open, block mode
hx nft delete table inet ipsecpol
hx "$IPPD" --root "$R" --once >"$R/once.out" 2>&1
check "--once, bad driver.conf, no table: exit 1" test $? = 1
check "--once, bad driver.conf, no table: block mode loaded, said" \
	eval 'test "$(table_mode)" = block && grep -q "nothing filters the host and its settings cannot be read: .*driver.conf:1: .*block mode loaded" "$R/once.out"'

# The agent started with that driver.conf: block mode, as at boot, until the file is valid.
agent_start
check "agent, bad driver.conf at start: block mode" test "$(agent_mode)" = block
check "agent, bad driver.conf at start: the table says block" test "$(table_mode)" = block
check "agent, bad driver.conf at start: the log says why and what to do" \
	grep -q "entered block mode: driver.conf cannot be used and the agent has no settings of its own: .*driver.conf:1: OperationMode \"7\".*To regain connectivity, correct driver.conf" "$LOG"
check "agent, bad driver.conf at start: no claim of running settings" \
	sh -c "! grep -q 'running settings' '$LOG'"
ctl status >"$R/status"
check "agent, bad driver.conf at start: the status gives the reason" \
	grep -q '^reason=.*driver.conf:1: OperationMode "7"' "$R/status"
check "agent, bad driver.conf at start: the status gives the file's error" \
	grep -q '^config_error=.*driver.conf:1: OperationMode "7"' "$R/status"
refute "agent, bad driver.conf at start: tcp 3389 is dropped" px "$PROBE" tcp-connect $H_IP 3389 500
check "agent, bad driver.conf at start: reload answers ERR" \
	eval 'ctl reload | tail -n1 | grep -q "^ERR .*driver.conf"'
# corrected (atomically, as ipsecpol writes it): the policy, at once
printf 'OperationMode=1\n' >"$R/etc/ipsecpol/driver.conf.new"
mv "$R/etc/ipsecpol/driver.conf.new" "$R/etc/ipsecpol/driver.conf"
check "driver.conf corrected: the agent leaves block mode by itself" \
	wait_for 10 eval 'test "$(agent_mode)" = secure'
check "driver.conf corrected: the log says so" \
	grep -q "driver.conf is valid again: its settings are in force" "$LOG"
check "driver.conf corrected: the policy is in force" \
	grep -q "secure mode (block mode left): the policy is in force (driver.conf changed)" "$LOG"
check "driver.conf corrected: tcp 3389 connects" px "$PROBE" tcp-connect $H_IP 3389 1000
# malformed while running: the settings of the last valid file stay
printf 'OperationMode=7\n' >"$R/etc/ipsecpol/driver.conf.new"
mv "$R/etc/ipsecpol/driver.conf.new" "$R/etc/ipsecpol/driver.conf"
check "driver.conf malformed while running: the log says the running settings stay" \
	wait_for 10 grep -q "driver.conf:1: OperationMode \"7\".*; the settings of the last valid file stay in force" "$LOG"
check "driver.conf malformed while running: still secure" test "$(agent_mode)" = secure
check "driver.conf malformed while running: the status gives the file's error" \
	eval 'ctl status | grep -q "^config_error=.*OperationMode"'
check "driver.conf malformed while running: tcp 3389 still connects" \
	px "$PROBE" tcp-connect $H_IP 3389 1000
hx env -u SSH_CONNECTION -u SSH_CLIENT "$IPP_BIN_DIR/ipsecpol" --root "$R" dynamic show config \
	>"$R/showconf" 2>&1
check "driver.conf malformed while running: show config fails, naming the file's error" \
	grep -q "show config: .*driver.conf:1: OperationMode" "$R/showconf"
check "driver.conf malformed while running: show config lists what the agent still uses" \
	grep -q "The running policy agent keeps the settings of the last valid file" "$R/showconf"
# A bad row in the assigned persistent policy (the file itself sound): block mode, with
# the advice a command can follow; unassigning the policy ends it at once
printf 'OperationMode=1\n' >"$R/etc/ipsecpol/driver.conf"
# (written by another program, which counts no generation: the commit is seen all the same)
sqlite3 -cmd ".timeout 10000" "$DB" "UPDATE filter SET protocol = 999 WHERE dstport = 7777" || exit 2
check "bad persistent row: block mode" wait_for 10 eval 'test "$(agent_mode)" = block'
check "bad persistent row: the log says the database was changed by another program" \
	grep -q "applying the policy (the database was changed by another program)" "$LOG"
check "bad persistent row: the advice is to repair or unassign the policy, not to discard the file" \
	eval 'tail -n 5 "$LOG" | grep -q "entered block mode: the persistent policy could not be applied: .*repair or unassign the persistent policy"'
printf '%s\n' "set store location=persistent" "set policy name=Block7777 assign=no" \
	>"$R/unassign.netsh"
check "bad persistent row: the policy unassigned with the shell" \
	env -u SSH_CONNECTION -u SSH_CLIENT "${IPP_BIN_DIR:?}/ipsecpol" --root "$R" \
	-f "$R/unassign.netsh"
check "bad persistent row, unassigned: secure at once" wait_for 10 eval 'test "$(agent_mode)" = secure'
# driver.conf removed while running: the built-in settings, and the log says so
rm -f "$R/etc/ipsecpol/driver.conf"
check "driver.conf removed while running: the log says the built-in settings replace it" \
	wait_for 10 grep -q "driver.conf\" was removed: the built-in settings are in force" "$LOG"
# the database moved aside: every store empty, and the log says why
mkdir -p "$R/aside" && mv "$DB" "$DB-wal" "$DB-shm" "$R/aside/" 2>/dev/null
check "database moved aside: the log says it was removed and the stores are empty" \
	wait_for 10 grep -q "policy database \"$DB\" was removed: its stores are empty now" "$LOG"
agent_signal TERM
check "SIGTERM: exit 0" agent_wait

finish
