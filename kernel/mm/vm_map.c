/*
 * Address-space changes: region adds, brk, mmap, munmap, mprotect and the
 * exec layout.  Each public call takes the space lock once; the *_locked
 * helpers assume it.  Calls that split regions allocate both spare nodes
 * before touching anything, so an -ENOMEM leaves the space as it was.
 */
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/page_cache.h>
#include <kernel/vm_fault.h>
#include <kernel/vm_map.h>

#define PROT_MASK (FS_PROT_READ | FS_PROT_WRITE | FS_PROT_EXEC)

/* ---- region adds ---------------------------------------------------------- */
static void populate_range(struct vm_space *vs, struct vm_region *r) {
  for (uint64_t va = r->start; va < r->end; va += PAGE_SIZE) {
    paddr_t pa;
    unsigned prot;
    enum fs_populate kind;
    if (!pt_lookup(vs->pt, va, &pa, &prot) && vm_populate_page(vs, r, va, &kind, &pa) != 0)
      return; /* what is missing faults in later (or kills then) */
  }
}

static int add_region_locked(struct vm_space *vs, enum vm_region_type type, uint64_t start,
                             uint64_t end, unsigned prot, unsigned flags,
                             const struct vfs_file *file, uint64_t file_offset,
                             uint64_t file_length, struct vm_region **out) {
  if (prot & ~PROT_MASK || type == VM_REGION_NONE || type > VM_REGION_GUARD)
    return -EINVAL;
  if (file && file_length > end - start)
    file_length = end - start;
  struct vm_region *r = vm_space_new_region(vs);
  if (!r)
    return -ENOMEM;
  r->start = start;
  r->end = end;
  r->type = type;
  r->prot = type == VM_REGION_GUARD ? 0 : prot;
  r->flags = flags;
  r->file = file;
  r->file_offset = file ? file_offset : 0;
  r->file_length = file ? file_length : 0;
  int err = vm_region_insert(&vs->regions, r);
  if (err) {
    vm_space_free_region(vs, r);
    return err;
  }
  if ((flags & VM_EAGER) && type != VM_REGION_GUARD)
    populate_range(vs, r);
  if (out)
    *out = r;
  return 0;
}

int vm_space_add_region(struct vm_space *vs, enum vm_region_type type, uint64_t start, uint64_t end,
                        unsigned prot, unsigned flags, const struct vfs_file *file,
                        uint64_t file_offset, uint64_t file_length) {
  vm_lock_acquire(&vs->lock);
  int err =
      add_region_locked(vs, type, start, end, prot, flags, file, file_offset, file_length, NULL);
  vm_lock_release(&vs->lock);
  return err;
}

/* ---- range surgery --------------------------------------------------------- */
struct spare_nodes {
  struct vm_region *node[2];
};

static int take_spares(struct vm_space *vs, struct spare_nodes *sp) {
  sp->node[0] = vm_space_new_region(vs);
  sp->node[1] = sp->node[0] ? vm_space_new_region(vs) : NULL;
  if (sp->node[1])
    return 0;
  if (sp->node[0])
    vm_space_free_region(vs, sp->node[0]);
  return -ENOMEM;
}

static void return_spares(struct vm_space *vs, struct spare_nodes *sp) {
  for (int i = 0; i < 2; i++)
    if (sp->node[i])
      vm_space_free_region(vs, sp->node[i]);
}

static struct vm_region *use_spare(struct spare_nodes *sp) {
  for (int i = 0; i < 2; i++) {
    if (sp->node[i]) {
      struct vm_region *n = sp->node[i];
      sp->node[i] = NULL;
      return n;
    }
  }
  return NULL; /* unreachable: a range has two ends */
}

/* Splits the regions straddling lo and hi so that [lo, hi) is covered by
 * whole regions only.  Guards stay whole: callers never change them, and a
 * stack guard must stay adjacent to its stack to be recognised. */
