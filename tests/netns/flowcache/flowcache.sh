#!/usr/bin/env bash
# flowcache.sh - the flow cache on real packets: a TCP or UDP flow is walked
# once and answered from the cache after that, with the same outcome
# (permit, block, negotiate: a clear packet still dropped), the filter's
# counter still counts every packet, a packet of an unmatched 5-tuple is
# remembered as permitted, and a change of the policy made through the
# running agent moves the rules to a fresh cache generation in the same
# transaction, so that the next packet of a cached flow gets the new
# outcome, while the filters' counters keep what the old generation
# counted.  When a set fills up (FlowCacheSize), the agent moves to a fresh
# generation too, and no packet goes uncounted.  FlowCache=0 in
# driver.conf turns it off.
#
#   H (the host under test)  10.77.0.1/24      P (its peer)  10.77.0.2/24
#
# Output: "PASS name" / "FAIL name" per check and a summary; exit 0 only if
# every check passed, 77 when it cannot run.
set -u -o pipefail

TAG="ipf$$" NAME=flowcache NEED="nft python3 ss ping"
. "$(dirname "$0")/../lib/pair.sh"

# send N SPORT DPORT: N datagrams of one 5-tuple from P to H
send() {
	px python3 - "$1" "$2" "$3" <<'PY'
import socket, sys, time
n, sport, dport = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.77.0.2", sport))
for i in range(n):
    s.sendto(b"x" * 20, ("10.77.0.1", dport))
    time.sleep(0.002)
PY
}
# received DPORT: datagrams the sink of DPORT got (one line each)
received() { local f=$WORK/udp.$1; [ -f "$f" ] && wc -l <"$f" || echo 0; }
# cached SET SPORT DPORT: the packets counted by the cache entry of that 5-tuple in either
# generation of SET ("" if none)
cached() {
	local g
	for g in 0 1; do
		hx nft list set inet ipsecpol "${1}_g$g" 2>/dev/null |
			sed -n "s/.*$P_IP \. $H_IP \. udp \. $2 \. $3 counter packets \([0-9]*\).*/\1/p"
	done
}
# gen: the generation the rules use now (the switch set that holds tcp)
# (a listing that fails, as one racing the agent's transactions can, is tried again)
gen() {
	local out i
	for i in 1 2 3 4 5; do
		out=$(hx nft list set inet ipsecpol fc_on_g1 2>&1) && break
		sleep 0.1
	done
	if [ "$i" = 5 ] && ! hx nft list set inet ipsecpol fc_on_g1 >/dev/null 2>&1; then
		echo "unknown ($out)"
	elif grep -q "elements = .*tcp" <<<"$out"; then
		echo 1
	else
		echo 0
	fi
}
# counted LIST [N]: the packets of the inbound image of filter N (1) of LIST in
# `dynamic show qmfilter`
counted() {
	pol dynamic show qmfilter type=specific 2>/dev/null |
		awk -v RS= -v pat="Filter Name                : $1 (filter ${2:-1})" 'index($0, pat) && !index($0, "mirror") { print; exit }' |
		sed -n 's/^Packets *: //p'
}

# ---- the network; UDP sinks in H, one per port, one line per datagram
pair_up
for port in 7000 7001 7002 7003 7004; do
	hx python3 -u -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', $port))
f = open('$WORK/udp.$port', 'a', buffering=1)
while True:
    s.recv(100); f.write('x\n')
" </dev/null >/dev/null 2>&1 &
	PIDS+=($!)
done
wait_for 10 eval '[ "$(hx ss -Hlun | wc -l)" -ge 4 ]' || { echo "the sinks did not start"; exit 2; }

