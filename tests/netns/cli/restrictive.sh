#!/usr/bin/env bash
# A restrictive Windows Server 2003 script (static part) runs unchanged
# through the netsh name, and running it again gives the same store.
. "$(dirname "$0")/lib.sh"
SCRIPT=$(dirname "$0")/restrictive.netsh

run_ok $NETSH -f "$SCRIPT"
[ -z "$OUT$ERR" ] || fail "the script printed something: $OUT $ERR"

run_ok $IPSECPOL static show policy name="Restrictive IPSec Policy" level=verbose format=json
P=$OUT
contains "$P" '"assigned": true'
contains "$P" '"activatedefaultrule": false'
[ "$(grep -c '"default": false' <<<"$P")" -eq 8 ] || fail "expected 8 rules: $P"

run_ok $IPSECPOL static show filterlist name=DNS level=verbose format=json
contains "$OUT" '"type": "dns"'
contains "$OUT" '"protocol": "UDP"'
contains "$OUT" '"protocol": "TCP"'

run_ok $IPSECPOL static show filteraction name=PERMIT format=json
contains "$OUT" '"action": "permit"'

D1=$(dump_store local)
contains "$D1" 'add filter filterlist="DNS" srcaddr=me dstaddr=DNS'
contains "$D1" 'srcaddr=192.168.10.0 '
contains "$D1" 'srcmask=255.255.255.0'
contains "$D1" 'set policy name="Restrictive IPSec Policy" assign=yes'

# the script starts with "delete all": running it again rebuilds the same store
run_ok $NETSH -f "$SCRIPT"
D2=$(dump_store local)
[ "$D1" = "$D2" ] || fail "second run differs:
$(diff <(echo "$D1") <(echo "$D2"))"

# nothing went to the persistent store
D=$(dump_store persistent)
lacks "$D" "add policy"
echo PASS
