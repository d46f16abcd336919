/* Program loading: validate a static ELF64 executable, record its regions
 * (nothing is mapped: pages fault in), and build the initial user stack.  The rules are listed at
 * the top of proc/elf_loader.c (the host mirrors them). */
#ifndef KERNEL_EXEC_H
#define KERNEL_EXEC_H

#include <stdint.h>
#include <kernel/process.h>
#include <kernel/vfs.h>

/* Segments end at or below this, clear of the stack and its guards (the top
 * GiB).  Only a first bound: the layout also needs the heap's maximum and
 * its guard between the image and mmap_base, which vm_space_layout_exec
 * checks.  Segments start at VM_USER_MIN or above. */
#define EXEC_LOAD_LIMIT  0x00007fffc0000000ull
#define EXEC_MAX_PHNUM   64
#define EXEC_MAX_STRINGS 256 /* argv + envp strings */

/* Load f into p (a fresh process) with the given arguments; on success
 * p->entry is the ring-3 start state.  On failure returns -ENOEXEC (refused
 * ELF), -ENOMEM (out of memory: the caller OOM-kills) or -E2BIG (more than
 * EXEC_MAX_STRINGS strings, or too big for the stack) with *why
 * set to a human-readable reason; p may hold partial regions and pages that
 * process_free releases.  p->name is the path traces report. */
int exec_load(struct process *p, const struct vfs_file *f, uint32_t argc, const char *const *argv,
              uint32_t envc, const char *const *envp, const char **why);

#endif /* KERNEL_EXEC_H */
