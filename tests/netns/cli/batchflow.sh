#!/usr/bin/env bash
# Batch files (.bat, .cmd) whose netsh lines sit in cmd.exe's control flow, as published
# hardening scripts write them: administrator checks, version checks, if/else blocks over
# several lines, goto and labels, call :label with arguments and exit /b, for over a list
# and /l, set /a counters, setlocal, delayed expansion, %~dp0, netsh show | findstr checks.
. "$(dirname "$0")/lib.sh"

bat() { printf '%s\r\n' "$@" >"$TMP/$BAT"; }

# An administrator check (its program not run: taken as an administrator's, succeeded),
# the version check of Windows Server 2003 (ver | find), a subroutine called for each port
# of a for list, an if/else block over several lines, a counter loop with goto and set /a
BAT=admin.bat
bat '@echo off' 'setlocal' \
	'net session >nul 2>&1' \
	'if %errorlevel% NEQ 0 (' '  echo Please run this as administrator' '  exit /b 1' ')' \
	'ver | find "5.2" >nul && goto w2003' \
	'echo not Windows Server 2003' 'netsh ipsec static add policy name=FlowNoXP' 'goto :eof' \
	':w2003' \
	'set LIST=FlowPorts' \
	'netsh ipsec static add filteraction name=FlowBlock action=block' \
	'for %%p in (135 139,445) do call :port %%p tcp' \
	'call :port 137 udp' \
	'if errorlevel 1 (' '  echo the subroutine failed' ') else (' '  echo ports done' ')' \
	'set /a n=3' ':again' 'set /a n-=1' 'if %n% GTR 0 goto again' 'echo n=%n%' \
	'netsh ipsec static add policy name=FlowPol' \
	'netsh ipsec static add rule name=FlowRule policy=FlowPol filterlist=%LIST% filteraction=FlowBlock' \
	'goto end' \
	':port' \
	'netsh ipsec static add filter filterlist=%LIST% srcaddr=any dstaddr=me protocol=%2 dstport=%1' \
	'exit /b %errorlevel%' \
	':end' 'echo finished'
run_ok $IPSECPOL -f "$TMP/admin.bat"
contains "$OUT" "ports done"
contains "$OUT" "n=0"
contains "$OUT" "finished"
lacks "$OUT" "administrator"
lacks "$OUT" "not Windows Server 2003"
contains "$ERR" 'admin.bat:3: note: "net" is a command of cmd.exe'"'"'s or another program, not netsh: not run'
D=$(dump_store local)
for p in 135 139 445; do
	contains "$D" "add filter filterlist=\"FlowPorts\" srcaddr=any dstaddr=me description=\"\" protocol=TCP mirrored=yes srcport=0 dstport=$p"
done
contains "$D" 'protocol=UDP mirrored=yes srcport=0 dstport=137'
contains "$D" 'add rule name="FlowRule" policy="FlowPol" filterlist="FlowPorts" filteraction="FlowBlock"'
lacks "$D" FlowNoXP

# The same again: the filters exist now, so the subroutine fails (netsh's errorlevel 1, its
# exit /b gives it to the caller), and if errorlevel 1 takes the first block
OUT=$($IPSECPOL -f "$TMP/admin.bat" 2>&1)
contains "$OUT" "the subroutine failed"
contains "$OUT" "admin.bat:31: add filter: "

# netsh show ... | findstr: the check published scripts make before they create a policy
# (findstr searches what netsh printed); if/else on %errorlevel%; delayed expansion
BAT=idem.bat
bat '@echo off' 'setlocal enabledelayedexpansion' \
	'netsh ipsec static show policy name=FlowIdem | findstr /i "flowidem" >nul' \
	'if %errorlevel%==0 (echo FlowIdem exists) else (' \
	'  netsh ipsec static add policy name=FlowIdem' '  set MADE=yes' '  echo made !MADE!' ')' \
	'netsh ipsec static show policy name=FlowIdem | find "FlowIdem" >nul || netsh ipsec static add policy name=FlowIdemNo'
run_ok $IPSECPOL -f "$TMP/idem.bat"
contains "$OUT" "made yes"
lacks "$OUT" "exists"
run_ok $IPSECPOL -f "$TMP/idem.bat"
contains "$OUT" "FlowIdem exists"
lacks "$(dump_store local)" FlowIdemNo

# !NAME! with a modifier, as %NAME:...%: the Windows version read from ver (published
# hardening scripts choose their branch so)
BAT=ver.bat
bat '@echo off' 'setlocal enabledelayedexpansion' 'set w=abcdef' \
	'echo sub[!w:c=X!] from[!w:~2!] mid[!w:~-3,2!] star[!w:*c=Z!] plain[!w!]' \
	'for /f "delims=" %%a in ('"'ver'"') do ( set version=%%a' 'set version=!version:~-9,3!' ')' \
	'if "!version!"=="5.2" (echo Windows Server 2003) else (echo not supported: !version!)'
run_ok $IPSECPOL -f "$TMP/ver.bat"
contains "$OUT" "sub[abXdef] from[cdef] mid[de] star[Zdef] plain[abcdef]"
contains "$OUT" "Windows Server 2003"

# for /l, a for list of quoted words, %~dp0 (the batch file's own directory) naming a netsh
# script beside it, setlocal/endlocal scoping, if defined, if "%1"=="" (no arguments)
mkdir -p "$TMP/d"
printf 'add filterlist name=FlowBeside\n' >"$TMP/d/beside.netsh"
BAT=d/paths.bat
bat '@echo off' 'if "%1"=="" echo no arguments' \
	'for /l %%i in (1,1,3) do netsh ipsec static add filterlist name=FlowL%%i' \
	'for %%n in ("Flow Q1" "Flow Q2") do netsh ipsec static add filterlist name=%%n' \
	'netsh exec "%~dp0beside.netsh"' \
	'set KEEP=outer' 'setlocal' 'set KEEP=inner' 'set GONE=1' 'endlocal' \
	'if defined GONE (echo GONE still set) else (echo GONE gone)' 'echo KEEP=%KEEP%'
