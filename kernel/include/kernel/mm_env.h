/*
 * What the page-fault core (kernel/mm/vm_region.c, vm_fault.c, page_cache.c)
 * needs from the world around it: frames, one address space's page table, and
 * reads from a backing file.  The kernel implements these with its frame
 * allocator, x86 paging and the initramfs VFS; the host (unit tests, fuzz
 * targets, offline replay) links its own implementation with a frame pool and
 * a software page table.  Same source files, two link-time environments.
 */
#ifndef KERNEL_MM_ENV_H
#define KERNEL_MM_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t paddr_t;
typedef uint64_t vaddr_t;

#define PAGE_SIZE          4096ULL
#define PAGE_MASK          (~(PAGE_SIZE - 1))
#define PAGE_ROUND_DOWN(x) ((x)&PAGE_MASK)
#define PAGE_ROUND_UP(x)   (((x) + PAGE_SIZE - 1) & PAGE_MASK)

/* ---- frames -------------------------------------------------------------
 * A frame starts with one reference.  frame_put drops one and frees the
 * frame when none is left (shared page-cache frames have several). */
paddr_t frame_alloc(void); /* 0 when none is left (or injected failure)   */
void frame_get(paddr_t pa);
void frame_put(paddr_t pa);
unsigned frame_refcount(paddr_t pa);
void *frame_ptr(paddr_t pa); /* the frame's 4096 bytes, writable          */
void frame_zero(paddr_t pa); /* fills the frame with zeros                */

/* ---- page tables of one address space --------------------------------
 * Prot bits are FS_PROT_* from <faultsim/abi.h>.  Every entry created here
 * is a user entry; execute permission is honoured (NX unless FS_PROT_EXEC).
 * Changes take effect at once (the kernel invalidates the TLB entry). */
struct pt_space;
int pt_map(struct pt_space *pt, vaddr_t va, paddr_t pa, unsigned prot); /* 0 or -ENOMEM */
bool pt_lookup(struct pt_space *pt, vaddr_t va, paddr_t *pa, unsigned *prot);
void pt_unmap(struct pt_space *pt, vaddr_t va);
void pt_protect(struct pt_space *pt, vaddr_t va, unsigned prot);
/* Calls fn for every mapped page in [lo, hi), in ascending order, at a cost
 * bounded by what is mapped rather than by hi - lo: a huge, sparsely touched
 * region must not take a page-by-page walk to unmap.  fn may unmap or
 * re-protect the page it is given, and nothing else. */
typedef void (*pt_visit_fn)(void *ctx, vaddr_t va, paddr_t pa);
void pt_for_each_mapped(struct pt_space *pt, vaddr_t lo, vaddr_t hi, pt_visit_fn fn, void *ctx);

/* ---- backing files ---------------------------------------------------
 * A read-only file whose bytes fill file-backed pages.  Its identity (the
 * pointer) keys the page cache. */
struct vfs_file;
uint64_t vfs_file_size(const struct vfs_file *f);
/* Copies up to len bytes at off; returns the count (short at end of file). */
size_t vfs_file_read(const struct vfs_file *f, uint64_t off, void *dst, size_t len);

#endif /* KERNEL_MM_ENV_H */
