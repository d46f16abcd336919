/*
 * `faultsim run --gdb`: the pieces cmd_run needs, kept here so its own edits
 * stay small.
 */
#ifndef FAULTSIM_GDB_SESSION_H
#define FAULTSIM_GDB_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "gdb_stub.h"
#include "machine/machine.h"

/* --break-on-decision: runs the machine once, silently, with the kernel's
 * trace records on, and finds the 1-based index of the first FAULT record
 * whose decision is `decision`.  The machine is deterministic, so the fault
 * with that index in the next run is the same fault.  0 or -1 (err). */
int gdb_find_decision(const struct machine_config *config, int decision, uint64_t *index, char *err,
                      size_t err_size);

/* Listens, announces the address on stderr, writes the gdb script (to
 * script_path, or the commands on stderr), and attaches to the machine. */
struct gdb_stub *gdb_session_begin(struct machine *m, const char *host, unsigned port,
                                   uint64_t break_on_fault, const char *script_path,
                                   const char *kernel_elf, const char *program, char *err,
                                   size_t err_size);

#endif /* FAULTSIM_GDB_SESSION_H */