cat >"$WORK/policy.netsh" <<'NETSH'
add filteraction name=Perm action=permit
add filteraction name=Blk action=block
add filteraction name=Neg action=negotiate
add filter filterlist=Allow srcaddr=10.77.0.2 dstaddr=me protocol=udp dstport=7000
add filter filterlist=Deny srcaddr=10.77.0.2 dstaddr=me protocol=udp dstport=7001
add filter filterlist=Secure srcaddr=10.77.0.0 srcmask=24 dstaddr=me protocol=udp dstport=7002
add filter filterlist=Ping srcaddr=10.77.0.2 dstaddr=me protocol=icmp
add policy name=Cache
add rule name=AllowUdp policy=Cache filterlist=Allow filteraction=Perm
add rule name=DenyUdp policy=Cache filterlist=Deny filteraction=Blk
add rule name=SecureUdp policy=Cache filterlist=Secure filteraction=Neg psk=secret
add rule name=PingOk policy=Cache filterlist=Ping filteraction=Perm
set policy name=Cache assign=yes
NETSH
check "the policy is typed into the shell" eval 'pol -f "$WORK/policy.netsh" >/dev/null'
check "ipsecpold --once applies it" eval 'hx "$BIN/ipsecpold" --root "$R" --once >/dev/null'
check "the table has the cache sets: twelve, in two generations" \
	eval '[ "$(hx nft list sets table inet ipsecpol | grep -c "set flow[46]_.*_g[01] ")" = 24 ]'
check "the rules use generation 0" eval '[ "$(gen)" = 0 ]'

# ---- permit: 40 datagrams of one 5-tuple, all delivered, 39 from the cache
send 40 41000 7000
check "permit: all 40 datagrams delivered" wait_for 5 eval '[ "$(received 7000)" = 40 ]'
check "permit: the 5-tuple is in flow4_in_permit, counting all 40" \
	eval '[ "$(cached flow4_in_permit 41000 7000)" = 40 ]'
check "permit: the filter's counter says 40" eval '[ "$(counted Allow)" = 40 ]'

# ---- block: dropped from the first packet to the last
send 25 41001 7001
sleep 0.3
check "block: nothing delivered" eval '[ "$(received 7001)" = 0 ]'
check "block: the 5-tuple is in flow4_in_block, counting all 25" \
	eval '[ "$(cached flow4_in_block 41001 7001)" = 25 ]'
check "block: the filter's counter says 25" eval '[ "$(counted Deny)" = 25 ]'

# ---- negotiate: remembered as negotiate, every clear packet still dropped
send 10 41002 7002
sleep 0.3
check "negotiate: no clear packet delivered" eval '[ "$(received 7002)" = 0 ]'
check "negotiate: the 5-tuple is in flow4_in_negotiate" \
	eval '[ "$(cached flow4_in_negotiate 41002 7002)" = 10 ]'

# ---- no filter matches (the gate passes: 10.77.0.2 is named): permitted, remembered
send 5 41003 7003
check "no match: delivered" wait_for 5 eval '[ "$(received 7003)" = 5 ]'
check "no match: remembered in flow4_in_permit" eval '[ "$(cached flow4_in_permit 41003 7003)" = 5 ]'

# ---- what `dynamic show stats` says of it
statval() { show dynamic show stats type=ipsec; val "$1"; }
check "stats: the four flows are in the flow cache" eval '[ "$(statval "Flows In The Flow Cache")" = 4 ]'
check "stats: and their 80 packets" eval '[ "$(statval "Packets Of Cached Flows")" = 80 ]'
check "stats: the clear packets the negotiate check dropped" \
	eval '[ "$(statval "Clear Packets Dropped By Negotiate")" = 10 ]'

# ---- other protocols: remembered by addresses and protocol (ICMP echo, both ways, which
# a mirrored filter permits)
# pairs SET SRC DST: the packets counted by the ICMP entry SRC -> DST of SET in force
pairs() {
	hx nft list set inet ipsecpol "${1}_g$(gen)" 2>/dev/null |
		sed -n "s/.*$2 \. $3 \. icmp counter packets \([0-9]*\).*/\1/p"
}
check "icmp: three echo requests answered" px ping -c 3 -i 0.2 -W 1 -q $H_IP
OUT="generation $(gen); the pair sets:
$(hx nft list table inet ipsecpol | grep -A7 -E "set pair4_(in|out)_permit_g$(gen)")"
check "icmp: the requests remembered in pair4_in_permit, counting all 3" \
	eval '[ "$(pairs pair4_in_permit $P_IP $H_IP)" = 3 ]'
