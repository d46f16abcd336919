/* The program break (brk(2)) and the memory-mapping system calls, on top of
 * the fault core's vm_brk / vm_mmap / vm_munmap / vm_mprotect (nothing is
 * mapped here: the heap and every mapping are regions populated on fault).
 * Each call is traced when tracing is on. */
#ifndef KERNEL_BRK_H
#define KERNEL_BRK_H

#include <stdint.h>
#include <kernel/process.h>

/* brk(2): returns the new break, or the old one when the request is refused
 * (out of range, collides) — Linux's raw syscall semantics.  The heap starts
 * at the page after the highest loaded segment.  Out of memory never returns
 * the old break to the program: syscall_dispatch OOM-kills the process after
 * any failed frame allocation (see proc/syscall.c). */
uint64_t sys_brk(struct process *p, uint64_t want);

/* mmap(2) / munmap(2) / mprotect(2): results as Linux returns them (an
 * address, 0, or a negative errno), except where a frame allocation fails:
 * the process is killed then (see sys_brk), so neither the -ENOMEM of a
 * missing region node nor MAP_POPULATE's "failures ignored" reaches it.
 * -ENOMEM for address space (no gap, unmapped range) is returned as usual.
 *
 * madvise(2): Linux's argument checks (-EINVAL for an unaligned addr or a
 * wrapping length), then 0 for every advice, which is ignored.  A known
 * deviation from Linux: MADV_DONTNEED keeps the pages, so anonymous memory
 * keeps its contents instead of reading as zero afterwards (dropping them
 * would need a trace record the offline replay does not have). */
int64_t sys_mmap(struct process *p, uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags,
                 uint64_t fd, uint64_t off);
int64_t sys_munmap(struct process *p, uint64_t addr, uint64_t len);
int64_t sys_mprotect(struct process *p, uint64_t addr, uint64_t len, uint64_t prot);
int64_t sys_madvise(struct process *p, uint64_t addr, uint64_t len, uint64_t advice);

#endif /* KERNEL_BRK_H */
