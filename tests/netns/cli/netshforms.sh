#!/usr/bin/env bash
# netsh's own ways of being called, as scripts written for Windows use them:
# -c CONTEXT, exec FILE, dump at the root; failures on standard output as
# "ERR IPsec[NNNNN] : text" lines with the codes such scripts test for.
. "$(dirname "$0")/lib.sh"

# -c CONTEXT: the command runs there; the context may come in one word or several
run_ok $NETSH -c "ipsec static" add policy name=C1
run_ok $NETSH -c ipsec static add policy name=C2
run_ok $NETSH -c "ipsec static" show policy all format=table
contains "$OUT" "C1"
contains "$OUT" "C2"
# name=all: the keyword all, as published scripts write it (no object can be called "all")
run_ok $NETSH ipsec static show policy name=all format=table
contains "$OUT" "C1"
contains "$OUT" "C2"
run_ok $NETSH -c "ipsec static" add filteraction name=CA1 action=block
run_ok $NETSH -c "ipsec static" add filteraction name=CA2 action=permit
run_ok $NETSH ipsec static show filteraction name=ALL
contains "$OUT" "CA1"
contains "$OUT" "CA2"
run_fail 'ERR IPsec : -c: The following command was not found: nosuch.' $NETSH -c nosuch show all
OUT=$(printf 'add filterlist name=CL\n' | $NETSH -c "ipsec static") || fail "-c with a script on stdin"
run_ok $IPSECPOL static show filterlist name=CL
for o in -r -u -p -a; do
	$NETSH $o x ipsec static show all >/dev/null 2>"$TMP/e"
	[ $? -eq 2 ] || fail "$o should exit 2"
	grep -q "not supported" "$TMP/e" || fail "$o: no clear refusal: $(cat "$TMP/e")"
done

# exec FILE: from the root as -f does (ipsec static), from a context there
printf 'add filteraction name=XB action=block\nadd filterlist name=XL\n' >"$TMP/x.txt"
run_ok $NETSH exec "$TMP/x.txt"
run_ok $IPSECPOL static show filteraction name=XB
run_fail "ERR IPsec[05014] : $TMP/x.txt:1: add filteraction: a filter action named \"XB\" already exists" \
	$NETSH exec "$TMP/x.txt"
contains "$OUT" "ERR IPsec[05010] : $TMP/x.txt:2: add filterlist"
# one ERR line for each failing line: the summary is not one of IPsec's errors
[ "$(grep -c "ERR IPsec" <<<"$OUT")" = 2 ] || fail "two ERR lines for two failures: $OUT"
contains "$OUT" "$TMP/x.txt: all 2 commands failed (reported above)"
# the context it was given in comes back after the script
OUT=$(printf 'ipsec dynamic\nexec %s\nshow config\n' "$TMP/x.txt" | $NETSH 2>&1)
contains "$OUT" "StrongCRLCheck" "show config after exec in ipsec dynamic"
# a script that runs itself stops at a depth, with a message
printf 'exec %s\n' "$TMP/self.txt" >"$TMP/self.txt"
run_fail "nest 8 deep" $NETSH exec "$TMP/self.txt"
run_fail 'exec: cannot open' $NETSH exec "$TMP/none.txt"

# a one-shot command inherits its parents' commands, as scripts and -c do
run_ok $NETSH ipsec dynamic dump
contains "$OUT" 'name="XL"'
run_ok $NETSH ipsec static dynamic show config
contains "$OUT" "IpsecDiagnostics"
# help after a command word is netsh's help token, not a name (quoted, it is one)
run_ok $NETSH ipsec static add policy help
contains "$OUT" "Usage:"
run_ok $NETSH ipsec static add filterlist HELP
contains "$OUT" "Usage:"
OUT=$(printf 'add filterlist "help"\n' | $NETSH -c "ipsec static") || fail "a list named \"help\""
run_ok $IPSECPOL static show filterlist name=help
# the shell took the quotes of description="" away: an empty value
run_ok $NETSH ipsec static add policy name=EmptyDesc description=
run_ok $IPSECPOL static show policy name=EmptyDesc format=json
contains "$OUT" '"description": ""'

