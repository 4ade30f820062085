if 1==1 (
  if 2==2 (
    echo inner
  )

  :: comment
  echo after
)
echo end