static void split_at_ends(struct vm_space *vs, uint64_t lo, uint64_t hi, struct spare_nodes *sp) {
  struct vm_region *r = vm_region_find(&vs->regions, lo);
  if (r && r->start < lo && r->type != VM_REGION_GUARD)
    vm_region_split(&vs->regions, r, lo, use_spare(sp));
  r = vm_region_find(&vs->regions, hi - 1);
  if (r && r->end > hi && r->type != VM_REGION_GUARD)
    vm_region_split(&vs->regions, r, hi, use_spare(sp));
}

/* Unmapping may open a hole above the cursor: the next search starts at the
 * top again. */
static void reset_mmap_cursor(struct vm_space *vs) {
  vs->mmap_cursor = vs->mmap_base;
  vs->mmap_hole_above = 0;
}

/* Removes every non-guard region inside [lo, hi), which split_at_ends made
 * whole; frees their pages. */
static void unmap_range_locked(struct vm_space *vs, uint64_t lo, uint64_t hi) {
  struct vm_region *r = vm_region_find_intersecting(&vs->regions, lo, hi);
  while (r && r->start < hi) {
    struct vm_region *next = vm_region_next(&vs->regions, r);
    if (r->type != VM_REGION_GUARD) {
      vm_space_unmap_pages(vs, r, r->start, r->end);
      vm_region_remove(&vs->regions, r);
      vm_space_free_region(vs, r);
    }
    r = next;
  }
  reset_mmap_cursor(vs);
}

static bool range_ok(uint64_t addr, uint64_t len) {
  return len && addr < FS_USER_TOP && len <= FS_USER_TOP - addr;
}

/* ---- munmap ---------------------------------------------------------------- */
int vm_munmap(struct vm_space *vs, uint64_t addr, uint64_t len) {
  if (addr & (PAGE_SIZE - 1) || !len)
    return -EINVAL;
  len = PAGE_ROUND_UP(len);
  if (!range_ok(addr, len))
    return -EINVAL;
  vm_lock_acquire(&vs->lock);
  struct spare_nodes sp;
  int err = 0;
  if (vm_region_find_intersecting(&vs->regions, addr, addr + len)) {
    err = take_spares(vs, &sp);
    if (!err) {
      split_at_ends(vs, addr, addr + len, &sp);
      unmap_range_locked(vs, addr, addr + len);
      return_spares(vs, &sp);
    }
  }
  vm_lock_release(&vs->lock);
  return err;
}

/* ---- mprotect -------------------------------------------------------------- */
/* True when [lo, hi) is covered by non-guard regions with no hole. */
static bool fully_mapped(struct vm_space *vs, uint64_t lo, uint64_t hi) {
  uint64_t at = lo;
  struct vm_region *r = vm_region_find(&vs->regions, lo);
  while (at < hi) {
    if (!r || r->start > at || r->type == VM_REGION_GUARD)
      return false;
    at = r->end;
    r = vm_region_next(&vs->regions, r);
  }
  return true;
}

struct reprotect {
  struct pt_space *pt;
  const struct vm_region *r;
};

static void reprotect_one(void *ctx, vaddr_t va, paddr_t pa) {
  const struct reprotect *c = ctx;
  pt_protect(c->pt, va, vm_pte_prot(c->r, va, pa));
}

