# --break-on-decision guard: the first fault the handler decides as guard.
continue
echo # cr2\n
p/x $cr2
monitor fault
break vm_region_handle_page_fault
continue
finish
delete
continue
