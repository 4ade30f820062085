#!/usr/bin/env bash
# dump replays to an identical dump; exportpolicy then importpolicy gives an identical store.
. "$(dirname "$0")/lib.sh"

run_ok $NETSH -f "$(dirname "$0")/restrictive.netsh"
cat >"$TMP/rich.txt" <<'NETSH'
set store location=persistent
add policy name=Block80 description="Block inbound HTTP" assign=yes
add filterlist HTTP
add filter HTTP any me protocol=TCP dstport=80
add filteraction name=Block action=block
add rule name=BlockHTTP policy=Block80 filterlist=HTTP filteraction=Block

add policy name="Secure Servers" description="servers: a=b # not a comment" mmpfs=yes mmlifetime=240 pollinginterval=60 mmsec="3DES-SHA1-3 DES-MD5-2"
add filteraction name="Require Security" description="ESP only" action=negotiate qmpfs=yes inpass=no soft=no qmsec="ESP[3DES,SHA1]:50000k/1800s AH[MD5]+ESP[DES,MD5] AH[SHA1]"
add filteraction name="Request Security" action=negotiate inpass=yes soft=yes
add filter filterlist="Servers" srcaddr=me dstaddr=10.77.20.0 dstmask=24 description="server subnet"
add filter filterlist="Servers" srcaddr=me dstaddr=10.77.30.1-10.77.30.9 protocol=UDP srcport=500
add filter filterlist="Servers" srcaddr=me dstaddr=fd00:77:: dstmask=64 protocol=TCP dstport=22
add filter filterlist="Servers" srcaddr=localhost dstaddr=me protocol=ICMP
add filter filterlist="Tunnel" srcaddr=10.77.1.0 srcmask=255.255.255.0 dstaddr=10.77.2.0 dstmask=24 mirrored=no
add rule name="Servers" policy="Secure Servers" filterlist="Servers" filteraction="Require Security" psk="a shared secret" kerberos=yes rootca="C=US,O=Example,CN=\'Example Root, West\' certmap:yes excludecaname:no"
add rule name="Tunnel out" policy="Secure Servers" filterlist="Tunnel" filteraction="Request Security" tunnel=10.77.9.9 conntype=lan activate=no description="to the branch"
set defaultrule policy="Secure Servers" qmpfs=yes qmsec="ESP[3DES,SHA1]" psk="default key"
set policy name="Secure Servers" activatedefaultrule=no
NETSH
run_ok $IPSECPOL -f "$TMP/rich.txt"

for store in local persistent; do
	D1=$(dump_store $store)
	contains "$D1" "add policy"
	mkdir -p "$TMP/replay-$store"
	run_ok sh -c "printf '%s\n' \"\$1\" | $BIN/ipsecpol --root $TMP/replay-$store -f -" sh "$D1"
	D2=$(dump_store $store "$TMP/replay-$store")
	[ "$D1" = "$D2" ] || fail "$store: dump of the replayed store differs:
$(diff <(echo "$D1") <(echo "$D2"))"
done
# what the rich script set survived
D=$(dump_store persistent)
contains "$D" 'psk="a shared secret"'
contains "$D" "10.77.30.1-10.77.30.9"
contains "$D" "fd00:77::"
contains "$D" "tunnel=10.77.9.9"
contains "$D" "servers: a=b # not a comment"

# exportpolicy / importpolicy, per store; the name gets .ipsec when it has no extension
for store in local persistent; do
	run_ok sh -c "printf 'set store location=$store\nexportpolicy file=$TMP/$store\n' | $IPSECPOL -f -"
	[ -s "$TMP/$store.ipsec" ] || fail "no $TMP/$store.ipsec"
	mkdir -p "$TMP/import-$store"
	run_ok sh -c "printf 'set store location=$store\nimportpolicy $TMP/$store\nexportpolicy $TMP/$store-again.ipsec\n' | $BIN/ipsecpol --root $TMP/import-$store -f -"
	cmp -s "$TMP/$store.ipsec" "$TMP/$store-again.ipsec" ||
		fail "$store: export after import differs:
$(diff "$TMP/$store.ipsec" "$TMP/$store-again.ipsec")"
	A=$(printf "set store location=$store\nshow all format=json\n" | $IPSECPOL -f -)
	B=$(printf "set store location=$store\nshow all format=json\n" | $BIN/ipsecpol --root "$TMP/import-$store" -f -)
	[ "$A" = "$B" ] || fail "$store: show all of the imported store differs"
done