int vm_mprotect(struct vm_space *vs, uint64_t addr, uint64_t len, unsigned prot) {
  if (addr & (PAGE_SIZE - 1) || prot & ~PROT_MASK)
    return -EINVAL;
  if (!len)
    return 0;
  len = PAGE_ROUND_UP(len);
  if (!range_ok(addr, len))
    return -ENOMEM;
  uint64_t hi = addr + len;
  vm_lock_acquire(&vs->lock);
  int err = 0;
  if (!fully_mapped(vs, addr, hi)) {
    err = -ENOMEM;
    goto out;
  }
  for (struct vm_region *r = vm_region_find(&vs->regions, addr); r && r->start < hi;
       r = vm_region_next(&vs->regions, r)) {
    if ((r->flags & VM_SHARED) && r->file && (prot & FS_PROT_WRITE)) {
      err = -EACCES; /* backing files are read-only */
      goto out;
    }
  }
  struct spare_nodes sp;
  err = take_spares(vs, &sp);
  if (err)
    goto out;
  split_at_ends(vs, addr, hi, &sp);
  return_spares(vs, &sp);
  for (struct vm_region *r = vm_region_find(&vs->regions, addr); r && r->start < hi;
       r = vm_region_next(&vs->regions, r)) {
    r->prot = prot;
    if (r->resident) {
      struct reprotect ctx = {vs->pt, r};
      pt_for_each_mapped(vs->pt, r->start, r->end, reprotect_one, &ctx);
    }
  }
out:
  vm_lock_release(&vs->lock);
  return err;
}

/* ---- mmap ------------------------------------------------------------------ */
static bool range_free(struct vm_space *vs, uint64_t lo, uint64_t len) {
  return lo >= VM_USER_MIN && range_ok(lo, len) &&
         !vm_region_find_intersecting(&vs->regions, lo, lo + len);
}

/* Top-down first fit in [mmap_floor, mmap_base): the highest gap that fits.
 * Starts at the cursor when every hole above it is known to be too small.
 * Only a search cursor restart is written here; the caller moves the cursor
 * to the gap (*skipped_out: the largest hole passed) once the mapping exists,
 * so a mapping that then fails leaves the gap findable. */
static bool find_gap(struct vm_space *vs, uint64_t len, uint64_t *out, uint64_t *skipped_out) {
  /* A hole above the cursor might fit: search from the top.  (The cursor
   * itself is never 0 or above mmap_base: whoever sets the base resets it.) */
  if (len <= vs->mmap_hole_above)
    reset_mmap_cursor(vs);
  uint64_t floor = vs->mmap_floor > VM_USER_MIN ? vs->mmap_floor : VM_USER_MIN;
  uint64_t hi = vs->mmap_cursor;
  uint64_t skipped = vs->mmap_hole_above;
  while (hi > floor && hi - floor >= len) {
    struct vm_region *below = vm_region_last_below(&vs->regions, hi);
    uint64_t lo = below && below->end > floor ? below->end : floor;
    if (below && below->end > hi) {
      hi = below->start; /* hi was inside a region */
      continue;
    }
    if (hi - lo >= len) {
      *out = hi - len;
      *skipped_out = skipped;
      return true;
    }
    if (hi - lo > skipped)
      skipped = hi - lo;
    if (!below || below->start <= floor)
      break;
    hi = below->start;
  }
  return false;
}

static int check_mmap_args(uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
                           const struct vfs_file *file, uint64_t offset) {
  unsigned type = flags & VM_MAP_TYPE_MASK;
  if (!len || prot & ~PROT_MASK || offset & (PAGE_SIZE - 1))
    return -EINVAL;
  if (type != VM_MAP_PRIVATE && type != VM_MAP_SHARED && type != VM_MAP_SHARED_VALIDATE)
    return -EINVAL;
  if (type == VM_MAP_SHARED_VALIDATE) {
    const unsigned known = VM_MAP_TYPE_MASK | VM_MAP_FIXED | VM_MAP_ANONYMOUS | VM_MAP_GROWSDOWN |
                           VM_MAP_DENYWRITE | VM_MAP_EXECUTABLE | VM_MAP_LOCKED | VM_MAP_NORESERVE |
                           VM_MAP_POPULATE | VM_MAP_NONBLOCK | VM_MAP_STACK |
                           VM_MAP_FIXED_NOREPLACE;
    if (flags & ~known)
      return -VM_EOPNOTSUPP;
  }
  if (flags & VM_MAP_HUGETLB)
    return -EINVAL; /* no huge pages */
  if ((flags & (VM_MAP_FIXED | VM_MAP_FIXED_NOREPLACE)) && (addr & (PAGE_SIZE - 1)))
    return -EINVAL;
  if (PAGE_ROUND_UP(len) == 0 || PAGE_ROUND_UP(len) > FS_USER_TOP)
    return -ENOMEM;
  if (!(flags & VM_MAP_ANONYMOUS)) {
    if (!file)
      return -EBADF;
    if (offset + PAGE_ROUND_UP(len) < offset)
      return -EOVERFLOW;
    if (type != VM_MAP_PRIVATE && (prot & FS_PROT_WRITE))
      return -EACCES;
  }
  return 0;
}

