#!/usr/bin/env bash
# Errors: FILE:LINE, the command, the offending token; exit 1; the store unchanged.
. "$(dirname "$0")/lib.sh"

run_ok $NETSH -f "$(dirname "$0")/restrictive.netsh"
BEFORE=$(dump_store local)
PBEFORE=$(dump_store persistent)

# bad LINE PATTERN SCRIPT-LINES...: the script fails at LINE with PATTERN; nothing changed
bad() {
	local line=$1 pat=$2
	shift 2
	printf '%s\n' "$@" >"$TMP/bad.txt"
	run_fail "$TMP/bad.txt:$line: $pat" $IPSECPOL -f "$TMP/bad.txt"
	[ "$(grep -c "bad.txt:[0-9]*:" <<<"$ERR")" -eq 1 ] || fail "expected one error line: $ERR"
	[ "$(dump_store local)" = "$BEFORE" ] || fail "local store changed by: $*"
	[ "$(dump_store persistent)" = "$PBEFORE" ] || fail "persistent store changed by: $*"
}

bad 1 'add filter: unknown tag "protocl" (valid tags: filterlist, srcaddr, dstaddr, description, protocol' \
	'add filter filterlist="All Traffic" srcaddr=any dstaddr=me protocl=TCP'
bad 3 'add filter: an identical filter (srcaddr=any dstaddr=me protocol=ANY srcport=0 dstport=0) is already in filter list "All Traffic"' \
	'# an identical filter' '' 'add filter filterlist="All Traffic" srcaddr=ANY dstaddr=ME'
bad 1 'ambiguous command "s": set, show' 's policy'
bad 2 'The following command was not found: add bogus. (expected after "add" one of filter, filteraction, filterlist, policy, rule)' \
	'show store' 'add bogus'
bad 1 'add policy: missing required parameter name' 'add policy description="no name"'
# a script in a legacy code page: a name looked up is refused as one written is
bad 1 'add rule: policy: byte 0xb9 at position 1 is not UTF-8: values are UTF-8 text (save the script as UTF-8, or run it with --codepage=N' \
	$'add rule name=R policy=\xb9\xd8 filterlist="All Traffic" filteraction=PERMIT'
bad 1 'set policy: name: byte 0xb9 at position 1 is not UTF-8' $'set policy name=\xb9\xd8 assign=y'
bad 1 'add policy: invalid value "perhaps" for mmpfs: expected one of yes, no' \
	'add policy name=X mmpfs=perhaps'
bad 1 'add filter: dstaddr: the DNS name "no-such-host.invalid" does not resolve' \
	'add filter filterlist=NewList srcaddr=me dstaddr=no-such-host.invalid'
bad 1 'add rule: no filter list named "Nope" in the local store' \
	'add rule name=R policy="Restrictive IPSec Policy" filterlist=Nope filteraction=PERMIT'
bad 1 'add filter: srcmask' 'add filter filterlist=NewList srcaddr=10.0.0.0 dstaddr=me srcmask=24x'
bad 1 'add filter:' 'add filter filterlist=NewList srcaddr=DNS dstaddr=any'
bad 1 'add filter:' 'add filter filterlist=NewList srcaddr=me dstaddr=any srcport=80'
bad 1 'delete filterlist:' 'delete filterlist name=DNS'
bad 1 'set policy: gponame:' 'set policy name="Restrictive IPSec Policy" gponame=GPO1'
bad 2 'add policy: the domain store is read-only; it is filled from the directory' \
	'set store location=domain' 'add policy name=D'
bad 1 'add policy: column 17: unterminated quote' 'add policy name="Unterminated'
bad 1 'set rule: no rule named "Nope" in policy "Restrictive IPSec Policy"' \
	'set rule name=Nope policy="Restrictive IPSec Policy" activate=no'
bad 1 'delete rule: id: rules are numbered from 1 (use set defaultrule' \
	'delete rule id=0 policy="Restrictive IPSec Policy"'
