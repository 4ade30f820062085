#!/usr/bin/env bash
# Dynamic policies and rules (`ipsec dynamic add|set|delete mmpolicy|qmpolicy|
# rule|all`): held by the running agent, in force with the stores' policies
# at once, with separate inbound and outbound actions, checked on real
# packets from a peer namespace and against whatif; refused cleanly when
# wrong; gone when the agent restarts, as Windows' are with its service.
#
#   H (the host under test)  10.77.0.1/24      P (its peer)  10.77.0.2/24
#
# Output: "PASS name" / "FAIL name" per check and a summary; exit 0 only if
# every check passed, 77 when it cannot run (not root, programs missing).
set -u -o pipefail

TAG="ipr$$" NAME=dynrules NEED="socat ping nft timeout"
. "$(dirname "$0")/../lib/pair.sh"

pair_up v4

# TCP from P to H:PORT (a listener in H answers "ok"); UDP likewise
listen_tcp() {
	hx socat TCP-LISTEN:"$1",fork,reuseaddr SYSTEM:'echo ok' 2>/dev/null &
	PIDS+=($!)
}
tcp_in() { [ "$(px timeout 3 socat -T2 - TCP:$H_IP:"$1",connect-timeout=1 </dev/null 2>/dev/null)" = ok ]; }
tcp_out() { # from H to a listener in P
	[ "$(hx timeout 3 socat -T2 - TCP:$P_IP:"$1",connect-timeout=1 </dev/null 2>/dev/null)" = ok ]
}
ping_in() { px ping -c1 -W1 -q $H_IP >/dev/null 2>&1; }
verdict() { # whatif's verdict word for ARGS
	pol whatif "$@" 2>/dev/null | sed -n 's/^Verdict: *\([a-z]*\).*/\1/p'
}

listen_tcp 80
listen_tcp 81
px socat TCP-LISTEN:9090,fork,reuseaddr SYSTEM:'echo ok' 2>/dev/null &
PIDS+=($!)

# ---- without the agent: a clear error, nothing else
show dynamic add mmpolicy name=MM
check "no agent: add mmpolicy fails saying the agent is not running" \
	eval '[ $RC -eq 1 ] && has "the policy agent is not running"'

# ---- a static policy in force, and the agent
cat >"$WORK/static.netsh" <<'NETSH'
add filteraction name=Allow action=permit
add filter filterlist=Web srcaddr=any dstaddr=me protocol=tcp dstport=80
add policy name=Base
add rule name=R1 policy=Base filterlist=Web filteraction=Allow
set policy name=Base assign=yes
NETSH
pol -f "$WORK/static.netsh" >/dev/null 2>&1 || fail "static policy"
hx "$BIN/ipsecpold" --root "$R" --foreground --verbose 2>>"$LOG" &
AGENT_PID=$!
up() { [ "$(printf 'mode\n' | hx socat -t 5 - "UNIX-CONNECT:$R/run/ipsecpol/ipsecpold.sock" 2>/dev/null | head -n1)" = secure ]; }
check "agent: secure" wait_for 20 up
check "before: TCP 81 in passes" wait_for 5 tcp_in 81

# ---- the policies a rule needs
show dynamic add mmpolicy name=MM mmsecmethods="3DES-SHA1-2 DES-MD5-1" qmpermm=2
check "add mmpolicy" eval '[ $RC -eq 0 ]'
show dynamic add mmpolicy name=mm
check "add mmpolicy: a name held (case aside) is refused" eval '[ $RC -eq 1 ] && has "already exists"'
show dynamic add qmpolicy QM soft=no pfsgroup=grp2 qmsecmethods="ESP[3DES,SHA1]"
check "add qmpolicy (tagless name)" eval '[ $RC -eq 0 ]'
show dynamic show mmpolicy name=MM
check "show mmpolicy: its offers and QM limit" \
	eval 'has "3DES-SHA1-2" && has "DES-MD5-1" && [ "$(val "QM Limit")" = 2 ]'
show dynamic show qmpolicy
check "show qmpolicy: PFS group and offers" eval '[ "$(val "PFS Group")" = GRP2 ] && has "ESP[3DES,SHA1]"'

# ---- a rule: TCP 81 from P blocked inbound, H's own TCP out permitted
show dynamic add rule srcaddr=$P_IP dstaddr=me mmpolicy=MM protocol=tcp dstport=81 \
	actioninbound=block actionoutbound=permit
check "add rule: block TCP 81 in, permit out" eval '[ $RC -eq 0 ]'
check "in force at once: TCP 81 in is dropped" eval '! tcp_in 81'
check "the static policy stays: TCP 80 in passes" tcp_in 80
check "whatif agrees: inbound TCP 81 blocked" \
	eval '[ "$(verdict src=$P_IP dst=me proto=tcp dstport=81)" = block ]'
