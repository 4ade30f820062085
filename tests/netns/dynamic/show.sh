#!/usr/bin/env bash
# `dynamic show qmfilter | mmfilter | stats | all` read what is in force from
# the kernel of a namespace: the policy applied by `ipsecpold --once`, real
# packets from a peer namespace, and the counters, weights and selectors
# shown; the startup modes; no table at all; and with the agent running,
# `set config` and store changes taking effect, and the agent's commands.
#
#   H (the host under test)  10.77.0.1/24      P (its peer)  10.77.0.2/24
#
# Output: "PASS name" / "FAIL name" per check and a summary; exit 0 only if
# every check passed, 77 when it cannot run (not root, programs missing).
set -u -o pipefail

TAG="ipd$$" NAME=dynamic NEED="socat ping nft timeout sqlite3"
. "$(dirname "$0")/../lib/pair.sh"

# block TEXT: the record of $OUT (blank-line separated) containing TEXT
block() { awk -v RS= -v pat="$1" 'index($0, pat) { print; exit }' <<<"$OUT"; }
# in_block TEXT LABEL: LABEL's value in that record
in_block() { sed -n "s/^$2 *: //p" <<<"$(block "$1")" | head -n1; }
ge() { [ -n "$1" ] && [ "$1" -ge "$2" ]; }


# ---- the network
pair_up v4

# ---- nothing in force
show dynamic show qmfilter
check "no table: show qmfilter says so and succeeds" \
	eval '[ $RC -eq 0 ] && has "no IPsec policy is in force (the table inet ipsecpol does not exist)"'
show dynamic show stats type=ipsec
check "no table: show stats says the driver permits" eval '[ $RC -eq 0 ] && [ "$(val "Driver Mode")" = permit ]'
show whatif src=10.77.0.2 dst=me proto=tcp dstport=80
check "no table: whatif notes that nothing is in force" \
	eval '[ $RC -eq 0 ] && has "Note:        no IPsec policy is in force now"'