# dump at the root is the ipsec dump
run_ok $NETSH dump
contains "$OUT" 'name="XL"'

# "all" of nothing is an error with its netsh code (scripts test for them)
rm -rf "$ROOT" && mkdir -p "$ROOT"
run_fail 'ERR IPsec[05072] : show policy: there are no policies in the local store' \
	$NETSH ipsec static show policy all
run_fail 'ERR IPsec[05067]' $NETSH ipsec static show filterlist all
run_fail 'ERR IPsec[05068]' $NETSH ipsec static show filteraction all
# as ipsecpol: standard error, no netsh code
run_fail 'ipsecpol: show policy: there are no policies in the local store' \
	$IPSECPOL static show policy all
[ -z "$OUT" ] || fail "ipsecpol printed its failure on standard output: $OUT"
# the pattern of published scripts: look for ERR on stdout, then create what is missing
R=$($NETSH ipsec static show filterlist name=IpList 2>/dev/null)
contains "$R" "ERR" "stdout of show filterlist of a missing list"
run_ok $NETSH ipsec static add filterlist name=IpList
run_fail 'ERR IPsec[05010] : add filterlist: a filter list named "IpList" already exists' \
	$NETSH ipsec static add filterlist name=IpList
# a script of a Windows code page (GBK, as published for Chinese Windows), run unchanged with
# the code page it was written in; without it, the message says how
if command -v iconv >/dev/null; then
	printf 'netsh ipsec static add policy name = 安全策略 description = 关闭端口\r\nnetsh ipsec static add filterlist name = 封锁列表\r\n' |
		iconv -f UTF-8 -t GBK >"$TMP/gbk.bat"
	run_fail 'run it with --codepage=N' $IPSECPOL -f "$TMP/gbk.bat"
	run_ok $IPSECPOL --codepage 936 -f "$TMP/gbk.bat"
	run_ok $IPSECPOL static show policy name=安全策略
	contains "$OUT" "关闭端口"
	run_fail 'already exists' env IPSECPOL_CODEPAGE=GBK $IPSECPOL -f "$TMP/gbk.bat"
	E=$($IPSECPOL --codepage=no-such-page -f "$TMP/gbk.bat" 2>&1)
	[ $? -eq 2 ] || fail "a code page the system does not know: not a usage error"
	contains "$E" '"no-such-page" is not a code page'
	# a double-byte character whose second byte is 0x5e (GBK "區") is no caret: the line
	# is not joined to the next one
	printf 'echo \x85\x5e\r\nnetsh ipsec static add policy name=BatGbkCaret\r\n' >"$TMP/gbkcaret.bat"
	run_ok $IPSECPOL --codepage 936 -f "$TMP/gbkcaret.bat"
	run_ok $IPSECPOL static show policy name=BatGbkCaret
	# a UTF-8 line of a script of another code page is left as it is
	printf 'add filterlist name=ÜberList\n' >"$TMP/u8.netsh"
	run_ok $IPSECPOL --codepage 1252 -f "$TMP/u8.netsh"
	run_ok $IPSECPOL static show filterlist name=ÜberList
