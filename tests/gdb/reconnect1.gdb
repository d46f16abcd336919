# First gdb: stop at main, then go away without detaching.
break main
continue
disconnect
