/*
 * Host-side checks of the program before the machine boots: only a static,
 * non-PIE x86-64 ELF executable whose segments fit in user space can run.  The
 * kernel's loader refuses the same things; checking here first gives the user
 * `faultsim: FILE: REASON` instead of a guest-side exec failure.
 */
#ifndef FAULTSIM_ELFCHECK_H
#define FAULTSIM_ELFCHECK_H

#include <stddef.h>

/* Lowest address a segment may map: the null-pointer guard, as Linux's
 * default vm.mmap_min_addr. */
#define ELFCHECK_MIN_VADDR 0x10000ULL

/* Largest program header table accepted (as Linux: one page). */
#define ELFCHECK_MAX_PHDR_BYTES 4096ULL

/* Checks the image of a whole file.  Returns 0 when it is acceptable, or -1
 * with a short reason (no file name, no trailing newline) in reason.  Safe on
 * any bytes. */
int elf_check_executable(const void *image, size_t size, char *reason, size_t reason_size);

#endif /* FAULTSIM_ELFCHECK_H */