run_ok $IPSECPOL -f "$TMP/d/paths.bat"
contains "$OUT" "no arguments"
contains "$OUT" "GONE gone"
contains "$OUT" "KEEP=outer"
D=$(dump_store local)
for n in FlowL1 FlowL2 FlowL3 'Flow Q1' 'Flow Q2' FlowBeside; do
	contains "$D" "add filterlist name=\"$n\""
done

# output redirected to a file or nul is not printed
BAT=redir.bat
bat 'netsh ipsec static show policy name=FlowIdem > "%~dp0shown.txt"' 'netsh ipsec static show policy name=FlowIdem'
run_ok $IPSECPOL -f "$TMP/redir.bat"
[ "$(grep -c 'Policy Name' <<<"$OUT")" -eq 1 ] || fail "redir.bat: printed what went to a file: $OUT"

# netsh -f FILE runs a netsh script (its quit ends it, not the batch file); call other.bat
# runs another batch file with this one's variables and comes back; other.bat without
# call goes there and does not come back
printf 'add filterlist name=FlowF1\nquit\n' >"$TMP/d/f1.txt"
printf 'add filterlist name=FlowF2\n' >"$TMP/d/f2.txt"
printf '%s\r\n' 'set FROM=%PART%-sub-%~1-%~nx0' 'netsh ipsec static add filterlist name=FlowSub%PART%' >"$TMP/d/sub.bat"
printf '%s\r\n' 'netsh ipsec static add filterlist name=FlowSub2' >"$TMP/d/sub2.bat"
BAT=d/calls.bat
bat '@echo off' 'cd /d "%~dp0"' 'netsh -f "%~dp0f1.txt"' 'netsh -c "ipsec static" -f "%~dp0f2.txt"' \
	'set PART=X' 'call "%~dp0sub.bat" "an arg"' 'echo back FROM=%FROM%' '"%~dp0sub2.bat"' 'echo not back'
run_ok $IPSECPOL -f "$TMP/d/calls.bat"
contains "$OUT" "back FROM=X-sub-an arg-sub.bat"
lacks "$OUT" "not back"
D=$(dump_store local)
for n in FlowF1 FlowF2 FlowSubX FlowSub2; do
	contains "$D" "add filterlist name=\"$n\""
done

# for /f over a file of addresses (the block lists scripts read), a string, and what netsh
# and ver print; eol, skip, tokens and delims as cmd.exe reads them
printf '; the addresses to block\r\n10.9.0.1 web\r\n\r\n10.9.0.2,db\r\n' >"$TMP/d/list.txt"
BAT=d/forf.bat
bat '@echo off' \
	'for /f "tokens=1,2 delims=, " %%a in (%~dp0list.txt) do netsh ipsec static add filter filterlist=FlowList srcaddr=%%a dstaddr=me description=%%b' \
	'for /f "tokens=2 delims=[]" %%v in ('"'"'ver'"'"') do echo ver=[%%v]' \
	'for /f "usebackq tokens=2*" %%x in ('"'"'a b c d'"'"') do echo str=[%%x][%%y]' \
	'for /f "tokens=1,2,*" %%i in ('"'"'netsh ipsec static show filterlist name^=FlowList'"'"') do if "%%i"=="FilterList" echo shown=[%%k]' \
	'for /f %%z in (nosuchfile.txt) do echo never'
run_ok $IPSECPOL -f "$TMP/d/forf.bat"
contains "$OUT" "ver=[Version 5.2.3790]"
contains "$OUT" "str=[b][c d]"
contains "$OUT" "shown=[: FlowList]"
lacks "$OUT" never
contains "$ERR" 'for /f: cannot open "nosuchfile.txt"'
D=$(dump_store local)
contains "$D" 'add filter filterlist="FlowList" srcaddr=10.9.0.1 dstaddr=me description="web"'
contains "$D" 'add filter filterlist="FlowList" srcaddr=10.9.0.2 dstaddr=me description="db"'

# for over files: a wildcard of a path here names the scripts beside the batch file, in
# order; one that names none runs nothing; a path of Windows' (a drive) stops the file
mkdir -p "$TMP/d/rules"
printf 'add filterlist name=FlowGlobA\n' >"$TMP/d/rules/a.netsh"
printf 'add filterlist name=FlowGlobB\n' >"$TMP/d/rules/b.netsh"
BAT=d/globs.bat
bat '@echo off' 'for %%f in ("C:\rules\*.netsh") do netsh exec "%%f"'
OUT=$($IPSECPOL -f "$TMP/d/globs.bat" 2>&1)
contains "$OUT" "Windows' files (a wildcard) is not followed"
# (a path here written the Windows way, its backslashes, is one here)
BAT=d/globs.bat
bat '@echo off' 'for %%f in ("%~dp0rules\*.netsh" "%~dp0rules/*.none") do netsh exec "%%f"' \
	'for %%f in (%~dp0rules/*.netsh) do echo file=%%~nxf'
run_ok $IPSECPOL -f "$TMP/d/globs.bat"
contains "$OUT" "file=a.netsh"
contains "$OUT" "file=b.netsh"
D=$(dump_store local)
contains "$D" 'add filterlist name="FlowGlobA"'
contains "$D" 'add filterlist name="FlowGlobB"'

