#!/usr/bin/env bash
# The host's servers move: policies naming DNS or GATEWAY follow.
#   - a persistent policy blocks udp 5353 from me to the DNS servers; the DNS
#     server named in resolv.conf changes to the peer (the file is replaced,
#     as resolvers do): the peer's port becomes blocked, without a signal
#   - a policy blocks udp 9 from me to the default gateway; a default route via
#     the peer is added (rtnetlink): the peer's port 9 becomes blocked
. "$(dirname "$0")/lib.sh"

DB=$R/var/lib/ipsecpol/policy.db
setup_net no
mkdir -p "$R/var/lib/ipsecpol" "$R/etc"
export IPSECPOL_RESOLV_CONF=$R/etc/resolv.conf
echo "nameserver 10.77.0.99" > "$IPSECPOL_RESOLV_CONF"
"$MKPOLICY" -s me -d dns "$DB" persistent BlockDNS block udp 5353 || exit 2
"$MKPOLICY" -s me -d gateway "$DB" local BlockGW block udp 9 || exit 2
conf OperationMode=3
asks() { # asks PORT: one question to the peer's PORT gets its answer
	ip netns exec "$NS_P" "$PROBE" udp-answer "$1" 1500 &
	local a=$!
	hx "$PROBE" udp-ask 0 $P_IP "$1" 1000
	local r=$?
	kill "$a" 2>/dev/null; wait "$a" 2>/dev/null
	return $r
}
startup
AGENT_ENV="IPSECPOL_RESOLV_CONF=$IPSECPOL_RESOLV_CONF" agent_start
check "secure mode" test "$(agent_mode)" = secure
check "the peer is not the DNS server: udp 5353 to it passes" asks 5353
check "there is no default gateway: udp 9 to the peer passes" asks 9

echo "nameserver $P_IP" > "$R/etc/resolv.conf.new"
mv "$R/etc/resolv.conf.new" "$IPSECPOL_RESOLV_CONF"
reapplied() { [ "$(grep -c "policy updated (the host's servers or gateways changed)" "$LOG")" -ge "$1" ]; }
check "the peer became the DNS server: the policy is applied again" wait_for 10 reapplied 1
refute "udp 5353 to the new DNS server is blocked" asks 5353

hx ip route add default via $P_IP
check "a default route via the peer: the policy is applied again" wait_for 10 reapplied 2
refute "udp 9 to the new gateway is blocked" asks 9
check "other ports to the peer still pass" asks 5000

# a resolv.conf bind-mounted over (ip netns exec's /etc/netns, containers) and rewritten in
# place from outside: its directory sees nothing, the file itself does
agent_signal TERM
agent_wait
echo "nameserver 10.77.0.98" >"$R/resolv.src"
runs=$(grep -c "running (pid" "$LOG")
ip netns exec "$NS_H" unshare -m sh -c "mount --bind '$R/resolv.src' '$IPSECPOL_RESOLV_CONF' &&
	exec env IPSECPOL_RESOLV_CONF='$IPSECPOL_RESOLV_CONF' '$IPPD' --root '$R' --foreground --verbose" 2>>"$LOG" &
AGENT_PID=$!
started() { [ "$(grep -c "running (pid" "$LOG")" -gt "$runs" ]; }
check "the agent runs with resolv.conf bind-mounted" wait_for 60 started
check "udp 5353 to the peer passes (not the DNS server there)" asks 5353
n0=$(grep -c "policy updated (the host's servers or gateways changed)" "$LOG")
echo "nameserver $P_IP" >"$R/resolv.src"
check "rewritten in place from outside: the policy is applied again" wait_for 10 reapplied $((n0 + 1))
refute "udp 5353 to the new DNS server is blocked" asks 5353

finish
