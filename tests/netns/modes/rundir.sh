#!/usr/bin/env bash
# A run directory that cannot be used does not leave the host open.
#   - a file stands where ROOT/run/ipsecpol should be: the agent starts all
#     the same, puts the assigned policy in force, and says why the shell
#     cannot reach it (once, although it tries again every 2 s)
#   - at boot, --startup loads its mode all the same
#   - a second agent in the namespace, or --once, is still refused (the
#     namespace's claim), and the table stays
#   - a change of the store is still followed (the store is watched)
#   - the file removed: the pid file and the sockets are made, the log says
#     so and the shell reaches the agent
#   - no agent: --once applies without the lock, and says so
. "$(dirname "$0")/lib.sh"

IPP=${IPP_BIN_DIR:?}/ipsecpol
DB=$R/var/lib/ipsecpol/policy.db
setup_net no
mkdir -p "$R/var/lib/ipsecpol" "$R/etc/ipsecpol" "$R/run"
"$MKPOLICY" "$DB" persistent Block80 block tcp 80 || exit 2
echo "not a directory" >"$R/run/ipsecpol"
spawn h "$PROBE" tcp-count 80 "$R/h80"
spawn h "$PROBE" tcp-count 81 "$R/h81"
spawn h "$PROBE" tcp-count 82 "$R/h82"
reaches() { px "$PROBE" tcp-connect $H_IP "$1" 1000; }
check "no table: tcp 80 connects" wait_for 5 reaches 80

conf OperationMode=1
check "boot: --startup loads startup-block all the same" startup
check "boot: the table says startup-block" test "$(table_mode)" = startup-block
refute "boot: tcp 81 is dropped" reaches 81

agent_start
check "the log says the run directory cannot be used, and why" \
	grep -q 'the run directory "[^"]*/run/ipsecpol" cannot be used: .*; the policy is enforced all the same' "$LOG"
check "the table is in secure mode" wait_for 10 eval 'test "$(table_mode)" = secure'
refute "the persistent block: tcp 80 is dropped" reaches 80
check "tcp 81 (no filter) connects" reaches 81
refute "there is no control socket" test -e "$R/run/ipsecpol/ipsecpold.sock"
out=$(hx env -u SSH_CONNECTION -u SSH_CLIENT "$IPP" --root "$R" dynamic show mmsas 2>&1)
rc=$?
check "dynamic show mmsas (asks the agent): a non-zero exit" test $rc -ne 0
check "dynamic show mmsas: says the agent's socket cannot be reached" \
	eval 'grep -q "ipsecpold.sock" <<<"$out"'

before=$(table_stateless)
out=$(hx "$IPPD" --root "$R" --foreground 2>&1)
rc=$?
check "a second agent in the namespace: refused" test $rc -ne 0
check "a second agent: the message says another runs (the root's lock, held all the same)" \
	eval 'grep -q "another ipsecpold is running for root" <<<"$out"'
check "a second agent: the table is unchanged" test "$before" = "$(table_stateless)"
check "the first agent still runs" kill -0 "$AGENT_PID"
out=$(px timeout -s KILL 10 "$IPPD" --root "$R" --foreground 2>&1)
rc=$?
check "an agent of the root in another namespace: refused too (exit 1)" test $rc -eq 1
check "... it loaded no table there" eval '! px nft list table inet ipsecpol >/dev/null 2>&1'
out=$(px "$IPPD" --root "$R" --once 2>&1)
check "--once of the root in another namespace: refused, nothing changed" \
	eval 'grep -q "the policy agent of root .* is running.*nothing changed" <<<"$out"'
check "... no table there either" eval '! px nft list table inet ipsecpol >/dev/null 2>&1'
out=$(hx "$IPPD" --root "$R" --once 2>&1)
rc=$?
check "--once behind the agent's back: refused" test $rc -ne 0
check "--once: the message says the root's agent runs and nothing changed" \
	eval 'grep -q "the policy agent of root .* is running.*nothing changed" <<<"$out"'
check "--once: the table is unchanged" test "$before" = "$(table_stateless)"

"$MKPOLICY" "$DB" local Block82 block tcp 82 || exit 2
check "a store change is followed without the notify socket: tcp 82 dropped" \
	wait_for 10 eval '! reaches 82'
sleep 5 # two checks of the run directory or more
check "the reason is logged once" \
	test "$(grep -c 'the run directory "[^"]*" cannot be used' "$LOG")" = 1

rm -f "$R/run/ipsecpol"
check "the directory usable again: the log says so" \
	wait_for 10 grep -q 'the run directory "[^"]*" can be used: the shell reaches the agent again' "$LOG"
check "the control socket is made" test -S "$R/run/ipsecpol/ipsecpold.sock"
check "the pid file holds the agent's pid" \
	test "$(cat "$R/run/ipsecpol/ipsecpold.pid" 2>/dev/null)" = "$AGENT_PID"
check "the shell reaches the agent: secure mode" test "$(agent_mode)" = secure
refute "tcp 80 is still dropped" reaches 80
check "tcp 81 still connects" reaches 81

agent_signal TERM
check "stopped by the administrator: exit 0" agent_wait
check "stopped: the pid file is removed" test ! -e "$R/run/ipsecpol/ipsecpold.pid"

rm -rf "$R/run/ipsecpol"
echo "not a directory" >"$R/run/ipsecpol"
out=$(hx "$IPPD" --root "$R" --once 2>&1)
rc=$?
check "no agent, no run directory: --once applies" test $rc -eq 0
check "--once: the warning says it goes on without the lock, and why" \
	eval 'grep -q "^warning: cannot open .*ipsecpold.pid.*: going on without the lock" <<<"$out"'
check "--once: secure mode" test "$(table_mode)" = secure
refute "--once: tcp 80 is dropped" reaches 80
finish
