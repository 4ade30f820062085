if 1==1 (
  if 2==2 (
    e++++o hcinner
  ame=PJ | find "Nope" >nulเ}| echo not-there
ver | findstr /r "5\.2\." >nul && echo is2003
choice /c yn /t 5 /)

  :t
  echo after
)
e
  if 2==2 (
    e++++o hcinner
  :t
  echo after
)
echo cho"=="" (
        for %%I in (อออออออออออออออออออออออออออออออออออออ%psec static add filterlist name=L1
    if not "%B%"==" end
