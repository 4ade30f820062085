@echo off
set /a n=10
set /a n-=1, m=n*2+(3%%2)
echo n=%n% m=%m%
netsh ipsec static add policy name=PJ
netsh ipsec static show policy name=PJ | findstr /i "pj" >nul
if %errorlevel%==0 (echo found PJ) else (echo no PJ)
netsh ipsec static show policy name=PJ | find "Nope" >nul || echo not-there
ver | findstr /r "5\.2\." >nul && echo is2003
choice /c yn /t 5 /d n /m Sure
echo el=%errorlevel%
:loop
set /a n-=1
if %n% GTR 5 goto loop
echo loopdone n=%n%
