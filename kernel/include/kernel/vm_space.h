/*
 * One user address space: its regions, its page table, its break and mmap
 * state, the fault-loop detector and where its counters go.
 *
 * Locking (one CPU today; the discipline is what an SMP kernel would need):
 *   - vm_space.lock guards the region set, brk/mmap state, the loop detector
 *     and the page-table entries of this space.  The #PF entry
 *     (vm_region_handle_page_fault) and every vm_map.h call take it for their
 *     whole duration.
 *   - The page cache has one global lock (page_cache.c); the frame allocator
 *     has its own (the environment's).  Order: space -> page cache -> frames.
 *   - Nothing sleeps while holding any of them: backing files are in-memory
 *     (initramfs), so filling a page never blocks.
 *   - Re-taking a held lock is a kernel bug (one CPU: it would spin forever),
 *     so vm_lock_acquire panics instead.
 *
 * Memory for the bookkeeping itself: region nodes come from a small node pool
 * carved out of frames through mm_env (frame_alloc / frame_ptr), so the core
 * needs no heap at all.  A space keeps its pool frames until it is torn down.
 */
#ifndef KERNEL_VM_SPACE_H
#define KERNEL_VM_SPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <faultsim/abi.h>
#include <kernel/mm_env.h>
#include <kernel/vm_region.h>

/* ---------------------------------------------------------------------------
 * User address-space layout (x86-64, 47-bit user half below FS_USER_TOP).
 *
 *   FS_USER_TOP   0x800000000000 ----------------------------------------
 *                                  one unmapped page (invalid)
 *   VM_STACK_TOP  0x7ffffffff000 ----------------------------------------
 *                                  stack (RW-, grows down, lazily populated,
 *                                  reserved at its maximum, 8 MiB default)
 *                 stack bottom     ----------------------------------------
 *                                  stack guard (stack_guard_pages, 256 default)
 *                                  mmap guard (VM_MMAP_GUARD_SIZE)
 *   mmap_base                      ----------------------------------------
 *                                  mmap area: top-down, first fit
 *                 mmap floor       ----------------------------------------
 *                                  heap guard (VM_HEAP_GUARD_SIZE)
 *   brk_limit                      ----------------------------------------
 *                                  heap (brk: grows up from brk_start)
 *   brk_start                      ---------------------------------------- (page after BSS)
 *                                  BSS / data / rodata / text (one region per PT_LOAD)
 *                 ELF link address (0x400000 for static non-PIE)
 *   VM_USER_MIN   0x10000          ---------------------------------------- (below: never mapped)
 * ------------------------------------------------------------------------- */
#define VM_USER_MIN                  0x10000ULL        /* lowest mappable address (mmap_min_addr) */
#define VM_STACK_TOP                 0x7ffffffff000ULL /* initial rsp lies just below          */
#define VM_STACK_MAX_DEFAULT         (8ULL << 20)      /* RLIMIT_STACK default                */
#define VM_STACK_GUARD_PAGES_DEFAULT 256ULL
#define VM_HEAP_MAX_SIZE             (4ULL << 30) /* brk can grow this far (then a guard)  */
#define VM_HEAP_GUARD_SIZE           (1ULL << 20) /* between the heap limit and mmap area  */
#define VM_MMAP_GUARD_SIZE           (1ULL << 20) /* between the mmap area and stack guard */
/* mmap_base of a space nobody laid out yet (the default stack and guards). */
#define VM_MMAP_BASE_DEFAULT                                                                       \
  (VM_STACK_TOP - VM_STACK_MAX_DEFAULT - VM_STACK_GUARD_PAGES_DEFAULT * PAGE_SIZE -                \
   VM_MMAP_GUARD_SIZE)

/* Kills after this many repeats of the same (rip, addr) right after a lazy
 * or spurious decision: the retry cannot succeed, so it would loop forever. */
#define VM_FAULT_LOOP_LIMIT 4u