# inside a batch too (as netsh's batch mode), a failing command changed nothing and the
# batch goes on: what the others did is written when it ends
printf '%s\n' 'set batch mode=enable' 'add policy name=B1' 'add filterlist name=L1' \
	'add filter filterlist=L1 srcaddr=me dstaddr=any srcport=80' 'show policy name=Nope' \
	'add policy name=B2' 'set batch mode=disable' >"$TMP/batch.txt"
run_fail "$TMP/batch.txt:4: add filter:" $IPSECPOL -f "$TMP/batch.txt"
contains "$ERR" "$TMP/batch.txt:5: show policy: no policy named \"Nope\""
contains "$ERR" "2 commands failed"
lacks "$ERR" "batch aborted"
D=$(dump_store local)
contains "$D" 'name="B1"'
contains "$D" 'name="B2"'
contains "$D" 'name="L1"'
STDIN=/dev/stdin run_ok $IPSECPOL -f /dev/stdin <<<$'delete policy name=B1\ndelete policy name=B2\ndelete filterlist name=L1'
[ "$(dump_store local)" = "$BEFORE" ] || fail "the batch's objects were not deleted"
# name=all is the keyword all for delete too, as for show (no object can be called so)
printf '%s\n' 'set store location=persistent' 'add policy name=X1' 'add policy name=X2' \
	'add filteraction name=XA action=block' 'delete policy name=all' \
	'delete filteraction name=ALL' >"$TMP/all.txt"
run_ok $IPSECPOL -f "$TMP/all.txt"
P=$(dump_store persistent)
lacks "$P" 'add policy'
lacks "$P" 'add filteraction'
STDIN=/dev/stdin run_ok $IPSECPOL -f /dev/stdin <<<"$PBEFORE"
[ "$(dump_store persistent)" = "$PBEFORE" ] || fail "the persistent store was not restored"

# outside a batch, a failing line is reported and the script goes on (as netsh); exit 1
printf 'add policy name=First\nadd policy name=First\nadd policy name=Third\n' >"$TMP/stop.txt"
run_fail "$TMP/stop.txt:2: add policy: a policy named \"First\" already exists in the local store" \
	$IPSECPOL -f "$TMP/stop.txt"
contains "$ERR" "1 command failed"
D=$(dump_store local)
contains "$D" 'name="First"'
contains "$D" 'name="Third"'

# one log for output and errors: each command's output comes before the next one's error
printf 'show store\nadd policy name=First\nshow store\n' >"$TMP/order.txt"
LOGF=$($IPSECPOL -f "$TMP/order.txt" 2>&1)
[ "$(grep -n . <<<"$LOGF" | sed -n '1s/:.*//p;2s/:.*//p' | tr '\n' ' ')" = "1 2 " ] &&
	grep -q '^Current store is' <<<"$(sed -n 1p <<<"$LOGF")" &&
	grep -q 'order.txt:2: add policy' <<<"$(sed -n 2p <<<"$LOGF")" &&
	grep -q '^Current store is' <<<"$(sed -n 3p <<<"$LOGF")" ||
	fail "output and errors out of order in one log: $LOGF"

# one-shot commands: the program's name instead of FILE:LINE
run_fail 'ipsecpol: add policy: unknown tag "frob"' $IPSECPOL static add policy name=Y frob=1
# a tag written "tag = value" is not taken for a word of the command in the message
printf 'ipsec static add filter filterlist = Spaced srcaddr=\n' >"$TMP/spaced.txt"
run_fail "$TMP/spaced.txt:1: add filter: column 45: missing value after \"srcaddr=\"" \
	$IPSECPOL -f "$TMP/spaced.txt"