# choice with a default and a time: the default is taken when no answer comes
BAT=choice.bat
bat 'choice /c yn /t 5 /d n /m "Block the ports"' 'if errorlevel 2 goto no' \
	'netsh ipsec static add policy name=FlowYes' 'goto :eof' ':no' \
	'netsh ipsec static add policy name=FlowChoiceNo'
run_ok $IPSECPOL -f "$TMP/choice.bat"
contains "$OUT" 'Block the ports [Y,N]?N'
contains "$ERR" 'choice: its default, "n", taken'
D=$(dump_store local)
contains "$D" FlowChoiceNo
lacks "$D" FlowYes

# cd, pushd and popd into directories here are followed (relative paths lead there, also
# written with backslashes); a cd into one of Windows' makes where relative paths lead unknown,
# and an if exist over such a path guarding netsh commands stops the file.  The directory the
# shell was in is its own again afterwards.  Other parts of Windows' netsh (interface, winsock,
# firewall) are not run and succeed, as other programs; a context Windows Server 2003 lacks
# (advfirewall) fails, as there.
mkdir -p "$TMP/d/sub"
printf 'x\n' >"$TMP/d/sub/here.txt"
BAT=d/dirs.bat
bat '@echo off' 'cd /d "%~dp0"' 'if exist sub\here.txt echo found-backslash' \
	'pushd sub' 'if exist here.txt echo found-in-sub' 'popd' 'if exist here.txt echo wrong-dir' \
	'netsh int ip set dns name="Local Area Connection" static 10.9.9.9' 'echo el=%errorlevel%' \
	'netsh winsock reset && echo winsock-ok' 'netsh -c firewall set opmode disable' \
	'netsh advfirewall set allprofiles state off' 'echo adv=%errorlevel%' \
	'cd c:\qlbsyslogd' 'if exist sub\here.txt (' '  netsh ipsec static add policy name=FlowDirNever' ')'
OUT=$(cd / && $IPSECPOL -f "$TMP/d/dirs.bat" 2>"$TMP/stderr" </dev/null)
[ $? -eq 1 ] || fail "dirs.bat: the stop at if exist is its failure"
ERR=$(cat "$TMP/stderr")
contains "$OUT" "found-backslash"
contains "$OUT" "found-in-sub"
lacks "$OUT" "wrong-dir"
contains "$OUT" "el=0"
contains "$OUT" "winsock-ok"
contains "$OUT" "adv=1"
contains "$ERR" 'dirs.bat:8: note: "netsh interface": a context of Windows'"'"' netsh other than ipsec: not run'
contains "$ERR" 'dirs.bat:11: note: "netsh firewall": a context'
contains "$ERR" 'dirs.bat:12: The following command was not found: advfirewall set allprofiles state off.'
contains "$ERR" 'dirs.bat:14: note: cd: a directory of Windows'"'"' ("c:\qlbsyslogd"): where relative paths lead is not known from here on'
contains "$ERR" "dirs.bat:15: \"if exist\": whether a file of Windows' exists cannot be told here: the batch file stops here"
lacks "$(dump_store local)" FlowDirNever
# a command of a block over several lines that fails is said at its own line
BAT=blklines.bat
bat '@echo off' 'if 1==1 (' '  echo in block' '  netsh ipsec static add filteraction name=FlowX action=bogus' \
	'  sc query policyagent' '  netsh ipsec static add rule name=R policy=NoSuch filterlist=L filteraction=A' ')'
OUT=$($IPSECPOL -f "$TMP/blklines.bat" 2>&1 </dev/null)
contains "$OUT" 'blklines.bat:4: add filteraction: invalid value "bogus"'
contains "$OUT" 'blklines.bat:5: note: "sc" is a command'
contains "$OUT" 'blklines.bat:6: add rule: '
# findstr's argument read as Windows programs read theirs: \" is a double quote in it
BAT=crt.bat
bat '@echo off' 'echo "y".|findstr /x /i "\"[ynd]\"\." >nul && echo crt-y' \
	'echo "q".|findstr /x /i "\"[ynd]\"\." >nul || echo crt-q'
OUT=$($IPSECPOL -f "$TMP/crt.bat" 2>&1 </dev/null)
contains "$OUT" "crt-y"
contains "$OUT" "crt-q"
# a command continued with ^ over several lines is said at its first line
BAT=caret.bat
bat '@echo off' 'netsh ipsec static ^' 'add filterlist name=FlowCaret netsh ipsec static ^' 'add policy' \
	'echo after'
OUT=$($IPSECPOL -f "$TMP/caret.bat" 2>&1 </dev/null)
contains "$OUT" 'caret.bat:2: add filterlist: '
# a line beginning with ")" outside any block is cmd.exe's comment: the errorlevel stays
BAT=paren.bat
bat '@echo off' 'netsh ipsec static show policy name=FlowNone >nul' ') ignored as cmd.exe ignores it' \
	'echo el=%errorlevel%'
OUT=$($IPSECPOL -f "$TMP/paren.bat" 2>/dev/null </dev/null)
contains "$OUT" "el=1"
# ... endlocal goes back to the directory setlocal was in (a subroutine's too), cd.. and
# chdir\ as cmd.exe reads them, pushd twenty deep and popd back each level, cd alone writes
# the directory (for /f takes it)
P17=$TMP/d$(printf '/p%.0s' $(seq 17))
mkdir -p "$TMP/d/sub/deep" "$P17/p/p/p"
BAT=d/dirs2.bat
bat '@echo off' 'cd /d "%~dp0"' 'setlocal' 'cd sub' 'endlocal' 'if exist sub echo back-after-endlocal' \
	'call :into' 'if exist sub echo back-after-call' \
	'cd sub' 'cd..' 'if exist sub echo back-after-cddotdot' \
	'for /l %%i in (1,1,20) do pushd p' 'for /l %%i in (1,1,3) do popd' 'echo at=%CD%' \
	'for /l %%i in (1,1,17) do popd' 'if exist sub echo back-after-pushd' \
	'for /f "delims=" %%d in ('"'"'cd'"'"') do set here=%%d' 'echo here=%here%' 'goto :eof' \
	':into' 'setlocal' 'cd sub' 'exit /b'
