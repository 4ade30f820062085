#!/usr/bin/env bash
# `dynamic set config` / `show config`: every property round trip, good and bad
# values (a bad one names the value and leaves driver.conf as it was), the
# tagless form, the static spelling, a malformed file, the notification of a
# running agent (a datagram socket stands in for it), and the commands that
# need the agent failing clearly without it.
. "$(dirname "$0")/../cli/lib.sh"

CONF=$ROOT/etc/ipsecpol/driver.conf

# field LABEL: the value of "LABEL : value" in $OUT (first line only)
field() { sed -n "s/^$1 *: //p" <<<"$OUT" | head -n1; }

# good PROPERTY VALUE LABEL SHOWN FILELINE: set (tagged), show, and the file.
good() {
	run_ok $IPSECPOL dynamic set config property="$1" value="$2"
	run_ok $IPSECPOL dynamic show config
	[ "$(field "$3")" = "$4" ] || fail "set config $1=$2: show config says \"$(field "$3")\", expected \"$4\""
	grep -qx -- "$5" "$CONF" || fail "set config $1=$2: driver.conf lacks \"$5\":
$(cat "$CONF")"
}

# bad PROPERTY VALUE PATTERN: refused naming the value; driver.conf unchanged.
bad() {
	local before
	before=$(sha256sum "$CONF")
	run_fail "$3" $IPSECPOL dynamic set config "$1" "$2"
	contains "$ERR" "\"$2\"" "the error of set config $1 $2"
	[ "$(sha256sum "$CONF")" = "$before" ] || fail "set config $1 $2 changed driver.conf"
}

# ---- defaults: no file yet
run_ok $IPSECPOL dynamic show config
[ "$(field IpsecDiagnostics)" = 0 ] || fail "default diagnostics: $OUT"
[ "$(field IPsecexempt)" = 3 ] || fail "default ipsecexempt: $OUT"
[ "$(field BootMode)" = "PERMIT (not set: no policy is assigned)" ] || fail "default boot mode: $OUT"
[ "$(field BootExemptions)" = none ] || fail "default boot exemptions: $OUT"
[ ! -e "$CONF" ] || fail "show config created driver.conf"

# ---- every property, good values (the file is written with Windows' names)
good ipsecdiagnostics 7 IpsecDiagnostics 7 DiagnosticMode=7
good ipsecdiagnostics 0 IpsecDiagnostics 0 DiagnosticMode=0
good ikelogging 1 IkeLogging 1 IkeLogging=1
good strongcrlcheck 2 StrongCRLCheck 2 StrongCrlCheck=2
good strongcrlcheck 0 StrongCRLCheck 0 StrongCrlCheck=0
good ipsecloginterval 60 IPsecloginterval 60 LogInterval=60
good ipsecloginterval 86400 IPsecloginterval 86400 LogInterval=86400
good ipsecexempt 0 IPsecexempt 0 NoDefaultExempt=0
good ipsecexempt 3 IPsecexempt 3 NoDefaultExempt=3
good bootmode block BootMode BLOCK OperationMode=1
good bootmode permit BootMode PERMIT OperationMode=0
good bootmode stateful BootMode STATEFUL OperationMode=3
good bootexemptions "tcp:0:3389:inbound udp:0:53:outbound" BootExemptions tcp:0:3389:inbound \
	"BootExemptions=tcp:0:3389:inbound udp:0:53:outbound"
contains "$OUT" "                       udp:0:53:outbound" "the second boot exemption"
good bootexemptions none BootExemptions none BootExemptions=none

# ---- bad values: the value is named, the file stays as it was
bad ipsecdiagnostics 10 'value "10" for ipsecdiagnostics is not valid: expected 0..9'
bad ipsecdiagnostics -1 'for ipsecdiagnostics is not valid'
bad ikelogging 2 'value "2" for ikelogging is not valid: expected 0..1'
bad strongcrlcheck 3 'value "3" for strongcrlcheck is not valid: expected 0..2'
bad ipsecloginterval 59 'value "59" for ipsecloginterval is not valid: expected 60..86400'
bad ipsecloginterval 86401 'expected 60..86400'
bad ipsecloginterval 1x 'for ipsecloginterval is not valid'
bad ipsecexempt 4 'value "4" for ipsecexempt is not valid: expected 0..3'
bad bootmode allow 'value "allow" for bootmode is not valid: expected stateful, block or permit'
bad bootexemptions "tcp:0:3389:sideways" 'boot exemption "tcp:0:3389:sideways"'
bad bootexemptions "tcp:0:99999:inbound" 'destination port "99999"'
run_fail 'invalid value "frobnicate" for property' $IPSECPOL dynamic set config frobnicate 1
run_fail 'missing' $IPSECPOL dynamic set config bootmode