run_fail 'ERR IPsec : The following command was not found: static show all. (valid here: dump, ipsec, help)' $NETSH static show all
[ -z "$ERR" ] || fail "netsh printed its failure on standard error: $ERR"
run_fail 'ERR IPsec : ambiguous command "s": set, show' $NETSH ipsec s s all
run_ok $NETSH i s sh all
run_fail 'ipsecpol: show mmpolicy: the policy agent is not running' $IPSECPOL dynamic show mmpolicy

# usage errors exit 2
$IPSECPOL -f "$TMP/stop.txt" static show all 2>/dev/null
[ $? -eq 2 ] || fail "-f with a command should exit 2"
$IPSECPOL --frobnicate 2>/dev/null
[ $? -eq 2 ] || fail "an unknown option should exit 2"
run_fail 'cannot open' $IPSECPOL -f "$TMP/no-such-script.txt"
run_fail "ipsecpol: -f \"$TMP\": is a directory, expected a script file" $IPSECPOL -f "$TMP"
# an endless line (no newline ever comes) is refused at once, not read into memory
run_fail "/dev/zero:1: line longer than 65536 bytes" timeout 10 $IPSECPOL -f /dev/zero
# a note about a script's line names it, where its failures would go
printf 'add filterlist name=Noted\nadd filter filterlist=Noted srcaddr=10.1.1.1 srcmask=24 dstaddr=me\n' \
	>"$TMP/note.txt"
run_ok $IPSECPOL -f "$TMP/note.txt"
contains "$ERR" "$TMP/note.txt:2: note: srcaddr=10.1.1.1 has bits outside srcmask=24: the filter is the network 10.1.1.0/24"
lacks "$OUT" "note:"
# a line too long but ended: reported, not run, and the script goes on; a comment is no
# command (nothing failed); 65,536 bytes are a line, one more is not
{ echo "add filterlist name=BeforeLong"; printf 'add filterlist name=Long%070000d\n' 0
  printf '# %070000d\n' 0; echo "add filterlist name=AfterLong"
  printf 'add filterlist name=L description="%065500d"\n' 0
  printf 'add filterlist name=L2 description="%065500d"\n' 0; } >"$TMP/long.txt"
run_fail "$TMP/long.txt:2: line longer than 65536 bytes: not run" $IPSECPOL -f "$TMP/long.txt"
lacks "$ERR" "long.txt:3:"
contains "$ERR" "long.txt:5: add filterlist: description"
contains "$ERR" "long.txt:6: line longer than 65536 bytes: not run"
contains "$ERR" "3 commands failed"
run_ok $IPSECPOL static show filterlist name=AfterLong

# a NUL byte inside a line: the line is refused, not cut short into a wider filter
printf 'add filterlist name=NulL\nadd filter filterlist=NulL srcaddr=any dstaddr=me\0 protocol=tcp dstport=80\n' \
	>"$TMP/nul.txt"
run_fail "$TMP/nul.txt:2: a NUL byte at column 50" $IPSECPOL -f "$TMP/nul.txt"
run_ok $IPSECPOL static show filterlist name=NulL level=verbose
contains "$OUT" "No. of Filters         : 0"

# an object whose row another program damaged (a NUL byte inside a value) is still deleted by
# its name, said so; the others stay
if command -v sqlite3 >/dev/null; then
	run_ok $IPSECPOL static add policy name=DamP
	run_ok $IPSECPOL static add filteraction name=DamA
	run_ok $IPSECPOL static add filterlist name=DamL
	run_ok $IPSECPOL static add filterlist name=DamKeep
	for t in policy:DamP filteraction:DamA filterlist:DamL; do
		sqlite3 -cmd ".timeout 10000" "$ROOT/var/lib/ipsecpol/policy.db" \
			"update ${t%%:*} set description = 'a' || char(0) || 'b' where name = '${t##*:}'" ||
			fail "sqlite3"
	done
	run_fail 'a NUL byte inside the value of' $IPSECPOL static show policy name=DamP
	contains "$ERR" "delete the policy, filter list or filter action that holds it"
	run_ok $IPSECPOL static delete policy name=damp
	contains "$OUT$ERR" 'the policy "damp" had a damaged row (a NUL byte inside a value): deleted'
	run_ok $IPSECPOL static delete filteraction name=DamA
	run_ok $IPSECPOL static delete filterlist name=DamL
	run_ok $IPSECPOL static show filterlist name=DamKeep
	run_fail 'no policy named "DamP"' $IPSECPOL static delete policy name=DamP
