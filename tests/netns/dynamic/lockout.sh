#!/usr/bin/env bash
# Assigning a policy that would cut off the SSH session the shell runs in is
# refused, naming the session and the rule, unless force=yes; a policy that
# leaves the session alone is assigned as usual.  The session is the one
# SSH_CONNECTION describes (client 10.77.0.5:50000 -> this host 10.77.0.1:22).
. "$(dirname "$0")/../cli/lib.sh"

SESSION="10.77.0.5 50000 10.77.0.1 22"
SESSION_TEXT="10.77.0.5 port 50000 -> 10.77.0.1 port 22"

assigned() { # assigned STORE POLICY: "YES" or "NO"
	printf 'set store location=%s\nshow policy name=%s\n' "$1" "$2" |
		$IPSECPOL -f - | sed -n 's/^Assigned *: //p'
}

cat >"$TMP/policies.netsh" <<'NETSH'
add filteraction name=Blk action=block
add filteraction name=Perm action=permit
add filter filterlist=SSH srcaddr=any dstaddr=me protocol=tcp dstport=22
add filter filterlist=Web srcaddr=any dstaddr=me protocol=tcp dstport=80
add filter filterlist=AllIn srcaddr=any dstaddr=me
add policy name=NoSSH
add rule name=BlockSSH policy=NoSSH filterlist=SSH filteraction=Blk
add policy name=NoWeb
add rule name=BlockWeb policy=NoWeb filterlist=Web filteraction=Blk
add policy name=Open
add rule name=AllowSSH policy=Open filterlist=SSH filteraction=Perm
set store location=persistent
add filteraction name=Blk action=block
add filter filterlist=AllIn srcaddr=any dstaddr=me
add policy name=Lockdown
add rule name=BlockAll policy=Lockdown filterlist=AllIn filteraction=Blk
NETSH
run_ok env SSH_CONNECTION= $IPSECPOL -f "$TMP/policies.netsh"

export SSH_CONNECTION="$SESSION"

# ---- set policy assign=yes: refused, naming the session and the rule; nothing changes
run_fail "set policy: assign: refused: the SSH session this shell runs in ($SESSION_TEXT) would be cut off" \
	$IPSECPOL static set policy name=NoSSH assign=yes
contains "$ERR" 'rule "BlockSSH" of policy "NoSSH"'
contains "$ERR" 'force=yes assigns policy "NoSSH" anyway'
[ "$(assigned local NoSSH)" = NO ] || fail "a refused assignment was committed"

# the same IPv4 session as a dual-stack server names it (IPv4-mapped addresses)
mapped=$(awk '{ printf "::ffff:%s %s ::ffff:%s %s", $1, $2, $3, $4 }' <<<"$SESSION")
run_fail "would be cut off" env SSH_CONNECTION="$mapped" $IPSECPOL static set policy name=NoSSH assign=yes
[ "$(assigned local NoSSH)" = NO ] || fail "an assignment refused for the IPv4 session passed for its mapped form"

# a policy that does not touch the session is assigned
run_ok $IPSECPOL static set policy name=NoWeb assign=yes
[ "$(assigned local NoWeb)" = YES ] || fail "NoWeb not assigned"
[ -z "$OUT" ] || fail "assigning NoWeb printed: $OUT"

# outside an SSH session nothing is checked
run_ok env SSH_CONNECTION= $IPSECPOL static set policy name=NoSSH assign=yes
[ "$(assigned local NoSSH)" = YES ] || fail "NoSSH not assigned outside SSH"
run_ok env SSH_CONNECTION= $IPSECPOL static set policy name=NoWeb assign=yes

# force=yes assigns anyway and says what it cuts off
run_ok $IPSECPOL static set policy name=NoSSH assign=yes force=yes
[ "$(assigned local NoSSH)" = YES ] || fail "force=yes did not assign"
contains "$OUT" "warning: the SSH session this shell runs in ($SESSION_TEXT) would be cut off"
contains "$OUT" 'policy "NoSSH" assigned anyway (force=yes)'
run_ok $IPSECPOL static set policy name=NoWeb assign=yes

# a refusal in a batch: that command changed nothing, the batch goes on (as netsh's)
printf 'set batch enable\nadd policy name=Batch1\nset policy name=NoSSH assign=yes\nset batch disable\n' \
	>"$TMP/batch.netsh"
run_fail "assign: refused" $IPSECPOL -f "$TMP/batch.netsh"
D=$(dump_store local)
contains "$D" 'name="Batch1"'
[ "$(assigned local NoSSH)" = NO ] || fail "NoSSH assigned by a refused command"
run_ok $IPSECPOL static delete policy name=Batch1

