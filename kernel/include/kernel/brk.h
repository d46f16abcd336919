/* The program break (brk(2)).  For now the heap is mapped eagerly: growing
 * maps zeroed pages, shrinking unmaps them.  The region layer will turn
 * [brk_start, brk) into an FS_REGION_HEAP region populated on fault; that
 * change stays inside brk.c. */
#ifndef KERNEL_BRK_H
#define KERNEL_BRK_H

#include <stdint.h>
#include <kernel/process.h>

#define BRK_MAX_BYTES (1ull << 30) /* at most 1 GiB of heap */

/* Start the heap at the page after the highest loaded segment. */
void brk_init(struct process *p, uint64_t image_end);
/* brk(2): returns the new break, or the old one when the request is refused
 * (out of range or out of memory) — Linux's raw syscall semantics. */
uint64_t sys_brk(struct process *p, uint64_t want);

#endif /* KERNEL_BRK_H */