fi

# a store on a read-only file system: what only reads still works, writes say why not
if command -v unshare >/dev/null && [ "$(id -u)" = 0 ]; then
	OUT=$(unshare -m sh -c "mount --bind '$ROOT/var/lib/ipsecpol' '$ROOT/var/lib/ipsecpol' &&
		mount -o remount,ro,bind '$ROOT/var/lib/ipsecpol' &&
		$BIN/ipsecpol --root '$ROOT' static show filterlist name=NulL &&
		$BIN/ipsecpol --root '$ROOT' static dump >/dev/null &&
		$BIN/ipsecpol --root '$ROOT' whatif src=192.0.2.1 dst=me proto=tcp dstport=80 &&
		$BIN/ipsecpold --root '$ROOT' --once --dry-run >/dev/null &&
		! $BIN/ipsecpol --root '$ROOT' static add policy name=RoNo" 2>&1) ||
		fail "read-only store: $OUT"
	contains "$OUT" "FilterList Name        : NulL"
	contains "$OUT" "Read-only file system"
fi
# what a message quotes reaches the terminal escaped, not as a control sequence
run_fail 'no filter list named "\x1b[31mX"' $IPSECPOL static show filterlist name="$(printf '\033[31mX')"
# an IPv6 extension header is no protocol the kernel matches a packet by: whatif says so
run_fail '"proto=43": an IPv6 extension header, which the kernel looks past' \
	$IPSECPOL whatif src=fd00:77::2 dst=fd00:77::1 me=fd00:77::1 proto=43
# a table of the database dropped by hand: every command says the database is damaged and
# which table is missing (a write half succeeded, a show showed a store without it)
if command -v sqlite3 >/dev/null; then
	D=$TMP/damaged
	run_ok $BIN/ipsecpol --root "$D" static add filterlist name=Kept
	sqlite3 "$D/var/lib/ipsecpol/policy.db" 'DROP TABLE journal' || fail "sqlite3"
	for cmd in "static add filterlist name=New" "static show all" "static dump"; do
		run_fail 'is damaged: its table "journal" is missing: restore the file from a backup' \
			$BIN/ipsecpol --root "$D" $cmd
	done
	# its generation counter's row deleted: as damaged (the agent cannot tell a change)
	D=$TMP/damaged2
	run_ok $BIN/ipsecpol --root "$D" static add filterlist name=Kept
	sqlite3 "$D/var/lib/ipsecpol/policy.db" 'DELETE FROM meta' || fail "sqlite3"
	run_fail 'is damaged: its generation counter (table "meta") is gone: restore the file' \
		$BIN/ipsecpol --root "$D" static show all
fi
# a rule whose filter action another program took away: dump writes the rest, says in a
# comment what it left out, and fails (a backup that would not give the store back whole)
if command -v python3 >/dev/null; then
	D=$TMP/damaged3
	printf '%s\n' 'add filterlist name=L' 'add filter filterlist=L srcaddr=any dstaddr=me' \
		'add filteraction name=B action=block' 'add policy name=P' \
		'add rule name=R policy=P filterlist=L filteraction=B' >"$TMP/d3.netsh"
	run_ok $BIN/ipsecpol --root "$D" -f "$TMP/d3.netsh"
	python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("UPDATE rule SET filteraction_id = NULL WHERE number > 0")
c.commit()' "$D/var/lib/ipsecpol/policy.db" || fail "python3 sqlite3"
	run_fail '1 rule of the store could not be written' $BIN/ipsecpol --root "$D" static dump
	contains "$OUT" 'names a filter action that is not in the store; rule left out'
	contains "$OUT" 'add filterlist name="L"'
fi
# rows another program wrote that no command writes: a rule number beyond 32 bits (not
# wrapped into another rule's), two assigned policies in one store (which one is in force
# cannot be told); an imported tunnel endpoint that is no host's address
if command -v python3 >/dev/null; then
	D=$TMP/damaged4
	printf '%s\n' 'add filterlist name=L' 'add filter filterlist=L srcaddr=any dstaddr=me' \
		'add filteraction name=B action=block' 'add policy name=P' 'add policy name=Q' \
		'add rule name=R policy=P filterlist=L filteraction=B' >"$TMP/d4.netsh"
	run_ok $BIN/ipsecpol --root "$D" -f "$TMP/d4.netsh"
	run_ok $BIN/ipsecpol --root "$D" static exportpolicy file="$TMP/d4.ipsec"
	python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("UPDATE rule SET number = 4294967297 WHERE name = '"'R'"'")
c.commit()' "$D/var/lib/ipsecpol/policy.db" || fail "python3 sqlite3"
	run_fail 'bad number: 4294967297' $BIN/ipsecpol --root "$D" static show rule all policy=P
	python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("UPDATE rule SET number = 1 WHERE name = '"'R'"'")
for row in c.execute("SELECT name FROM sqlite_master WHERE type = '"'index'"' AND sql LIKE '"'%assigned%'"'").fetchall():
    c.execute("DROP INDEX " + row[0])
c.execute("UPDATE policy SET assigned = 1")
c.commit()' "$D/var/lib/ipsecpol/policy.db" || fail "python3 sqlite3"
	run_fail 'the local store has two assigned policies, "P" (policy' \
		$BIN/ipsecpol --root "$D" static show policy all
	sed 's/ name="R" / name="R" tunnel=224.0.0.1 /' "$TMP/d4.ipsec" >"$TMP/d4t.ipsec"
	grep -q 'tunnel=224.0.0.1' "$TMP/d4t.ipsec" || fail "no rule line in the export: $(cat "$TMP/d4.ipsec")"
	run_fail '"224.0.0.1" is a multicast address, not the address of a tunnel'"'"'s far end' \
		$BIN/ipsecpol --root "$TMP/d4t" static importpolicy file="$TMP/d4t.ipsec"
	# a filter list with a filter action's GUID: no export that would not import
	D=$TMP/damaged5
	run_ok $BIN/ipsecpol --root "$D" -f "$TMP/d4.netsh"
	python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("UPDATE filterlist SET guid = (SELECT guid FROM filteraction LIMIT 1)")
c.commit()' "$D/var/lib/ipsecpol/policy.db" || fail "python3 sqlite3"
	run_fail 'holds two objects with GUID {' \
		$BIN/ipsecpol --root "$D" static exportpolicy file="$TMP/d5.ipsec"
	contains "$ERR" 'filter list "L" and filter action "B"'
	[ ! -e "$TMP/d5.ipsec" ] || fail "an export was written"
fi
# a batch that cannot be opened stops the script there: what follows was meant to be one
# transaction, and is not run one command at a time (here the file size limit refuses the
# first write of a new database)
if command -v prlimit >/dev/null; then
	D=$(mktemp -d "$TMP/fsz.XXXXXX")
	printf '%s\n' 'set batch mode=enable' 'add policy name=B1' 'set batch mode=disable' \
		'add policy name=B2' >"$TMP/batch.txt"
	run_fail 'the batch was not opened: the script stops, nothing after this line was run' \
		prlimit --fsize=2048 $BIN/ipsecpol --root "$D" -f "$TMP/batch.txt"
	[ "$(grep -c "batch.txt:[0-9]*:" <<<"$ERR")" -eq 1 ] || fail "expected one error line: $ERR"
fi
echo PASS
