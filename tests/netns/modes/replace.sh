#!/usr/bin/env bash
# Another policy database put in place of the one in force, and the agent's
# directories removed and made again, while the agent runs:
#   - a copy moved in (a backup restored) whose generation is no higher than
#     the one in force: its policy applies, whole (its journal says nothing
#     of the file it replaced)
#   - a file written over the database in place, with the same generation, or a
#     copy of it changed elsewhere past the generation in force, or by sqlite3
#   - another database restored through SQLite's backup, and another copied
#     over the file while its write-ahead log holds changes: applied as read
#   - the state directory removed (the stores are empty) and made again with
#     a database in it: watched again, its policy applies
#   - the configuration directory removed and made again: driver.conf
#     written there is read
#   - the run directory removed: a second agent of the same root, in another
#     network namespace, is still refused
. "$(dirname "$0")/lib.sh"

DIR=$R/var/lib/ipsecpol
DB=$DIR/policy.db
setup_net no
mkdir -p "$DIR" "$R/etc/ipsecpol" "$R/bk/b" "$R/bk/c"
"$MKPOLICY" "$DB" persistent Block80 block tcp 80 || exit 2
# the backups: databases of their own, made the same way (the same generation)
"$MKPOLICY" "$R/bk/b/policy.db" persistent Block81 block tcp 81 || exit 2
"$MKPOLICY" "$R/bk/c/policy.db" persistent Block80 block tcp 80 || exit 2
for p in 80 81 82 83 84 85 86 87 88; do spawn h "$PROBE" tcp-count $p "$R/h$p"; done
reaches() { px "$PROBE" tcp-connect $H_IP "$1" 1000; }
check "no table: tcp 80 connects" wait_for 5 reaches 80

agent_start
check "secure mode" wait_for 10 eval 'test "$(table_mode)" = secure'
refute "Block80: tcp 80 is dropped" reaches 80
check "tcp 81 connects" reaches 81

# a backup moved in, as an administrator restores one
cp "$R/bk/b/policy.db" "$DIR/policy.db.new"
rm -f "$DB-wal" "$DB-shm"
mv "$DIR/policy.db.new" "$DB"
check "the backup moved in applies: tcp 81 is dropped" wait_for 10 eval '! reaches 81'
check "... and tcp 80 connects" reaches 80
check "the log says another database was put in place" \
	grep -q "applying the policy (another policy database file was put in place of the one in force)" "$LOG"

# a backup of the database in force moved in and changed at once (its generation then the
# one in force, its journal gone its own way): applied whole all the same
cp "$DB" "$R/bk/same.db"
"$MKPOLICY" "$DB" local Block82 block tcp 82 || exit 2
check "a change in force: tcp 82 is dropped" wait_for 10 eval '! reaches 82'
cp "$R/bk/same.db" "$DIR/policy.db.new"
rm -f "$DB-wal" "$DB-shm"
mv "$DIR/policy.db.new" "$DB"
"$MKPOLICY" "$DB" local Block83 block tcp 83 || exit 2
check "the backup changed at once: tcp 83 is dropped" wait_for 10 eval '! reaches 83'
check "... and tcp 82, which it does not block, connects" wait_for 5 reaches 82

# a copy of the database in force, changed elsewhere, written over it in place at the same
# generation as a change made meanwhile to the one in force: applied whole
cp "$DB" "$R/bk/fork.db"
rm -f "$R/bk/fork.db-wal" "$R/bk/fork.db-shm"
"$MKPOLICY" "$R/bk/fork.db" local Block84 block tcp 84 || exit 2
"$MKPOLICY" "$DB" local Block85 block tcp 85 || exit 2
check "a change in force: tcp 85 is dropped" wait_for 10 eval '! reaches 85'
# (each file whole, its log written into it, as a copy of a database at rest is)
sqlite3 -cmd ".timeout 10000" "$R/bk/fork.db" 'pragma wal_checkpoint(TRUNCATE)' >/dev/null || exit 2
sqlite3 -cmd ".timeout 10000" "$DB" 'pragma wal_checkpoint(TRUNCATE)' >/dev/null || exit 2
cat "$R/bk/fork.db" >"$DB"
check "the copy written over it in place: tcp 84 is dropped" wait_for 10 eval '! reaches 84'
check "... and tcp 85 connects" wait_for 5 reaches 85

# a copy of the database in force changed elsewhere more often than the one in force since
# (its generation past the one in force, its journal its own since their common past), written
# over it in place: applied whole, not changed in place by the copy's journal entries
# The verdict maps' elements of an nft ruleset on standard input, one a line, sorted (the
# flow cache's sets, empty in a dry run, and counters left out).
elems() {
	python3 -c '
import re, sys
t = re.sub(r" counter( packets \d+ bytes \d+)?", "", sys.stdin.read())
out = []
for body in re.findall(r"elements = \{(.*?)\}", t, re.S):
	out += [e.strip() for e in body.replace("\n", " ").split(",") if " : " in e]
print("\n".join(sorted(out)))'
}
table_elems() { table_stateless | elems; }
dry_elems() { hx "$IPPD" --root "$R" --once --dry-run 2>/dev/null | elems; }
IPSECPOL="$IPP_BIN_DIR/ipsecpol"
addf() { "$IPSECPOL" --root "$1" ipsec static add filter filterlist=Block84-list srcaddr=any \
	dstaddr=me protocol=tcp dstport="$2" >/dev/null || exit 2; }
