/* The program break (brk(2)) and the memory-mapping system calls, on top of
 * the fault core's vm_brk / vm_mmap / vm_munmap / vm_mprotect (nothing is
 * mapped here: the heap and every mapping are regions populated on fault).
 * Each call is traced when tracing is on. */
#ifndef KERNEL_BRK_H
#define KERNEL_BRK_H

#include <stdint.h>
#include <kernel/process.h>

/* brk(2): returns the new break, or the old one when the request is refused
 * (out of range, collides, out of memory) — Linux's raw syscall semantics.
 * The heap starts at the page after the highest loaded segment. */
uint64_t sys_brk(struct process *p, uint64_t want);

/* mmap(2) / munmap(2) / mprotect(2) / madvise(2): results as Linux returns
 * them (an address, 0, or a negative errno). */
int64_t sys_mmap(struct process *p, uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags,
                 uint64_t fd, uint64_t off);
int64_t sys_munmap(struct process *p, uint64_t addr, uint64_t len);
int64_t sys_mprotect(struct process *p, uint64_t addr, uint64_t len, uint64_t prot);
int64_t sys_madvise(struct process *p, uint64_t addr, uint64_t len, uint64_t advice);

#endif /* KERNEL_BRK_H */