if command -v setpriv >/dev/null; then
	OUT=$(hx setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN/ipsecpol" --root "$R" \
		dynamic show qmfilter 2>&1)
	RC=$?
	check "without CAP_NET_ADMIN: a clear error" \
		eval '[ $RC -eq 1 ] && has "needs CAP_NET_ADMIN: run as root"'
fi

# ---- a policy, typed as an administrator would, applied once
cat >"$WORK/policy.netsh" <<'NETSH'
add filteraction name=Blk action=block
add filteraction name=Perm action=permit
add filteraction name=Neg action=negotiate
add filter filterlist=Web srcaddr=any dstaddr=me protocol=tcp dstport=80
add filter filterlist=Ping srcaddr=any dstaddr=any protocol=icmp
add filter filterlist=Secure srcaddr=10.77.0.0 srcmask=24 dstaddr=me protocol=udp dstport=5000 mirrored=no
add policy name=Dyn
add rule name=BlockWeb policy=Dyn filterlist=Web filteraction=Blk
add rule name=AllowPing policy=Dyn filterlist=Ping filteraction=Perm
add rule name=NegUdp policy=Dyn filterlist=Secure filteraction=Neg psk=secret
set policy name=Dyn assign=yes
NETSH
check "the policy is typed into the shell" pol -f "$WORK/policy.netsh"
check "ipsecpold --once applies it" eval 'hx "$BIN/ipsecpold" --root "$R" --once >/dev/null' 
show whatif src=10.77.0.2 dst=me proto=tcp dstport=80
check "whatif: the policy in force, no note" eval '[ $RC -eq 0 ] && has "Verdict:     block" && hasnt "Note:"'
# a store changed with no agent to apply it: whatif gives the stores' verdict and says the
# kernel's table is another
check "a filter added to the stores, not applied" \
	pol add filter filterlist=Web srcaddr=10.77.0.2 dstaddr=me protocol=tcp dstport=22
show whatif src=10.77.0.2 dst=me proto=tcp dstport=22
check "whatif: the table in force is not the stores' policy" \
	eval '[ $RC -eq 0 ] && has "Verdict:     block" && has "Note:        the table in force is not the stores'"'"' policy (2 of its 7 specific filters missing)"'
check "the filter deleted again" \
	pol delete filter filterlist=Web srcaddr=10.77.0.2 dstaddr=me protocol=tcp dstport=22
show whatif src=10.77.0.2 dst=me proto=tcp dstport=80
check "whatif: the stores as in force again, no note" eval '[ $RC -eq 0 ] && hasnt "Note:"'

show dynamic show qmfilter
# (ICMP between any and any: ICMP and ICMPv6, two specific filters)
check "show qmfilter: 3 generic filters, 5 specific ones" \
	eval '[ $RC -eq 0 ] && has "3 Generic Filters" && has "5 Specific Filters"'
show dynamic show qmfilter type=specific
check "show qmfilter: the weight of any -> me tcp/80 (inbound)" \
	eval '[ "$(in_block "Destination Port           : 80" Weight)" = "2097409 (0x200101)" ]'
check "show qmfilter: the weight of 10.77.0.0/24 -> me udp/5000" \
	eval '[ "$(in_block "Secure (filter 1)" Weight)" = "3670273 (0x380101)" ]'
check "show qmfilter: the mirror image of the web filter is outbound" \
	eval '[ "$(in_block "filter 1, mirror image" Direction)" = Outbound ]'
check "show qmfilter: nothing counted before any traffic" \
	eval '[ "$(in_block "AllowPing" Packets)" = 0 ]'

# ---- real packets from the peer
px ping -c 4 -i 0.2 -W 1 -q $H_IP >/dev/null 2>&1
for _ in 1 2 3; do
	px timeout 3 socat -u /dev/null TCP:$H_IP:80,connect-timeout=1 2>/dev/null
	printf 'x' | px socat -u - UDP:$H_IP:5000 2>/dev/null
done
sleep 0.3

show dynamic show qmfilter type=specific
check "specific: the ping filter counted the 4 echoes and 4 replies" \
	eval 'ge "$(in_block "AllowPing" Packets)" 8'
check "specific: the web block filter counted the SYNs" \
	eval 'ge "$(in_block "Web (filter 1)" Packets)" 1'
check "specific: the negotiate filter counted the UDP datagrams" \
	eval 'ge "$(in_block "Secure (filter 1)" Packets)" 3'
check "specific: the mirror image of the web filter saw nothing" \
	eval '[ "$(in_block "Web (filter 1, mirror image)" Packets)" = 0 ]'
spec_ping=$(in_block "AllowPing" Packets)
spec_web=$(in_block "Web (filter 1)" Packets)

show dynamic show qmfilter type=generic
check "generic: no specific filters listed" eval 'has "3 Generic Filters" && hasnt "Specific Quick Mode Filters"'
check "generic: the ping filter's counters are its specific filter's" \
	eval '[ "$(in_block "AllowPing" Packets)" = "$spec_ping" ]'
check "generic: the web filter sums its two specific filters" \
	eval '[ "$(in_block "Web (filter 1)" Packets)" = "$spec_web" ] && [ "$(in_block "Web (filter 1)" "Specific Filters In Force")" = 2 ]'
check "generic: the inbound action of the negotiate rule" \
	eval '[ "$(in_block "Secure (filter 1)" "Inbound Action")" = "Negotiate Security" ]'

show dynamic show qmfilter type=specific protocol=udp
check "selector protocol=udp: only the negotiate filter" eval 'has "1 Specific Filter" && has "Secure (filter 1)"'
show dynamic show qmfilter type=specific actioninbound=block
check "selector actioninbound=block: only the inbound web filter" \
	eval 'has "1 Specific Filter" && [ "$(val Direction)" = Inbound ] && [ "$(val "Destination Port")" = 80 ]'
show dynamic show qmfilter srcaddr=10.77.0.9
check "selector srcaddr=10.77.0.9: the filter of 10.77.0.0/24" \
	eval 'has "1 Generic Filter" && has "1 Specific Filter" && has "Secure (filter 1)"'
show dynamic show qmfilter name=Ping
check "selector name=: the filter list (ICMP and ICMPv6)" \
	eval 'has "1 Generic Filter" && has "2 Specific Filters"'
show dynamic show qmfilter type=specific protocol=icmp
check "selector protocol=icmp: the ICMP filter's ICMP and ICMPv6 specific filters" \
	eval 'has "2 Specific Filters"'
show dynamic show qmfilter srcaddr=www.invalid
check "a DNS name as a selector is refused clearly" eval '[ $RC -eq 1 ] && has "srcaddr \"www.invalid\": a DNS name is not accepted here"'

show dynamic show mmfilter
check "mmfilter: the negotiate rule only, with its authentication" \
	eval 'has "1 Generic Filter" && has "1 Specific Filter" && [ "$(val "Authentication Methods")" = "Preshared key" ] && hasnt "BlockWeb"'
check "mmfilter: the weight of the address pair" eval '[ "$(val Weight)" = "3670016 (0x380000)" ]'
check "mmfilter: the negotiated packets" eval 'ge "$(val Packets 2)" 3'

show dynamic show stats type=ipsec
check "stats: secure mode, 5 specific filters" \
	eval '[ "$(val "Driver Mode")" = secure ] && [ "$(val "Specific Filters In Force")" = 5 ]'
check "stats: packets permitted" eval 'ge "$(val "Packets Permitted")" 8'
check "stats: packets blocked" eval 'ge "$(val "Packets Blocked")" 1'
check "stats: packets of negotiate filters" eval 'ge "$(val "Packets Matching Negotiate Filters")" 3'
check "stats: the clear ones dropped by the negotiate check" \
	eval 'ge "$(val "Clear Packets Dropped By Negotiate")" 3 && ge "$(val "Clear Bytes Dropped By Negotiate")" 84'
check "stats: bytes follow packets" eval 'ge "$(val "Bytes Permitted")" $((8 * 84))'
check "stats: SA counters are not available" \
	eval '[ "$(val "Active Security Associations")" = "not available" ] && hasnt "IKE Main Mode"'
show dynamic show stats type=ike
check "stats type=ike: IKE counters only, not available" \
	eval '[ "$(val "Main Modes")" = "not available" ] && hasnt "IPsec Statistics"'

# a filter whose selectors a better one has (equal weight: block beats permit) is in no
# map: listed as shadowed, counted as such, the total as whatif and ipsecpold count it
check "a filter with the web filter's selectors" \
	pol static add filter filterlist=Web2 srcaddr=any dstaddr=me protocol=tcp dstport=80
check "in a permit rule" pol static add rule name=PermitWeb policy=Dyn filterlist=Web2 filteraction=Perm
check "applied" eval 'hx "$BIN/ipsecpold" --root "$R" --once >/dev/null'
show dynamic show stats
check "stats: the two specific filters of the permit rule are shadowed" \
	eval '[ "$(val "Specific Filters In Force")" = 5 ] && [ "$(val "Specific Filters Shadowed")" = "2 (a better filter decides every packet they match)" ]'
show dynamic show qmfilter type=specific name=Web2
check "specific: both listed as shadowed, with no packets" \
	eval 'has "2 Specific Filters" && [ "$(grep -c "Kernel Map *: none: shadowed" <<<"$OUT")" = 2 ] && [ "$(val Packets)" = 0 ]'
show dynamic show qmfilter type=specific name=Web2 actioninbound=permit
check "specific: a shadowed one keeps its direction (the inbound image alone)" \
	eval 'has "1 Specific Filter" && [ "$(val Direction)" = Inbound ] && [ "$(val "Outbound Action")" = - ]'
show dynamic show qmfilter type=specific
check "specific: 7 in all, as ipsecpold counts them" eval 'has "7 Specific Filters"'
check "the permit rule deleted again" pol static delete rule name=PermitWeb policy=Dyn
check "(its list)" pol static delete filterlist name=Web2
check "applied again" eval 'hx "$BIN/ipsecpold" --root "$R" --once >/dev/null'
show dynamic show stats
check "stats: nothing shadowed any more" eval 'hasnt "Shadowed"'

show dynamic show all
check "show all: config, filters, statistics and the agent's state" \
	eval '[ $RC -eq 0 ] && has "IPsec Configuration Parameters" && has "Generic Main Mode Filters" && has "Specific Quick Mode Filters" && has "IPsec Statistics" && has "Dynamic policies, rules and security associations: none (the policy agent is not running)."'

# ---- the stores change after the policy was applied
check "a filter is added to the web list" pol static add filter filterlist=Web srcaddr=any dstaddr=me protocol=tcp dstport=443
show dynamic show qmfilter type=specific
check "the two new specific filters are reported as not in force" \
	eval 'has "Note: 2 of the 7 specific filters of the stores are not in force" && has "5 Specific Filters"'
check "ipsecpold --once applies the change" eval 'hx "$BIN/ipsecpold" --root "$R" --once >/dev/null' 
show dynamic show qmfilter type=specific
check "after applying: all 7 in force" eval 'hasnt "Note:" && has "7 Specific Filters"'
# the other way: a filter deleted from the stores stays in force until applied
px timeout 1 bash -c "exec 3<>/dev/tcp/$H_IP/443" 2>/dev/null # (blocked: its SYNs counted)
check "a filter is deleted from the web list" pol static delete filter filterlist=Web srcaddr=any dstaddr=me protocol=tcp dstport=443
show dynamic show qmfilter type=specific
check "the kernel's elements the stores lost are reported, with their packets" \
	eval 'has "Note: the kernel also enforces 2 filter elements that the stores no longer hold (" && hasnt "no longer hold (0 packets" && has "5 Specific Filters"'
show dynamic show stats type=ipsec
check "stats count the elements in force that the stores lost" \
	eval 'has "Elements In Force Not In The Stores"'
check "ipsecpold --once applies the deletion" eval 'hx "$BIN/ipsecpold" --root "$R" --once >/dev/null'
show dynamic show qmfilter type=specific
check "after applying: no note" eval 'hasnt "Note:" && has "5 Specific Filters"'
check "the filter is added back" pol static add filter filterlist=Web srcaddr=any dstaddr=me protocol=tcp dstport=443
check "ipsecpold --once applies it" eval 'hx "$BIN/ipsecpold" --root "$R" --once >/dev/null'
# a filter deleted from the stores whose flows the flow cache holds: those packets are
# the deleted filter's (counted with the elements the stores lost), not the filter the
# stores would give them now
check "a filter of the peer's pings (more specific than any <-> any)" \
	pol static add filter filterlist=Ping srcaddr=$P_IP dstaddr=me protocol=icmp
check "ipsecpold --once applies it" eval 'hx "$BIN/ipsecpold" --root "$R" --once >/dev/null'
show dynamic show qmfilter type=generic name=Ping
any_before=$(in_block "Ping (filter 1)" Packets)
px ping -c 6 -i 0.2 -W 1 -q $H_IP >/dev/null 2>&1
show dynamic show qmfilter type=generic name=Ping
check "the peer's filter counted the 6 echoes and 6 replies" eval '[ "$(in_block "Ping (filter 2)" Packets)" = 12 ]'
check "the peer's filter is deleted from the stores (not applied)" \
	pol static delete filter filterlist=Ping srcaddr=$P_IP dstaddr=me protocol=icmp
show dynamic show qmfilter type=generic name=Ping
check "any <-> any is not given the cached flows' packets" \
	eval '[ "$(in_block "Ping (filter 1)" Packets)" = "$any_before" ]'
check "the packets are counted with the elements the stores lost" \
	eval 'has "that the stores no longer hold (12 packets so far)"'
check "ipsecpold --once applies the deletion" eval 'hx "$BIN/ipsecpold" --root "$R" --once >/dev/null'
# a filter action changed in the stores: the kernel still blocks, and says so
blocked_before=$(sed -n 's/^Packets Blocked *: //p' <<<"$(pol dynamic show stats type=ipsec)")
check "the blocking action made permit in the stores" pol static set filteraction name=Blk action=permit
px timeout 1 bash -c "exec 3<>/dev/tcp/$H_IP/80" 2>/dev/null # (blocked still: its SYNs counted)
show dynamic show qmfilter type=specific actioninbound=block
check "the web filter is shown with the kernel's action, and a note says it differs" \
	eval 'has "Inbound Action             : Block" && has "filter elements in force give another action than the stores do"'
show dynamic show stats type=ipsec
check "its packets are counted as blocked, as the kernel gave them" \
	eval '[ "$(val "Packets Blocked")" -gt "$blocked_before" ]'
check "the action made block again" pol static set filteraction name=Blk action=block

# ---- a bad row in a policy that is not assigned: what is in force is still shown
check "an unassigned policy with a filter of its own" \
	pol static add filter filterlist=Unused srcaddr=any dstaddr=me protocol=tcp dstport=99
check "the policy, not assigned" pol static add policy name=Other
check "its rule" pol static add rule name=U policy=Other filterlist=Unused filteraction=Perm
sqlite3 -cmd ".timeout 10000" "$R/var/lib/ipsecpol/policy.db" "UPDATE filter SET protocol = 999 WHERE dstport = 99" || exit 2
show dynamic show stats type=ipsec
check "bad unassigned row: show stats still reads what is in force" eval '[ $RC -eq 0 ] && has "Driver Mode"'
show dynamic show qmfilter type=generic name=Web
check "bad unassigned row: show qmfilter too" eval '[ $RC -eq 0 ] && has "Generic Filter"'
show whatif src=$P_IP dst=me proto=tcp dstport=80
check "bad unassigned row: whatif too" eval '[ $RC -eq 0 ] && has "Verdict"'
show static show policy name=Other
check "bad unassigned row: the store's own show names the row" eval '[ $RC -ne 0 ] && has "bad protocol"'
sqlite3 -cmd ".timeout 10000" "$R/var/lib/ipsecpol/policy.db" "DELETE FROM filter WHERE dstport = 99" || exit 2

# ---- startup modes: no policy filters
mkdir -p "$R/etc/ipsecpol"
check "set config bootmode block" pol dynamic set config bootmode block
check "ipsecpold --startup loads block mode" hx "$BIN/ipsecpold" --root "$R" --startup
show dynamic show qmfilter
check "startup block: show qmfilter says the mode" \
	eval '[ $RC -eq 0 ] && has "startup mode \"block\"" && hasnt "Generic Filters"'
show dynamic show stats type=ipsec
check "startup block: stats name the mode" \
	eval '[ "$(val "Driver Mode")" = startup-block ] && [ "$(val "Packets Permitted")" = "not available" ]'

# ---- the agent runs
: >"$LOG"
ip netns exec "$NS_H" "$BIN/ipsecpold" --root "$R" --foreground --verbose 2>>"$LOG" &
AGENT_PID=$!
if ! wait_for 60 grep -q "running (pid" "$LOG"; then
	fail "the agent starts"
	sed 's/^/  | /' "$LOG" | tail -n 10
else
	show dynamic show qmfilter type=specific
	check "agent: secure again, 7 specific filters" eval 'has "7 Specific Filters"'
	show dynamic show mmpolicy
	check "agent: show mmpolicy: none yet" \
		eval '[ $RC -eq 0 ] && has "There are no dynamic main mode policies"'
	show dynamic show qmsas format=json
	check "agent: show qmsas format=json: none, as JSON" eval '[ $RC -eq 0 ] && [ "$OUT" = "[]" ]'
	show dynamic add mmpolicy name=M
	check "agent: add mmpolicy" eval '[ $RC -eq 0 ]'
	show dynamic show all
	check "agent: show all counts the agent's dynamic policies and rules" \
		eval 'has "Dynamic policies, rules and security associations: 1 main mode policy, 0 quick mode policies, 0 rules"'
	show dynamic delete mmpolicy name=M
	check "agent: delete mmpolicy" eval '[ $RC -eq 0 ]'
	logs() { listed 'log prefix' list table inet ipsecpol; }
	nologs() { ! logs; }
	check "agent: no drop logging at first" nologs
	check "agent: set config ipsecdiagnostics 1" pol dynamic set config ipsecdiagnostics 1
	check "agent: the diagnostics level is applied at once" wait_for 10 logs
	check "agent: set config ipsecdiagnostics 0" pol dynamic set config ipsecdiagnostics 0
	check "agent: and removed at once" wait_for 10 nologs
	show dynamic show config
	check "agent: show config with the agent in step" \
		eval '[ $RC -eq 0 ] && [ "$(val IpsecDiagnostics)" = 0 ] && hasnt "has not read"'
	check "agent: the policy is unassigned in the shell" pol static set policy name=Dyn assign=no
	nofilters() { show dynamic show qmfilter type=specific; has "0 Specific Filters"; }
	check "agent: the unassignment is in force at once" wait_for 10 nofilters
	check "agent: the policy is assigned again" pol static set policy name=Dyn assign=yes
	seven() { show dynamic show qmfilter type=specific; has "7 Specific Filters"; }
	check "agent: the assignment is in force at once" wait_for 10 seven
	# a change that rewrites the ICMP walk chains keeps the count of the ping filter, a
	# rule of those chains (its rule counters are carried)
	px ping -c 3 -i 0.2 -W 1 -q $H_IP >/dev/null 2>&1
	pings() { show dynamic show qmfilter type=generic name=Ping; in_block AllowPing Packets; }
	pinged() { [ "$(pings)" = 6 ]; }
	check "agent: the ping filter counted 3 echoes and 3 replies" wait_for 5 pinged
	check "agent: an ICMP filter of a new shape" \
		pol static add filter filterlist=Web srcaddr=10.77.5.0 srcmask=24 dstaddr=me protocol=icmp
	rewritten() { listed "in4_p1_s" list chain inet ipsecpol in4_p1; }
	check "agent: in force, the walk chain rewritten" wait_for 10 rewritten
	OUT="the ping filter now: $(pings); carry counters:
$(hx nft list counters table inet ipsecpol | grep -A2 "carry")"
	# (the cached flows' share comes back when the generation left behind is folded)
	check "agent: the ping filter kept its 6 packets" wait_for 5 pinged
	# what a whole apply warns of, the agent logs: for a filter added in place, and again
	# when it starts (once, not at every apply)
	warned() { [ "$(grep -c "protocol 58 is ICMPv6" "$LOG")" = "$1" ]; }
	check "agent: a filter of protocol 58 between IPv4 addresses" \
		pol static add filter filterlist=Web srcaddr=10.77.6.1 dstaddr=me protocol=58
	check "agent: in force, the agent warns that IPv4 does not carry ICMPv6" wait_for 10 warned 1
	# one more of that shape: changed in place, and said for it
	check "agent: another such filter (in place)" \
		pol static add filter filterlist=Web srcaddr=10.77.6.2 dstaddr=me protocol=58
	check "agent: warned for it too" wait_for 10 warned 2
	# a change the agent computes whole: the warnings were said already
	applies() { printf 'status\n' | socat -t 30 - "UNIX-CONNECT:$R/run/ipsecpol/ipsecpold.sock" | sed -n 's/^applies=//p'; }
	a0=$(applies)
	check "agent: a filter action's description changed" \
		pol static set filteraction name=Perm description=hello
	check "agent: that change applied" wait_for 10 eval '[ "$(applies)" != "$a0" ]'
	check "agent: the warnings are not said again" warned 2
	kill "$AGENT_PID"
	wait "$AGENT_PID"
	ip netns exec "$NS_H" "$BIN/ipsecpold" --root "$R" --foreground --verbose 2>>"$LOG" &
	AGENT_PID=$!
	check "agent: restarted, it warns again" wait_for 60 warned 4
	check "agent: a change that leaves the filter" \
		pol static add filter filterlist=Web srcaddr=10.77.7.0 srcmask=24 dstaddr=me protocol=tcp
	sleep 1
	check "agent: no warning repeated" warned 4
	# a policy written beside the one in force: nothing in force changes, the stores are
	# not read whole for it (the journal says what no assigned policy uses)
	stat1() { printf 'status\n' | socat -t 30 - "UNIX-CONNECT:$R/run/ipsecpol/ipsecpold.sock" | sed -n "s/^$1=//p"; }
	wait_for 10 eval '[ "$(stat1 flow_fold_pending)" = no ]'
	a0=$(stat1 applies) s0=$(stat1 store_reads)
	printf '%s\n' "set store location=local" \
		"add policy name=Beside" "add filteraction name=BesideBlock action=block" \
		"add filter filterlist=BesideList srcaddr=any dstaddr=me protocol=tcp dstport=9" \
		"add filter filterlist=BesideList srcaddr=any dstaddr=me protocol=tcp dstport=10" \
		"add rule name=R1 policy=Beside filterlist=BesideList filteraction=BesideBlock" \
		"set filteraction name=BesideBlock description=later" \
		"delete filter filterlist=BesideList srcaddr=any dstaddr=me protocol=tcp dstport=10" \
		"add filterlist name=BesideEmpty" \
		>"$WORK/beside.netsh"
	# a burst of commits while the agent looks (its looks and the commits interleave)
	for i in $(seq 1 300); do
		echo "add filter filterlist=BesideList srcaddr=10.99.$((i / 250)).$((i % 250)) dstaddr=me protocol=tcp dstport=9"
	done >>"$WORK/beside.netsh"
	check "agent: another policy written, unassigned (308 commands)" \
		hx "$BIN/ipsecpol" --root "$R" -f "$WORK/beside.netsh"
	check "agent: its commits looked at" wait_for 10 eval '[ "$(stat1 applies)" -gt "$a0" ]'
	sleep 1
	OUT="store_reads before $s0, now $(stat1 store_reads); last_change $(stat1 last_change)"
	check "agent: the stores were not read whole for them" eval '[ "$(stat1 store_reads)" = "$s0" ]'
	check "agent: nothing in force changed" eval '[ "$(stat1 last_change)" = unchanged ]'
	check "agent: a filter of the list in force, in place" \
		pol static add filter filterlist=Web srcaddr=10.77.8.0 srcmask=24 dstaddr=me protocol=tcp
	check "agent: in place, no store read" wait_for 10 eval '[ "$(stat1 last_change)" = in-place ] && [ "$(stat1 store_reads)" = "$s0" ]'
	# a filter of a shape of its own (a map made for it), then deleted in place: the map
	# left empty goes a moment later, when the agent puts the table in order
	web25() { hx nft list table inet ipsecpol | grep "map ip_s25_dme_p6 {" >/dev/null; }
	check "agent: a filter of a new shape" \
		pol static add filter filterlist=Web srcaddr=10.77.8.128 srcmask=25 dstaddr=me protocol=tcp
	check "agent: its map made" wait_for 10 web25
	check "agent: the filter deleted again" \
		pol static delete filter filterlist=Web srcaddr=10.77.8.128 srcmask=25 dstaddr=me protocol=tcp
	check "agent: in place" wait_for 10 eval '[ "$(stat1 last_change)" = in-place ]'
	check "agent: a moment later the table is put in order: the empty map gone" \
		wait_for 10 eval '! web25 && grep -q "policy updated (put in order after deletions in place)" "$LOG"'
	# how long that took and when it ended: a time of this minute, not before the command
	t_end=$(stat1 applied_at)
	OUT="last_apply_ms $(stat1 last_apply_ms), applied_at $t_end, now $(date +%s)"
	check "agent: the change's apply timed" eval \
		'[ -n "$(stat1 last_apply_ms)" ] && awk -v t="$t_end" -v n="$(date +%s.%N)" "BEGIN { exit !(t > n - 60 && t <= n) }"'
	check "agent: the other policy assigned" pol static set policy name=Beside assign=yes
	check "agent: that reads the stores" wait_for 10 eval '[ "$(stat1 store_reads)" -gt "$s0" ]'
	port9() { show dynamic show qmfilter type=specific; has "Destination Port           : 9"; }
	check "agent: and puts it in force" wait_for 10 port9
	check "agent: the first policy assigned again" pol static set policy name=Dyn assign=yes
	# another program writes the file: a row in force damaged (kept what is in force),
	# repaired, then changed: the change is in force (a commit after a failed apply and
	# its recovery was once left unseen)
	DB=$R/var/lib/ipsecpol/policy.db
	# (the CLI waits for a lock as the agent's reopening may hold one for a moment)
	sq() { sqlite3 -cmd ".timeout 10000" "$DB" "$@"; }
	WEB80="filterlist_id = (SELECT id FROM filterlist WHERE name = 'Web') AND dstport = 80"
	src80=$(sq "SELECT src FROM filter WHERE $WEB80")
	[ -n "$src80" ] && [ "$(wc -l <<<"$src80")" = 1 ] || { echo "cannot read the web filter: $src80"; exit 2; }
	f0=$(stat1 failures)
	sq "UPDATE filter SET src = 'garbage' WHERE $WEB80" || exit 2
	check "agent: a row in force damaged by another program: a failure" \
		wait_for 10 eval '[ "$(stat1 failures)" -gt "$f0" ]'
	sq "UPDATE filter SET src = '$src80' WHERE $WEB80" || exit 2
	check "agent: repaired: in force again" wait_for 10 eval '[ -z "$(stat1 last_error)" ]'
	sq "UPDATE filter SET dstport = 8081 WHERE $WEB80" || exit 2
	port8081() { show dynamic show qmfilter type=specific; has "Destination Port           : 8081"; }
	check "agent: then changed by that program: the change is in force" wait_for 10 port8081
	sq "UPDATE filter SET dstport = 80 WHERE filterlist_id = (SELECT id FROM filterlist WHERE name = 'Web') AND dstport = 8081" || exit 2
	# a journal trigger dropped by another program: a filter added is in force all the
	# same, and the next writer puts the trigger back
	sq "DROP TRIGGER journal_filter_add" || exit 2
	sleep 0.5
	check "agent: a trigger dropped, then a filter added to a list in force" \
		pol static add filter filterlist=Web srcaddr=any dstaddr=me protocol=tcp dstport=9191
	port9191() { show dynamic show qmfilter type=specific; has "Destination Port           : 9191"; }
	check "agent: that filter is in force" wait_for 10 port9191
	check "agent: the trigger is back" \
		test "$(sq "SELECT count(*) FROM sqlite_schema WHERE name = 'journal_filter_add'")" = 1
	# a trigger rewritten by another program (it journals a filter added to a list in
	# force as unused): the next writer puts it back, and the filter is in force
	sq "DROP TRIGGER journal_filter_add; CREATE TRIGGER journal_filter_add AFTER INSERT ON filter BEGIN INSERT INTO journal (what) VALUES (3); END;" || exit 2
	sleep 0.5
	check "agent: a trigger rewritten, then a filter added to a list in force" \
		pol static add filter filterlist=Web srcaddr=any dstaddr=me protocol=tcp dstport=9292
	port9292() { show dynamic show qmfilter type=specific; has "Destination Port           : 9292"; }
	check "agent: that filter is in force" wait_for 10 port9292
	check "agent: the trigger is ipsecpol's again" \
		eval '! sq "SELECT sql FROM sqlite_schema WHERE name = '"'"'journal_filter_add'"'"'" | grep -q "VALUES (3)"'
	# an address range is one specific filter each way, however many prefixes it takes
	check "agent: a range filter (prefixes of two lengths each way)" \
		pol static add filter filterlist=Web srcaddr=10.77.9.3-10.77.9.40 dstaddr=me protocol=tcp
	ranged() {
		show dynamic show qmfilter type=specific
		[ "$(grep -c "^Source Address *: 10.77.9.3-10.77.9.40" <<<"$OUT")" = 1 ] &&
			[ "$(grep -c "^Destination Address *: 10.77.9.3-10.77.9.40" <<<"$OUT")" = 1 ]
	}
	check "agent: shown as the range, once each way" wait_for 10 ranged
	check "agent: its maps listed together" eval '[ -n "$(in_block "10.77.9.3-10.77.9.40" "Kernel Maps")" ]'
	show dynamic show qmfilter type=specific
	n_spec=$(sed -n 's/^\([0-9]*\) Specific Filters$/\1/p' <<<"$OUT")
	show dynamic show stats type=ipsec
	check "agent: show stats counts the specific filters show qmfilter lists ($n_spec)" \
		eval '[ -n "$n_spec" ] && [ "$(val "Specific Filters In Force")" = "$n_spec" ]'
	show dynamic show qmfilter type=generic srcaddr=10.77.9.3-10.77.9.40
	check "agent: the generic range filter has 2 specific filters in force (not its prefixes)" \
		eval '[ "$(in_block "10.77.9.3-10.77.9.40" "Specific Filters In Force")" = 2 ]'
	# selectors by range: the filters containing all of it; a range selects by its whole
	for t in generic specific; do
		show dynamic show qmfilter type=$t srcaddr=10.77.9.10-10.77.9.20
		check "agent: srcaddr= a range inside the range filter selects it ($t)" \
			eval 'has "Source Address             : 10.77.9.3-10.77.9.40" && hasnt "10.77.7.0"'
		show dynamic show qmfilter type=$t srcaddr=192.168.7.1-192.168.7.5
		check "agent: an unrelated range selects nothing ($t)" eval 'hasnt "10.77.9.3-10.77.9.40"'
		show dynamic show qmfilter type=$t srcaddr=10.77.9.33
		check "agent: an address of the range selects the range filter whole ($t)" \
			eval 'has "Source Address             : 10.77.9.3-10.77.9.40"'
	done
	show dynamic show qmfilter type=generic srcaddr=10.77.7.99 srcmask=24
	check "agent: an address with host bits and a mask is that subnet" \
		eval 'has "1 Generic Filter" && has "Source Address             : 10.77.7.0"'
	# block mode (an agent started with a malformed driver.conf): the reason the agent
	# gives, and show all shows what it can
	kill "$AGENT_PID"
	wait "$AGENT_PID"
	cp "$R/etc/ipsecpol/driver.conf" "$WORK/driver.conf.good"
	echo "GarbageLine" >>"$R/etc/ipsecpol/driver.conf"
	ip netns exec "$NS_H" "$BIN/ipsecpold" --root "$R" --foreground --verbose 2>>"$LOG" &
	AGENT_PID=$!
	blockmode() { show dynamic show qmfilter; has "block mode"; }
	check "agent: restarted with a malformed driver.conf, in block mode" wait_for 30 blockmode
	check "agent: block mode says why, naming the line" eval 'has "GarbageLine"'
	show dynamic show all
	check "agent: show all fails, naming driver.conf, but shows the mode and statistics" \
		eval '[ $RC -eq 1 ] && has "driver configuration cannot be shown" && has "block mode" && has "IPsec Statistics" && has "GarbageLine"'
	cp "$WORK/driver.conf.good" "$R/etc/ipsecpol/driver.conf"
	printf 'reload\n' | socat -t 30 - "UNIX-CONNECT:$R/run/ipsecpol/ipsecpold.sock" >/dev/null
	show dynamic show qmfilter type=specific
	check "agent: secure again with the file mended" eval 'has "Specific Filters" && hasnt "block mode"'
fi

# ---- server types are selected as written, as me is (a store of its own, applied once)
[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
AGENT_PID=""
echo "nameserver 10.77.0.53" >"$WORK/resolv.conf"
R=$WORK/root-dns
printf '%s\n' "add filteraction name=Blk action=block" \
	"add filter filterlist=Dns srcaddr=me dstaddr=dns protocol=udp dstport=53" \
	"add filter filterlist=Dns srcaddr=me dstaddr=10.77.0.54 protocol=udp dstport=53" \
	"add policy name=D" "add rule name=R policy=D filterlist=Dns filteraction=Blk" \
	"set policy name=D assign=yes" >"$WORK/dns.netsh"
export IPSECPOL_RESOLV_CONF=$WORK/resolv.conf
check "a policy naming the DNS servers applied" \
	eval 'pol -f "$WORK/dns.netsh" >/dev/null && hx "$BIN/ipsecpold" --root "$R" --once >/dev/null'
show dynamic show qmfilter type=specific dstaddr=dns
check "dstaddr=dns lists the specific filter of the filter written so (not the other)" \
	eval 'has "Destination Address        : 10.77.0.53" && hasnt "10.77.0.54" && has "1 Specific Filter"'
show dynamic show qmfilter type=specific srcaddr=dns
check "srcaddr=dns lists its mirror image" \
	eval 'has "Source Address             : 10.77.0.53" && has "1 Specific Filter"'
show dynamic show qmfilter type=specific dstaddr=wins
check "dstaddr=wins lists none" eval 'has "0 Specific Filters"'
unset IPSECPOL_RESOLV_CONF

echo "$NPASS passed, $NFAIL failed"
[ "$NFAIL" -eq 0 ]