check "icmp: the replies in pair4_out_permit" eval '[ "$(pairs pair4_out_permit $H_IP $P_IP)" = 3 ]'
# pinged: the packets of both images of the filter of list Ping
pinged() {
	pol dynamic show qmfilter type=specific 2>/dev/null |
		awk -v RS= 'index($0, "Filter Name                : Ping (filter 1") { print }' |
		awk '/^Packets/ { n += $3 } END { print n + 0 }'
}
check "icmp: the filter counted the 6 packets (3 each way)" eval '[ "$(pinged)" = 6 ]'

# ---- a change through the running agent empties the cache in the same transaction
# (the agent carries the counts of the table --once left: n0 so far)
n0=$(counted Allow)
hx "$BIN/ipsecpold" --root "$R" --foreground --verbose >>"$LOG" 2>&1 </dev/null &
AGENT_PID=$!
if ! wait_for 60 grep -q "running (pid" "$LOG"; then
	fail "the agent starts"
	tail -n 10 "$LOG" | sed 's/^/  | /'
else
	# the heap in huge pages where the kernel gives them on request (ipsecpold(8),
	# ENVIRONMENT): the agent started itself again with the tunable added
	if grep -q "\[madvise\]" /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; then
		apid=$(sed -n 's/.*running (pid \([0-9]*\),.*/\1/p' "$LOG" | tail -n 1)
		check "agent: its heap in huge pages (glibc.malloc.hugetlb=1 in its environment)" \
			eval 'tr "\0" "\n" <"/proc/$apid/environ" | grep -q "^GLIBC_TUNABLES=.*glibc.malloc.hugetlb=1"'
	fi
	send 10 41000 7000
	check "agent: the permitted flow is delivered and cached again" \
		wait_for 5 eval '[ "$(received 7000)" = 50 ] && [ "$(cached flow4_in_permit 41000 7000)" = 10 ]'
	check "agent: a more specific block filter for that very flow" \
		pol static add filter filterlist=Deny srcaddr=10.77.0.2 dstaddr=me protocol=udp \
		srcport=41000 dstport=7000
	changed() { listed "41000 . 7000" list map inet ipsecpol ip_s32_dme_p17_sp_dp; }
	check "agent: the change is in force (element-level)" wait_for 10 changed
	check "agent: the change did not replace the table (element-level update)" \
		grep -q "policy updated (the policy stores changed): 2 elements added, 0 deleted" "$LOG"
	check "agent: the rules moved to generation 1 with it" eval '[ "$(gen)" = 1 ]'
	# the base chains look flows up themselves: rewritten in the switch's transaction, with
	# the sets of generation 1 only, their hook, policy and rules otherwise as they were
	base_g1() {
		local c=$1 out
		out=$(hx nft list chain inet ipsecpol "$c") || return 1
		grep -q "type filter hook ${c} priority filter; policy drop;" <<<"$out" &&
			[ "$(grep -c "@flow[46]_[a-z]*_[a-z]*_g1 " <<<"$out")" = 6 ] &&
			! grep -q "_g0 " <<<"$out" &&
			[ "$(grep -c "loopback accept" <<<"$out")" = 1 ] &&
			[ "$(grep -c "meta nfproto . meta l4proto vmap" <<<"$out")" = 1 ]
	}
	OUT=$(hx nft list chain inet ipsecpol input 2>&1)
	check "agent: the input chain looks flows up in generation 1, its rules once each" base_g1 input
	check "agent: the output chain too" base_g1 output
	check "agent: generation 0 was folded and emptied" \
		wait_for 5 eval '[ -z "$(cached flow4_in_permit 41000 7000)" ]'
	check "agent: the permit filter's counter keeps the 10 packets its cache entry counted" \
		eval '[ "$(counted Allow)" = $((n0 + 10)) ]'
	OUT=$(hx nft list counters table inet ipsecpol)
	check "agent: in a carry counter of the element, for the packets it accepted" eval 'grep -q "carry accept ip_s32_dme_p17_dp 10.77.0.2 . 7000" <<<"$OUT"'
	send 10 41000 7000
	sleep 0.3
	check "agent: the next packets of the cached flow are blocked" eval '[ "$(received 7000)" = 50 ]'
	# a change of the stores that changes nothing in force keeps the generation and the cache
	g1=$(gen)
	check "agent: a policy description changed" pol static set policy name=Cache description=cached
	same() { grep -q "policy unchanged (the policy stores changed)" "$LOG"; }
	check "agent: nothing to change in the kernel" wait_for 10 same
	OUT="generation before: $g1; the agent's log:
