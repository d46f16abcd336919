# Ctrl-C (SIGINT to gdb, sent by the driver) interrupts the endless loop.
continue
p spins > 0
monitor stats
kill
