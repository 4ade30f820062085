#!/usr/bin/env bash
# The Block80 persistent policy, as a Windows administrator types it.
. "$(dirname "$0")/lib.sh"

cat >"$TMP/block80.txt" <<'NETSH'
netsh ipsec static set store location=persistent
netsh ipsec static add policy name=Block80 description="Block inbound HTTP"
netsh ipsec static add filterlist name=HTTP
netsh ipsec static add filter filterlist=HTTP dstport=80 protocol=TCP srcaddr=any dstaddr=me
netsh ipsec static add filteraction name=Block action=block
netsh ipsec static add rule name=BlockHTTP policy=Block80 filterlist=HTTP filteraction=Block
netsh ipsec static set policy name=Block80 assign=yes
NETSH

run_ok $BIN/ipsecpol --root "$ROOT" -f "$TMP/block80.txt"

# `set store` held for the rest of the script: everything is in the persistent store
P=$(dump_store persistent)
contains "$P" 'add policy name="Block80" description="Block inbound HTTP"'
contains "$P" 'add filter filterlist="HTTP" srcaddr=any dstaddr=me'
contains "$P" 'protocol=TCP'
contains "$P" 'dstport=80'
contains "$P" 'filteraction="Block"'
contains "$P" 'set policy name="Block80" assign=yes'
L=$(dump_store local)
lacks "$L" "Block80"

# one-shot commands each start in the local store, as netsh's do
run_fail 'no policy named "Block80" in the local store' \
	$IPSECPOL static show rule name=BlockHTTP policy=Block80
run_ok $NETSH ipsec static set store location=persistent
run_ok $NETSH ipsec static show store
contains "$OUT" "Local Store"

# a script read from standard input keeps it, like -f
OUT=$(printf 'set store location=persistent\nshow policy Block80 format=json\nshow rule name=BlockHTTP policy=Block80 format=json\n' |
	$IPSECPOL -f -) || fail "show through stdin"
contains "$OUT" '"assigned": true'
contains "$OUT" '"name": "BlockHTTP"'
contains "$OUT" '"filteraction": "Block"'
# name=all is the keyword all, as for policies and lists (no rule can be called so)
OUT=$(printf 'set store location=persistent\nshow rule name=all policy=Block80\n' |
	$IPSECPOL -f -) || fail "show rule name=all"
contains "$OUT" 'Rule Name              : BlockHTTP'
# a Windows drive path: written here under that name, and said so
OUT=$(cd "$TMP" && printf 'set store location=persistent\nexportpolicy file=C:\\ipsec\\b80.ipsec\n' |
	$IPSECPOL -f - 2>&1) || fail "exportpolicy to a Windows path"
contains "$OUT" 'is a Windows path: written as a file of that name in the current directory'
[ -s "$TMP/C:\ipsec\b80.ipsec" ] || fail "the export is not in the current directory"
echo PASS
