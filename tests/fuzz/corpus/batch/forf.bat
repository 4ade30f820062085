@echo off
for /f "tokens=1,2* delims=, " %%a in (ips.txt) do echo a=[%%a] b=[%%b] c=[%%c]
for /f "skip=2 tokens=1" %%i in (ips.txt) do netsh ipsec static add filter filterlist=FL srcaddr=%%i dstaddr=me
for /f "tokens=2 delims=[]" %%v in ('ver') do echo ver=[%%v]
for /f "usebackq tokens=*" %%l in ("ips.txt") do echo line=[%%l]
for /f %%x in ("one two") do echo str=%%x
for /f "tokens=3" %%p in ('netsh ipsec static show filterlist name^=FL') do echo tok3=%%p
for /f %%z in (missing.txt) do echo never
for /f %%z in ('systeminfo') do echo never
