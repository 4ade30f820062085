set "HAS=true"
if defined HAS (
    echo DEBUG
    :: Create filter list
    netsh ipsec static add filterlist name=%FILTERLIST_NAME% description="Block Filter List"
    
    :: Add IP filters
    if not "%BLOCKED_IPS%"=="" (
        for %%I in (%BLOCKED_IPS%) do (
            netsh ipsec static add filter filterlist=%FILTERLIST_NAME% srcaddr=me dstaddr=%%I description="Block IP %%I"
        )
    )
    
    :: Add IP range filters
    if not "%BLOCKED_RANGES%"=="" (
        for %%R in (%BLOCKED_RANGES%) do (
            netsh ipsec static add filter filterlist=%FILTERLIST_NAME% srcaddr=me dstaddr=%%R description="Block IP Range %%R"
        )
    )
    
    :: Create and assign IPSec policy
)
