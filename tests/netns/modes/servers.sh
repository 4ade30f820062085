#!/usr/bin/env bash
# Where the host's servers come from, followed by the running agent.
#   - resolv.conf is a symbolic link (Debian resolvconf, NetworkManager): a
#     change of its target, renamed over or rewritten in place, is applied; so
#     is a link made to point elsewhere, and a target whose directory appears
#     only after the agent started; the old target is no longer followed
#   - a multipath default route (IPv4 and IPv6): every next hop is a gateway;
#     a default route of another table is not
#   - a mistake in wins.conf holds only the WINS servers back; a policy naming
#     them cannot be applied, and over an unfiltered host that is block mode
TAG="hx$$"
. "$(dirname "$0")/lib.sh"

DB=$R/var/lib/ipsecpol/policy.db
setup_net
mkdir -p "$R/var/lib/ipsecpol" "$R/etc" "$R/run/resolvconf" "$R/run/nm"
export IPSECPOL_RESOLV_CONF=$R/etc/resolv.conf
echo "nameserver 10.77.0.90" > "$R/run/resolvconf/resolv.conf"
ln -s ../run/resolvconf/resolv.conf "$IPSECPOL_RESOLV_CONF"
"$MKPOLICY" -s me -d dns "$DB" persistent BlockDNS block udp 5353 || exit 2
"$MKPOLICY" -s me -d gateway "$DB" local BlockGW block udp 9 || exit 2
conf OperationMode=3
startup
AGENT_ENV="IPSECPOL_RESOLV_CONF=$IPSECPOL_RESOLV_CONF" agent_start
in_table() { table | grep -w "$1" >/dev/null; } # (grep -q would cut nft's output)
# dns_is ADDR: the ruleset names ADDR as the DNS server (and only it)
dns_is() { in_table "$1" && ! in_table "$OLD"; }
# renamed FILE TEXT: FILE replaced by a new file, as resolvers write it
renamed() { echo "$2" > "$1.new" && mv "$1.new" "$1"; }

check "secure mode" test "$(agent_mode)" = secure
check "the link's target names the DNS server" in_table 10.77.0.90

OLD=10.77.0.90
renamed "$R/run/resolvconf/resolv.conf" "nameserver 10.77.0.91"
check "the target replaced (renamed over): applied" wait_for 10 dns_is 10.77.0.91

OLD=10.77.0.91
echo "nameserver 10.77.0.92" > "$R/run/resolvconf/resolv.conf"
check "the target rewritten in place: applied" wait_for 10 dns_is 10.77.0.92

OLD=10.77.0.92
echo "nameserver 10.77.0.93" > "$R/run/nm/resolv.conf"
ln -s ../run/nm/resolv.conf "$R/etc/resolv.conf.new" && mv -T "$R/etc/resolv.conf.new" "$IPSECPOL_RESOLV_CONF"
check "the link points elsewhere: applied" wait_for 10 dns_is 10.77.0.93

OLD=10.77.0.93
renamed "$R/run/nm/resolv.conf" "nameserver 10.77.0.94"
check "the new target replaced: applied" wait_for 10 dns_is 10.77.0.94

echo "nameserver 10.77.0.99" > "$R/run/resolvconf/resolv.conf"
sleep 1
check "the old target is no longer followed" in_table 10.77.0.94

OLD=10.77.0.94
ln -sfn ../run/late/resolv.conf "$IPSECPOL_RESOLV_CONF"
sleep 1 # the link's change is seen before the directory appears
mkdir "$R/run/late"
echo "nameserver 10.77.0.95" > "$R/run/late/resolv.conf"
check "a target whose directory appears later: applied" wait_for 10 dns_is 10.77.0.95

# the shell expands the special addresses to the agent's servers (its control socket's
# "servers"), not to what its own environment would name
check "the control socket gives the agent's servers" \
	eval 'ctl servers | grep -qx "dns=10.77.0.95"'
whatif_dns() {
	hx env IPSECPOL_RESOLV_CONF=/dev/null SSH_CONNECTION= "$(dirname "$IPPD")/ipsecpol" \
		--root "$R" whatif src=me dst=10.77.0.95 proto=udp dstport=5353 2>&1
}
check "whatif from a shell given other files: the agent's DNS server, blocked" \
	eval 'whatif_dns | grep -q "^Verdict: *block"'

gateways() { for g in "$@"; do in_table "$g" || return 1; done; }
hx ip route add default table 100 via 10.77.0.250
hx ip route add default nexthop via 10.77.0.253 dev "$VETH_H" nexthop via 10.77.0.254 dev "$VETH_H"
check "IPv4 multipath default route: both next hops are gateways" \
	wait_for 10 gateways 10.77.0.253 10.77.0.254
hx ip -6 route add default nexthop via fd00:77::253 dev "$VETH_H" nexthop via fd00:77::254 dev "$VETH_H"
check "IPv6 multipath default route: both next hops are gateways" \
	wait_for 10 gateways fd00:77::253 fd00:77::254 10.77.0.253 10.77.0.254
refute "a default route of another table is no gateway" in_table 10.77.0.250
hx ip route del default
check "the IPv4 route deleted: its next hops are no gateways" \
	wait_for 10 eval '! in_table 10.77.0.253 && ! in_table 10.77.0.254'