# ---- the persistent store: its policy counts together with the local one
run_ok $IPSECPOL static set policy name=Open assign=yes
printf 'set store location=persistent\nset policy name=Lockdown assign=yes\n' >"$TMP/pers.netsh"
# the local "Open" permits SSH with a higher weight than the persistent block-all
run_ok $IPSECPOL -f "$TMP/pers.netsh"
[ "$(assigned persistent Lockdown)" = YES ] || fail "Lockdown not assigned"
# add policy assign=yes: a new, empty local policy replaces Open, and Lockdown then blocks SSH
run_fail "add policy: assign: refused: the SSH session this shell runs in ($SESSION_TEXT)" \
	$IPSECPOL static add policy name=Empty assign=yes
contains "$ERR" 'rule "BlockAll" of policy "Lockdown" (persistent store)'
D=$(dump_store local)
lacks "$D" 'name="Empty"'
[ "$(assigned local Open)" = YES ] || fail "the refused add policy unassigned Open"
run_ok $IPSECPOL static add policy name=Empty assign=yes force=yes
[ "$(assigned local Empty)" = YES ] || fail "add policy force=yes did not assign"
contains "$OUT" 'rule "BlockAll" of policy "Lockdown"'
# assign=no is never checked
run_ok $IPSECPOL static set policy name=Empty assign=no

# an IPv6 session: refused on port 22, not on another port
printf 'set store location=persistent\nset policy name=Lockdown assign=no\n' >"$TMP/pers.netsh"
run_ok $IPSECPOL -f "$TMP/pers.netsh"
run_fail "([fd00:77::5] port 50000 -> [fd00:77::1] port 22) would be cut off" \
	env SSH_CONNECTION="fd00:77::5 50000 fd00:77::1 22" $IPSECPOL static set policy name=NoSSH assign=yes
run_ok env SSH_CONNECTION="fd00:77::5 50000 fd00:77::1 2222" $IPSECPOL static set policy name=NoSSH assign=yes
[ "$(assigned local NoSSH)" = YES ] || fail "NoSSH not assigned for a session on port 2222"
run_ok env SSH_CONNECTION= $IPSECPOL static set policy name=NoSSH assign=no

# a session variable that cannot be read: names and descriptions of what is in force change,
# what filters it does not
run_ok env SSH_CONNECTION="garbage" $IPSECPOL static set policy name=NoWeb assign=no
run_ok env SSH_CONNECTION= $IPSECPOL static set policy name=NoSSH assign=yes
run_ok env SSH_CONNECTION="garbage" $IPSECPOL static set rule name=BlockSSH policy=NoSSH description=renamed
run_ok env SSH_CONNECTION="garbage" $IPSECPOL static set filteraction name=Blk description=d
run_ok env SSH_CONNECTION="garbage" $IPSECPOL static set filterlist name=SSH description=d
run_fail "cannot check whether the change cuts off this SSH session: SSH_CONNECTION \"garbage\" not understood" \
	env SSH_CONNECTION="garbage" $IPSECPOL static set filteraction name=Blk action=permit
run_ok env SSH_CONNECTION= $IPSECPOL static set policy name=NoSSH assign=no
# a session variable that cannot be read: the check cannot be made, so no assignment
for garbled in "10.9.9.9 5555 10.9.9.1" "garbage" "10.9.9.9 5555 10.9.9.1 99999"; do
	run_fail "assign: cannot check whether policy \"NoSSH\" would cut off this SSH session: SSH_CONNECTION \"$garbled\" not understood" \
		env SSH_CONNECTION="$garbled" $IPSECPOL static set policy name=NoSSH assign=yes
	[ "$(assigned local NoSSH)" = NO ] || fail "NoSSH assigned although SSH_CONNECTION=\"$garbled\" could not be read"
done
run_ok env SSH_CONNECTION="garbage" $IPSECPOL static set policy name=NoSSH assign=yes force=yes
contains "$OUT" "could not be checked"
run_ok env SSH_CONNECTION= $IPSECPOL static set policy name=NoSSH assign=no

# ---- changes of a policy in force: refused when they would cut the session off
run_ok $IPSECPOL static set policy name=NoWeb assign=yes
# a filter for port 22 in the list the assigned policy blocks
run_fail "add filter: refused: the SSH session this shell runs in ($SESSION_TEXT) would be cut off" \
	$IPSECPOL static add filter filterlist=Web srcaddr=10.77.0.0 srcmask=24 dstaddr=me protocol=tcp dstport=22
