#!/usr/bin/env bash
# Help and usage come from the command table: every command path it lists
# answers `?`, and the man page documents every command.
. "$(dirname "$0")/lib.sh"

run_ok $IPSECPOL --commands
PATHS=$OUT
[ "$(wc -l <<<"$PATHS")" -ge 51 ] || fail "too few commands: $PATHS"
while read -r path; do
	run_ok $NETSH $path '?'
	contains "$OUT" "Usage:" "$path ?"
done <<<"$PATHS"

run_ok $IPSECPOL help
contains "$OUT" "Commands in this context:"
contains "$OUT" "exportpolicy"
contains "$OUT" "whatif"
run_ok $NETSH ipsec static add filter '?'
contains "$OUT" "add filter [filterlist=]<string>"
contains "$OUT" "[[mirrored=](yes|no)]"
run_ok $IPSECPOL help add rule
contains "$OUT" "rootca"
run_ok $IPSECPOL static add '?'
contains "$OUT" "add filteraction"
# "help COMMAND" after the context's name, as typed in the context
run_ok $NETSH ipsec static help add rule
contains "$OUT" "add rule [name=]<string>"
run_ok $IPSECPOL static help show
contains "$OUT" "show all"
run_ok $NETSH ipsec help static
contains "$OUT" "Creates policies and related information."
run_fail 'The following command was not found: bogus.' $IPSECPOL static help bogus
# help creates nothing
[ ! -e "$ROOT/var/lib/ipsecpol/policy.db" ] || fail "help created the database"

# the man page names every command of both contexts
MAN=$SRC/docs/ipsecpol.8
[ -f "$MAN" ] || fail "no $MAN"
while read -r path; do
	cmd=${path#ipsec }
	cmd=${cmd#static }
	cmd=${cmd#dynamic }
	grep -qF -- "$cmd" "$MAN" || fail "the man page does not mention \"$cmd\""
done <<<"$PATHS"
if command -v groff >/dev/null; then
	W=$(groff -man -Tutf8 -ww -z "$MAN" 2>&1)
	[ -z "$W" ] || fail "groff warnings: $W"
fi
echo PASS