# a default route through a next hop object, whose routes do not repeat the gateway
# (nexthop_compat_mode=0): the object's gateway, a group's members', replaced in place too
hx ip route del default 2>/dev/null
if hx sysctl -qw net.ipv4.nexthop_compat_mode=0 2>/dev/null &&
	hx ip nexthop add id 71 via 10.77.0.241 dev "$VETH_H" 2>/dev/null; then
	hx ip route add default nhid 71
	check "a next hop object's gateway" wait_for 10 in_table 10.77.0.241
	hx ip nexthop replace id 71 via 10.77.0.242 dev "$VETH_H"
	check "the object replaced: its new gateway" \
		wait_for 10 eval 'in_table 10.77.0.242 && ! in_table 10.77.0.241'
	hx ip nexthop add id 72 via 10.77.0.243 dev "$VETH_H"
	hx ip nexthop add id 73 group 71/72
	hx ip route replace default nhid 73
	check "a group of next hops: every member's gateway" wait_for 10 gateways 10.77.0.242 10.77.0.243
	hx ip route del default
	hx ip nexthop flush >/dev/null 2>&1
	hx sysctl -qw net.ipv4.nexthop_compat_mode=1
fi

# a mistake in wins.conf leaves the WINS servers unknown, not the others: the gateway
# and the DNS servers are still followed (no filter in force names the WINS servers)
echo "10.77.0.96 bogus" >"$R/etc/ipsecpol/wins.conf"
hx ip route add default via 10.77.0.252
check "wins.conf broken: the gateway is still followed" wait_for 10 in_table 10.77.0.252
OLD=10.77.0.95
echo "nameserver 10.77.0.97" >"$R/run/late/resolv.conf"
check "and the DNS servers" wait_for 10 dns_is 10.77.0.97
check "the log names the mistake" grep -q 'wins.conf:1: "bogus"' "$LOG"

# an agent that cannot apply the assigned policy (it names the WINS servers, which
# wins.conf cannot give) while nothing filters the host: block mode, not an open host
agent_signal TERM
agent_wait
refute "the agent stopped: no table" hx nft list table inet ipsecpol
"$MKPOLICY" "$DB" persistent unassign || exit 2
"$MKPOLICY" -s me -d wins "$DB" local BlockWINS block udp 137 || exit 2
AGENT_ENV="IPSECPOL_RESOLV_CONF=$IPSECPOL_RESOLV_CONF" agent_start
check "a policy that cannot be applied over nothing: block mode" \
	wait_for 10 eval '[ "$(agent_mode)" = block ]'
check "the log says why" grep -q 'names the WINS servers, which are not known' "$LOG"
echo "10.77.0.96" >"$R/etc/ipsecpol/wins.conf"
check "wins.conf corrected: secure mode at once (not at the next retry)" \
	wait_for 3 eval '[ "$(agent_mode)" = secure ]'
check "with the WINS server" in_table 10.77.0.96
# wins.conf broken under that policy: the WINS servers read before are kept, so a
# change of the stores (a rule added: the policy compiled again) is still applied
echo "10.77.0.96 bogus" >"$R/etc/ipsecpol/wins.conf"
printf '%s\n' "add filter filterlist=More srcaddr=me dstaddr=10.77.0.77 protocol=udp dstport=138" \
	"add rule name=More policy=BlockWINS filterlist=More filteraction=BlockWINS-action" |
	"$(dirname "$IPPD")/ipsecpol" --root "$R" >/dev/null || exit 2
check "a rule added with wins.conf broken: applied" wait_for 10 in_table 10.77.0.77
check "the WINS server kept" in_table 10.77.0.96
echo "10.77.0.96" >"$R/etc/ipsecpol/wins.conf"

# --once alike: over no table, a policy it cannot apply leaves block mode, not an open host
agent_signal TERM
agent_wait
echo "10.77.0.96 bogus" >"$R/etc/ipsecpol/wins.conf"
hx "$IPPD" --root "$R" --once >"$R/once.out" 2>&1
check "--once: status 1" test $? = 1
check "--once: block mode in force" test "$(table_mode)" = block
check "--once: the message says why" \
	grep -q "the assigned policy cannot be applied and nothing else filters the host: .*WINS.*block mode loaded" "$R/once.out"
"$MKPOLICY" "$DB" local unassign || exit 2
hx nft delete table inet ipsecpol
hx "$IPPD" --root "$R" --once >"$R/once.out" 2>&1
check "--once, no policy assigned: applied despite wins.conf" test $? = 0

# a resolv.conf that cannot be read leaves the DNS servers unknown, and no other kind: a
# policy that names none is applied (with a warning); one that names them is not
echo "10.77.0.96" >"$R/etc/ipsecpol/wins.conf"
"$MKPOLICY" -s me -d wins "$DB" local BlockWINS2 block udp 137 || exit 2
mkdir -p "$R/rcdir"
IPSECPOL_RESOLV_CONF=$R/rcdir hx "$IPPD" --root "$R" --once >"$R/once.out" 2>&1
check "--once, resolv.conf a directory, no DNS filter: applied" test $? = 0
check "--once: secure mode, the WINS server in force" \
	eval '[ "$(table_mode)" = secure ] && in_table 10.77.0.96'
check "--once: a warning names the file" \
	grep -q "warning: the DNS servers are unknown (.*rcdir.* is a directory" "$R/once.out"
"$MKPOLICY" -s me -d dns "$DB" local BlockDNS2 block udp 5353 || exit 2
IPSECPOL_RESOLV_CONF=$R/rcdir hx "$IPPD" --root "$R" --once >"$R/once.out" 2>&1
check "--once, a DNS filter and resolv.conf a directory: status 1" test $? = 1
check "--once: the message names the file" \
	grep -q "names the DNS servers, which are not known: .*rcdir.* is a directory" "$R/once.out"

finish