OUT=$(cd / && $IPSECPOL -f "$TMP/d/dirs2.bat" 2>&1 </dev/null)
contains "$OUT" "back-after-endlocal"
contains "$OUT" "back-after-call"
contains "$OUT" "back-after-cddotdot"
contains "$OUT" "back-after-pushd"
contains "$OUT" "at=$P17
"
contains "$OUT" "here=$TMP/d"
# ... and after that cd, netsh's own relative file names fail, said so (exec, exportpolicy,
# importpolicy): nothing read or written in the directory the shell is in
BAT=d/winrel.bat
printf 'add policy name=FlowWinRel\n' >"$TMP/d/rules.txt"
bat '@echo off' 'cd /d "%~dp0"' 'cd /d C:\Windows' 'netsh ipsec static exec rules.txt' \
	'netsh ipsec static exportpolicy file=winrel.ipsec'
OUT=$(cd "$TMP/d" && $IPSECPOL -f "$TMP/d/winrel.bat" 2>&1 </dev/null)
contains "$OUT" 'exec "rules.txt": a relative path after the batch file went into a directory of Windows'
contains "$OUT" 'file "winrel.ipsec": a relative path after the batch file went into a directory'
lacks "$(dump_store local)" FlowWinRel
[ ! -e "$TMP/d/winrel.ipsec" ] || fail "exportpolicy wrote a relative file after cd C:\Windows"
# an if whose operand is only a variable not set (an empty answer) is cmd.exe's syntax error:
# the file stops there, before the delete all it guards
BAT=ifempty.bat
bat '@echo off' 'netsh ipsec static add policy name=FlowKeep' \
	'set /p confirm=Delete all IPsec policies? (y/n) ' 'if %confirm%==n goto end' \
	'netsh ipsec static delete all' ':end'
printf '\n' >"$TMP/answers"
STDIN=$TMP/answers run_fail 'an operand that is only a variable not set here' \
	$IPSECPOL -f "$TMP/ifempty.bat"
contains "$(dump_store local)" FlowKeep
# ... but Windows' own variables that Windows Server 2003 gives are operands (if %OS%==...);
# and a relative --root stays where the shell started, whatever the batch file's cd
BAT=d/osroot.bat
bat '@echo off' 'if %OS%==Windows_NT echo is-nt' 'cd /d "%~dp0sub"' \
	'netsh ipsec static add policy name=FlowRelRoot'
OUT=$(cd "$TMP" && $BIN/ipsecpol --root relroot -f "$TMP/d/osroot.bat" 2>&1 </dev/null) ||
	fail "osroot.bat: $OUT"
contains "$OUT" "is-nt"
[ -f "$TMP/relroot/var/lib/ipsecpol/policy.db" ] && [ ! -e "$TMP/d/sub/relroot" ] ||
	fail "the relative root moved with the batch file's cd"
# ... and a netsh script that runs a batch file going elsewhere is back where it was after it
printf '%s\r\n' 'cd /d "%~dp0sub"' >"$TMP/d/gosub.bat"
printf '%s\n' "exec $TMP/d/gosub.bat" 'exportpolicy file=back.ipsec' >"$TMP/d/back.netsh"
(cd "$TMP/d" && $IPSECPOL -f back.netsh >/dev/null 2>&1 </dev/null) || fail "back.netsh failed"
[ -f "$TMP/d/back.ipsec" ] && [ ! -f "$TMP/d/sub/back.ipsec" ] ||
	fail "the export after the batch file went to its directory, not the script's"
# (as a command, the same context is said to be one ipsecpol does not provide)
run_fail '"interface" is a context of Windows'"'"' netsh that ipsecpol does not provide' \
	$IPSECPOL int ip show config

# Prompts read their answers from standard input, as cmd.exe's do: a set /p menu in a loop,
# an invalid answer and the menu again, an empty answer (NAME kept, errorlevel 1, ||), the
# prompt of <nul set /p written alone, set /p <file (its first line), choice answered (a line
# that is none of its choices read past), choice /t /d answered, a called file's prompt
BAT=menu.bat
printf '%s\r\n' 'set /p ASKED=Which policy? ' >"$TMP/asks2.bat"
bat '@echo off' 'pause' ':menu' 'echo 1 build' 'echo 2 assign' 'echo q quit' \
	'set /p pick=Choose:  ' \
	'if "%pick%"=="1" goto build' 'if "%pick%"=="2" goto assign' 'if /i "%pick%"=="q" goto done' \
	'echo no such choice' 'goto menu' \
	':build' 'netsh ipsec static add policy name=FlowMenu' 'goto menu' \
	':assign' 'netsh ipsec static set policy name=FlowMenu assign=yes' 'goto menu' \
	':done' 'set /p pick=Again? || echo kept %pick%' 'echo el=%errorlevel%' \
	'<nul set /p =no line end' 'echo  here' \
	'set /p "FIRST=From a file: " <"%~dp0first.txt"' 'echo first=[%FIRST%]' \
	'choice /c abc /m "Pick one"' 'echo choice=%errorlevel%' \
	'choice /c yn /t 5 /d n /m "Timed"' 'echo timed=%errorlevel%' \
	'call "%~dp0asks2.bat"' 'echo asked=%ASKED%'