check "whatif: the mirror image outbound is permitted" \
	eval '[ "$(verdict src=me dst=$P_IP proto=tcp srcport=81)" = permit ]'
show dynamic show rule
check "show rule: both actions" \
	eval '[ "$(val "Inbound Action")" = Block ] && [ "$(val "Outbound Action")" = Permit ] && [ "$(val "Main Mode Policy")" = MM ]'
show dynamic show qmfilter type=specific
check "show qmfilter: the dynamic rule's specific filters" \
	eval 'has "Policy Name                : (dynamic)" && has "dynamic rule 1"'

# ---- one direction each: ICMP in blocked, out permitted (the echo reply comes in: dropped)
show dynamic add rule srcaddr=any dstaddr=me mmpolicy=MM protocol=icmp actioninbound=block \
	actionoutbound=permit
check "add rule: ICMP in blocked" eval '[ $RC -eq 0 ] && ! ping_in'
check "whatif: ICMP out permitted, in blocked" \
	eval '[ "$(verdict src=me dst=$P_IP proto=icmp)" = permit ] && [ "$(verdict src=$P_IP dst=me proto=icmp)" = block ]'

# ---- set rule changes an action; identity by the selector
show dynamic set rule srcaddr=any dstaddr=me protocol=icmp srcport=0 dstport=0 mirrored=yes \
	conntype=all actioninbound=permit
check "set rule: ICMP in permitted again" eval '[ $RC -eq 0 ] && wait_for 3 ping_in'
show dynamic set rule srcaddr=any dstaddr=me protocol=udp srcport=0 dstport=0 mirrored=yes \
	conntype=all actioninbound=permit
check "set rule: no such rule" eval '[ $RC -eq 1 ] && has "no rule with that filter"'

# ---- refusals change nothing
show dynamic add rule srcaddr=$P_IP dstaddr=me mmpolicy=MM protocol=tcp dstport=81 \
	actioninbound=permit actionoutbound=permit
check "add rule: the same filter again is refused" eval '[ $RC -eq 1 ] && has "already exists"'
show dynamic add rule srcaddr=$P_IP dstaddr=me mmpolicy=MM protocol=tcp dstport=82 \
	actioninbound=negotiate
check "add rule: negotiate without a quick mode policy is refused" \
	eval '[ $RC -eq 1 ] && has "needs a quick mode policy"'
show dynamic add rule srcaddr=$P_IP dstaddr=me mmpolicy=NoSuch protocol=tcp dstport=82 \
	actioninbound=block actionoutbound=block
check "add rule: an unknown main mode policy is refused" eval '[ $RC -eq 1 ] && has "NoSuch"'
show dynamic delete mmpolicy name=MM
check "delete mmpolicy: in use by a rule, refused" eval '[ $RC -eq 1 ] && has "is used by" && has "delete the rule first"'
check "after the refusals: TCP 81 still dropped" eval '! tcp_in 81'

# ---- negotiate: a clear packet of a negotiate rule is dropped inbound
show dynamic add rule srcaddr=$P_IP dstaddr=me mmpolicy=MM qmpolicy=QM protocol=tcp dstport=80 \
	actioninbound=negotiate actionoutbound=negotiate
check "add rule: negotiate TCP 80 (beats the static permit by weight)" \
	eval '[ $RC -eq 0 ] && ! tcp_in 80'
check "whatif: TCP 80 in negotiates" \
	eval '[ "$(verdict src=$P_IP dst=me proto=tcp dstport=80)" = negotiate ]'
show dynamic delete rule srcaddr=$P_IP dstaddr=me protocol=tcp srcport=0 dstport=80 mirrored=yes \
	conntype=all
check "delete rule: TCP 80 passes again" eval '[ $RC -eq 0 ] && wait_for 3 tcp_in 80'

# ---- soft=yes lets clear packets out whatever the inbound action is
show dynamic add qmpolicy name=Soft soft=yes
show dynamic add rule srcaddr=me dstaddr=$P_IP mmpolicy=MM qmpolicy=Soft protocol=tcp dstport=9090 \
	actioninbound=permit actionoutbound=negotiate
check "soft quick mode policy: outbound negotiate, clear TCP out passes" eval '[ $RC -eq 0 ] && tcp_out 9090'
check "whatif: sent in the clear (soft)" \
	eval 'pol whatif src=me dst=$P_IP proto=tcp dstport=9090 | grep -q "soft=yes"'