/* ---- lock -------------------------------------------------------------- */
struct vm_lock {
  int held;
};
void vm_lock_init(struct vm_lock *l);
void vm_lock_acquire(struct vm_lock *l); /* panics if already held (one CPU) */
void vm_lock_release(struct vm_lock *l);

/* ---- node pool: fixed-size nodes carved from frames -------------------- */
struct vm_node_pool {
  size_t node_size; /* >= sizeof(void *), multiple of 8 */
  void *free_list;  /* free nodes, linked through their first word */
  paddr_t slabs;    /* frames owned, linked through their first word */
  size_t slab_count;
  size_t live; /* nodes handed out */
};
void vm_node_pool_init(struct vm_node_pool *p, size_t node_size);
void *vm_node_alloc(struct vm_node_pool *p); /* NULL when no frame is left */
void vm_node_free(struct vm_node_pool *p, void *node);
/* Returns every frame of the pool; every node must already be freed. */
void vm_node_pool_release(struct vm_node_pool *p);

/* ---- the address space ------------------------------------------------- */
struct vm_fault_loop {
  uint64_t rip;
  uint64_t addr;
  unsigned repeats;
  bool armed; /* the previous fault ended lazy or spurious */
};

struct vm_space {
  struct vm_lock lock;
  struct vm_region_set regions;
  struct vm_node_pool region_nodes;
  struct pt_space *pt;
  int pid; /* only printed in log lines */

  /* brk: the heap region is [brk_start, PAGE_ROUND_UP(brk_current)). */
  uint64_t brk_start;
  uint64_t brk_current;
  uint64_t brk_limit;

  /* mmap: top-down first fit in [mmap_floor, mmap_base).  The cursor skips
   * the part above it known to hold no hole larger than mmap_hole_above, so
   * 65,536 consecutive mmaps cost O(log n) each (exact first-fit results). */
  uint64_t mmap_base;
  uint64_t mmap_floor;
  uint64_t mmap_cursor;
  uint64_t mmap_hole_above;

  uint64_t stack_top;    /* VM_STACK_TOP once laid out */
  uint64_t stack_bottom; /* lowest address of the stack's maximum extent */

  struct vm_fault_loop loop;

  struct fs_fault_stats *stats; /* never NULL: own_stats unless the caller's */
  struct fs_fault_stats own_stats;
  paddr_t self_frame; /* the frame holding this struct (vm_space_create) */
};

/* Caller-provided storage: prepares an empty space using page table pt.
 * stats may be NULL (the space counts into own_stats). */
void vm_space_init(struct vm_space *vs, struct pt_space *pt, struct fs_fault_stats *stats);
/* Unmaps every page, puts every frame, frees every region node. */
void vm_space_fini(struct vm_space *vs);

/* The same with the struct itself placed in a frame: NULL when out of frames. */
struct vm_space *vm_space_create(struct pt_space *pt, struct fs_fault_stats *stats);
void vm_space_destroy(struct vm_space *vs);

/* ---- mm-internal helpers shared by vm_fault.c and vm_map.c -------------- */
struct vm_region *vm_space_new_region(struct vm_space *vs);
void vm_space_free_region(struct vm_space *vs, struct vm_region *r);
/* Unmaps and puts every present page of [lo, hi) (inside region r). */
void vm_space_unmap_pages(struct vm_space *vs, struct vm_region *r, uint64_t lo, uint64_t hi);
/* Populates one absent page of r, which is not a guard (callers never ask:
 * guards get no memory); 0 or -ENOMEM (nothing left allocated). */
int vm_populate_page(struct vm_space *vs, struct vm_region *r, uint64_t page,
                     enum fs_populate *kind, paddr_t *frame);
/* The PTE rights for page -> pa in r: the region's, minus write when pa is a
 * page-cache frame (those are never written through a private mapping). */
unsigned vm_pte_prot(const struct vm_region *r, uint64_t page, paddr_t pa);
/* x86 rights: read is granted by any of R, W, X. */
bool vm_prot_allows(unsigned prot, unsigned access);

#endif /* KERNEL_VM_SPACE_H */
