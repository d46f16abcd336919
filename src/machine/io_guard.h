/* Port-I/O privilege checks that Unicorn leaves out (see io_guard.c). */
#ifndef FS_MACHINE_IO_GUARD_H
#define FS_MACHINE_IO_GUARD_H

struct machine;

void io_guard_install(struct machine *m);
/* Called by the run loop when the block hook stopped before port I/O. */
void io_guard_resolve(struct machine *m);

#endif