# importing the same export again: the same GUIDs are the same objects, the store as it was
BEFORE=$(dump_store local)
run_ok $IPSECPOL static importpolicy file="$TMP/local.ipsec"
[ "$(dump_store local)" = "$BEFORE" ] || fail "importing the store's own export changed it"
# names the store holds under other GUIDs: refused, nothing changed
sed 's/{[0-9A-Fa-f]\{8\}-/{DEADBEEF-/g' "$TMP/local.ipsec" >"$TMP/other.ipsec"
run_fail "importpolicy: file \"$TMP/other.ipsec\": line " $IPSECPOL static importpolicy file="$TMP/other.ipsec"
contains "$ERR" "already exists in the local store"
[ "$(dump_store local)" = "$BEFORE" ] || fail "a failed import changed the store"
# a DNS name beside what is not an address (a filter's any, a rule without a tunnel), or
# that is not a DNS name: refused as the commands refuse it (dump could not give it back)
sed '0,/^ *filter .*src=any/s/\(^ *filter .*src=any.*\)order=\([0-9]*\)/\1order=\2 srcdns="x.example"/' \
	"$TMP/local.ipsec" >"$TMP/dns1.ipsec"
grep -q 'src=any.*srcdns="x.example"' "$TMP/dns1.ipsec" || fail "no filter of any made for the DNS check"
run_fail 'srcdns: "x.example": only with an address as srcaddr' \
	$IPSECPOL static importpolicy file="$TMP/dns1.ipsec"
sed '0,/^ *rule number=/s/\(^ *rule number=[0-9]* guid=[^ ]* name="[^"]*"\)/\1 tunneldns="x.example"/' \
	"$TMP/local.ipsec" >"$TMP/dns2.ipsec"
grep -q 'tunneldns="x.example"' "$TMP/dns2.ipsec" || fail "no rule made for the tunnel DNS check"
run_fail 'tunneldns: "x.example": only with an address as tunnel' \
	$IPSECPOL static importpolicy file="$TMP/dns2.ipsec"
[ "$(dump_store local)" = "$BEFORE" ] || fail "a refused import changed the store"
run_fail 'srcdnsname: "a b;c" is not a DNS name' \
	$IPSECPOL static add filter filterlist=DnsCheck srcaddr=10.203.9.9 srcdnsname="a b;c" dstaddr=any
# a store written before such names were checked is still read, shown and changed
if command -v sqlite3 >/dev/null; then
	run_ok $IPSECPOL static add filter filterlist=OldDns srcaddr=10.203.9.8 \
		srcdnsname=old.example dstaddr=any
	sqlite3 -cmd ".timeout 10000" "$ROOT/var/lib/ipsecpol/policy.db" \
		"UPDATE filter SET srcdns = 'files server!' WHERE srcdns = 'old.example'" ||
		fail "sqlite3"
	run_ok $IPSECPOL static show filterlist name=OldDns level=verbose
	contains "$OUT" "Source DNS Name        : files server!"
	run_ok $IPSECPOL static delete filterlist name=OldDns
