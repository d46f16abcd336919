/*
 * The machine: one x86-64 CPU (Unicorn 2.1.1, QEMU64 model), RAM mapped once
 * at physical 0, a direct boot of our kernel, exception and syscall delivery
 * done the architectural way, and a few I/O-port devices.  This is its whole
 * public face; everything else in src/machine/ is private to it.
 */
#ifndef FAULTSIM_MACHINE_H
#define FAULTSIM_MACHINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <faultsim/abi.h>

struct machine;

/* Receives each complete trace record the guest sends to FS_PORT_TRACE. */
typedef void (*machine_trace_fn)(void *opaque, const void *record, size_t size);

struct machine_config {
  uint64_t ram_mib; /* FS_RAM_MIN_MIB .. FS_RAM_MAX_MIB */

  const void *kernel_elf; /* the kernel ELF image (embedded or --kernel) */
  size_t kernel_elf_size;

  const void *initramfs; /* cpio newc archive built by the host */
  size_t initramfs_size;

  /* argv then envp; argv[0] is the guest path of the program (/bin/NAME). */
  int argc;
  char *const *argv;
  int envc;
  char *const *envp;

  uint32_t boot_flags; /* FS_BOOT_* */
  int log_level;       /* enum fs_log_level passed to the kernel */
  uint64_t stack_guard_pages;
  uint64_t fail_alloc_nth;
  uint64_t fail_alloc_every;
  const char *cmdline; /* informational, copied into boot info */

  FILE *guest_stdout; /* where guest fd 1 goes (normally stdout) */
  FILE *guest_stderr; /* where guest fd 2 goes (normally stderr) */
  FILE *kernel_log;   /* serial console output; NULL keeps it in memory only */

  machine_trace_fn on_trace; /* may be NULL */
  void *trace_opaque;

  /* Benchmarks only: count the #PF handler's instructions per kernel
   * function (machine_profile.h); slows kernel code down. */
  int profile_pf;
};

enum machine_outcome {
  MACHINE_EXITED,       /* the program exited; code = status              */
  MACHINE_SIGNALED,     /* a signal killed the program; code = signal     */
  MACHINE_PANIC,        /* the kernel panicked                            */
  MACHINE_TRIPLE_FAULT, /* a fault while delivering #DF                   */
  MACHINE_ERROR,        /* anything else that stopped the CPU abnormally  */
};

struct machine_result {
  enum machine_outcome outcome;
  int code;
  uint64_t instructions; /* guest instructions executed, exact */
  int have_report;       /* the kernel sent its report */
  struct fs_kernel_report report;
  char diagnosis[4096]; /* for PANIC/TRIPLE_FAULT/ERROR: what, where, registers, disassembly */
};

/* Creates and boots the machine up to the kernel's first instruction.  On
 * failure returns NULL and writes a one-line reason into err. */
struct machine *machine_create(const struct machine_config *config, char *err, size_t err_size);

/* Runs until the kernel reports an exit or the machine stops. */
void machine_run(struct machine *m, struct machine_result *result);

/* The kernel log captured so far (NUL-terminated; the tail if it was long). */
const char *machine_kernel_log(const struct machine *m);

void machine_destroy(struct machine *m);

/* Copies up to len bytes of guest-virtual memory at va, read through the
 * current CR3 (supervisor access), into buf; stops at the first unmapped
 * byte.  Returns the bytes copied.  Usable from the on_trace callback, e.g.
 * to disassemble the faulting instruction. */
size_t machine_read_guest_virt(struct machine *m, uint64_t va, void *buf, size_t len);

/* Where the host's initramfs lies in guest physical memory, and a write of
 * len bytes at physical address pa (0, or -1 outside RAM): the way to change
 * an input file in place before the guest reads it (e.g. after a snapshot
 * restore). */
uint64_t machine_initramfs_phys(const struct machine *m);
int machine_write_phys(struct machine *m, uint64_t pa, const void *buf, size_t len);

/* ---- Snapshot and reset (snapshot.c), for running many programs from one
 * boot.  Boot with FS_BOOT_SNAPSHOT in boot_flags, run to the kernel's
 * snapshot point, take the snapshot once, then for every program: restore,
 * write its inputs into RAM, machine_run. */
struct machine_snapshot;

/* Runs until the kernel reaches its snapshot point.  Returns 0, or -1 when the
 * machine stopped otherwise (result says how; it then cannot be resumed). */
int machine_run_to_snapshot_point(struct machine *m, struct machine_result *result);

/* Saves the CPU, all of guest RAM and the host-side machine state.  At most
 * one snapshot per machine (RAM becomes a private view of a saved image).
 * NULL with a reason in err on failure. */
struct machine_snapshot *machine_snapshot_take(struct machine *m, char *err, size_t err_size);

/* Puts the machine back exactly as it was when the snapshot was taken (the
 * kernel log and the report included).  Returns 0 or -1. */
int machine_snapshot_restore(struct machine *m, const struct machine_snapshot *s);

/* Frees a snapshot; call before machine_destroy. */
void machine_snapshot_free(struct machine *m, struct machine_snapshot *s);

#endif /* FAULTSIM_MACHINE_H */
