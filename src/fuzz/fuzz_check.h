/*
 * faultsim fuzz: checks one run of a program against the oracle
 * (tests/oracle).  The trace is replayed into a fresh oracle in order (exec
 * layout, every fault, every layout call); each decision, region type,
 * populate kind and call result must be equal, and so must what the guest
 * logged (values read, syscall results), the bytes the kernel read for it,
 * the exit, the kernel's counters and the free frames (no leak).
 * Pure: no machine, so tests can feed it recorded or tampered runs.
 */
#ifndef FAULTSIM_FUZZ_CHECK_H
#define FAULTSIM_FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include <faultsim/abi.h>

#include "fuzz_gen.h"

/* What the guest saw in its file system: its own ELF and /fuzz/f*, with the
 * VFS inode numbers the trace names them by. */
struct fuzz_check_files {
  const uint8_t *elf;
  size_t elf_size;
  uint32_t elf_ino;
  const uint8_t *data[FZ_FILES];
  size_t size[FZ_FILES];
  uint32_t ino[FZ_FILES];
  uint64_t stack_guard_pages;
};

enum fuzz_end {
  FUZZ_END_EXITED,   /* code = exit status */
  FUZZ_END_SIGNALED, /* code = signal */
  FUZZ_END_MACHINE,  /* the machine stopped abnormally */
};

struct fuzz_observed {
  const struct fs_trace_record *records;
  size_t record_count;
  const uint8_t *out; /* guest stdout: struct fz_log records */
  size_t out_size;
  const uint8_t *err; /* guest stderr: the bytes FZ_OP_KREAD wrote */
  size_t err_size;
  enum fuzz_end end;
  int code;
  int have_report;
  struct fs_kernel_report report;
};

/* 0 when everything agrees; 1 with a one-line description of the first
 * difference ("op N (kind): what: expected X, got Y") in why. */
int fuzz_check(const struct fuzz_program *p, const struct fuzz_check_files *files,
               const struct fuzz_observed *obs, char *why, size_t why_size);

#endif
