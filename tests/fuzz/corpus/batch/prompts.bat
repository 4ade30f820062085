@echo off
:menu
set /p pick=Choose: 
if "%pick%"=="1" goto one
choice /c abc /cs /m "Pick" /t 3 /d b
if errorlevel 2 goto menu
<nul set /p =no end
set /p "q=From: " <answers.txt
goto :eof
:one
pause
echo 1