printf '%s\r\n' 'the first line' 'the second' >"$TMP/first.txt"
printf '%s\n' 3 1 2 q '' x b y 'Default Policy' >"$TMP/answers"
STDIN=$TMP/answers run_ok $IPSECPOL -f "$TMP/menu.bat"
contains "$OUT" "Choose:  3
no such choice"
contains "$OUT" "Choose:  q"
contains "$OUT" "kept q
el=1"
contains "$OUT" "no line end here"
contains "$OUT" "From a file: first=[the first line]"
contains "$OUT" "Pick one [A,B,C]?B
choice=2"
contains "$OUT" "Timed [Y,N]?Y
timed=1"
contains "$OUT" "asked=Default Policy"
lacks "$OUT" "Press any key"
D=$(dump_store local)
contains "$D" 'add policy name="FlowMenu"'
contains "$D" 'set policy name="FlowMenu" assign=yes'
# ... a block's input from a file gives its prompts the file's lines in turn; a redirection
# takes for's variables; choice's errorlevel is its exit code (&& after an answer does not
# run); choice /c with double quotes; a word-mode exec of a batch file reads answers piped in
printf '%s\r\n' 'first' 'second' >"$TMP/two.txt"
BAT=blockin.bat
bat '@echo off' 'cd /d "%~dp0"' '(set /p a= & set /p b=) < two.txt' 'echo a=[%a%] b=[%b%]' \
	'for %%f in (two.txt) do set /p c=<%%f' 'echo c=[%c%]' \
	'choice /c "yn" /m Go && echo chose-zero || echo chose-%errorlevel%' \
	'choice /c yn >nul' 'echo el=%errorlevel%'
printf '%s\n' n y >"$TMP/answers"
STDIN=$TMP/answers run_ok $IPSECPOL -f "$TMP/blockin.bat"
contains "$OUT" "a=[first] b=[second]"
contains "$OUT" "c=[first]"
contains "$OUT" "Go [Y,N]?N"
lacks "$OUT" "chose-zero"
contains "$OUT" "el=1"
printf '%s\r\n' '@echo off' 'set /p who=Who? ' 'echo who=%who%' >"$TMP/who.bat"
printf 'bob\n' >"$TMP/answers"
STDIN=$TMP/answers run_ok $IPSECPOL exec "$TMP/who.bat"
contains "$OUT" "who=bob"
# ... a line without an end (a device of zeros) is no answer: the file stops, said so
BAT=zero.bat
bat 'set /p z=</dev/zero'
run_fail "the answer's line has no end in the next MiB" $IPSECPOL -f "$TMP/zero.bat"
# ... answers running out: the prompt gets none and the file stops there (a menu read again
# for ever, as cmd.exe would, builds nothing); a control character in an answer; a prompt of a
# batch file run by a script that itself comes from standard input
printf '%s\n' 3 >"$TMP/answers"
STDIN=$TMP/answers run_fail "cmd.exe's prompt for an answer gets none: standard input is at its end" \
	$IPSECPOL -f "$TMP/menu.bat"
contains "$ERR" 'menu.bat:7: "set /p pick=Choose:  "'
printf '1\001\n' >"$TMP/answers"
STDIN=$TMP/answers run_fail "the answer holds a control character" \
	$IPSECPOL -f "$TMP/menu.bat"
printf 'exec %s\n' "$TMP/asks2.bat" >"$TMP/runs-bat.netsh"
STDIN=$TMP/runs-bat.netsh run_fail "gets none: nobody answers (the script comes from standard input)" \
	$IPSECPOL -f -

# What cannot be told stops the file, said so, with nothing after it run: a prompt (set /p),
# for /f, whether a Windows file exists when netsh's commands depend on it, a goto to a
# label the file lacks, a block left open, what findstr found in a program's output
stops() {
	local msg=$1
	shift
	BAT=stop.bat
	bat "$@" 'netsh ipsec static add policy name=FlowNever'
	run_fail "$msg" $IPSECPOL -f "$TMP/stop.bat"
	lacks "$(dump_store local)" FlowNever "after: $*"
}
stops "cmd.exe's prompt for an answer gets none: standard input is at its end" 'set /p X=Which? '
stops "for /f over what a program prints (not netsh's, echo's or ver's) cannot be told" \
	'for /f "tokens=*" %%a in ('"'"'systeminfo'"'"') do echo %%a'
lacks "$ERR" '"systeminfo" is a command' "(for /f's program is not said to be passed over)"
stops "whether a file of Windows' exists cannot be told here" \
	'if exist C:\WINDOWS\system32\netsh.exe (goto run) else (exit /b)' ':run'
stops 'goto: the batch file has no label ":nowhere": the batch file stops here' 'goto nowhere'
stops 'the block opened here (a "(") is not closed by the end of the file' 'if 1==1 ('
stops 'what find or findstr left (line 1)' 'systeminfo | findstr "2003" >nul' \
	'if %errorlevel%==0 goto :eof'
# set and set PREFIX list the file's variables (and Windows' own known here), sorted; a
# prefix of none: cmd.exe's message and errorlevel 1
BAT=setlist.bat
bat '@echo off' 'set PORT_B=443' 'set port_a=80' 'set PORT' 'set NOPE' \
	'if errorlevel 1 netsh ipsec static add policy name=FlowSetNone' \
	'set PORT >nul && netsh ipsec static add policy name=FlowSetSome' \
	'set | find "PORT_B" >nul && netsh ipsec static add policy name=FlowSetAll'
run_ok $IPSECPOL -f "$TMP/setlist.bat"
[ "$(grep -i '^port_' <<<"$OUT" | tr '\n' ' ')" = "port_a=80 PORT_B=443 " ] ||
	fail "set PORT lists the two, sorted by name: $OUT"
