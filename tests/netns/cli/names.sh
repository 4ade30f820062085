#!/usr/bin/env bash
# The program answers to ipsecpol (words in the ipsec context) and netsh
# (words from netsh's root); scripts and standard input; --root and $IPSECPOL_ROOT.
. "$(dirname "$0")/lib.sh"

[ -L "$BIN/netsh" ] || [ -x "$BIN/netsh" ] || fail "no $BIN/netsh"

run_ok $NETSH ipsec static add policy name=N1
run_ok $IPSECPOL static add policy name=N2
run_ok $IPSECPOL ipsec static add policy N3
run_ok $IPSECPOL netsh ipsec static add policy N4
run_ok $IPSECPOL add policy N5                    # the words start in ipsec static
run_ok $BIN/ipsecpol --root="$ROOT" static add policy N6
run_ok env IPSECPOL_ROOT="$ROOT" $BIN/ipsecpol static add policy N7
run_fail 'The following command was not found: add policy N0.' $NETSH add policy N0

# script lines with the netsh prefix, the ipsec prefix, none, and contexts
cat >"$TMP/mixed.txt" <<'NETSH'
netsh ipsec static add policy name=S1
ipsec static add policy name=S2
add policy name=S3
static add policy name=S4
pushd ipsec dynamic
popd
..
static
NETSH
run_ok $NETSH -f "$TMP/mixed.txt"
run_fail "$TMP/mixed.txt:1: add policy: a policy named \"S1\" already exists" $IPSECPOL -f "$TMP/mixed.txt"

# words naming only a context read a script from standard input there
OUT=$(printf 'add policy name=I1\nshow policy name=I1 format=json\n' | $NETSH ipsec static) ||
	fail "stdin script in ipsec static"
contains "$OUT" '"name": "I1"'
OUT=$(printf 'add policy name=I2\n' | $NETSH ipsec dynamic 2>&1) && fail "add policy in dynamic"
contains "$OUT" '<stdin>:1: The following command was not found: add policy name=I2. (expected after "add" one of mmpolicy, qmpolicy, rule'
lacks "$OUT" 'netsh: <stdin>'
# no words at all: standard input is a script starting in ipsec static
OUT=$(printf 'add policy name=I3\n' | $NETSH) || fail "stdin script without words"

P=$($IPSECPOL static show policy format=json)
for n in N1 N2 N3 N4 N5 N6 N7 S1 S2 S3 S4 I1 I3; do
	contains "$P" "\"name\": \"$n\"" "show policy"
done
lacks "$P" '"name": "N0"'
lacks "$P" '"name": "I2"'

run_ok $NETSH --version
contains "$OUT" "netsh"
run_ok $IPSECPOL --help
contains "$OUT" "usage: ipsecpol"
run_ok $NETSH -h
contains "$OUT" "usage: netsh"
echo PASS
