@echo off
setlocal
net session >nul 2>&1
if %errorlevel% NEQ 0 (
  echo Please run as administrator
  pause
  exit /b 1
)
ver | find "5.2" >nul && goto w2003
echo not 2003
goto :eof
:w2003
echo on 2003 [%~nx0] [%1]
set PORTS=135 139 445
for %%p in (%PORTS%) do (
  netsh ipsec static add filter filterlist=Blk srcaddr=any dstaddr=me dstport=%%p protocol=tcp
)
for /l %%i in (1,1,3) do echo n=%%i
call :mk Pol1 "a b"
if not "%OS%"=="Windows_NT" goto :eof
if exist "%~dp0t1.bat" (echo exists) else (echo missing)
if /i "%PROCESSOR_ARCHITECTURE%"=="X86" echo x86 & echo same-if
goto end
:mk
echo in mk %1 %~2 [%0]
netsh ipsec static add policy name=%1 description=%2
exit /b 0
:end
echo done