contains "$ERR" "Environment variable NOPE not defined"
contains "$(dump_store local)" FlowSetNone
contains "$(dump_store local)" FlowSetSome
contains "$(dump_store local)" FlowSetAll
# find /c counts the lines found (the number alone), in a pipe and in for /f's command;
# none found: 0, errorlevel 1
BAT=findc.bat
bat '@echo off' 'netsh ipsec static add policy name=FindCnt1' 'netsh ipsec static add policy name=FindCnt2' \
	"for /f %%a in ('netsh ipsec static show policy name=all ^| find /c \"FindCnt\"') do set N=%%a" \
	'echo count=%N%' 'netsh ipsec static show policy name=all | find /c /i "nothing like it"' \
	'if errorlevel 1 netsh ipsec static add policy name=FindCntIs%N%'
run_ok $IPSECPOL -f "$TMP/findc.bat"
contains "$OUT" "count=2"
[ "$(grep -x '0' <<<"$OUT")" = 0 ] || fail "find /c of no line prints 0: $OUT"
contains "$(dump_store local)" FindCntIs2
# ... in Windows' order (names compared in upper case: AB before A_1); a value not known
# here as written, and what find finds in it unknown; the message is standard error's
BAT=setlist2.bat
bat '@echo off' 'set A_1=x' 'set AB=y' 'set A' 'set MYP=%PATH%;C:\x' 'set MYP' 'set NOPE 2>nul' \
	'set MYP | find "PATH" >nul' 'if errorlevel 1 netsh ipsec static add policy name=FlowSetUnk'
run_fail "cannot be told" $IPSECPOL -f "$TMP/setlist2.bat"
[ "$(grep '^A' <<<"$OUT" | tr '\n' ' ')" = "AB=y A_1=x " ] || fail "set A in Windows' order: $OUT"
contains "$OUT" 'MYP=%PATH%;C:\x'
lacks "$ERR" "Environment variable NOPE not defined"
lacks "$(dump_store local)" FlowSetUnk
# for /f over a command with a redirection without a file: cmd.exe's own cmd says the
# syntax is wrong, the loop gets no line and the file goes on
BAT=forfredir.bat
bat "for /f %%a in ('echo x ^>') do netsh ipsec static add policy name=FlowForfRedir%%a" \
	'netsh ipsec static add policy name=FlowAfterForfRedir'
run_ok $IPSECPOL -f "$TMP/forfredir.bat"
lacks "$(dump_store local)" FlowForfRedir
contains "$(dump_store local)" FlowAfterForfRedir
# for over a variable not set here: Windows' own value for one of its own; another stays
# unknown (Windows' environment or the caller's may set it): netsh naming it is not run
BAT=forunset.bat
bat 'for %%a in (%OS%) do netsh ipsec static add policy name=FlowOs%%a' \
	'for %%a in (%PORTS_EXTRA%) do netsh ipsec static add policy name=FlowUnset%%a'
run_fail "cmd.exe would put the value of a batch variable here" $IPSECPOL -f "$TMP/forunset.bat"
lacks "$(dump_store local)" FlowUnset
contains "$(dump_store local)" FlowOsWindows_NT
# an errorlevel find left of a program's output in a called file is its caller's, unknown
BAT=elcallee.bat
bat 'systeminfo | find "2003" >nul'
BAT=elcaller.bat
bat '@echo off' 'call "%~dp0elcallee.bat"' 'if errorlevel 1 (echo NOTFOUND) else (echo FOUND)' \
	'netsh ipsec static add policy name=FlowElCall'
run_fail "cannot be told" $IPSECPOL -f "$TMP/elcaller.bat"
lacks "$(dump_store local)" FlowElCall
# ... but an errorlevel set since is known again (here by a netsh command that succeeded)
BAT=elknown.bat
bat 'systeminfo | findstr "2003" >nul' 'netsh ipsec static add policy name=FlowElA' \
	'if errorlevel 1 goto :eof' 'netsh ipsec static add policy name=FlowElB'
run_ok $IPSECPOL -f "$TMP/elknown.bat"
contains "$(dump_store local)" FlowElB
stops 'expected a file after the redirection' \
	'netsh ipsec static add rule name=R policy=P filterlist=FL filteraction=FA psk=<PASSWORD>'
stops 'expected a file after the redirection' 'echo hi >'
stops 'expected a file after the redirection' 'echo hi >&'
stops 'a loop without end' ':again' 'goto again'
stops '"%~dp"": the usage of the path operator in batch-parameter substitution is invalid' \
	'cd /d "%~dp"'
stops '"%~": the usage of the path operator in batch-parameter substitution is invalid' \
	'rem a comment is expanded too: 100%~'
stops '"%~$": the usage of the path operator in batch-parameter substitution is invalid' \
	'echo %~$PATH'
# %~$PATH:N: the parameter searched for in PATH; empty when the parameter is
BAT=dollar.bat
bat '@echo off' 'call :sub' 'goto :eof' ':sub' 'echo [%~$PATH:1][%~dp$PATH:1]' \
	'netsh ipsec static add policy name=FlowDollar'
run_ok $IPSECPOL -f "$TMP/dollar.bat"
contains "$OUT" "[][]"
contains "$(dump_store local)" FlowDollar
# ... but a label line is not expanded
BAT=label.bat
bat ':lab %~' 'netsh ipsec static add policy name=FlowLabelTilde'
run_ok $IPSECPOL -f "$TMP/label.bat"
contains "$(dump_store local)" FlowLabelTilde
# ... but a Windows file guarding no command of netsh's is passed over, said so
BAT=exist.bat
bat 'if exist C:\boot.ini (attrib -h C:\boot.ini) else (echo none)' \
	'netsh ipsec static add policy name=FlowAfterExist'
run_ok $IPSECPOL -f "$TMP/exist.bat"
contains "$ERR" "what it guards is no command of netsh's: not run"
contains "$(dump_store local)" FlowAfterExist

