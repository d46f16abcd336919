/*
 * Regions of a user address space: the unit the page-fault handler reasons
 * about.  A region is a page-aligned range [start, end) with one type, one
 * protection and one backing (anonymous, or a byte range of a file).
 *
 * The region set is an intrusive AVL tree keyed by start: the caller owns the
 * nodes (vm_space.c carves them from frames), the tree only links them.
 * Regions never overlap, so "the region with the greatest start <= addr" is
 * the only candidate to contain addr: every lookup is one root-to-leaf walk,
 * O(log n), flat from 16 to 65,536 regions.
 */
#ifndef KERNEL_VM_REGION_H
#define KERNEL_VM_REGION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <faultsim/abi.h>
#include <kernel/mm_env.h>

/* The same numbers as the ABI's enum fs_region_type: traces and counters
 * index by either. */
enum vm_region_type {
  VM_REGION_NONE = FS_REGION_NONE,
  VM_REGION_TEXT = FS_REGION_TEXT,
  VM_REGION_DATA = FS_REGION_DATA,
  VM_REGION_BSS = FS_REGION_BSS,
  VM_REGION_HEAP = FS_REGION_HEAP,
  VM_REGION_STACK = FS_REGION_STACK,
  VM_REGION_MMAP_ANON = FS_REGION_MMAP_ANON,
  VM_REGION_MMAP_FILE = FS_REGION_MMAP_FILE,
  VM_REGION_GUARD = FS_REGION_GUARD,
};

/* Region flags. */
#define VM_LAZY       0x0u /* pages appear on first touch (the default)      */
#define VM_EAGER      0x1u /* every page is populated when the region is added */
#define VM_GROWS_DOWN 0x2u /* a stack: its guard lies directly below it       */
#define VM_GROWS_UP   0x4u /* the heap: brk moves its end                     */
#define VM_SHARED                                                                                  \
  0x8u /* file pages map the page-cache frame itself;                                              \
          without it a writable file page is a private copy */

struct vm_region {
  uint64_t start; /* page aligned                        */
  uint64_t end;   /* page aligned, exclusive             */
  enum vm_region_type type;
  unsigned prot;  /* FS_PROT_*                           */
  unsigned flags; /* VM_*                                */
  /* Backing: NULL for anonymous memory.  Byte `start + i` holds file byte
   * `file_offset + i` for i < file_length and zero beyond: that is what makes
   * the .data/.bss split page and the tail of a mapping past EOF byte-exact. */
  const struct vfs_file *file;
  uint64_t file_offset;
  uint64_t file_length;
  /* Upper bound of the pages ever populated here; 0 lets teardown skip the
   * page-table walk over a region nobody touched. */
  uint64_t resident;

  /* Tree links: owned by the region set. */
  struct vm_region *left;
  struct vm_region *right;
  int height;
};

struct vm_region_set {
  struct vm_region *root;
  size_t count;
};

void vm_region_set_init(struct vm_region_set *set);

/* Links r (its start/end set).  Returns 0, -EINVAL if r is empty, unaligned
 * or reaches past FS_USER_TOP, or -EEXIST if it overlaps a region already in
 * the set (nothing changes then). */
int vm_region_insert(struct vm_region_set *set, struct vm_region *r);
/* Unlinks r, which must be in the set; the caller frees the node. */
void vm_region_remove(struct vm_region_set *set, struct vm_region *r);

/* The region containing addr, or NULL. */
struct vm_region *vm_region_find(const struct vm_region_set *set, uint64_t addr);
/* The lowest region intersecting [lo, hi), or NULL. */
struct vm_region *vm_region_find_intersecting(const struct vm_region_set *set, uint64_t lo,
                                              uint64_t hi);
/* The region with the greatest start below addr (it may contain addr), or NULL. */
struct vm_region *vm_region_last_below(const struct vm_region_set *set, uint64_t addr);

/* In-order iteration (ascending start); each step is O(log n). */
struct vm_region *vm_region_first(const struct vm_region_set *set);
struct vm_region *vm_region_next(const struct vm_region_set *set, const struct vm_region *r);
struct vm_region *vm_region_prev(const struct vm_region_set *set, const struct vm_region *r);

/* Cuts r at addr (page aligned, strictly inside r): r keeps [start, addr),
 * `upper` (a free node) becomes [addr, end) with the same type, protection,
 * flags and the matching part of the backing, and is linked into the set.
 * Returns 0 or -EINVAL (addr not strictly inside r, or unaligned). */
int vm_region_split(struct vm_region_set *set, struct vm_region *r, uint64_t addr,
                    struct vm_region *upper);

/* Checks ordering, non-overlap, AVL balance and the count: for tests. */
bool vm_region_set_valid(const struct vm_region_set *set);

static inline size_t vm_region_count(const struct vm_region_set *set) {
  return set->count;
}

#endif /* KERNEL_VM_REGION_H */
