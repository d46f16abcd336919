/* Program loading: validate a static ELF64 executable, record its regions
 * (nothing is mapped: pages fault in), and build the initial user stack.  The rules are listed at
 * the top of proc/elf_loader.c (the host mirrors them). */
#ifndef KERNEL_EXEC_H
#define KERNEL_EXEC_H

#include <stdint.h>
#include <kernel/process.h>
#include <kernel/vfs.h>

#define EXEC_LOAD_MIN   0x10000ull            /* Linux's mmap_min_addr    */
#define EXEC_LOAD_LIMIT 0x00007fffc0000000ull /* top GiB: stack and guard */
#define EXEC_MAX_PHNUM  64

/* Load f into p (a fresh process) with the given arguments; on success
 * p->entry is the ring-3 start state.  On failure returns -ENOEXEC (refused
 * ELF), -ENOMEM (out of memory: the caller OOM-kills) or -E2BIG with *why
 * set to a human-readable reason; p may hold partial regions and pages that
 * process_free releases.  p->name is the path traces report. */
int exec_load(struct process *p, const struct vfs_file *f, uint32_t argc, const char *const *argv,
              uint32_t envc, const char *const *envp, const char **why);

#endif /* KERNEL_EXEC_H */