# ---- the tagless form, abbreviations, the static spelling, netsh's name
run_ok $IPSECPOL dynamic set config ikelogging 0
grep -qx IkeLogging=0 "$CONF" || fail "tagless set config ikelogging 0"
run_ok $IPSECPOL dynamic set config bootmode value=bl
grep -qx OperationMode=1 "$CONF" || fail "bootmode value=bl"
run_ok $NETSH ipsec static set config bootmode value=stateful
grep -qx OperationMode=3 "$CONF" || fail "netsh ipsec static set config bootmode"
run_ok $IPSECPOL static set config property=ipsecdiagnostics value=5
grep -qx DiagnosticMode=5 "$CONF" || fail "ipsecpol static set config"
run_ok $NETSH ipsec dynamic set config property=ipsecdiagnostics value=0
grep -qx DiagnosticMode=0 "$CONF" || fail "netsh ipsec dynamic set config"
printf 'pushd ipsec dynamic\nset config property=ipsecexempt value=2\npopd\nset config ipsecexempt 1\n' \
	>"$TMP/cfg.netsh"
run_ok $NETSH -f "$TMP/cfg.netsh"
grep -qx NoDefaultExempt=1 "$CONF" || fail "set config in a script"
run_ok $IPSECPOL static set config '?'
contains "$OUT" "set config [property=]"

# ---- an unset boot mode resolves by the assigned policies
run_ok $IPSECPOL dynamic show config
sed -i '/^OperationMode=/d' "$CONF"
run_ok $IPSECPOL dynamic show config
[ "$(field BootMode)" = "PERMIT (not set: no policy is assigned)" ] || fail "unset boot mode: $OUT"
run_ok $IPSECPOL static add policy name=A assign=yes
run_ok $IPSECPOL dynamic show config
[ "$(field BootMode)" = "STATEFUL (not set: a policy is assigned)" ] || fail "unset, assigned: $OUT"
contains "$OUT" "IPsecexempt 1: the filters exempt IKE, ESP and AH, loopback, IPv6 neighbour discovery and ICMPv6 packet too big, and multicast and broadcast."
# a policy database that cannot be read: an unset boot mode is block; a set one is shown
DB=$ROOT/var/lib/ipsecpol/policy.db
cp "$DB" "$TMP/policy.db.good"
rm -f "$DB-wal" "$DB-shm"
echo garbage >"$DB"
run_ok $IPSECPOL dynamic show config
[ "$(field BootMode)" = "BLOCK" ] || fail "unset, unreadable stores: $OUT"
contains "$OUT" "The boot mode is not set and the policy stores cannot be read ("
run_ok $IPSECPOL dynamic set config bootmode stateful
run_ok $IPSECPOL dynamic show config
[ "$(field BootMode)" = "STATEFUL" ] || fail "set, unreadable stores: $OUT"
sed -i '/^OperationMode=/d' "$CONF"
cp "$TMP/policy.db.good" "$DB"
# a persistent policy assigned and a bad row in the assigned local one: the persistent store
# settles it, as ipsecpold --startup decides (stateful), the local store not read
cat >"$TMP/keep.netsh" <<'NETSH'
set store location=persistent
add policy name=Keep assign=yes
set store location=local
add filter filterlist=Bad srcaddr=any dstaddr=me protocol=tcp dstport=81
add filteraction name=Blk action=block
add rule name=Bad policy=A filterlist=Bad filteraction=Blk
NETSH
run_ok $IPSECPOL -f "$TMP/keep.netsh"
python3 -c "import sqlite3, sys; d = sqlite3.connect(sys.argv[1]); d.execute(\"update filter set dst = 'bogus!!' where dstport = 81\"); d.commit()" "$DB"
run_ok $IPSECPOL dynamic show config
[ "$(field BootMode)" = "STATEFUL (not set: a policy is assigned)" ] || fail "unset, persistent assigned, bad local row: $OUT"
if [ -x "$BIN/ipsecpold" ]; then
	"$BIN/ipsecpold" --root "$ROOT" --startup --dry-run >"$TMP/startup.nft" 2>&1 ||
		fail "--startup --dry-run: $(cat "$TMP/startup.nft")"
	grep -q 'mode=startup-stateful' "$TMP/startup.nft" || fail "--startup disagrees with show config"