fi
# a published backup and restore: export, unassign and delete the policy, import it back
cat >"$TMP/restore.netsh" <<'EOF'
ipsec static add policy name = SECCPP
ipsec static add filteraction name = Blocked action = block
ipsec static add filter filterlist = wanna srcaddr=Any dstaddr = Me dstport = 445 protocol = TCP
ipsec static add rule name=SECCPR policy=SECCPP filterlist=wanna filteraction=Blocked
ipsec static set policy name=SECCPP assign=y
ipsec static exportpolicy file = RESTORE/ipsec.ipsec
ipsec static set policy name=SECCPP assign=n
ipsec static delete policy name = SECCPP
ipsec static add filter filterlist = wanna srcaddr=Any dstaddr = Me dstport = 139 protocol = TCP
ipsec static importpolicy file = RESTORE/ipsec.ipsec
EOF
sed -i "s|RESTORE|$TMP|" "$TMP/restore.netsh"
run_ok $BIN/netsh --root "$TMP/restore" -f "$TMP/restore.netsh"
run_ok $BIN/ipsecpol --root "$TMP/restore" static show policy name=SECCPP
contains "$OUT" "Assigned               : YES"
run_ok $BIN/ipsecpol --root "$TMP/restore" static show filterlist name=wanna level=verbose
contains "$OUT" "Destination Port       : 445"
[ "$(grep -c "Destination Port" <<<"$OUT")" = 1 ] || fail "the list as exported (port 445 only): $OUT"
# an export made before the policy was assigned, imported again: the policy in force stays
run_ok $BIN/ipsecpol --root "$TMP/restore2" static add policy name=Kept
run_ok $BIN/ipsecpol --root "$TMP/restore2" static exportpolicy file="$TMP/kept.ipsec"
run_ok $BIN/ipsecpol --root "$TMP/restore2" static set policy name=Kept assign=yes
run_ok $BIN/ipsecpol --root "$TMP/restore2" static importpolicy file="$TMP/kept.ipsec"
run_ok $BIN/ipsecpol --root "$TMP/restore2" static show policy name=Kept
contains "$OUT" "Assigned               : YES"
# an export whose assigned policy is another than the one assigned now: the file's wins
run_ok $BIN/ipsecpol --root "$TMP/restore2" static add policy name=Other
run_ok $BIN/ipsecpol --root "$TMP/restore2" static exportpolicy file="$TMP/kept2.ipsec"
run_ok $BIN/ipsecpol --root "$TMP/restore2" static set policy name=Other assign=yes
run_ok $BIN/ipsecpol --root "$TMP/restore2" static importpolicy file="$TMP/kept2.ipsec"
run_ok $BIN/ipsecpol --root "$TMP/restore2" static show policy name=Kept
contains "$OUT" "Assigned               : YES"
run_ok $BIN/ipsecpol --root "$TMP/restore2" static show policy name=Other
contains "$OUT" "Assigned               : NO"
# a damaged file is refused
head -c 300 "$TMP/local.ipsec" >"$TMP/damaged.ipsec"
run_fail "importpolicy:" $BIN/ipsecpol --root "$TMP/empty" static importpolicy file="$TMP/damaged.ipsec"
# a tunnel of 0.0.0.0 is no tunnel, as in the shell: a dump of it replays the same
printf 'add policy P\nadd filterlist L\nadd filter L 10.0.0.1 10.0.0.2 mirrored=no\nadd filteraction A action=permit\nadd rule name=R policy=P filterlist=L filteraction=A tunnel=10.9.9.9\n' |
	$BIN/ipsecpol --root "$TMP/tun" -f - >/dev/null || fail "the tunnel policy"
run_ok $BIN/ipsecpol --root "$TMP/tun" static exportpolicy file="$TMP/tun.ipsec"
sed -i 's|tunnel=10.9.9.9/32|tunnel=0.0.0.0/32|' "$TMP/tun.ipsec"
run_ok $BIN/ipsecpol --root "$TMP/tun0" static importpolicy file="$TMP/tun.ipsec"
run_ok $BIN/ipsecpol --root "$TMP/tun0" static show rule name=R policy=P
contains "$OUT" "Tunnel Endpoint        : NONE"
# the export of a tunnel rule's list made mirrored in the file: refused, the store's rule named
run_ok $BIN/ipsecpol --root "$TMP/tun" static exportpolicy file="$TMP/tunm.ipsec"
awk '/^filterlist / { print; next } /^filter / { sub(/mirrored=no/, "mirrored=yes"); print; next }
	END { print "end" }' "$TMP/tunm.ipsec" | grep -v '^end$' >"$TMP/tunm2.ipsec"
{ head -n1 "$TMP/tunm.ipsec"; grep '^filter' "$TMP/tunm2.ipsec"; grep '^end' "$TMP/tunm.ipsec"; } >"$TMP/tunm3.ipsec"
run_fail 'is used by tunnel rule "R" of policy "P": its filters must not be mirrored' \
	$BIN/ipsecpol --root "$TMP/tun" static importpolicy file="$TMP/tunm3.ipsec"
run_ok $BIN/ipsecpol --root "$TMP/tun" static show filterlist name=L level=verbose
contains "$OUT" "Mirrored               : NO"
# an address with host bits under its mask is the network, as the shell stores it: a file
# holding both forms holds one filter twice
printf 'add filter filterlist=H srcaddr=10.203.1.0 srcmask=24 dstaddr=me protocol=udp dstport=53 mirrored=no\n' |
	$BIN/ipsecpol --root "$TMP/hb" -f - >/dev/null || fail "the host bits list"
run_ok $BIN/ipsecpol --root "$TMP/hb" static exportpolicy file="$TMP/hb.ipsec"
sed -i 's|src=10.203.1.0/24|src=10.203.1.7/24|' "$TMP/hb.ipsec"
run_ok $BIN/ipsecpol --root "$TMP/hb2" static importpolicy file="$TMP/hb.ipsec"
run_ok $BIN/ipsecpol --root "$TMP/hb2" static show filterlist name=H level=verbose
contains "$OUT" "Source IP Address      : 10.203.1.0"
echo PASS
