/* 4-level x86-64 paging for user address spaces.
 *
 * A struct pt_space is one address space: its PML4's physical address.  The
 * kernel half (PML4 entries 256..511: direct map and kernel image) is the
 * same in every space, copied from the kernel's own PML4, and is never freed.
 * The user half holds 4 KiB pages only.
 *
 * References (the same contract as the host's mm_env): a mapping stands for
 * one frame reference, but pt_map and pt_unmap never touch reference counts.
 * pt_map stores the entry (overwriting any old one: the caller handles the
 * old frame), pt_unmap clears it (the caller then frame_puts the frame it got
 * from pt_lookup).  pt_space_destroy frame_puts every frame still mapped and
 * frees every page-table frame.
 *
 * TLB: every change to the current space's user half is followed by invlpg;
 * changes to another space need nothing (its entries are flushed by the CR3
 * load that makes it current). */
#ifndef KERNEL_PAGING_H
#define KERNEL_PAGING_H

#include <stdbool.h>
#include <stdint.h>
#include <kernel/mm_env.h>

struct pt_space {
  paddr_t pml4;
};

#define PTE_P    (1ull << 0)
#define PTE_W    (1ull << 1)
#define PTE_U    (1ull << 2)
#define PTE_PS   (1ull << 7)
#define PTE_NONE (1ull << 9) /* software: a PROT_NONE mapping (P clear, frame kept) */
#define PTE_NX   (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

/* Called once at boot: build the kernel's PML4 from the boot tables' upper
 * half (the low identity map is dropped) and switch to it; enable NXE. */
void paging_init(void);

int pt_space_init(struct pt_space *pt); /* 0 or -ENOMEM */
void pt_space_destroy(struct pt_space *pt);
void pt_space_activate(struct pt_space *pt); /* NULL: the kernel-only space */

#endif /* KERNEL_PAGING_H */
