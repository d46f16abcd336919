/*
 * faultsim fuzz: one machine that runs fuzz programs.  It boots once with
 * the fuzz guest and its files in the initramfs, stops at the kernel's
 * snapshot point, snapshots, and then runs each program from that snapshot
 * (or, on request, from a fresh boot: --reproduce and --check-reset).
 */
#ifndef FAULTSIM_FUZZ_MACHINE_H
#define FAULTSIM_FUZZ_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fuzz_check.h"
#include "fuzz_gen.h"

#define FUZZ_GUEST_PATH   "/bin/fuzz_guest"
#define FUZZ_PROGRAM_PATH "/fuzz/program"

/* One run's observations (buffers owned by the fuzz machine, valid until its
 * next run). */
struct fuzz_run {
  struct fuzz_observed obs;
  uint64_t instructions;
  const char *diagnosis;       /* when obs.end == FUZZ_END_MACHINE */
  const char *kernel_log_tail; /* likewise: the kernel log's last lines; else NULL */
};

struct fuzz_machine;

/* kernel_elf: the kernel to boot (kernel_image_load; the caller keeps it
 * alive while the machine lives). */
struct fuzz_machine *fuzz_machine_new(uint64_t ram_mib, const void *kernel_elf,
                                      size_t kernel_elf_size, char *err, size_t err_size);
void fuzz_machine_free(struct fuzz_machine *fm);

/* Runs p from the snapshot (fresh: from a new boot).  0, or -1 with err when
 * the host could not run it at all. */
int fuzz_machine_run(struct fuzz_machine *fm, const struct fuzz_program *p, bool fresh,
                     struct fuzz_run *run, char *err, size_t err_size);

const struct fuzz_check_files *fuzz_machine_files(const struct fuzz_machine *fm);

/* The guest ELF faultsim embeds, and where the build wrote it. */
const uint8_t *fuzz_guest_elf(size_t *size);
const char *fuzz_guest_build_path(void);

#endif
