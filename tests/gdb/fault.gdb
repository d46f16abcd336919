# Continue to the chosen fault (--break-on-fault), check CR2 and the frame,
# step into the handler, break in the classification, finish, see the
# decision, continue to the program's exit.
continue
echo # cr2\n
p/x $cr2
monitor fault
echo # frame rip\n
x/gx $rsp+8
stepi
info symbol $rip
break vm_region_handle_page_fault
continue
if $cr2 == $rsi
  echo CR2-EQUALS-HANDLER-ADDR\n
else
  echo CR2-DIFFERS-FROM-HANDLER-ADDR\n
end
list
finish
next
monitor fault
monitor trace 2
monitor stats
delete
continue
