#!/usr/bin/env bash
# Out of memory (and of file descriptors) while applying: errs closed.
#
# libnftables ends the process when an allocation fails (it prints "Memory
# allocation failure" and exits, or crashes printing it).  A persistent
# policy that blocks udp 7779, among 3,000 filters, is applied with
# `ipsecpold --once` under smaller and smaller address-space limits
# (prlimit --as), each time from no table at all (an open host).  After each
# run the host must be filtered: the policy in force (exit 0), or block mode
# (the process turned into `ipsecpold --block --failed`, exit 1, the message
# says why); or, below what libnftables needs to load block mode itself, the
# message says that what the kernel had stays in force, also when the kernel's
# table cannot even be read (the smallest limits: then block mode is tried
# all the same).  Below what the dynamic loader needs, no program runs at
# all (counted, not failed).  At least one limit
# must take the block mode way, or the test has not tested it.  Then the
# same with the daemon: started under a limit that fits the small policy, a
# commit of the 3,000 filters, the probe's datagrams to a newly blocked port
# do not arrive.
. "$(dirname "$0")/lib.sh"

command -v prlimit >/dev/null || { echo "SKIP: prlimit is not installed"; exit 77; }
if ldd "$IPPD" 2>/dev/null | grep libasan >/dev/null; then
	echo "SKIP: an address-sanitizer build reserves more address space than any limit here"
	exit 77
fi

DB=$R/var/lib/ipsecpol/policy.db
IPSECPOL=${IPP_BIN_DIR:?}/ipsecpol
pol() { env -u SSH_CONNECTION -u SSH_CLIENT "$IPSECPOL" --root "$R" "$@"; }
setup_net no
mkdir -p "$R/var/lib/ipsecpol" "$R/etc/ipsecpol"
"$MKPOLICY" "$DB" persistent Block7777 block udp 7777 || exit 2
{
	echo "set store location=persistent"
	echo "set batch mode=enable"
	echo "add filteraction name=Blk action=block"
	echo "add filter filterlist=Big srcaddr=any dstaddr=me protocol=udp dstport=7779"
	for i in $(seq 0 2999); do
		echo "add filter filterlist=Big srcaddr=10.$((i / 250)).$((i % 250)).0 srcmask=24 dstaddr=me protocol=tcp dstport=$((1000 + i))"
	done
	echo "add policy name=Big"
	echo "add rule name=R policy=Big filterlist=Big filteraction=Blk"
	echo "set policy name=Big assign=yes"
	echo "set batch mode=disable"
} >"$R/big.netsh"
check "a persistent policy of 3,000 filters in its place" pol -f "$R/big.netsh"

took_block=0 open_said=0 unstarted=0 bad=""
for mb in 48 40 34 30 26 23 20 18 16 14 12 11 10; do
	hx nft delete table inet ipsecpol 2>/dev/null
	hx prlimit --as=$((mb << 20)) "$IPPD" --root "$R" --once >"$R/once$mb.log" 2>&1
	rc=$?
	mode=$(table_mode)
	if [ $rc = 0 ] && [ "$mode" = secure ]; then
		continue
	elif [ $rc != 0 ] && [ "$mode" = block ] &&
		grep -q "libnftables ended the program .*loading block mode" "$R/once$mb.log" &&
		grep -q "block mode: all inbound and outbound traffic is dropped" "$R/once$mb.log"; then
		took_block=$((took_block + 1))
	elif [ $rc != 0 ] && [ -z "$mode" ] &&
		grep -q "what the kernel had stays in force" "$R/once$mb.log"; then
		open_said=$((open_said + 1))
	elif [ $rc != 0 ] && [ "$mode" = block ]; then
		continue # (our own allocation failed: the daemon's and --once's block mode)
	elif [ $rc = 127 ] && [ -z "$mode" ] &&
		grep -q "error while loading shared libraries" "$R/once$mb.log"; then
		unstarted=$((unstarted + 1)) # (the dynamic loader's own failure: no program ran)
	else
		bad="$bad ${mb}MB:rc=$rc,mode=${mode:-none}"
		sed 's/^/  | /' "$R/once$mb.log" | tail -n 5
	fi