fi
# -c with the context quoted whole inside its argument, as netsh takes it
run_ok $NETSH -c '"ipsec static"' add policy name=QuotedCtx
run_ok $IPSECPOL static show policy name=QuotedCtx
# a batch file's lines as they call netsh: "netsh -c ipsec static ..." and the context quoted
printf 'netsh -c ipsec static add policy name=CLine1\nnetsh.exe -c "ipsec static" add policy CLine2\n' >"$TMP/cline.bat"
run_ok $IPSECPOL -f "$TMP/cline.bat"
run_ok $IPSECPOL static show policy name=CLine1
run_ok $IPSECPOL static show policy name=CLine2
# what cmd.exe does with a batch file's lines: @, rem and :: comments, echo, pause, and the
# redirections of a netsh line, which netsh never sees
cat >"$TMP/kb.cmd" <<'BAT'
@echo off
rem Block ports
:: the policy
echo Creating the policy...
netsh ipsec static add policy name=BatP description="x > y" >nul
@netsh ipsec static add filterlist name=BatL 2>&1
netsh -c "ipsec static" add filterlist name=BatL2 > nul 2>&1
netsh ipsec static add filteraction name=BatA action=block>>"%TEMP%\log.txt"
pause
BAT
OUT=$($IPSECPOL -f "$TMP/kb.cmd" 2>&1) || fail "the batch file failed: $OUT"
contains "$OUT" "Creating the policy..."
D=$(dump_store local)
contains "$D" 'add policy name="BatP" description="x > y"'
contains "$D" 'add filterlist name="BatL" description=""'
contains "$D" 'add filterlist name="BatL2" description=""'
contains "$D" 'add filteraction name="BatA"'
# cmd.exe's other doings: ^ continues a line and makes a character plain; &&, || and &
# join commands (a netsh line's "&& echo" is no value of it); what a pipe feeds is not run;
# a redirection stuck to a word is cmd.exe's too; :label lines; "echo off " with a blank
printf '%s\r\n' '@echo off ' 'echo ===^>^> start' 'netsh ipsec static ^' '  add policy name=BatC1' \
	'netsh ipsec static add filterlist ^' 'name=BatC2 description="a ^ b"' \
	'netsh ipsec static set policy name=BatC1 assign=y && echo assigned' \
	'netsh ipsec static add policy name=BatC1 || echo exists already' \
	'netsh ipsec static add policy name=BatC3 & echo third' \
	'netsh ipsec static show policy name=BatC3 | findstr BatC3' \
	':label' 'echo hidden>nul' 'rem x & netsh ipsec static add policy name=BatNo' \
	'chcp 65001 >nul' 'pause>nul' >"$TMP/ops.bat"
OUT=$($IPSECPOL -f "$TMP/ops.bat" 2>&1)
# (one line failed, add policy BatC1 again; the file's status is its last command's, as
# cmd.exe gives it: that one succeeded)
[ $? -eq 0 ] || fail "ops.bat: its last command succeeded: $OUT"
contains "$OUT" "===>> start"
contains "$OUT" "assigned"
contains "$OUT" "exists already"
contains "$OUT" "third"
contains "$OUT" "ops.bat: 1 command failed (reported above); the batch file's status is 0, the errorlevel it ends with"
case "$OUT" in *hidden* | *off* | *findstr*) fail "printed what cmd.exe would not: $OUT" ;; esac
D=$(dump_store local)
contains "$D" 'add policy name="BatC1"'
contains "$D" 'add filterlist name="BatC2" description="a ^ b"'
contains "$D" 'add policy name="BatC3"'
contains "$D" 'set policy name="BatC1" assign=yes'
case "$D" in *BatNo* | *'"&&"'*) fail "a comment's command, or && as a value, stored: $D" ;; esac
# every failing command of a line of several is reported and counted, not only the first
printf '%s\n' 'netsh ipsec static add bogus x & netsh ipsec static add filterlist name=BatM1 & netsh ipsec static add filter filterlist=BatM1 srcaddr=999.1.1.1 dstaddr=me & netsh ipsec static add policy name=BatM2' \
	'netsh ipsec static add bogus y & netsh ipsec static add bogus z' >"$TMP/multi.bat"
OUT=$($IPSECPOL -f "$TMP/multi.bat" 2>&1)
[ $? -eq 1 ] || fail "multi.bat: commands fail: $OUT"
contains "$OUT" 'multi.bat:1: The following command was not found: ipsec static add bogus x. (expected after "add" one of'
contains "$OUT" 'multi.bat:1: add filter: srcaddr: "999.1.1.1" is not a valid address'
[ "$(printf '%s\n' "$OUT" | grep -c 'multi.bat:2: The following command was not found')" -eq 2 ] ||
	fail "multi.bat: both failures of line 2 said: $OUT"