contains "$ERR" 'rule "BlockWeb" of policy "NoWeb"'
contains "$ERR" "run it in a batch (set batch mode=enable) with the policy assigned again with force=yes"
D=$(dump_store local)
lacks "$D" 'srcaddr=10.77.0.0'
# filters that leave the session alone: no check needed, made
run_ok $IPSECPOL static add filter filterlist=Web srcaddr=any dstaddr=me protocol=tcp dstport=8080
run_ok $IPSECPOL static add filter filterlist=Web srcaddr=10.77.0.5 dstaddr=me protocol=udp dstport=22
# a filter action made to block: the rule's filters decide the session then
run_ok $IPSECPOL static set policy name=Open assign=yes
run_fail "set filteraction: refused: the SSH session this shell runs in ($SESSION_TEXT) would be cut off" \
	$IPSECPOL static set filteraction name=Perm action=block
contains "$ERR" 'rule "AllowSSH" of policy "Open"'
grep -q 'filteraction name="Perm".* action=permit' <<<"$(dump_store local)" || fail "the refused change was made" 
# a rule deactivated: what it permitted falls to what is beneath it (nothing: permitted)
run_ok $IPSECPOL static set rule name=AllowSSH policy=Open activate=no
run_ok $IPSECPOL static set rule name=AllowSSH policy=Open activate=yes
# a batch whose changes cut the session off: refused whole at its end
printf 'set batch enable\nadd policy name=Batch2\nset policy name=NoWeb assign=yes\nadd filter filterlist=Web srcaddr=any dstaddr=me protocol=tcp dstport=22\nset batch disable\n' \
	>"$TMP/batch2.netsh"
run_fail "batch2.netsh:5: set batch: committing the batch: refused: " $IPSECPOL -f "$TMP/batch2.netsh"
contains "$ERR" "(batch aborted: none of its changes were written)"
contains "$ERR" "refused: the SSH session this shell runs in ($SESSION_TEXT) would be cut off"
D=$(dump_store local)
lacks "$D" 'name="Batch2"'
# in a batch with the policy assigned again with force=yes: made, with the warning
printf 'set batch enable\nset filteraction name=Perm action=block\nset policy name=Open assign=yes force=yes\nset batch disable\n' \
	>"$TMP/forced.netsh"
OUT=$($IPSECPOL -f "$TMP/forced.netsh" 2>&1) || fail "the forced batch failed: $OUT"
contains "$OUT" 'forced.netsh:3: warning: the SSH session this shell runs in'
contains "$OUT" 'policy "Open" assigned anyway (force=yes)'
grep -q 'filteraction name="Perm".* action=block' <<<"$(dump_store local)" || fail "the forced change was not made" 
# cut off already by the policy as stored (Open's action blocks now): changes go on
run_ok $IPSECPOL static add filter filterlist=SSH srcaddr=any dstaddr=me protocol=tcp dstport=2222
# outside an SSH session nothing is checked
run_ok env SSH_CONNECTION= $IPSECPOL static set filteraction name=Perm action=permit
run_ok env SSH_CONNECTION= $IPSECPOL static set policy name=Open assign=no
run_ok env SSH_CONNECTION= $IPSECPOL static set policy name=NoWeb assign=no
# an unassigned policy is changed unchecked, whatever it would do
run_ok $IPSECPOL static add filter filterlist=Web srcaddr=10.77.0.0 srcmask=24 dstaddr=me protocol=tcp dstport=22

# importpolicy of an assigned policy is an assignment: checked the same way
run_ok env SSH_CONNECTION= $IPSECPOL static exportpolicy file="$TMP/nossh"
sed -i 's/^\(policy .*name="NoSSH".*\)assigned=no/\1assigned=yes/' "$TMP/nossh.ipsec"
grep -q 'name="NoSSH".*assigned=yes' "$TMP/nossh.ipsec" || fail "the export was not edited"
IMPORT_ROOT=$TMP/import
run_fail "importpolicy: assign: refused: the SSH session this shell runs in ($SESSION_TEXT)" \
	$BIN/ipsecpol --root "$IMPORT_ROOT" static importpolicy file="$TMP/nossh.ipsec"
OUT=$(env SSH_CONNECTION= $BIN/ipsecpol --root "$IMPORT_ROOT" static dump)
lacks "$OUT" 'name="NoSSH"'
run_ok $BIN/ipsecpol --root "$IMPORT_ROOT" static importpolicy file="$TMP/nossh.ipsec" force=yes
contains "$OUT" 'policy "NoSSH" assigned anyway (force=yes)'
echo PASS
