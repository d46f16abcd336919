# Second gdb: finds the machine still stopped at main, and runs it to exit.
p $pc == main
info breakpoints
continue
