/*
 * The GDB remote stub: a TCP listener (loopback by default) that serves one
 * gdb at a time in the machine's own thread, through the machine's debug
 * interface (machine/machine_debug.h).
 */
#ifndef FAULTSIM_GDB_STUB_H
#define FAULTSIM_GDB_STUB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct machine;
struct gdb_stub;

/* Listens on host:port (port 0: any free port).  NULL with a reason in err. */
struct gdb_stub *gdb_stub_listen(const char *host, unsigned port, char *err, size_t err_size);

/* The port actually bound (useful with port 0). */
unsigned gdb_stub_port(const struct gdb_stub *s);

/* Writes the gdb commands that load the symbols and connect. */
void gdb_stub_write_script(const struct gdb_stub *s, FILE *out, const char *kernel_elf,
                           const char *program);

/* Attaches to the machine: machine_run then waits for gdb before the first
 * instruction.  break_on_fault: stop after delivering that #PF (0: never). */
int gdb_stub_attach(struct gdb_stub *s, struct machine *m, uint64_t break_on_fault);

void gdb_stub_close(struct gdb_stub *s);

#endif /* FAULTSIM_GDB_STUB_H */
