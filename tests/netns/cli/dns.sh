#!/usr/bin/env bash
# DNS names in filters and tunnels are resolved when the command runs, one
# filter per address (no network needed: localhost comes from /etc/hosts).
. "$(dirname "$0")/lib.sh"

run_ok $IPSECPOL static add filter filterlist=Local srcaddr=localhost dstaddr=me protocol=TCP dstport=8080
run_ok $IPSECPOL static show filterlist name=Local level=verbose format=json
contains "$OUT" '"address": "127.0.0.1"'
contains "$OUT" '"dnsname": "localhost"'
n=$(grep -c '"dnsname": "localhost"' <<<"$OUT")
[ "$n" -ge 1 ] || fail "no filter from localhost"

# against an IPv4 address only the IPv4 addresses of the name pair up
run_ok $IPSECPOL static add filter filterlist=V4 srcaddr=localhost dstaddr=10.77.0.1
run_ok $IPSECPOL static show filterlist name=V4 level=verbose format=json
[ "$(grep -c '"dnsname": "localhost"' <<<"$OUT")" -eq 1 ] || fail "expected one IPv4 filter: $OUT"
lacks "$OUT" '"address": "::1"'

# a tunnel endpoint given by name
run_ok $IPSECPOL static add policy P
run_ok $IPSECPOL static add filteraction FA action=negotiate
run_ok $IPSECPOL static add filter filterlist=T srcaddr=10.77.1.0 srcmask=24 dstaddr=10.77.2.0 dstmask=24 mirrored=no
run_ok $IPSECPOL static add rule name=R policy=P filterlist=T filteraction=FA tunnel=localhost
run_ok $IPSECPOL static show rule name=R policy=P format=json
contains "$OUT" '"tunneldns": "localhost"'

# dump writes the addresses as they were resolved and the names they came from: made again
# from it, the filters and the tunnel are the same, names and all (not resolved anew)
D=$(dump_store)
contains "$D" 'srcaddr=127.0.0.1'
contains "$D" 'srcdnsname="localhost"'
contains "$D" 'tunnel=127.0.0.1'
contains "$D" 'tunneldnsname="localhost"'
STDIN=/dev/stdin run_ok $BIN/ipsecpol --root "$TMP/dnsagain" -f /dev/stdin <<<"$D"
[ "$($BIN/ipsecpol --root "$TMP/dnsagain" static dump)" = "$D" ] || fail "the dump made again differs"
run_ok $BIN/ipsecpol --root "$TMP/dnsagain" static show rule name=R policy=P format=json
contains "$OUT" '"tunneldns": "localhost"'
# (with its tag only: a stray word after every parameter of netsh's usage is not taken for it)
run_fail 'add filter: unexpected value "stray": every parameter is already given' \
	$IPSECPOL static add filter Stray 10.0.0.1 me "" TCP yes 32 32 0 80 stray
# the name only with an address
run_fail 'add filter: srcdnsname: only with an address as srcaddr' \
	$IPSECPOL static add filter filterlist=X srcaddr=any dstaddr=me srcdnsname=host.test
# the far end of a tunnel is one host
for t in "255.255.255.255|a broadcast or reserved address" "239.1.2.3|a multicast address" \
	"ff02::1|a multicast address" "0.0.0.7|an address of this network"; do
	run_fail "add rule: tunnel: invalid endpoint \"${t%|*}\": ${t#*|}" \
		$IPSECPOL static add rule name=RB policy=P filterlist=T filteraction=FA "tunnel=${t%|*}"
done
run_fail 'set rule: tunnel: invalid endpoint "224.0.0.5": a multicast address' \
	$IPSECPOL static set rule name=R policy=P tunnel=224.0.0.5
run_ok $IPSECPOL static show rule name=R policy=P level=verbose format=json
contains "$OUT" '"tunneldns": "localhost"'
run_fail 'add rule: tunneldnsname: only with an address as tunnel' \
	$IPSECPOL static add rule name=R2 policy=P filterlist=T filteraction=FA tunneldnsname=h.test

# a name that does not resolve fails the command, naming it; nothing is created
BEFORE=$(dump_store)
run_fail 'add filter: srcaddr: the DNS name "no-such-host.invalid" does not resolve' \
	$IPSECPOL static add filter filterlist=Fresh srcaddr=no-such-host.invalid dstaddr=me
[ "$(dump_store)" = "$BEFORE" ] || fail "a failed DNS filter changed the store"
lacks "$BEFORE" 'Fresh'

# a name blocked the way ad-blocking hosts files do (0.0.0.0) is no host: refused, not
# stored as the host 0.0.0.0 (which a dump writes as "me", 0.0.0.0 with a host mask)
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
	printf '127.0.0.1 localhost\n0.0.0.0 blocked.test\n:: blocked6.test\n' >"$TMP/hosts"
	for n in blocked.test blocked6.test; do
		run_fail "add filter: dstaddr: the DNS name \"$n\" resolves to" \
			unshare -m sh -c "mount --bind '$TMP/hosts' /etc/hosts && exec $IPSECPOL static add filter filterlist=Ads srcaddr=me dstaddr=$n"
	done
	[ "$(dump_store)" = "$BEFORE" ] || fail "a blocked DNS name changed the store"
	# a name of both families against an IPv4 address: its IPv6 address is left out, saying so
	printf '127.0.0.1 localhost\n192.0.2.10 both.test\n2001:db8::10 both.test\n' >"$TMP/hosts"
	run_ok unshare -m sh -c "mount --bind '$TMP/hosts' /etc/hosts && exec $IPSECPOL static add filter filterlist=Both srcaddr=192.0.2.1 dstaddr=both.test"
	contains "$OUT" 'note: 1 address pair of "192.0.2.1" and "both.test" left out: of different address families'
fi

# delete filter by the name deletes every filter made from it
run_ok $IPSECPOL static delete filter filterlist=Local srcaddr=localhost dstaddr=me
run_ok $IPSECPOL static show filterlist name=Local level=verbose format=json
lacks "$OUT" '"dnsname": "localhost"'
run_fail 'delete filter: no filter of filter list "Local" matches' \
	$IPSECPOL static delete filter filterlist=Local srcaddr=localhost dstaddr=me
# a mask with me is not matched, said so as add filter says it
run_ok $IPSECPOL static add filter filterlist=Local srcaddr=10.0.0.1 dstaddr=me dstmask=24
contains "$OUT" 'note: dstmask=24 is not applied to me: it stands for this host'"'"'s addresses'
run_ok $IPSECPOL static delete filter Local 10.0.0.1 me dstmask=24
contains "$OUT" 'note: dstmask=24 is not applied to me: it stands for this host'"'"'s addresses'
run_ok $IPSECPOL static show filterlist name=Local level=verbose format=json
lacks "$OUT" '10.0.0.1'
echo PASS
