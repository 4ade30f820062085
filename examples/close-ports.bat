@echo off
rem Close the ports worms spread through, as hardening scripts for Windows Server 2003 do.
rem Run as administrator: netsh -f is not needed, cmd.exe runs this file (ipsecpol -f too).
net session >nul 2>&1
if %errorlevel% NEQ 0 (
    echo Run this as an administrator.
    exit /b 1
)
ver | find "5.2" >nul || (echo Windows Server 2003 only & exit /b 1)

netsh ipsec static show policy name=ClosePorts | findstr /i "ClosePorts" >nul && (
    echo ClosePorts exists already: nothing to do.
    goto :eof
)
netsh ipsec static add policy name=ClosePorts description="ports 135-139 and 445 closed"
netsh ipsec static add filteraction name=CloseBlock action=block
for %%p in (135 137 138 139 445) do call :port tcp %%p
for %%p in (137 138 445) do call :port udp %%p
netsh ipsec static add rule name=CloseRule policy=ClosePorts filterlist=ClosePortsList filteraction=CloseBlock
echo Done: assign it with "netsh ipsec static set policy name=ClosePorts assign=y".
goto :eof

:port
netsh ipsec static add filter filterlist=ClosePortsList srcaddr=any dstaddr=me protocol=%1 dstport=%2 description="%1 %2"
exit /b %errorlevel%