contains "$OUT" 'multi.bat: 4 commands failed (reported above); the other commands were applied'
D=$(dump_store local)
contains "$D" 'add filterlist name="BatM1"'
contains "$D" 'add policy name="BatM2"'
# a variable the file does not set keeps its command from running; %% is %; a rem takes the
# rest of its line, its caret too; echo( and echo:; an if that is false (the file runs
# without arguments: %1 is empty) skips its block
printf '%s\n' 'netsh ipsec static add policy name="Bat 100%% D1"' \
	'netsh ipsec static add policy name=BatD2 & rem note & netsh ipsec static add policy name=BatNo2' \
	'rem a comment with a caret ^' 'netsh ipsec static add policy name=BatD3' \
	'netsh ipsec static add policy name=%POL%' 'echo(paren' 'echo:colon' \
	'if /i "%1"=="remove" (' '  netsh ipsec static delete all' ')' \
	'netsh ipsec static add policy name=BatD4' >"$TMP/flow.bat"
OUT=$($IPSECPOL -f "$TMP/flow.bat" 2>&1)
[ $? -eq 0 ] || fail "flow.bat: one line fails, the last succeeds: $OUT"
contains "$OUT" '"%POL%": cmd.exe would put the value of a batch variable here'
contains "$OUT" "paren"
contains "$OUT" "colon"
D=$(dump_store local)
contains "$D" 'add policy name="Bat 100% D1"'
contains "$D" 'add policy name="BatD2"'
contains "$D" 'add policy name="BatD3"'
contains "$D" 'add policy name="BatD4"'
contains "$D" 'add policy name="BatC1"'
case "$D" in *BatNo2* | *%POL%*) fail "flow.bat ran what cmd.exe would not: $D" ;; esac
# only netsh runs netsh's commands: cmd.exe's del, set, pushd and other programs are not run
# (del all deleted the store), a bare netsh word fails as in cmd.exe; netsh named by a path
# runs; exit /b ends the file, not a failure; choice stops it
printf '%s\r\n' 'netsh ipsec static add policy name=BatP1' 'del all' 'set POL=x' 'pushd ipsec static' \
	'sc config policyagent start= auto' 'add policy name=BatBare' \
	'"C:\Windows\System32\netsh.exe" ipsec static add policy name=BatP2' \
	'%SystemRoot%\system32\netsh ipsec static add policy name=BatP3' \
	'C:\Windows\System32\NETSH.EXE -c "ipsec static" add policy name=BatNo4 description=%X%' \
	'exit /b 0' 'netsh ipsec static add policy name=BatNo5' >"$TMP/prog.bat"
OUT=$($IPSECPOL -f "$TMP/prog.bat" 2>&1)
[ $? -eq 0 ] || fail "prog.bat: two lines fail, and exit /b 0 makes the status: $OUT"
contains "$OUT" 'prog.bat:2: note: "del" is a command of cmd.exe'"'"'s or another program, not netsh: not run'
contains "$OUT" 'prog.bat:4: note: pushd: "ipsec static": No such file or directory (cmd.exe: the system cannot find the path specified)'
contains "$OUT" 'prog.bat:5: note: "sc" is a command of cmd.exe'"'"'s or another program, not netsh: not run (the IPsec service here is ipsecpold'
contains "$OUT" 'prog.bat:6: "add": cmd.exe knows no such command'
contains "$OUT" 'prog.bat:9: "%X%": cmd.exe would put the value of a batch variable here'
contains "$OUT" 'prog.bat: 2 commands failed (reported above); the batch file'"'"'s status is 0'
D=$(dump_store local)
contains "$D" 'add policy name="BatP1"'
contains "$D" 'add policy name="BatP2"'
contains "$D" 'add policy name="BatP3"'
contains "$D" 'add policy name="BatC1"'
case "$D" in *BatBare* | *BatNo4* | *BatNo5*) fail "prog.bat ran what cmd.exe would not: $D" ;; esac
printf '%s\r\n' 'netsh ipsec static add policy name=BatE1' 'exit /b 0' >"$TMP/exitb.bat"
run_ok $IPSECPOL -f "$TMP/exitb.bat"
printf '%s\r\n' 'choice /c yn /m Sure' 'netsh ipsec static add policy name=BatNo6' >"$TMP/choice.bat"
run_fail "cmd.exe's prompt for an answer gets none: standard input is at its end: the batch file stops here" \
	$IPSECPOL -f "$TMP/choice.bat"
