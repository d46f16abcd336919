/*
 * The machine's debug interface: what a debugger front end (the GDB stub in
 * src/gdb/) needs from the machine, and nothing about any wire protocol.
 *
 * Model: the debugger runs in the machine's thread.  Once attached, the run
 * loop calls debugger->stopped() every time the machine stops for a debug
 * reason (before the first instruction, a breakpoint, a watchpoint, a single
 * step, the chosen page fault, an interrupt request, the end of the run);
 * the callback blocks for as long as it likes, inspects and changes the
 * machine through the functions below, and returns what to do next.
 *
 * Cost: with no debugger attached nothing here is installed.  Attached, one
 * block hook polls for interrupt requests; breakpoints add one code hook each,
 * limited to their address; watchpoints add memory hooks and a code hook only
 * while any exist.
 */
#ifndef FAULTSIM_MACHINE_DEBUG_H
#define FAULTSIM_MACHINE_DEBUG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;

enum mdbg_reason {
  MDBG_START,      /* attached: the first instruction has not run yet   */
  MDBG_BREAKPOINT, /* RIP is at a breakpoint (not yet executed)         */
  MDBG_WATCH,      /* the instruction before RIP touched a watched range */
  MDBG_STEP,       /* one instruction (or one event delivery) done      */
  MDBG_FAULT,      /* the break-on-fault #PF was just delivered         */
  MDBG_INTERRUPT,  /* the debugger asked for a stop (Ctrl-C)            */
  MDBG_EXITED,     /* the machine stopped for good                      */
};

enum mdbg_watch_kind { MDBG_WATCH_WRITE, MDBG_WATCH_READ, MDBG_WATCH_ACCESS };

/* How the machine ended, for MDBG_EXITED. */
enum mdbg_end { MDBG_END_EXITED, MDBG_END_SIGNALED, MDBG_END_OTHER };

struct mdbg_stop {
  enum mdbg_reason reason;
  uint64_t address; /* watch: the watched address hit; fault: CR2 */
  enum mdbg_watch_kind watch_kind;
  uint64_t fault_index; /* fault: 1-based #PF delivery count         */
  enum mdbg_end end;    /* exited */
  int code;             /* exited: status or signal                  */
};

enum mdbg_action {
  MDBG_CONTINUE,
  MDBG_STEP_ONE,
  MDBG_DETACH, /* forget breakpoints and watchpoints, run on */
  MDBG_KILL,   /* stop the machine for good */
};

struct machine_debugger {
  /* The machine is stopped; returns what to do next. */
  enum mdbg_action (*stopped)(void *opaque, struct machine *m, const struct mdbg_stop *stop);
  /* Polled while the machine runs (every few thousand blocks): true stops
   * it with MDBG_INTERRUPT.  May be NULL. */
  bool (*poll_interrupt)(void *opaque);
  void *opaque;
  uint64_t break_on_fault; /* stop right after delivering this #PF; 0: never */
};

/* Attaches before machine_run; the run loop then stops at MDBG_START. */
int machine_debug_attach(struct machine *m, const struct machine_debugger *debugger);

/* Breakpoints at guest virtual addresses, no guest memory patched.  0 or -1. */
int machine_debug_break_insert(struct machine *m, uint64_t address);
int machine_debug_break_remove(struct machine *m, uint64_t address);

/* Watchpoints on guest virtual ranges (within one page), translated through
 * the page tables current at each access.  0 or -1. */
int machine_debug_watch_insert(struct machine *m, enum mdbg_watch_kind kind, uint64_t address,
                               uint64_t length);
int machine_debug_watch_remove(struct machine *m, enum mdbg_watch_kind kind, uint64_t address,
                               uint64_t length);
void machine_debug_clear_points(struct machine *m);

/* Registers in GDB's x86-64 numbering (the stub's target description lists
 * them in this order). */
enum mdbg_reg {
  MDBG_RAX = 0,
  MDBG_RBX,
  MDBG_RCX,
  MDBG_RDX,
  MDBG_RSI,
  MDBG_RDI,
  MDBG_RBP,
  MDBG_RSP,
  MDBG_R8,
  MDBG_R9,
  MDBG_R10,
  MDBG_R11,
  MDBG_R12,
  MDBG_R13,
  MDBG_R14,
  MDBG_R15,
  MDBG_RIP = 16,
  MDBG_EFLAGS,
  MDBG_CS,
  MDBG_SS,
  MDBG_DS,
  MDBG_ES,
  MDBG_FS,
  MDBG_GS,
  MDBG_ST0 = 24, /* st0..st7: 10 bytes each */
  MDBG_FCTRL = 32,
  MDBG_FSTAT,
  MDBG_FTAG,
  MDBG_FISEG,
  MDBG_FIOFF,
  MDBG_FOSEG,
  MDBG_FOOFF,
  MDBG_FOP,
  MDBG_XMM0 = 40, /* xmm0..xmm15: 16 bytes each */
  MDBG_MXCSR = 56,
  MDBG_FS_BASE = 57,
  MDBG_GS_BASE,
  MDBG_CR0 = 59,
  MDBG_CR2,
  MDBG_CR3,
  MDBG_CR4,
  MDBG_EFER,
  MDBG_REG_COUNT
};

/* Size in bytes of a register's value (little-endian), 0 for none. */
size_t machine_debug_reg_size(int reg);
/* Reads into buf (at least 16 bytes); returns the size or -1. */
int machine_debug_reg_read(struct machine *m, int reg, uint8_t *buf);
/* Writes a register; -1 for registers the machine cannot safely change
 * (segment selectors, control registers, x87/SSE state). */
int machine_debug_reg_write(struct machine *m, int reg, const uint8_t *buf);

/* Guest virtual memory through the current CR3; -1 when any byte is not
 * mapped (the guest never sees a fault). */
int machine_debug_mem_read(struct machine *m, uint64_t address, void *buf, size_t length);
int machine_debug_mem_write(struct machine *m, uint64_t address, const void *buf, size_t length);

/* Runs one `monitor` command; writes its text output (NUL-terminated). */
void machine_debug_monitor(struct machine *m, const char *command, char *out, size_t size);

#endif /* FAULTSIM_MACHINE_DEBUG_H */
