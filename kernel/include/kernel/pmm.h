/* Physical frame allocator: every FS_MEM_USABLE 4 KiB frame of the boot
 * memory map, O(1) alloc/free through a free list threaded through the free
 * frames themselves, and a reference count per frame (frame_get/frame_put of
 * <kernel/mm_env.h>).  Frames come back with whatever bytes they held: code
 * that needs zeroes clears the frame itself (most users overwrite it anyway). */
#ifndef KERNEL_PMM_H
#define KERNEL_PMM_H

#include <stdint.h>
#include <faultsim/abi.h>
#include <kernel/mm_env.h>

void pmm_init(const struct fs_boot_info *bi);

/* frame_alloc + clear to zero. */
paddr_t pmm_alloc_zeroed(void);

uint64_t pmm_free_count(void);
uint64_t pmm_total_count(void);
uint64_t pmm_alloc_attempts(void);
uint64_t pmm_alloc_failures(void);

/* Allocation-failure injection (boot info fail_alloc_nth / fail_alloc_every).
 * Counting starts when armed (kmain arms it just before creating the first
 * process, so kernel boot itself is never the victim): the nth allocation
 * after arming fails, and every kth one fails.  Deterministic. */
void pmm_arm_failure_injection(uint64_t nth, uint64_t every);

#endif /* KERNEL_PMM_H */