# a set command given nothing to change says so (it succeeds: the object is as it was)
run_ok $IPSECPOL static set policy name=BatP1
contains "$OUT$ERR" "note: set policy: nothing to change was given: the policy is as it was"
# the "run as administrator" line: the copy that runs elevated reads it as a comment (%1 is
# ::) and runs the rest; exit before the end says what it leaves out; the status is the last
# command's (a cleanup that fails first is none of the file's), or exit /b's
printf '%s\r\n' '@echo off' \
	'%1 mshta vbscript:CreateObject("Shell.Application").ShellExecute("cmd.exe","/c %~s0 ::","","runas",1)(window.close)&&exit' \
	'netsh ipsec static delete policy name=BatElevNone' \
	'netsh ipsec static add policy name=BatElev' 'exit' 'netsh ipsec static add policy name=BatNo7' \
	>"$TMP/elev.bat"
OUT=$($IPSECPOL -f "$TMP/elev.bat" 2>&1)
[ $? -eq 0 ] || fail "elev.bat: its last command succeeded: $OUT"
contains "$OUT" 'elev.bat:2: note: "%1" begins with a batch parameter: the line the copy of the file that runs as administrator reads as a comment'
contains "$OUT" 'elev.bat:5: note: exit ends the batch file: the lines after it ('
contains "$OUT" 'elev.bat:6 and on) are not run'
contains "$OUT" 'the batch file'"'"'s status is 0'
printf '%s\r\n' 'netsh ipsec static add policy name=BatElev2' 'exit /b 3' >"$TMP/exit3.bat"
run_fail 'exit3.bat: its exit gave the status 3, as cmd.exe ends it' $IPSECPOL -f "$TMP/exit3.bat"
printf '%s\r\n' 'exit /b -1' >"$TMP/exitm1.bat"
run_fail 'exitm1.bat: its exit gave the status -1, as cmd.exe ends it' $IPSECPOL -f "$TMP/exitm1.bat"
D=$(dump_store local)
contains "$D" 'add policy name="BatElev"'
case "$D" in *BatNo7*) fail "elev.bat ran a line after exit: $D" ;; esac
# variables the batch file sets take the place of %NAME% in the lines after (a line is
# expanded before its commands run); one it does not set keeps its command from running
printf '%s\r\n' '@echo off' 'setlocal' 'set "POL=BatVar Policy"' 'set ACT=BatVarBlk' \
	'set Y=2 & echo [%Y%]' 'echo [%Y%]' \
	'netsh ipsec static add policy name="%POL%" description=%ACT%' \
	'netsh ipsec static add filteraction name=%ACT% action=block' \
	'netsh ipsec static add filterlist name=%UNSETVAR%' 'set ACT=' \
	'netsh ipsec static add filteraction name=%ACT%2 action=block' >"$TMP/vars.bat"
OUT=$($IPSECPOL -f "$TMP/vars.bat" 2>&1)
[ $? -eq 1 ] || fail "vars.bat: its last command failed: $OUT"
contains "$OUT" '[2 ]'
contains "$OUT" 'vars.bat:9: "%UNSETVAR%": cmd.exe would put the value of a batch variable here that the file does not set'
contains "$OUT" 'vars.bat:11: "%ACT%"'
D=$(dump_store local)
contains "$D" 'add policy name="BatVar Policy" description="BatVarBlk"'
contains "$D" 'add filteraction name="BatVarBlk"'
case "$D" in *UNSETVAR* | *'"%ACT%2"'*) fail "vars.bat ran a line with a variable it did not set: $D" ;; esac
# netsh quoted runs; a batch file's exit ends that file only, not the script that ran it; a
# last line that fails before it is run (a NUL byte) is the file's status
printf '%s\r\n' '"netsh" ipsec static add filterlist name=BatQ1' \
	'"netsh.exe" ipsec static add filterlist name=BatQ2' 'exit /b' >"$TMP/quoted.bat"