# a stop in a called batch file stops its caller too; a called file's exit /b code is not
# its caller's status; find's pattern takes for's variable; (...) >nul prints nothing;
# findstr /x is the whole line; bare echo says how echo is; set/a without a blank
printf '%s\r\n' 'set /p x=answer?' >"$TMP/d/asks.bat"
printf '%s\r\n' 'exit /b 3' >"$TMP/d/three.bat"
BAT=d/called.bat
bat '@echo off' 'call "%~dp0three.bat"' 'echo el=%errorlevel%' \
	'for %%v in (5.2) do (ver | find "%%v" >nul && echo found %%v)' '(echo hidden) >nul' \
	'ver | findstr /x "Microsoft" >nul || echo not-whole' 'echo' 'set/a z=6*7' 'echo z=%z%'
run_ok $IPSECPOL -f "$TMP/d/called.bat"
contains "$OUT" "el=3"
contains "$OUT" "found 5.2"
contains "$OUT" "not-whole"
contains "$OUT" "ECHO is off."
contains "$OUT" "z=42"
lacks "$OUT" hidden
BAT=d/caller.bat
bat 'call "%~dp0asks.bat"' 'echo caller goes on'
run_fail "cmd.exe's prompt for an answer" $IPSECPOL -f "$TMP/d/caller.bat"
lacks "$OUT$ERR" "caller goes on"
# cmd.exe's expansion and arithmetic: call expands once more, for's %~nx and carets in its
# list, delims up to a blank, a lone % goes, names with blanks, %x:*str=new%, set /a's bit
# operators, findstr's classes and backtracking, an unknown command's errorlevel 9009
BAT=cmdx.bat
bat '@echo off' 'set x=hi' 'call echo c=%%x%%' 'for %%f in ("d/a.txt") do echo n=%%~nf x=%%~xf q=%%~f' \
	'for %%a in (a^&b) do echo amp=%%a' 'for /f "delims=, tokens=2" %%a in ("x,y,z") do echo tok=%%a' \
	'echo pct=50%' 'set "my var=1"' 'echo sp=[%my var%]' 'set h=hello world' 'echo star=%h:*o=X%' \
	'set /a "b=(1<<4)|3^1", "c=6&3"' 'echo b=%b% c=%c%' \
	'ver | findstr /r "[0-9]\.[0-9]*\.3790" >nul && echo class' \
	'ver | findstr "Microsoft.*3790" >nul && echo backtrack' 'add policy name=FlowBare' 'echo el=%errorlevel%'
OUT=$($IPSECPOL -f "$TMP/cmdx.bat" 2>&1)
for w in c=hi "n=a x=.txt q=d/a.txt" amp='a&b' tok=y pct=50 sp=[1] "star=X world" "b=18 c=2" \
	class backtrack el=9009; do
	contains "$OUT" "$w"
done

# cmd.exe's dynamic variables: %DATE% (an English Windows Server 2003's), %TIME%, %RANDOM%
BAT=dates.bat
bat '@echo off' 'echo date=[%DATE%] time=[%TIME%] rnd=[%RANDOM%]' \
	'netsh ipsec static add policy name=FlowDated description="made %DATE:~-10%"'
d1=$(date +%m/%d/%Y)
run_ok $IPSECPOL -f "$TMP/dates.bat"
d2=$(date +%m/%d/%Y)
grep -qE '^date=\[(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [0-9]{2}/[0-9]{2}/[0-9]{4}\] time=\[[ 0-9][0-9]:[0-9]{2}:[0-9]{2}\.[0-9]{2}\] rnd=\[[0-9]+\]$' <<<"$OUT" ||
	fail "dates.bat: $OUT"
D=$(dump_store local)
case "$D" in *"add policy name=\"FlowDated\" description=\"made $d1\""* | \
	*"add policy name=\"FlowDated\" description=\"made $d2\""*) ;;
*) fail "dates.bat: %DATE% in a netsh value: $D" ;;
esac

# set succeeding sets errorlevel 0 in a .cmd file, not in a .bat file (cmd.exe's difference)
printf '%s\r\n' '@echo off' 'netsh ipsec static add bogus' 'set x=1' 'echo el=%errorlevel%' >"$TMP/el.cmd"
cp "$TMP/el.cmd" "$TMP/el.bat"
OUT=$($IPSECPOL -f "$TMP/el.cmd" 2>/dev/null)
contains "$OUT" "el=0"
OUT=$($IPSECPOL -f "$TMP/el.bat" 2>/dev/null)
contains "$OUT" "el=1"

# hostile lines end with a message, not the stack's end or a wrapped counter: blocks nested
# deep, set /a's overflow and nesting, for /l at the end of 32 bits, for variables without end
BAT=deep.bat
printf '%*s\r\n' 60000 '' | tr ' ' '(' >"$TMP/deep.bat"
run_fail "nested no deeper than 200" $IPSECPOL -f "$TMP/deep.bat"
BAT=arith.bat
bat 'set /a q=-2147483648/-1' "set /a n=$(printf '%*s' 5000 '' | tr ' ' '-')1" \
	'set /a w=2147483647+1' 'echo w=%w%' \
	'for /l %%i in (2147483646,1,2147483647) do echo i=%%i'
OUT=$($IPSECPOL -f "$TMP/arith.bat" 2>&1)
contains "$OUT" "expected a quotient within 32 bits"
contains "$OUT" "operators or parentheses nested no deeper than 200"
contains "$OUT" "w=-2147483648"
[ "$(grep -c '^i=' <<<"$OUT")" -eq 2 ] || fail "for /l ends at 32 bits: $OUT"
BAT=forv.bat
bat 'for /f "tokens=1-31*" %%a in ("x") do call :r' 'exit /b' ':r' \
	'for %%z in (1) do for %%y in (1) do for %%x in (1) do call :r' 'exit /b'