$(grep -E "policy|flow cache" "$LOG")"
	check "agent: the generation stays" eval '[ "$(gen)" = "$g1" ]'
	check "agent: the cached flow stays cached" eval '[ "$(cached flow4_in_block 41000 7000)" = 10 ]'
	check "agent: and remembered as blocked" eval '[ "$(cached flow4_in_block 41000 7000)" = 10 ]'
	# a filter of a shape the policy has: the compiled form is patched in place
	# (no store read, no compile: the journal says what changed)
	full_applies() { grep -c "applying the policy (the policy stores changed)" "$LOG"; }
	n_full=$(full_applies)
	send 3 41003 7003
	check "agent: port 7003 is permitted before (no filter), and cached" \
		wait_for 5 eval '[ "$(received 7003)" = 8 ] && [ "$(cached flow4_in_permit 41003 7003)" = 3 ]'
	check "agent: a block filter for 7003 of an existing shape" \
		pol static add filter filterlist=Deny srcaddr=10.77.0.2 dstaddr=me protocol=udp dstport=7003
	patched() { grep -q "policy updated (the policy stores changed): 2 elements added, 0 deleted (in place" "$LOG"; }
	check "agent: applied in place (2 elements: the filter and its mirror image)" wait_for 10 patched
	check "agent: without reading and compiling the stores again" eval '[ "$(full_applies)" = "$n_full" ]'
	send 3 41003 7003
	sleep 0.3
	check "agent: the cached flow to 7003 is blocked now" eval '[ "$(received 7003)" = 8 ]'
	check "agent: the block filter of the cached flow to 7000 kept its 10 packets across the changes" \
		eval '[ "$(counted Deny 2)" = 10 ]'
	check "agent: the filter deleted again" \
		pol static delete filter filterlist=Deny srcaddr=10.77.0.2 dstaddr=me protocol=udp dstport=7003
	unpatched() { grep -q "policy updated (the policy stores changed): 0 elements added, 2 deleted (in place" "$LOG"; }
	check "agent: the deletion in place too" wait_for 10 unpatched
	# no flow remembered since the generation came into use (no packet since the last
	# change): nothing to make stale, the rules stay on it, the change is additions alone
	g2=$(gen)
	check "agent: a block filter for 7004 with the cache's generation empty" \
		pol static add filter filterlist=Deny srcaddr=10.77.0.2 dstaddr=me protocol=udp dstport=7004
	patched4() { [ "$(grep -c "policy updated (the policy stores changed): 2 elements added, 0 deleted (in place" "$LOG")" = 2 ]; }
	check "agent: applied in place" wait_for 10 patched4
	check "agent: the generation stays (its sets were empty)" eval '[ "$(gen)" = "$g2" ]'
	send 3 41004 7004
	sleep 0.3
	check "agent: the flow to 7004 is blocked, and remembered as such" \
		eval '[ "$(received 7004)" = 0 ] && [ "$(cached flow4_in_block 41004 7004)" = 3 ]'
	check "agent: the 7004 filter deleted with that flow cached" \
		pol static delete filter filterlist=Deny srcaddr=10.77.0.2 dstaddr=me protocol=udp dstport=7004
	unpatched4() { [ "$(grep -c "policy updated (the policy stores changed): 0 elements added, 2 deleted (in place" "$LOG")" = 2 ]; }
	check "agent: deleted in place" wait_for 10 unpatched4
	check "agent: the rules moved to the other generation (a flow was remembered)" \
		eval '[ "$(gen)" != "$g2" ]'
	send 3 41004 7004
	sleep 0.3
	check "agent: the flow to 7004 passes now" eval '[ "$(received 7004)" = 3 ]'
	check "agent: still no full apply" eval '[ "$(full_applies)" = "$n_full" ]'
	check "agent: the kernel took every in-place change" \
		eval '! grep -q "cannot change the policy in place" "$LOG"'
	check "agent: its own changes (folds, generations) never taken for someone else's" \
		eval '! grep -q "was changed in place\|was replaced by" "$LOG"'
	# a change of a rule's connection type renames its maps, counts kept: a whole apply
	# when the flow cache comes or goes (all <-> lan), else new maps in place (lan ->
	# dialup)
	applied() { grep -c -E "policy re-applied whole|policy updated \(" "$LOG"; }
	n_applied=$(applied)
	d1=$(counted Deny)
	for ct in lan dialup all; do
		check "agent: the block rule's connection type set to $ct" \
			pol static set rule name=DenyUdp policy=Cache conntype=$ct
		check "agent: applied" wait_for 10 eval '[ "$(applied)" -gt "$n_applied" ]'
		n_applied=$(applied)
		OUT="$(pol dynamic show qmfilter type=specific 2>&1 | grep -E "Filter Name|Packets")"
		check "agent: its filters keep their counts ($d1 and 10) with conntype=$ct" \
			eval '[ "$(counted Deny)" = "$d1" ] && [ "$(counted Deny 2)" = 10 ]'
		# counted by the element itself (not only by carry counters) when the lan
		# rule goes dialup (a LAN interface: the lan rule filters it; no flow
		# cache with rules of one connection type)
		[ "$ct" = lan ] && d1=$((d1 + 2)) && send 2 41001 7001
		OUT=""
		check "agent: the block filter counts at conntype=$ct ($d1)" \
			wait_for 5 eval '[ "$(counted Deny)" = "$d1" ]'
	done
	# a full set (65,536 flows, made up here) is shown as such
	python3 -c "
print('add element inet ipsecpol flow4_in_block_g$(gen) {')
for i in range(65536):
    print('  192.0.2.%d . 10.77.0.1 . udp . %d . 9,' % (1 + i // 65535, 1 + i % 65535))
print('}')" >"$WORK/full.nft"
	check "agent: a flow cache set filled to its size" hx nft -f "$WORK/full.nft"
	OUT=$(pol dynamic show stats type=ipsec 2>&1)
	check "stats: the full set is named" eval 'grep -q "^Flows In The Flow Cache *: .*(a set is full" <<<"$OUT"'
	send 3 41003 7003
	check "agent: 7003 is permitted again" wait_for 5 eval '[ "$(received 7003)" = 11 ]'
	# eviction: sets of 16 flows; thirteen flows fill three quarters of one
	mkdir -p "$R/etc/ipsecpol"
	c0=$(counted Allow)
	echo "FlowCacheSize=16" >>"$R/etc/ipsecpol/driver.conf"
	small() { OUT=$(hx nft list set inet ipsecpol flow4_in_permit_g0 2>&1); grep -q "size 16" <<<"$OUT"; }
	check "agent: FlowCacheSize=16 applied" wait_for 10 small
	# a new table (another option): the counts go over to its carry counters
	OUT="before: $c0; now: $(counted Allow); the agent's log:
$(tail -n 6 "$LOG")"
	check "agent: the permit filter keeps its count ($c0) across the new table" \
		eval '[ -n "$c0" ] && [ "$c0" -gt 0 ] && [ "$(counted Allow)" = "$c0" ]'
	check "stats: the negotiate check's drops are carried across the new table too" \
		eval '[ "$(statval "Clear Packets Dropped By Negotiate")" = 10 ]'
	g0=$(gen) before=$(counted Allow)
	for p in $(seq 41100 41112); do send 2 "$p" 7000; done
	check "agent: the 13 flows (26 datagrams) delivered" wait_for 5 eval '[ "$(received 7000)" = 76 ]'
	evicted() { OUT=$(grep "flow cache: a set is (nearly) full" "$LOG"); grep -Eq "\([0-9]+ additions tried, size 16\)" <<<"$OUT"; }
	check "agent: three quarters full, the agent moved to a fresh generation" wait_for 10 evicted
	OUT="generation before: $g0; the agent's log:
$(grep -E "policy|flow cache" "$LOG")"
	check "agent: the rules use the other generation" eval '[ "$(gen)" != "$g0" ]'
	check "agent: the old one emptied" \
		wait_for 5 eval '[ -z "$(hx nft list set inet ipsecpol flow4_in_permit_g$g0 | grep "counter packets")" ]'
	check "agent: the permit filter counted all 26 packets across the eviction" \
		eval '[ "$(counted Allow)" = $((before + 26)) ]'
	for p in $(seq 41100 41102); do send 2 "$p" 7000; done
	check "agent: flows after the eviction delivered and cached anew" \
		wait_for 5 eval '[ "$(received 7000)" = 82 ] && [ "$(cached flow4_in_permit 41102 7000)" = 2 ]'
	check "agent: and counted" eval '[ "$(counted Allow)" = $((before + 32)) ]'
	# another filter action for the rule: its element is deleted and added again with the
	# new verdict (its counter starts again), the count it had goes to the carry counter
	n=$(counted Allow)
	p0=$(statval "Packets Permitted") b0=$(statval "Packets Blocked")
	# shown by the verdict each packet was given: what the filter permitted stays permitted
	by_verdict() { # by_verdict BLOCKED_SINCE
		local p b
		p=$(statval "Packets Permitted") b=$(statval "Packets Blocked")
		OUT="packets permitted: $p0 before, $p now; blocked: $b0 before, $b now (+$1 expected)
the carry counters:
$(hx nft list counters table inet ipsecpol | grep -A1 "carry ")"
		[ "$p" = "$p0" ] && [ "$b" = $((b0 + $1)) ]
	}
	check "agent: the rule AllowUdp given the block action" \
		pol static set rule name=AllowUdp policy=Cache filteraction=Blk
	reblocked() { listed "10.77.0.2 . 7000 counter packets 0 bytes 0 : goto block" list map inet ipsecpol ip_s32_dme_p17_dp; }
	check "agent: in force, the element added again" wait_for 10 reblocked
	OUT="before the change: $n; now: $(counted Allow); the carry counters and the agent's log:
$(hx nft list counters table inet ipsecpol | grep -B1 -A2 "carry ")
$(tail -n 6 "$LOG")"
	# (the flows of the generation left behind are counted once folded, a moment later)
	check "agent: the filter keeps its count across its action's change" \
		wait_for 5 eval '[ "$(counted Allow)" = "$n" ]'
	send 2 41200 7000
	check "agent: and counts on" wait_for 5 eval '[ "$(counted Allow)" = $((n + 2)) ]'
	check "stats: the packets it permitted stay permitted, the 2 since are blocked" \
		wait_for 5 by_verdict 2
	check "agent: the rule AllowUdp given its action back" \
		pol static set rule name=AllowUdp policy=Cache filteraction=Perm
	repermitted() { listed "10.77.0.2 . 7000 counter packets 0 bytes 0 : goto permit" list map inet ipsecpol ip_s32_dme_p17_dp; }
	check "agent: in force again" wait_for 10 repermitted
	check "agent: the filter still keeps its count" \
		wait_for 5 eval '[ "$(counted Allow)" = $((n + 2)) ]'
	check "stats: with its action back, what it blocked stays blocked" wait_for 5 by_verdict 2
	# a rename keeps the rule, its filters and their counts (they are the rule's by GUID)
	check "agent: the rule renamed" pol static set rule name=AllowUdp policy=Cache newname=AllowUdp2
	check "agent: the policy renamed" pol static set policy name=Cache newname=Cache2
	check "agent: the filter keeps its count across the renames" \
		wait_for 5 eval '[ "$(counted Allow)" = $((n + 2)) ]'
	sleep 1
	check "agent: and still after them" eval '[ "$(counted Allow)" = $((n + 2)) ]'
	check "stats: and each verdict its packets" by_verdict 2
	pol static set policy name=Cache2 newname=Cache >/dev/null
	pol static set rule name=AllowUdp2 policy=Cache newname=AllowUdp >/dev/null
	# an address added to the host: the cache may hold outcomes "me" decided before it (a
	# flow from that address, cached as no filter's), so the rules move to a fresh generation
	g=$(gen)
	hx ip addr add 10.77.0.50/24 dev "$IF_H"
	check "agent: an address added: the flow cache starts a fresh generation" \
		wait_for 5 eval '[ "$(gen)" != "$g" ]'
	check "agent: and says why" wait_for 5 grep -q "the host's addresses changed (me)" "$LOG"
	check "agent: the filter keeps its count across it" \
		wait_for 5 eval '[ "$(counted Allow)" = $((n + 2)) ]'
	hx ip addr del 10.77.0.50/24 dev "$IF_H"
	sleep 0.5
	# an agent killed before it folded the generation a change left behind: the agent
	# started next counts those flows (here one of 5 packets, written in by hand)
	g=$(gen)
	a=$(agent_pid)
	kill -9 "$a"
	kill -9 "$AGENT_PID" 2>/dev/null; wait "$AGENT_PID" 2>/dev/null
	gone() { ! kill -0 "$a" 2>/dev/null; }
	wait_for 10 gone
	check "a flow of 5 packets in the generation left behind" hx nft add element inet ipsecpol \
		"flow4_in_permit_g$((1 - g))" "{ $P_IP . $H_IP . udp . 41300 . 7000 counter packets 5 bytes 250 }"
	runs=$(grep -c "running (pid" "$LOG")
	hx "$BIN/ipsecpold" --root "$R" --foreground --verbose >>"$LOG" 2>&1 </dev/null &
	AGENT_PID=$!
	restarted() { [ "$(grep -c "running (pid" "$LOG")" -gt "$runs" ]; }
	check "agent: started again" wait_for 60 restarted
	OUT="before: $((n + 2)); now: $(counted Allow)"
	check "agent: the filter counts the unfolded flow's packets but the first (walked)" \
		eval '[ "$(counted Allow)" = $((n + 6)) ]'
	p0=$((p0 + 4))
	check "stats: as permitted" by_verdict 2
	n=$((n + 4))
	echo "FlowCache=0" >>"$R/etc/ipsecpol/driver.conf"
	nosets() { listed "set flow" list sets table inet ipsecpol; [ $? = 1 ]; }
	check "agent: FlowCache=0 in driver.conf takes the cache away at once" wait_for 10 nosets
	check "agent: and the filter keeps its count in the new table" \
		eval '[ "$(counted Allow)" = $((n + 2)) ]'
	check "stats: and each verdict its packets" by_verdict 2
	# killed, then started again: the new agent carries the counts of the table it finds
	a=$(agent_pid)
	kill -9 "$a"
	kill -9 "$AGENT_PID" 2>/dev/null; wait "$AGENT_PID" 2>/dev/null
	gone() { ! kill -0 "$a" 2>/dev/null; }
	wait_for 10 gone # (until then its lock refuses a second agent)
	runs=$(grep -c "running (pid" "$LOG")
	hx "$BIN/ipsecpold" --root "$R" --foreground --verbose >>"$LOG" 2>&1 </dev/null &
	AGENT_PID=$!
	restarted() { [ "$(grep -c "running (pid" "$LOG")" -gt "$runs" ]; }
	check "agent: started again after kill -9" wait_for 60 restarted
	check "agent: the filter keeps its count across the restart" \
		eval '[ "$(counted Allow)" = $((n + 2)) ]'
	check "stats: and each verdict its packets across the restart" by_verdict 2
fi

# ---- FlowCache=0: no cache sets, same outcomes
a=$(agent_pid)
[ -n "$a" ] && kill "$a" 2>/dev/null
[ -n "$AGENT_PID" ] && wait "$AGENT_PID" 2>/dev/null
AGENT_PID=""
mkdir -p "$R/etc/ipsecpol"
grep -q "^FlowCache=0" "$R/etc/ipsecpol/driver.conf" 2>/dev/null ||
	echo "FlowCache=0" >>"$R/etc/ipsecpol/driver.conf"
check "FlowCache=0: applied" eval 'hx "$BIN/ipsecpold" --root "$R" --once >/dev/null'
check "FlowCache=0: no cache sets" eval 'listed "set flow" list sets table inet ipsecpol; [ $? = 1 ]'
check "FlowCache=0: stats say the cache is not used" \
	eval '[ "$(statval "Flows In The Flow Cache")" = "not used" ]'
n7000=$(received 7000)
send 5 41005 7000
check "FlowCache=0: permit still delivered" wait_for 5 eval '[ "$(received 7000)" = $((n7000 + 5)) ]'
send 5 41001 7001
sleep 0.3
check "FlowCache=0: block still dropped" eval '[ "$(received 7001)" = 0 ]'

echo "flowcache: $NPASS passed, $NFAIL failed"
[ "$NFAIL" -eq 0 ]