printf 'exec %s\nadd filterlist name=BatAfterExit\n' "$TMP/quoted.bat" >"$TMP/outer.netsh"
run_ok $IPSECPOL -c "ipsec static" -f "$TMP/outer.netsh"
printf 'netsh ipsec static add filterlist name=BatNul1\r\nnetsh ipsec static add filterlist name=BatNul2\0x\r\n' \
	>"$TMP/nul.bat"
run_fail 'nul.bat:2: a NUL byte at column' $IPSECPOL -f "$TMP/nul.bat"
D=$(dump_store local)
contains "$D" 'add filterlist name="BatQ1"'
contains "$D" 'add filterlist name="BatQ2"'
contains "$D" 'add filterlist name="BatAfterExit"'
# a block a || skips is skipped whole (a delete all inside it not run); goto:eof and
# exit/b are keywords; && and || go left to right; each netsh line starts in the local
# store (a set store of an earlier line ended with its process)
printf '%s\r\n' 'netsh ipsec static add policy name=BatBlk1' \
	'netsh ipsec static add filterlist name=BatBlkL || (' '  netsh ipsec static delete all' ')' \
	'netsh ipsec static add policy name=BatBlk2' >"$TMP/block.bat"
OUT=$($IPSECPOL -f "$TMP/block.bat" 2>&1)
[ $? -eq 0 ] || fail "block.bat: runs whole: $OUT"
printf '%s\r\n' 'netsh ipsec static add filterlist name=BatBlkL || echo exists && netsh ipsec static add policy name=BatLtr' \
	'netsh ipsec static set store location=persistent' 'netsh ipsec static add policy name=BatLocal' \
	'goto:eof' 'netsh ipsec static delete all' >"$TMP/ltr.bat"
OUT=$($IPSECPOL -f "$TMP/ltr.bat" 2>&1)
[ $? -eq 0 ] || fail "ltr.bat: its last command succeeded, goto:eof ends it: $OUT"
contains "$OUT" "exists"
D=$(dump_store local)
contains "$D" 'add policy name="BatBlk1"'
contains "$D" 'add policy name="BatBlk2"'
contains "$D" 'add filterlist name="BatBlkL"'
contains "$D" 'add policy name="BatLtr"'
contains "$D" 'add policy name="BatLocal"'
# netsh fed by a pipe is not run, and a note says so
printf '%s\r\n' 'echo y| netsh ipsec static add policy name=BatNo9' >"$TMP/pipe.bat"
run_ok $IPSECPOL -f "$TMP/pipe.bat"
contains "$OUT$ERR" 'netsh fed by a pipe (its answers to prompts) is not run'
case "$(dump_store local)" in *BatNo9*) fail "pipe.bat ran the netsh a pipe feeds" ;; esac
# a netsh script is not a batch file: such lines fail there, as in netsh -f
printf 'rem x\nadd policy name=NotBat description=d >nul\n' >"$TMP/notbat.txt"
run_fail 'notbat.txt:1: The following command was not found: rem x.' $IPSECPOL -f "$TMP/notbat.txt"
# show store names the domain set store gave
OUT=$(printf 'set store location=domain domain=example.com\nshow store\n' | $IPSECPOL -f -)
contains "$OUT" "Current store is: Domain Store <example.com>"
# and so do show all (text and JSON) and dump, which replays into the same domain's store
OUT=$(printf 'set store location=domain domain=example.com\nshow all\nshow all format=json\ndump\n' |
	$IPSECPOL -f -)
contains "$OUT" "Domain Store <example.com>"
contains "$OUT" '"store_label": "Domain Store <example.com>"'
contains "$OUT" 'set store location=domain domain="example.com"'
# a # after a line's first word is text, as netsh reads it: the action after it counts
STDIN=/dev/stdin run_ok $IPSECPOL -f - <<<'add filteraction FAH #note action=block'
run_ok $IPSECPOL static show filteraction name=FAH
contains "$OUT" "#note"
contains "$OUT" "Block"
echo PASS