run_fail "for loops (and their variables) nested deeper than are followed" $IPSECPOL -f "$TMP/forv.bat"

# ": label" (blanks after the colon) is label "label", as cmd.exe finds it; date /t and
# time /t print what cmd.exe prints (English Windows Server 2003), so for /f reads them
BAT=datet.bat
bat '@echo off' \
	"for /f \"tokens=1-4 delims=/ \" %%a in ('DATE/T') do set stamp=%%d-%%b-%%c" \
	"for /f \"tokens=2\" %%a in ('time /t') do set half=%%a" \
	'goto Ok' 'netsh ipsec static add policy name=FlowSkipped' \
	':  Ok' 'netsh ipsec static add policy name=Flow%stamp%%half%' 'date /t'
run_ok $IPSECPOL -f "$TMP/datet.bat"
D=$(dump_store local)
lacks "$D" FlowSkipped
contains "$D" "Flow$(date +%Y-%m-%d)"
grep -Eq "Flow$(date +%Y-%m-%d)(AM|PM)" <<<"$D" || fail "time /t's AM or PM: $D"
contains "$OUT" "$(date '+%a %m/%d/%Y')"

# echo prints its trailing blanks, as cmd.exe does ("echo a & echo b": "a "); blanks alone
# are no text ("ECHO is off.")
BAT=blanks.bat
bat '@echo off' 'echo hi   ' 'echo a & echo b' 'echo.  ' 'echo   '
run_ok $IPSECPOL -f "$TMP/blanks.bat"
[ "$OUT" = "$(printf 'hi   \na \nb\n  \nECHO is off.')" ] || fail "echo's trailing blanks: $(cat -A <<<"$OUT")"

# with delayed expansion, a line holding "!" has its carets make the next character plain
# (cmd.exe's phase 5): the description is "Attention!"; shift /n moves only from %n on;
# for /f's tokens go to the variables in ascending order, eol is the first token's first
# character; set /a refuses 08 (no octal number) and assigns nothing; setlocal with an
# argument sets errorlevel 0
BAT=phase5.bat
printf 'a\r\n  ;indented comment\r\nb\r\n' >"$TMP/lines.txt"
bat '@echo off' 'setlocal enabledelayedexpansion' 'echo Hello^^!' 'echo "Hi^!"' \
	'netsh ipsec static add policy name=FlowCaret description="Attention^!"' \
	'call :s a b c d' 'for /f "tokens=2,1" %%a in ("one two") do echo [%%a][%%b]' \
	"for /f %%a in (lines.txt) do echo L[%%a]" \
	'set i=prev' 'set /a i=08' 'echo i=!i!' 'call :el 4' 'setlocal enableextensions' \
	'echo el=%errorlevel%' 'ipconfig | find "10.1.2.3" >nul' 'setlocal enableextensions' \
	'if errorlevel 1 (echo one) else (echo zero)' \
	'goto :eof' ':s' 'shift /2' 'echo [%0][%1][%2][%3]' 'shift /0' 'echo [%0][%1]' \
	'goto :eof' \
	':el' 'exit /b %1'
(cd "$TMP" && $IPSECPOL -f "$TMP/phase5.bat" >"$TMP/p5.out" 2>"$TMP/p5.err")
OUT=$(cat "$TMP/p5.out")
contains "$OUT" 'Hello!'
contains "$OUT" '"Hi!"'
contains "$OUT" '[:s][a][c][d]'
contains "$OUT" '[one][two]'
contains "$OUT" 'L[a]'
contains "$OUT" 'L[b]'
lacks "$OUT" ';indented'
contains "$OUT" 'i=prev'
contains "$OUT" 'el=0'
contains "$OUT" 'zero'
contains "$OUT" '[a][c]'
contains "$(cat "$TMP/p5.err")" 'set /a "i=08": expected a number'
contains "$(dump_store local)" 'description="Attention!"'

# an else on a line of its own is a command cmd.exe does not know (errorlevel 9009)
BAT=else.bat
bat '@echo off' 'if 1==2 (' '  echo no' ')' 'else (' '  echo yes' ')' 'echo el=%errorlevel%'
OUT=$($IPSECPOL -f "$TMP/else.bat" 2>&1)
contains "$OUT" '"else": cmd.exe knows no such command'
contains "$OUT" 'el=9009'

# the published elevation line ("%1 mshta ... && exit") is still the elevated copy's comment
BAT=elev.bat
bat '@echo off' '%1 mshta vbscript:CreateObject("Shell.Application").ShellExecute("cmd.exe","/c %~s0 ::","","runas",1)(window.close)&&exit' \
	'netsh ipsec static add policy name=FlowElev'
run_ok $IPSECPOL -f "$TMP/elev.bat"
contains "$(dump_store local)" FlowElev

# a substring or replacement of a variable cmd.exe does not define leaves the text after
# its colon (echo /%X:a=b%/ prints /a=b/); of one of Windows' own, its value's
BAT=subst.bat
bat '@echo off' 'echo /%UNSETX:a=b%/ [%UNSETX:~0,3%] [%UNSETX%]' 'echo [%OS:~0,3%] [%OS:_=-%]' \
	'if "%OS:~0,3%"=="Win" echo os-win' 'set w=%UNSETX: =%' 'set w'
OUT=$($IPSECPOL -f "$TMP/subst.bat" 2>&1 </dev/null)
contains "$OUT" '/a=b/ [~0,3] []'
contains "$OUT" '[Win] [Windows-NT]'
contains "$OUT" 'os-win'
contains "$OUT" 'w=%UNSETX: =%'
echo "PASS"