int vm_mmap(struct vm_space *vs, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
            const struct vfs_file *file, uint64_t offset, uint64_t *result) {
  int err = check_mmap_args(addr, len, prot, flags, file, offset);
  if (err)
    return err;
  len = PAGE_ROUND_UP(len);
  bool fixed = flags & (VM_MAP_FIXED | VM_MAP_FIXED_NOREPLACE);
  bool anonymous = flags & VM_MAP_ANONYMOUS;
  bool shared = (flags & VM_MAP_TYPE_MASK) != VM_MAP_PRIVATE;

  vm_lock_acquire(&vs->lock);
  uint64_t at, gap_skipped = 0;
  bool from_gap_search = false;
  struct spare_nodes sp = {{NULL, NULL}};
  if (fixed) {
    at = addr;
    if (!range_ok(at, len)) {
      err = -ENOMEM;
      goto out;
    }
    if (at < VM_USER_MIN) {
      err = -EPERM;
      goto out;
    }
    for (struct vm_region *r = vm_region_find_intersecting(&vs->regions, at, at + len);
         r && r->start < at + len; r = vm_region_next(&vs->regions, r)) {
      if (r->type == VM_REGION_GUARD) {
        err = -ENOMEM; /* guards are not address space to hand out */
        goto out;
      }
      if (flags & VM_MAP_FIXED_NOREPLACE) {
        err = -EEXIST; /* it wins over MAP_FIXED, as in Linux */
        goto out;
      }
    }
  } else {
    at = PAGE_ROUND_UP(addr);
    if (!addr || at < addr || !range_free(vs, at, len)) {
      if (!find_gap(vs, len, &at, &gap_skipped)) {
        err = -ENOMEM;
        goto out;
      }
      from_gap_search = true;
    }
  }

  /* Everything that can fail is allocated before the old mapping goes. */
  bool replaces = fixed && vm_region_find_intersecting(&vs->regions, at, at + len);
  struct vm_region *r = vm_space_new_region(vs);
  if (!r || (replaces && take_spares(vs, &sp) != 0)) {
    if (r)
      vm_space_free_region(vs, r);
    err = -ENOMEM;
    goto out;
  }
  if (replaces) {
    split_at_ends(vs, at, at + len, &sp);
    unmap_range_locked(vs, at, at + len);
    return_spares(vs, &sp);
  }

  r->start = at;
  r->end = at + len;
  r->prot = prot;
  r->flags = (shared ? VM_SHARED : 0) | (flags & VM_MAP_GROWSDOWN ? VM_GROWS_DOWN : 0);
  if (anonymous) {
    r->type = VM_REGION_MMAP_ANON;
    r->flags &= ~VM_SHARED; /* no fork: shared anonymous memory is private memory */
  } else {
    uint64_t size = vfs_file_size(file);
    r->type = VM_REGION_MMAP_FILE;
    r->file = file;
    r->file_offset = offset;
    r->file_length = offset >= size ? 0 : (size - offset < len ? size - offset : len);
  }
  vm_region_insert(&vs->regions, r); /* the range is free: cannot fail */
  if (from_gap_search) {
    vs->mmap_cursor = at;
    vs->mmap_hole_above = gap_skipped;
  }
  if (flags & VM_MAP_POPULATE)
    populate_range(vs, r);
  *result = at;
out:
  vm_lock_release(&vs->lock);
  return err;
}

