@echo off
cd /d "%~dp0"
pushd sub
if exist rules\a.txt echo a
popd
popd
cd c:\inetpub
if exist x (netsh ipsec static add policy name=X)
netsh int ip show config
netsh -c firewall set opmode disable
) comment
netsh ipsec ^
static add policy name=Y
