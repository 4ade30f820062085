set "B=1.1.1.1 2.2.2.2"
if defined B (
    netsh ipsec static add filterlist name=L1
    if not "%B%"=="" (
        for %%I in (%B%) do (
            netsh ipsec static add filter filterlist=L1 srcaddr=me dstaddr=%%I description="Block IP %%I"
        )
    )
    netsh ipsec static add policy name=P9
)
echo end