/* ---- brk -------------------------------------------------------------------- */
/* Linux semantics: growing extends the heap region ending at the old break
 * (or adds one) when nothing else is in the way; shrinking unmaps whatever
 * lies in [new end, old end), like munmap. */
static bool brk_grow(struct vm_space *vs, uint64_t old_end, uint64_t new_end) {
  if (vm_region_find_intersecting(&vs->regions, old_end, new_end))
    return false; /* something else lives there */
  struct vm_region *last =
      old_end > vs->brk_start ? vm_region_find(&vs->regions, old_end - 1) : NULL;
  if (last && last->type == VM_REGION_HEAP && last->end == old_end && !last->file) {
    last->end = new_end; /* the key (start) is unchanged and the range is free */
    return true;
  }
  return add_region_locked(vs, VM_REGION_HEAP, old_end, new_end, FS_PROT_READ | FS_PROT_WRITE,
                           VM_GROWS_UP, NULL, 0, 0, NULL) == 0;
}

static bool brk_shrink(struct vm_space *vs, uint64_t new_end, uint64_t old_end) {
  if (!vm_region_find_intersecting(&vs->regions, new_end, old_end))
    return true;
  struct spare_nodes sp;
  if (take_spares(vs, &sp) != 0)
    return false;
  split_at_ends(vs, new_end, old_end, &sp);
  unmap_range_locked(vs, new_end, old_end);
  return_spares(vs, &sp);
  return true;
}

uint64_t vm_brk(struct vm_space *vs, uint64_t new_brk) {
  vm_lock_acquire(&vs->lock);
  uint64_t old_end = PAGE_ROUND_UP(vs->brk_current), new_end = PAGE_ROUND_UP(new_brk);
  bool ok = new_brk >= vs->brk_start && new_brk <= vs->brk_limit;
  if (ok && new_end > old_end)
    ok = brk_grow(vs, old_end, new_end);
  else if (ok && new_end < old_end)
    ok = brk_shrink(vs, new_end, old_end);
  if (ok)
    vs->brk_current = new_brk;
  new_brk = vs->brk_current;
  vm_lock_release(&vs->lock);
  return new_brk;
}

/* ---- exec layout ------------------------------------------------------------- */
/* Returns err, telling the caller why when it asked. */
static int layout_fail(const char **why_out, int err, const char *why) {
  if (why_out)
    *why_out = why;
  return err;
}

static int add_segment(struct vm_space *vs, const struct vfs_file *file,
                       const struct vm_exec_segment *seg, const char **why) {
  if (seg->filesz > seg->memsz || !seg->memsz || seg->vaddr < VM_USER_MIN ||
      seg->vaddr + seg->memsz < seg->vaddr || seg->vaddr + seg->memsz > FS_USER_TOP ||
      (seg->vaddr & (PAGE_SIZE - 1)) != (seg->file_offset & (PAGE_SIZE - 1)))
    return layout_fail(why, -EINVAL, "malformed segment");
  if (seg->filesz && (!file || seg->file_offset + seg->filesz < seg->file_offset ||
                      seg->file_offset + seg->filesz > vfs_file_size(file)))
    return layout_fail(why, -EINVAL, "segment outside the file");
  unsigned prot = seg->prot & PROT_MASK;
  uint64_t start = PAGE_ROUND_DOWN(seg->vaddr);
  uint64_t file_end = PAGE_ROUND_UP(seg->vaddr + seg->filesz);
  uint64_t mem_end = PAGE_ROUND_UP(seg->vaddr + seg->memsz);
  uint64_t lead = seg->vaddr - start; /* file bytes before vaddr in its page */
  int err = 0;
  if (seg->filesz) {
    enum vm_region_type type = prot & FS_PROT_EXEC ? VM_REGION_TEXT : VM_REGION_DATA;
    err = add_region_locked(vs, type, start, file_end, prot, VM_LAZY, file, seg->file_offset - lead,
                            lead + seg->filesz, NULL);
    start = file_end;
  }
  if (!err && mem_end > start)
    err = add_region_locked(vs, VM_REGION_BSS, start, mem_end, prot, VM_LAZY, NULL, 0, 0, NULL);
  /* Regions are page-granular: segments that merely share a page collide
   * here as well as overlapping ones. */
  if (err == -EEXIST)
    return layout_fail(why, -EINVAL, "segments overlap or share a page");
  return err;
}

