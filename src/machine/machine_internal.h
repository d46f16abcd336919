/* The machine's private state, shared by the files of src/machine/. */
#ifndef FS_MACHINE_INTERNAL_H
#define FS_MACHINE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <capstone/capstone.h>
#include <unicorn/unicorn.h>

#include "boot.h"
#include "cpu_context.h"
#include "icount.h"
#include "machine.h"
#include "pagewalk.h"

#define MSR_EFER  0xc0000080u
#define MSR_STAR  0xc0000081u
#define MSR_LSTAR 0xc0000082u
#define MSR_FMASK 0xc0000084u
#define EFER_SCE  (1ULL << 0)
#define EFER_LME  (1ULL << 8)
#define EFER_LMA  (1ULL << 10)
#define EFER_NXE  (1ULL << 11)

#define RFLAGS_TF (1ULL << 8)
#define RFLAGS_IF (1ULL << 9)
#define RFLAGS_NT (1ULL << 14)
#define RFLAGS_RF (1ULL << 16)

/* Identical deliveries in a row (same vector, RIP, CR2, registers) after
 * which the machine gives up: the kernel's own detector should fire long
 * before; this only keeps a broken kernel from hanging the host. */
#define LIVELOCK_LIMIT 1000000u

enum machine_stop {
  STOP_NONE = 0,
  STOP_EXIT,   /* the kernel wrote FS_PORT_EXIT */
  STOP_TRIPLE, /* fault while delivering #DF */
  STOP_ERROR,  /* machine check, livelock, emulation error */
};

struct serial_log {
  char *text; /* NUL-terminated tail of the log */
  size_t length;
};

/* The host-side state a run changes (besides the kernel log and the
 * instruction count): one value, so that a snapshot saves and restores it
 * in one assignment (snapshot.c). */
struct machine_run_state {
  enum machine_stop stop;
  uint32_t exit_value;
  uint64_t clock_latch;
  bool have_report;
  struct fs_kernel_report report;
  bool unknown_port_noted;
  bool serial_divisor_latch; /* UART LCR.DLAB: writes to +0/+1 set the baud divisor */
  struct {
    uint32_t vector;
    uint64_t rip, cr2, regs_hash;
    uint64_t repeats;
  } last_delivery; /* the livelock detector (exceptions.c) */
};

struct machine {
  struct machine_config cfg;
  uc_engine *uc;
  struct guest_ram ram;
  struct cpu_context cpu;
  struct icount icount;
  csh capstone;
  bool capstone_open;
  struct boot_layout boot;

  struct machine_run_state run;
  char diagnosis[4096];
  struct serial_log serial;
  bool io_stepping;       /* the port-I/O guard is stepping: do not stop again */
  bool at_snapshot_point; /* the kernel wrote FS_PORT_SNAPSHOT (snapshot.c) */

  struct machine_debug_state *debug; /* NULL: no debugger (machine_debug.c) */
  struct profile *profile;           /* NULL unless cfg.profile_pf (profile.c) */
};

static inline uint64_t reg_read(struct machine *m, int reg) {
  uint64_t value = 0;
  uc_reg_read(m->uc, reg, &value);
  return value;
}
static inline void reg_write(struct machine *m, int reg, uint64_t value) {
  uc_reg_write(m->uc, reg, &value);
}
uint64_t msr_read(uc_engine *uc, uint32_t msr);
int msr_write(uc_engine *uc, uint32_t msr, uint64_t value);

/* Stops the CPU with an outcome and a diagnosis (first stop wins). */
void machine_stop_with(struct machine *m, enum machine_stop kind, const char *diagnosis);
/* The same with the diagnosis formatted from an event (diagnosis.h). */
struct diagnosis_event;
void machine_stop_diagnosed(struct machine *m, enum machine_stop kind, const char *headline,
                            const struct diagnosis_event *ev);

/* The CPU stopped right after a `hlt` (RIP is past it): how the kernel
 * waits for the host. */
bool machine_halted_at_hlt(struct machine *m);

/* Runs the CPU from RIP until it stops for a reason other than the port-I/O
 * guard, whose stops it resolves (or a debug stop is pending). */
uc_err machine_run_cpu(struct machine *m);

/* The debugger's run loop, its hook after each event delivery and whether
 * it has asked the CPU to stop (machine_debug.c); used only when m->debug is
 * set. */
uc_err machine_debug_loop(struct machine *m);
void machine_debug_after_intr(struct machine *m, uint32_t vector);
bool machine_debug_stop_pending(const struct machine *m);
void machine_debug_free(struct machine *m);

/* UC_HOOK_INSN SYSCALL handler. */
void syscall_on_insn(uc_engine *uc, void *opaque);

#endif
