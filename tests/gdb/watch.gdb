# A watchpoint on a user variable stops right after the write of 2.
break main
continue
watch watched if watched == 2
continue
p watched
p/x $pc
delete
continue