static int layout_locked(struct vm_space *vs, const struct vm_exec_image *img, const char **why) {
  uint64_t image_end = 0;
  for (size_t i = 0; i < img->segment_count; i++) {
    int err = add_segment(vs, img->file, &img->segments[i], why);
    if (err)
      return err;
    uint64_t end = PAGE_ROUND_UP(img->segments[i].vaddr + img->segments[i].memsz);
    if (end > image_end)
      image_end = end;
  }
  uint64_t stack_max = img->stack_max ? PAGE_ROUND_UP(img->stack_max) : VM_STACK_MAX_DEFAULT;
  uint64_t guard = img->stack_guard_pages * PAGE_SIZE;
  if (img->stack_guard_pages > (1ULL << 30) || stack_max > (1ULL << 40))
    return layout_fail(why, -EINVAL, "stack or stack guard too large");
  vs->stack_top = VM_STACK_TOP;
  vs->stack_bottom = VM_STACK_TOP - stack_max;
  uint64_t stack_guard_lo = vs->stack_bottom - guard;
  /* The cursor moves with the base, so it never lies above it. */
  vs->mmap_base = vs->mmap_cursor = stack_guard_lo - VM_MMAP_GUARD_SIZE;
  vs->mmap_hole_above = 0;

  vs->brk_start = vs->brk_current = image_end ? image_end : VM_USER_MIN;
  vs->brk_limit = vs->brk_start + VM_HEAP_MAX_SIZE;
  if (vs->brk_limit + VM_HEAP_GUARD_SIZE > vs->mmap_base)
    return layout_fail(why, -EINVAL,
                       "segments too high: no room above them for the heap and the mmap area");
  vs->mmap_floor = vs->brk_limit + VM_HEAP_GUARD_SIZE;

  int err = add_region_locked(vs, VM_REGION_STACK, vs->stack_bottom, VM_STACK_TOP,
                              FS_PROT_READ | FS_PROT_WRITE, VM_GROWS_DOWN, NULL, 0, 0, NULL);
  if (!err && guard)
    err = add_region_locked(vs, VM_REGION_GUARD, stack_guard_lo, vs->stack_bottom, 0, 0, NULL, 0, 0,
                            NULL);
  if (!err)
    err = add_region_locked(vs, VM_REGION_GUARD, vs->mmap_base, stack_guard_lo, 0, 0, NULL, 0, 0,
                            NULL);
  if (!err)
    err = add_region_locked(vs, VM_REGION_GUARD, vs->brk_limit, vs->mmap_floor, 0, 0, NULL, 0, 0,
                            NULL);
  return err;
}

int vm_space_layout_exec(struct vm_space *vs, const struct vm_exec_image *img) {
  return vm_space_layout_exec_why(vs, img, NULL);
}

int vm_space_layout_exec_why(struct vm_space *vs, const struct vm_exec_image *img,
                             const char **why) {
  vm_lock_acquire(&vs->lock);
  int err = layout_locked(vs, img, why);
  vm_lock_release(&vs->lock);
  if (err)
    klog(FS_LOG_WARN, "vm pid=%d: exec layout failed (%d)", vs->pid, err);
  return err;
}