show dynamic show qmfilter type=specific
check "show qmfilter: a rule of two actions is two specific filters, none shadowed" \
	eval '[ "$(grep -c "dynamic rule 4" <<<"$OUT")" = 2 ] && hasnt "shadowed"'
show dynamic show qmfilter type=generic
check "show qmfilter type=generic: the dynamic rules too, with both actions" \
	eval 'has "dynamic rule 4" && has "Outbound Action            : Negotiate Security"'
show dynamic delete rule srcaddr=me dstaddr=$P_IP protocol=tcp srcport=0 dstport=9090 mirrored=yes \
	conntype=all
# the control socket: a line too long gets its answer; words not UTF-8 are refused
long=$(head -c 9000 /dev/zero | tr '\0' A)
OUT=$(printf 'dynamic add mmpolicy name=%s\n' "$long" | hx socat -t 5 - "UNIX-CONNECT:$R/run/ipsecpol/ipsecpold.sock" 2>&1)
check "control socket: a line too long is answered ERR E2BIG" has "ERR E2BIG"
OUT=$(printf 'dynamic add mmpolicy name=p%%ff\n' | hx socat -t 5 - "UNIX-CONNECT:$R/run/ipsecpol/ipsecpold.sock" 2>&1)
check "control socket: a name not UTF-8 is refused" eval 'has "ERR EINVAL" && has "not UTF-8"'

# ---- in an SSH session (P to H's port 22), a rule that cuts it off needs force=yes
ssh_pol() { OUT=$(hx env SSH_CONNECTION="$P_IP 50000 $H_IP 22" "$BIN/ipsecpol" --root "$R" "$@" 2>&1); RC=$?; }
ssh_pol dynamic add rule srcaddr=any dstaddr=me mmpolicy=MM protocol=tcp dstport=22 \
	actioninbound=block actionoutbound=permit
check "SSH session: a rule blocking it is refused, naming the session" \
	eval '[ $RC -eq 1 ] && has "would be cut off" && has "force=yes"'
show dynamic show rule
check "SSH session: nothing added" hasnt "Destination Port           : 22"
ssh_pol dynamic add rule srcaddr=any dstaddr=me mmpolicy=MM protocol=tcp dstport=23 \
	actioninbound=block actionoutbound=permit
check "SSH session: a rule leaving it alone is added" eval '[ $RC -eq 0 ]'
ssh_pol dynamic add rule srcaddr=any dstaddr=me mmpolicy=MM protocol=tcp dstport=22 \
	actioninbound=block actionoutbound=permit force=yes
check "SSH session: force=yes adds it, with a warning" eval '[ $RC -eq 0 ] && has "warning"'
show dynamic delete rule srcaddr=any dstaddr=me protocol=tcp srcport=0 dstport=22 mirrored=yes conntype=all
show dynamic delete rule srcaddr=any dstaddr=me protocol=tcp srcport=0 dstport=23 mirrored=yes conntype=all
# a session by a dial-up interface (a layer-3 tunnel): judged as dial-up, not LAN
if hx ip tuntap add dev tunr mode tun 2>/dev/null; then
	hx ip addr add 10.77.49.1/24 dev tunr && hx ip link set tunr up &&
		hx ip route add 10.77.50.0/24 dev tunr
	DIAL="10.77.50.1 40000 10.77.49.1 22"
	OUT=$(hx env SSH_CONNECTION="$DIAL" "$BIN/ipsecpol" --root "$R" dynamic add rule srcaddr=10.77.50.1 \
		dstaddr=me mmpolicy=MM protocol=tcp dstport=22 conntype=dialup actioninbound=block \
		actionoutbound=block 2>&1)
	RC=$?
	check "SSH session by a tunnel: a dial-up rule blocking it is refused" \
		eval '[ $RC -eq 1 ] && has "would be cut off"'
	OUT=$(hx env SSH_CONNECTION="$DIAL" "$BIN/ipsecpol" --root "$R" dynamic add rule srcaddr=10.77.50.1 \
		dstaddr=me mmpolicy=MM protocol=tcp dstport=22 conntype=lan actioninbound=block \
		actionoutbound=block 2>&1)
	RC=$?
	check "SSH session by a tunnel: a LAN rule leaves it alone" eval '[ $RC -eq 0 ]'
	show dynamic delete rule srcaddr=10.77.50.1 dstaddr=me protocol=tcp srcport=0 dstport=22 \
		mirrored=yes conntype=lan
	hx ip link del tunr
fi

# ---- tunnel rules are not mirrored; set with nothing to change fails
show dynamic add rule srcaddr=me dstaddr=10.77.5.0 dstmask=24 tunneldstaddress=$P_IP mmpolicy=MM \
	qmpolicy=QM