fi
cp "$TMP/policy.db.good" "$DB"
rm -f "$DB-wal" "$DB-shm"

# ---- a malformed file: show config and set config name file:line, nothing is overwritten
echo "OperationMode=7" >>"$CONF"
before=$(sha256sum "$CONF")
run_fail "driver.conf:" $IPSECPOL dynamic show config
contains "$ERR" '"7"'
contains "$ERR" "block mode"
run_fail "driver.conf:" $IPSECPOL dynamic set config ikelogging 1
[ "$(sha256sum "$CONF")" = "$before" ] || fail "set config overwrote a malformed driver.conf"
rm -f "$CONF"

# ---- the commands of the agent's state fail clearly without it (exit 1)
for c in "add mmpolicy name=M" "add qmpolicy name=Q" "add rule srcaddr=any dstaddr=me mmpolicy=M" \
	"set mmpolicy name=M qmpermm=1" "set qmpolicy all soft=yes" \
	"delete mmpolicy all" "delete qmpolicy name=Q" "delete all" \
	"delete rule srcaddr=any dstaddr=me protocol=tcp srcport=0 dstport=80 mirrored=yes conntype=all" \
	"show mmpolicy" "show qmpolicy name=Q" "show rule" "show mmsas" "show qmsas"; do
	# shellcheck disable=SC2086
	run_fail "the policy agent is not running" $IPSECPOL dynamic $c
	cmd=$(awk '{print $1" "$2}' <<<"$c")
	contains "$ERR" "ipsecpol: $cmd: " "the error of dynamic $c"
done

# ---- notifications: a datagram socket stands in for the agent's notify.sock
mkdir -p "$ROOT/run/ipsecpol"
socat -u UNIX-RECV:"$ROOT/run/ipsecpol/notify.sock" OPEN:"$TMP/notes",creat,append &
SOCAT=$!
trap 'kill $SOCAT 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 50); do [ -S "$ROOT/run/ipsecpol/notify.sock" ] && break; sleep 0.1; done
notes() { grep -c '^changed$' "$TMP/notes" 2>/dev/null || echo 0; }
# wait_notes N: wait up to 5 s for N notifications in all
wait_notes() {
	for _ in $(seq 50); do [ "$(notes)" -ge "$1" ] && break; sleep 0.1; done
	[ "$(notes)" -eq "$1" ] || fail "expected $1 notifications, got $(notes) ($2)"
}
run_ok $IPSECPOL dynamic set config ipsecdiagnostics 1
wait_notes 1 "set config"
run_ok $IPSECPOL static add policy name=N1
wait_notes 2 "a committed store change"
run_fail 'already exists' $IPSECPOL static add policy name=N1
sleep 0.3
wait_notes 2 "a failed command notifies nobody"
run_ok $IPSECPOL static show policy
sleep 0.3
wait_notes 2 "a show notifies nobody"
printf 'set batch enable\nadd policy name=B1\nadd policy name=B2\nset batch disable\nadd policy name=B3\n' \
	>"$TMP/batch.netsh"
run_ok $IPSECPOL -f "$TMP/batch.netsh"
wait_notes 4 "one notification per batch commit and per command"
printf 'set batch enable\nadd policy name=B4\nadd policy name=B5\n' >"$TMP/batch2.netsh"
run_ok $IPSECPOL -f "$TMP/batch2.netsh"
wait_notes 5 "a batch committed at the end of the script"
kill $SOCAT
wait $SOCAT 2>/dev/null
# nobody listens any more (a stale socket file): commands still succeed
run_ok $IPSECPOL static add policy name=N2
run_ok $IPSECPOL dynamic set config ipsecdiagnostics 0
rm -f "$ROOT/run/ipsecpol/notify.sock"
run_ok $IPSECPOL static add policy name=N3
echo PASS