done
echo "  (limits that took the block mode way: $took_block; too small even for that: $open_said;" \
	"too small for the dynamic loader: $unstarted)"
check "--once out of memory: filtered after every run, or it says why not (${bad:-all})" test -z "$bad"
check "--once out of memory: some limit turned the program into ipsecpold --block" test "$took_block" -gt 0

# The daemon: in force under a limit, then a commit too big for it.
hx nft delete table inet ipsecpol 2>/dev/null
printf 'set store location=persistent\nset policy name=Big assign=no\n' >"$R/unassign.netsh"
pol -f "$R/unassign.netsh" >/dev/null 2>&1
spawn h "$PROBE" udp-count 7779 "$R/c7779"
limit=""
for mb in 30 26 23 20 18; do
	: >"$LOG"
	hx prlimit --as=$((mb << 20)) "$IPPD" --root "$R" --foreground 2>>"$LOG" &
	AGENT_PID=$!
	if wait_for 10 sh -c "[ \"\$(printf 'mode\n' | socat -t 5 - UNIX-CONNECT:$R/run/ipsecpol/ipsecpold.sock 2>/dev/null | head -n1)\" = secure ]"; then
		# the small policy fits; now the big one
		printf 'set store location=persistent\nset policy name=Big assign=yes\n' >"$R/assign.netsh"
		pol -f "$R/assign.netsh" >/dev/null 2>&1
		if wait_for 15 sh -c "! kill -0 $AGENT_PID 2>/dev/null"; then
			limit=$mb
			break
		fi
		# (it fits this limit too: a smaller one)
		pol -f "$R/unassign.netsh" >/dev/null 2>&1
	fi
	kill -9 "$AGENT_PID" 2>/dev/null
	wait "$AGENT_PID" 2>/dev/null
	AGENT_PID=""
	hx nft delete table inet ipsecpol 2>/dev/null
done
if [ -n "$limit" ]; then
	wait "$AGENT_PID" 2>/dev/null
	echo "  (the daemon under $limit MB: in force with the small policy, out of memory with the big one)"
	check "daemon out of memory: block mode in force" test "$(table_mode)" = block
	check "daemon out of memory: the log says why" \
		grep -q "libnftables ended the program .*loading block mode" "$LOG"
	px "$PROBE" udp-send $H_IP 7779 20 500
	sleep 0.3
	check "daemon out of memory: no datagram to the newly blocked port arrives" \
		test "$(count_of "$R/c7779")" = 0
	AGENT_PID=""
else
	echo "  (no limit here let the daemon start and then run out of memory: not checked)"
fi
kill -9 "$AGENT_PID" 2>/dev/null
wait "$AGENT_PID" 2>/dev/null
AGENT_PID=""

# Too few file descriptors: a store that cannot be opened is no empty store.  Under each
# limit the agent either has the persistent policy in force, or block mode, or none of its
# own table and an exit (then nothing of it is in force, said in its log) -- never secure
# mode without the policy's filter.
R2=$R/fd
mkdir -p "$R2/var/lib/ipsecpol"
"$MKPOLICY" "$R2/var/lib/ipsecpol/policy.db" persistent Block7777 block udp 7777 || exit 2
bad=""
for n in $(seq 16 30); do
	hx nft delete table inet ipsecpol 2>/dev/null
	rm -f "$R2/var/lib/ipsecpol/policy.db-wal" "$R2/var/lib/ipsecpol/policy.db-shm"
	hx prlimit --nofile=$n "$IPPD" --root "$R2" --foreground 2>"$R2/log$n" &
	p=$!
	sleep 2.5
	mode=$(table_mode)
	if [ "$mode" = secure ] && ! hx nft list table inet ipsecpol | grep 7777 >/dev/null; then
		bad="$bad ${n}fds:secure-without-the-policy"
		tail -n 3 "$R2/log$n" | sed 's/^/  | /'
	fi
	kill -9 "$p" 2>/dev/null
	pkill -9 -f -- "--root $R2 --foreground" 2>/dev/null
	wait "$p" 2>/dev/null
done
check "too few file descriptors: never secure mode without the persistent policy (${bad:-none})" test -z "$bad"
finish