rest() { sqlite3 -cmd ".timeout 10000" "$1" 'pragma wal_checkpoint(TRUNCATE)' >/dev/null || exit 2; }
mkdir -p "$R/fk/var/lib/ipsecpol"
rest "$DB"
cp "$DB" "$R/fk/var/lib/ipsecpol/policy.db"
addf "$R/fk" 86
addf "$R" 87
check "a filter added in force: tcp 87 is dropped" wait_for 10 eval '! reaches 87'
addf "$R/fk" 88
rest "$R/fk/var/lib/ipsecpol/policy.db"
rest "$DB"
cat "$R/fk/var/lib/ipsecpol/policy.db" >"$DB"
check "the copy two changes on written over it: tcp 86 is dropped" wait_for 10 eval '! reaches 86'
check "... tcp 88 is dropped" wait_for 10 eval '! reaches 88'
check "... and tcp 87, which the copy lacks, connects" wait_for 5 reaches 87

# two copies of the database in force, each changed by another program (sqlite3: the same
# generation, nonce and journal length), one written over the other in place: applied whole
rest "$DB"
cp "$DB" "$R/bk/two.db"
sqlite3 -cmd ".timeout 10000" "$DB" 'DELETE FROM filter WHERE dstport = 86' || exit 2
check "another program's change in force: tcp 86 connects" wait_for 10 reaches 86
sqlite3 -cmd ".timeout 10000" "$R/bk/two.db" 'DELETE FROM filter WHERE dstport = 88' || exit 2
rest "$R/bk/two.db"
rest "$DB"
cat "$R/bk/two.db" >"$DB"
check "the other copy written over it: tcp 86 is dropped" wait_for 10 eval '! reaches 86'
check "... and tcp 88 connects" wait_for 5 reaches 88

# a database written over the one in force, in place (the same file)
cat "$R/bk/c/policy.db" >"$DB"
check "written in place: Block80 applies, tcp 80 is dropped" wait_for 10 eval '! reaches 80'
check "... and tcp 81 connects" wait_for 5 reaches 81

# another database restored into the one in force through SQLite's backup (.restore: its
# pages, its identity too, in the write-ahead log until a checkpoint): applied whole, in
# secure mode, nothing said to be damaged
sqlite3 -cmd ".timeout 10000" "$DB" ".restore '$R/bk/b/policy.db'" || exit 2
check "restored through SQLite: Block81 applies, tcp 81 is dropped" wait_for 10 eval '! reaches 81'
check "... tcp 80 connects" wait_for 5 reaches 80
check "... in secure mode" eval 'test "$(table_mode)" = secure'
check "... and nothing is said to be damaged" eval '! grep -q "damaged" "$LOG"'
# another database copied over the file in place (cp) while the write-ahead log holds
# changes the copy lacks: SQLite reads pages of both; said, and applied whole as read
# (what ipsecpold --once --dry-run computes from the same file)
rest "$DB"
cp "$DB" "$R/bk/before-cp.db"
# (a change of the stores: its commit's pages in the log, which the agent holds open)
"$IPSECPOL" --root "$R" ipsec static add filterlist name=InTheLog >/dev/null || exit 2
test -s "$DB-wal" || exit 2
cp "$R/bk/c/policy.db" "$DB"
check "copied over its log: the log says the file holds another database than its log" \
	wait_for 10 grep -q "holds another database than its write-ahead log" "$LOG"
check "... still in secure mode" eval 'test "$(table_mode)" = secure'
check "... the table is what --once --dry-run computes from the file" \
	wait_for 10 eval 'test "$(table_elems)" = "$(dry_elems)"'

# the state directory removed, then made again with a database in it
cp "$DB" "$R/bk/saved.db"
rm -rf "$DIR"
check "the state directory removed: the stores are empty, tcp 80 connects" wait_for 10 reaches 80
mkdir -p "$DIR"
cp "$R/bk/b/policy.db" "$DB"
check "made again: its database applies, tcp 81 is dropped" wait_for 10 eval '! reaches 81'
check "the log says the directory is watched again" \
	grep -q "is there again: the policy database is read afresh" "$LOG"
"$MKPOLICY" "$DB" local Block80L block tcp 80 || exit 2
check "and a change after it is followed: tcp 80 is dropped" wait_for 10 eval '! reaches 80'

# the state directory moved away (not removed), another made in its place
mv "$DIR" "$DIR.old"
mkdir -p "$DIR"
cp "$R/bk/c/policy.db" "$DB"
check "moved away, another in its place: its database applies, tcp 80 dropped" \
	wait_for 10 eval '! reaches 80'
check "... tcp 81 connects" wait_for 5 reaches 81
"$MKPOLICY" "$DB" local Block81b block tcp 81 || exit 2
check "and a change of it is followed: tcp 81 is dropped" wait_for 10 eval '! reaches 81'
rm -rf "$DIR.old"

# the configuration directory removed, then made again with driver.conf in it
rm -rf "$R/etc/ipsecpol"
sleep 1.5
conf DiagnosticMode=2
check "driver.conf in the directory made again is read" \
	wait_for 10 eval 'ctl status | grep -q "^diagnostics=2"'

# the run directory removed: another agent of the root, in another namespace, is refused
# all the same (before the agent makes the pid file again, and after)
rm -rf "$R/run/ipsecpol"
out=$(px timeout -s KILL 10 "$IPPD" --root "$R" --foreground 2>&1)
rc=$?
check "the run directory removed: a second agent of the root is refused (exit 1)" test $rc -eq 1
check "... saying an agent runs for the root" \
	eval 'grep -q "another ipsecpold is running for root" <<<"$out"'
check "... and it loaded no table in its namespace" eval '! px nft list table inet ipsecpol >/dev/null 2>&1'
check "the agent makes its pid file again" \
	wait_for 10 eval 'test "$(cat "$R/run/ipsecpol/ipsecpold.pid" 2>/dev/null)" = "$AGENT_PID"'

agent_signal TERM
check "stopped: exit 0" agent_wait
finish