check "tunnel rule: added, not mirrored by default" eval '[ $RC -eq 0 ]'
show dynamic show rule type=tunnel
check "show rule type=tunnel: Mirrored NO" eval '[ "$(val Mirrored)" = NO ]'
show dynamic add rule srcaddr=me dstaddr=10.77.6.0 dstmask=24 tunneldstaddress=$P_IP mirrored=yes \
	mmpolicy=MM qmpolicy=QM
check "tunnel rule: mirrored=yes refused" eval '[ $RC -eq 1 ] && has "give mirrored=no"'
show dynamic add rule srcaddr=me dstaddr=10.77.6.0 dstmask=24 tunneldstaddress=fd00::1 mirrored=no \
	mmpolicy=MM qmpolicy=QM
check "tunnel rule: an endpoint of the other family refused" eval '[ $RC -eq 1 ] && has "address families"'
show dynamic delete rule srcaddr=me dstaddr=10.77.5.0 dstmask=24 tunneldstaddress=$P_IP protocol=any \
	srcport=0 dstport=0 mirrored=no conntype=all
check "tunnel rule: deleted by its filter and endpoint" eval '[ $RC -eq 0 ]'
show dynamic set mmpolicy name=MM
check "set mmpolicy with nothing to change fails" eval '[ $RC -eq 1 ] && has "nothing to change"'

# ---- a script as published (pushd ipsec dynamic ... popd)
cat >"$WORK/panic.netsh" <<NETSH
pushd ipsec dynamic
add rule srcaddr=me dstaddr=any mmpolicy=MM protocol=tcp dstport=9090 actioninbound=permit actionoutbound=block
popd
NETSH
show -f "$WORK/panic.netsh"
check "script: outbound TCP 9090 blocked" eval '[ $RC -eq 0 ] && ! tcp_out 9090'
# a rule of two actions between two addresses (neither side me): each kernel element is
# shown as the specific filter of its direction, with that direction's action, none shadowed
show dynamic add rule srcaddr=$H_IP dstaddr=$P_IP mmpolicy=MM protocol=tcp dstport=9091 \
	actioninbound=permit actionoutbound=block
show dynamic show qmfilter type=specific dstport=9091
check "two actions, addresses: the outbound image blocks" \
	eval 'awk -v RS= "/Direction *: Outbound\n/ && /Outbound Action *: Block/" <<<"$OUT" | grep -q 9091'
check "two actions, addresses: the inbound image permits" \
	eval 'awk -v RS= "/Direction *: Inbound\n/ && /Inbound Action *: Permit/" <<<"$OUT" | grep -q 9091'
check "two actions, addresses: none shadowed" hasnt "shadowed"
check "two actions, addresses: no direction shown with the other's action" \
	eval '! awk -v RS= "/Direction *: Outbound\n/ && /Outbound Action *: Permit/" <<<"$OUT" | grep -q 9091'

# ---- delete all; and an agent restart loses them
show dynamic delete all
check "delete all: TCP 81 passes, TCP 9090 out passes" eval '[ $RC -eq 0 ] && wait_for 3 tcp_in 81 && tcp_out 9090'
show dynamic show rule
check "delete all: no rules left" has "There are no dynamic rules"
show dynamic add mmpolicy name=MM
show dynamic add rule srcaddr=$P_IP dstaddr=me mmpolicy=MM protocol=tcp dstport=81 \
	actioninbound=block actionoutbound=block
check "again: TCP 81 dropped" eval '[ $RC -eq 0 ] && ! tcp_in 81'
# killed: the table it leaves holds the rule; whatif says so
kill -9 "$(agent_pid)" 2>/dev/null
wait "$AGENT_PID" 2>/dev/null
show whatif src=$P_IP dst=me proto=tcp dstport=81
check "agent killed: whatif notes the dynamic rules left in the table" \
	has "ipsecpold is not running: the table in force still holds the dynamic rules"
check "agent killed: the table still drops TCP 81" eval '! tcp_in 81'
hx "$BIN/ipsecpold" --root "$R" --foreground --verbose 2>>"$LOG" &
AGENT_PID=$!
check "agent restarted: secure" wait_for 20 up
show whatif src=$P_IP dst=me proto=tcp dstport=81
check "agent restarted: no such note" hasnt "still holds the dynamic rules"
check "after a restart the dynamic rules are gone: TCP 81 passes" wait_for 5 tcp_in 81
show dynamic show mmpolicy
check "after a restart: no main mode policies" has "There are no dynamic main mode policies"

echo "$NPASS passed, $NFAIL failed"
[ "$NFAIL" -eq 0 ]
