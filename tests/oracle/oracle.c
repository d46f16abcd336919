/*
 * The reference model (see oracle.h).  Deliberately naive: regions live in a
 * sorted flat array, pages in an unsorted flat array, every question is a
 * linear scan.  Each function states the rule it implements in the terms of
 * docs/architecture/page_fault_handler.md, not in terms of how the core does
 * it (no cursors, no trees, no spare-node bookkeeping).
 */
#include "oracle.h"

#include <stdlib.h>
#include <string.h>

#define PROT_ALL (FS_PROT_READ | FS_PROT_WRITE | FS_PROT_EXEC)

struct ofile {
  unsigned char *data;
  size_t size;
};

struct ocache_key {
  int file;
  uint64_t offset;
};

struct oracle {
  struct oracle_config cfg;
  struct ofile *files;
  size_t nfiles, cap_files;

  struct oracle_region *regions; /* sorted by start, never overlapping */
  size_t nregions, cap_regions;

  struct oracle_page *pages;
  size_t npages, cap_pages;

  struct ocache_key *cache;
  size_t ncache, cap_cache;

  size_t frames_free;
  size_t region_slabs;
  size_t cache_slabs;

  uint64_t brk_start, brk_current, brk_limit;
  uint64_t mmap_base, mmap_floor;

  /* The fault-loop detector: the previous fault and whether it promised a retry. */
  uint64_t loop_rip, loop_addr;
  unsigned loop_repeats;
  bool loop_armed;

  struct fs_fault_stats stats;
};

static uint64_t round_down(uint64_t x) {
  return x & ~(ORACLE_PAGE - 1);
}

/* Rounds up; false when the result does not fit 64 bits. */
static bool round_up(uint64_t x, uint64_t *out) {
  if (x > UINT64_MAX - (ORACLE_PAGE - 1))
    return false;
  *out = round_down(x + ORACLE_PAGE - 1);
  return true;
}

static bool aligned(uint64_t x) {
  return (x & (ORACLE_PAGE - 1)) == 0;
}

/* A non-empty range inside user space. */
static bool range_ok(uint64_t addr, uint64_t len) {
  return len && addr < FS_USER_TOP && len <= FS_USER_TOP - addr;
}

/* x86: read is granted by any right; write and exec need their own bit. */
static bool allows(unsigned prot, unsigned access) {
  if (access == FS_PROT_READ)
    return (prot & PROT_ALL) != 0;
  return (prot & access) == access;
}

static void grow(void **arr, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap)
    return;
  size_t n = *cap ? *cap * 2 : 16;
  while (n < need)
    n *= 2;
  void *p = realloc(*arr, n * elem);
  if (!p)
    abort(); /* a test tool: running out of host memory is not a result */
  *arr = p;
  *cap = n;
}

/* ---- lifetime ---------------------------------------------------------------- */
struct oracle *oracle_create(const struct oracle_config *cfg) {
  struct oracle *o = calloc(1, sizeof(*o));
  if (!o)
    return NULL;
  o->cfg = *cfg;
  if (!o->cfg.region_nodes_per_slab)
    o->cfg.region_nodes_per_slab = 1;
  if (!o->cfg.cache_entries_per_slab)
    o->cfg.cache_entries_per_slab = 1;
  o->frames_free = cfg->frames_free;
  /* A space nobody laid out: default mmap area, brk refuses everything. */
  o->mmap_base = ORACLE_MMAP_BASE_DEFAULT;
  o->mmap_floor = ORACLE_USER_MIN;
  return o;
}

void oracle_destroy(struct oracle *o) {
  if (!o)
    return;
  for (size_t i = 0; i < o->nfiles; i++)
    free(o->files[i].data);
  for (size_t i = 0; i < o->npages; i++)
    free((void *)o->pages[i].data);
  free(o->files);
  free(o->regions);
  free(o->pages);
  free(o->cache);
  free(o);
}

int oracle_add_file(struct oracle *o, const void *data, size_t size) {
  grow((void **)&o->files, &o->cap_files, o->nfiles + 1, sizeof(*o->files));
  struct ofile *f = &o->files[o->nfiles];
  f->data = malloc(size ? size : 1);
  if (!f->data)
    return ORACLE_NO_FILE;
  if (size)
    memcpy(f->data, data, size);
  f->size = size;
  return (int)o->nfiles++;
}

static uint64_t file_size(const struct oracle *o, int file) {
  return file >= 0 && (size_t)file < o->nfiles ? o->files[file].size : 0;
}

/* File byte at off; a file reads as zeros past its end. */
static unsigned char file_byte(const struct oracle *o, int file, uint64_t off) {
  if (file < 0 || (size_t)file >= o->nfiles || off >= o->files[file].size)
    return 0;
  return o->files[file].data[off];
}

/* ---- regions ------------------------------------------------------------------ */
static struct oracle_region *find_region(struct oracle *o, uint64_t addr) {
  for (size_t i = 0; i < o->nregions; i++)
    if (o->regions[i].start <= addr && addr < o->regions[i].end)
      return &o->regions[i];
  return NULL;
}

/* Index of the lowest region intersecting [lo, hi), or -1. */
static long first_intersecting(const struct oracle *o, uint64_t lo, uint64_t hi) {
  for (size_t i = 0; i < o->nregions; i++)
    if (o->regions[i].start < hi && o->regions[i].end > lo)
      return (long)i;
  return -1;
}

static void insert_region(struct oracle *o, const struct oracle_region *r) {
  grow((void **)&o->regions, &o->cap_regions, o->nregions + 1, sizeof(*r));
  size_t i = o->nregions;
  while (i > 0 && o->regions[i - 1].start > r->start) {
    o->regions[i] = o->regions[i - 1];
    i--;
  }
  o->regions[i] = *r;
  o->nregions++;
}

static void remove_region_at(struct oracle *o, size_t i) {
  memmove(&o->regions[i], &o->regions[i + 1], (o->nregions - i - 1) * sizeof(*o->regions));
  o->nregions--;
}

/* The region bookkeeping: region nodes live in slabs of frames that the
 * space keeps until teardown.  A call that needs `peak` nodes at once takes
 * new slabs one by one; a slab taken before a failure stays. */
static bool nodes_reserve(struct oracle *o, size_t peak) {
  while (o->region_slabs * o->cfg.region_nodes_per_slab < peak) {
    if (!o->frames_free)
      return false;
    o->frames_free--;
    o->region_slabs++;
  }
  return true;
}

/* ---- pages ---------------------------------------------------------------------- */
static struct oracle_page *find_page(struct oracle *o, uint64_t va) {
  va = round_down(va);
  for (size_t i = 0; i < o->npages; i++)
    if (o->pages[i].va == va)
      return &o->pages[i];
  return NULL;
}

static struct oracle_page *add_page(struct oracle *o, uint64_t va, unsigned prot, bool cache) {
  grow((void **)&o->pages, &o->cap_pages, o->npages + 1, sizeof(*o->pages));
  unsigned char *data = calloc(1, ORACLE_PAGE);
  if (!data)
    abort();
  struct oracle_page *p = &o->pages[o->npages++];
  p->va = va;
  p->prot = prot;
  p->cache = cache;
  p->data = data;
  return p;
}

/* Unmaps one page: a private frame goes back to the pool, a page-cache frame
 * stays with the cache. */
static void drop_page(struct oracle *o, struct oracle_page *p) {
  if (!p->cache)
    o->frames_free++;
  free((void *)p->data);
  *p = o->pages[--o->npages];
}

static void drop_pages_in(struct oracle *o, uint64_t lo, uint64_t hi) {
  for (size_t i = 0; i < o->npages;) {
    if (o->pages[i].va >= lo && o->pages[i].va < hi)
      drop_page(o, &o->pages[i]);
    else
      i++;
  }
}

/* The bytes page va of r must show: file bytes for the first file_length
 * bytes of the region, zeros after. */
static void fill_region_bytes(const struct oracle *o, const struct oracle_region *r, uint64_t va,
                              unsigned char *dst) {
  for (uint64_t i = 0; i < ORACLE_PAGE; i++) {
    uint64_t d = va - r->start + i;
    dst[i] = r->file != ORACLE_NO_FILE && d < r->file_length
                 ? file_byte(o, r->file, r->file_offset + d)
                 : 0;
  }
}

bool oracle_cached(const struct oracle *o, int file, uint64_t offset) {
  for (size_t i = 0; i < o->ncache; i++)
    if (o->cache[i].file == file && o->cache[i].offset == offset)
      return true;
  return false;
}

bool oracle_cache_entry(const struct oracle *o, size_t i, int *file, uint64_t *offset) {
  if (i >= o->ncache)
    return false;
  *file = o->cache[i].file;
  *offset = o->cache[i].offset;
  return true;
}

/* A page-cache miss: one frame for the data and, when the entry pool is full,
 * one for a new slab of entries.  Either missing: nothing is kept. */
static bool cache_fill(struct oracle *o, int file, uint64_t offset) {
  bool slab = o->ncache == o->cache_slabs * o->cfg.cache_entries_per_slab;
  size_t need = 1 + (slab ? 1 : 0);
  if (o->frames_free < need)
    return false;
  o->frames_free -= need;
  if (slab)
    o->cache_slabs++;
  grow((void **)&o->cache, &o->cap_cache, o->ncache + 1, sizeof(*o->cache));
  o->cache[o->ncache].file = file;
  o->cache[o->ncache].offset = offset;
  o->ncache++;
  o->stats.file_pages_read++;
  return true;
}

/* Makes absent page va of r present (the population table of the doc):
 *   - no file bytes in the page: a zeroed private frame, region rights;
 *   - file bytes and the region is read-only and the cache page shows exactly
 *     the region's bytes (shared mapping; or page-aligned file offset and the
 *     file part fills the page or runs to end of file): the cache frame,
 *     without write;
 *   - otherwise a private copy (file bytes, zeros after), region rights.
 * Returns false when out of frames (nothing changed then). */
static bool populate(struct oracle *o, const struct oracle_region *r, uint64_t va,
                     enum fs_populate *kind) {
  uint64_t delta = va - r->start;
  if (r->file == ORACLE_NO_FILE || delta >= r->file_length) {
    if (!o->frames_free)
      return false;
    o->frames_free--;
    add_page(o, va, r->prot, false);
    *kind = FS_POPULATE_ZERO;
    return true;
  }
  uint64_t off = r->file_offset + delta;
  uint64_t left = r->file_length - delta;
  uint64_t bytes = left < ORACLE_PAGE ? left : ORACLE_PAGE;
  bool same_bytes = aligned(off) && ((r->flags & ORACLE_RF_SHARED) || bytes == ORACLE_PAGE ||
                                     off + bytes >= file_size(o, r->file));
  bool warm = aligned(off) && oracle_cached(o, r->file, off);
  if (!(r->prot & FS_PROT_WRITE) && same_bytes) {
    if (!warm && !cache_fill(o, r->file, off))
      return false;
    if (warm)
      o->stats.page_cache_hits++;
    struct oracle_page *p = add_page(o, va, r->prot & ~FS_PROT_WRITE, true);
    /* The cache frame: the file page, zeros past the end of the file. */
    for (uint64_t i = 0; i < ORACLE_PAGE; i++)
      ((unsigned char *)p->data)[i] = file_byte(o, r->file, off + i);
    *kind = warm ? FS_POPULATE_CACHE : FS_POPULATE_FILE;
    return true;
  }
  if (!o->frames_free)
    return false;
  o->frames_free--;
  if (warm)
    o->stats.page_cache_hits++;
  else
    o->stats.file_pages_read++;
  struct oracle_page *p = add_page(o, va, r->prot, false);
  fill_region_bytes(o, r, va, (unsigned char *)p->data);
  *kind = warm ? FS_POPULATE_CACHE : FS_POPULATE_FILE;
  return true;
}

/* Prefaulting (VM_EAGER, MAP_POPULATE): page by page upwards, stopping at the
 * first page that finds no memory (the rest faults in later). */
static void populate_all(struct oracle *o, uint64_t start) {
  for (uint64_t va = start;; va += ORACLE_PAGE) {
    const struct oracle_region *r = find_region(o, start);
    if (!r || va >= r->end)
      return;
    enum fs_populate kind;
    if (!find_page(o, va) && !populate(o, r, va, &kind))
      return;
  }
}

/* ---- region adds ------------------------------------------------------------------ */
/* Like the core's internal add: validation of the type and rights, then the
 * node (before the range is checked), then the range. */
static int add_region(struct oracle *o, enum fs_region_type type, uint64_t start, uint64_t end,
                      unsigned prot, unsigned flags, int file, uint64_t file_offset,
                      uint64_t file_length) {
  if ((prot & ~PROT_ALL) || type == FS_REGION_NONE || type > FS_REGION_GUARD)
    return -ORACLE_EINVAL;
  if (!nodes_reserve(o, o->nregions + 1))
    return -ORACLE_ENOMEM;
  if (start >= end || !aligned(start) || !aligned(end) || end > FS_USER_TOP)
    return -ORACLE_EINVAL;
  if (first_intersecting(o, start, end) >= 0)
    return -ORACLE_EEXIST;
  struct oracle_region r = {start, end,  type, type == FS_REGION_GUARD ? 0 : prot,
                            flags, file, 0,    0};
  if (file != ORACLE_NO_FILE) {
    r.file_offset = file_offset;
    r.file_length = file_length < end - start ? file_length : end - start;
  }
  insert_region(o, &r);
  if ((flags & ORACLE_RF_EAGER) && type != FS_REGION_GUARD)
    populate_all(o, start);
  return 0;
}

int oracle_add_region(struct oracle *o, enum fs_region_type type, uint64_t start, uint64_t end,
                      unsigned prot, unsigned flags, int file, uint64_t file_offset,
                      uint64_t file_length) {
  return add_region(o, type, start, end, prot, flags, file, file_offset, file_length);
}

/* ---- unmapping -------------------------------------------------------------------- */
/* Removes [lo, hi) from every non-guard region (guards stay whole), keeping
 * the parts outside with the matching part of their backing, and frees the
 * pages inside. */
static void unmap_range(struct oracle *o, uint64_t lo, uint64_t hi) {
  for (size_t i = 0; i < o->nregions;) {
    struct oracle_region r = o->regions[i];
    if (r.type == FS_REGION_GUARD || r.end <= lo || r.start >= hi) {
      i++;
      continue;
    }
    remove_region_at(o, i);
    drop_pages_in(o, lo > r.start ? lo : r.start, hi < r.end ? hi : r.end);
    if (r.start < lo) {
      struct oracle_region low = r;
      low.end = lo;
      if (low.file_length > lo - r.start)
        low.file_length = lo - r.start;
      insert_region(o, &low);
    }
    if (r.end > hi) {
      struct oracle_region up = r;
      uint64_t cut = hi - r.start;
      up.start = hi;
      if (r.file != ORACLE_NO_FILE) {
        up.file_offset = r.file_offset + cut;
        up.file_length = r.file_length > cut ? r.file_length - cut : 0;
      }
      insert_region(o, &up);
    }
    i = 0; /* the array changed: rescan (it is small) */
  }
}

/* Cuts regions so that addr is a boundary (guards are never cut). */
static void cut_at(struct oracle *o, uint64_t addr) {
  struct oracle_region *r = find_region(o, addr);
  if (!r || r->start == addr || r->type == FS_REGION_GUARD)
    return;
  struct oracle_region up = *r;
  uint64_t cut = addr - r->start;
  r->end = addr;
  up.start = addr;
  if (up.file != ORACLE_NO_FILE) {
    up.file_offset = r->file_offset + cut;
    up.file_length = r->file_length > cut ? r->file_length - cut : 0;
    if (r->file_length > cut)
      r->file_length = cut;
  }
  insert_region(o, &up);
}

int oracle_munmap(struct oracle *o, uint64_t addr, uint64_t len) {
  uint64_t rlen;
  if (!aligned(addr) || !len || !round_up(len, &rlen) || !range_ok(addr, rlen))
    return -ORACLE_EINVAL;
  if (first_intersecting(o, addr, addr + rlen) < 0)
    return 0;
  if (!nodes_reserve(o, o->nregions + 2)) /* room for cutting both ends */
    return -ORACLE_ENOMEM;
  unmap_range(o, addr, addr + rlen);
  return 0;
}

/* ---- mprotect ---------------------------------------------------------------------- */
/* True when [lo, hi) is covered by non-guard regions without a hole. */
static bool fully_mapped(struct oracle *o, uint64_t lo, uint64_t hi) {
  for (uint64_t at = lo; at < hi;) {
    const struct oracle_region *r = find_region(o, at);
    if (!r || r->type == FS_REGION_GUARD)
      return false;
    at = r->end;
  }
  return true;
}

int oracle_mprotect(struct oracle *o, uint64_t addr, uint64_t len, unsigned prot) {
  if (!aligned(addr) || (prot & ~PROT_ALL))
    return -ORACLE_EINVAL;
  if (!len)
    return 0;
  uint64_t rlen;
  if (!round_up(len, &rlen) || !range_ok(addr, rlen))
    return -ORACLE_ENOMEM;
  uint64_t hi = addr + rlen;
  if (!fully_mapped(o, addr, hi))
    return -ORACLE_ENOMEM;
  for (size_t i = 0; i < o->nregions; i++) {
    const struct oracle_region *r = &o->regions[i];
    if (r->start < hi && r->end > addr && (r->flags & ORACLE_RF_SHARED) &&
        r->file != ORACLE_NO_FILE && (prot & FS_PROT_WRITE))
      return -ORACLE_EACCES; /* backing files are read-only */
  }
  if (!nodes_reserve(o, o->nregions + 2))
    return -ORACLE_ENOMEM;
  cut_at(o, addr);
  cut_at(o, hi);
  for (size_t i = 0; i < o->nregions; i++)
    if (o->regions[i].start >= addr && o->regions[i].end <= hi)
      o->regions[i].prot = prot;
  /* Present entries change at once; a page-cache frame never gets write. */
  for (size_t i = 0; i < o->npages; i++) {
    struct oracle_page *p = &o->pages[i];
    if (p->va >= addr && p->va < hi)
      p->prot = p->cache ? prot & ~FS_PROT_WRITE : prot;
  }
  return 0;
}

/* ---- mmap ----------------------------------------------------------------------------- */
static int mmap_check(const struct oracle *o, uint64_t addr, uint64_t len, unsigned prot,
                      unsigned flags, int file, uint64_t offset) {
  unsigned type = flags & ORACLE_MAP_TYPE_MASK;
  if (!len || (prot & ~PROT_ALL) || !aligned(offset))
    return -ORACLE_EINVAL;
  if (type != ORACLE_MAP_PRIVATE && type != ORACLE_MAP_SHARED && type != ORACLE_MAP_SHARED_VALIDATE)
    return -ORACLE_EINVAL;
  if (type == ORACLE_MAP_SHARED_VALIDATE) {
    const unsigned known = ORACLE_MAP_TYPE_MASK | ORACLE_MAP_FIXED | ORACLE_MAP_ANONYMOUS |
                           ORACLE_MAP_GROWSDOWN | ORACLE_MAP_DENYWRITE | ORACLE_MAP_EXECUTABLE |
                           ORACLE_MAP_LOCKED | ORACLE_MAP_NORESERVE | ORACLE_MAP_POPULATE |
                           ORACLE_MAP_NONBLOCK | ORACLE_MAP_STACK | ORACLE_MAP_FIXED_NOREPLACE;
    if (flags & ~known)
      return -ORACLE_EOPNOTSUPP;
  }
  if (flags & ORACLE_MAP_HUGETLB)
    return -ORACLE_EINVAL;
  if ((flags & (ORACLE_MAP_FIXED | ORACLE_MAP_FIXED_NOREPLACE)) && !aligned(addr))
    return -ORACLE_EINVAL;
  uint64_t rlen;
  if (!round_up(len, &rlen) || rlen > FS_USER_TOP)
    return -ORACLE_ENOMEM;
  if (!(flags & ORACLE_MAP_ANONYMOUS)) {
    if (file == ORACLE_NO_FILE || (size_t)file >= o->nfiles)
      return -ORACLE_EBADF;
    if (offset + rlen < offset)
      return -ORACLE_EOVERFLOW;
    if (type != ORACLE_MAP_PRIVATE && (prot & FS_PROT_WRITE))
      return -ORACLE_EACCES;
  }
  return 0;
}

static bool range_free(const struct oracle *o, uint64_t lo, uint64_t len) {
  return lo >= ORACLE_USER_MIN && range_ok(lo, len) && first_intersecting(o, lo, lo + len) < 0;
}

/* Top-down first fit: the highest free [a, a + len) inside [floor, base).
 * The top of the best range is the top of a gap: base or a region's start. */
static bool find_gap(const struct oracle *o, uint64_t len, uint64_t *out) {
  uint64_t floor = o->mmap_floor > ORACLE_USER_MIN ? o->mmap_floor : ORACLE_USER_MIN;
  bool found = false;
  uint64_t best = 0;
  for (size_t i = 0; i <= o->nregions; i++) {
    uint64_t top = i < o->nregions ? o->regions[i].start : o->mmap_base;
    if (top > o->mmap_base || top < floor || top - floor < len)
      continue;
    uint64_t a = top - len;
    if (first_intersecting(o, a, top) < 0 && (!found || a > best)) {
      best = a;
      found = true;
    }
  }
  *out = best;
  return found;
}

int oracle_mmap(struct oracle *o, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
                int file, uint64_t offset, uint64_t *result) {
  int err = mmap_check(o, addr, len, prot, flags, file, offset);
  if (err)
    return err;
  uint64_t rlen;
  round_up(len, &rlen);
  bool fixed = flags & (ORACLE_MAP_FIXED | ORACLE_MAP_FIXED_NOREPLACE);
  bool anonymous = flags & ORACLE_MAP_ANONYMOUS;
  bool shared = (flags & ORACLE_MAP_TYPE_MASK) != ORACLE_MAP_PRIVATE;
  uint64_t at;
  bool replaces = false;
  if (fixed) {
    at = addr;
    if (!range_ok(at, rlen))
      return -ORACLE_ENOMEM;
    if (at < ORACLE_USER_MIN)
      return -ORACLE_EPERM;
    long first = first_intersecting(o, at, at + rlen);
    if (first >= 0) {
      /* The lowest region decides between "guard" and "exists"; any guard
       * further up still refuses a replacing MAP_FIXED. */
      if (o->regions[first].type == FS_REGION_GUARD)
        return -ORACLE_ENOMEM;
      if (flags & ORACLE_MAP_FIXED_NOREPLACE)
        return -ORACLE_EEXIST;
      for (size_t i = 0; i < o->nregions; i++)
        if (o->regions[i].start < at + rlen && o->regions[i].end > at &&
            o->regions[i].type == FS_REGION_GUARD)
          return -ORACLE_ENOMEM;
      replaces = true;
    }
  } else {
    uint64_t up;
    bool hint_ok = addr && round_up(addr, &up) && range_free(o, up, rlen);
    if (hint_ok)
      at = up;
    else if (!find_gap(o, rlen, &at))
      return -ORACLE_ENOMEM;
  }
  /* The new node, plus two for cutting the ends of what it replaces. */
  if (!nodes_reserve(o, o->nregions + 1 + (replaces ? 2 : 0)))
    return -ORACLE_ENOMEM;
  if (replaces)
    unmap_range(o, at, at + rlen);
  struct oracle_region r = {at, at + rlen, FS_REGION_MMAP_ANON, prot, 0, ORACLE_NO_FILE, 0, 0};
  if (flags & ORACLE_MAP_GROWSDOWN)
    r.flags |= ORACLE_RF_GROWS_DOWN;
  if (!anonymous) {
    uint64_t size = file_size(o, file);
    r.type = FS_REGION_MMAP_FILE;
    r.file = file;
    r.file_offset = offset;
    r.file_length = offset >= size ? 0 : (size - offset < rlen ? size - offset : rlen);
    if (shared)
      r.flags |= ORACLE_RF_SHARED;
  }
  /* Shared anonymous memory is private memory: there is no fork. */
  insert_region(o, &r);
  if (flags & ORACLE_MAP_POPULATE)
    populate_all(o, at);
  *result = at;
  return 0;
}

/* ---- brk ---------------------------------------------------------------------------- */
/* Linux rules: a break outside [brk_start, brk_limit] is refused; growing
 * needs the new pages to be free and extends the anonymous heap region that
 * ends at the old break (whatever its rights now) or adds a new rw- one;
 * shrinking unmaps [new end, old end) like munmap.  Refusal keeps the old
 * break, which is returned. */
uint64_t oracle_brk(struct oracle *o, uint64_t new_brk) {
  uint64_t old_end = 0, new_end = 0;
  round_up(o->brk_current, &old_end);
  bool ok = new_brk >= o->brk_start && new_brk <= o->brk_limit && round_up(new_brk, &new_end);
  if (ok && new_end > old_end) {
    if (first_intersecting(o, old_end, new_end) >= 0) {
      ok = false;
    } else {
      struct oracle_region *last = old_end > o->brk_start ? find_region(o, old_end - 1) : NULL;
      if (last && last->type == FS_REGION_HEAP && last->end == old_end &&
          last->file == ORACLE_NO_FILE)
        last->end = new_end;
      else
        ok = add_region(o, FS_REGION_HEAP, old_end, new_end, FS_PROT_READ | FS_PROT_WRITE,
                        ORACLE_RF_GROWS_UP, ORACLE_NO_FILE, 0, 0) == 0;
    }
  } else if (ok && new_end < old_end && first_intersecting(o, new_end, old_end) >= 0) {
    ok = nodes_reserve(o, o->nregions + 2);
    if (ok)
      unmap_range(o, new_end, old_end);
  }
  if (ok)
    o->brk_current = new_brk;
  return o->brk_current;
}

/* ---- exec layout ---------------------------------------------------------------------- */
static int add_segment(struct oracle *o, int file, const struct oracle_segment *s,
                       uint64_t *image_end) {
  if (s->filesz > s->memsz || !s->memsz || s->vaddr < ORACLE_USER_MIN ||
      s->vaddr + s->memsz < s->vaddr || s->vaddr + s->memsz > FS_USER_TOP ||
      (s->vaddr & (ORACLE_PAGE - 1)) != (s->file_offset & (ORACLE_PAGE - 1)))
    return -ORACLE_EINVAL;
  if (s->filesz && (file == ORACLE_NO_FILE || s->file_offset + s->filesz < s->file_offset ||
                    s->file_offset + s->filesz > file_size(o, file)))
    return -ORACLE_EINVAL;
  unsigned prot = s->prot & PROT_ALL;
  uint64_t start = round_down(s->vaddr), file_end = 0, mem_end = 0;
  round_up(s->vaddr + s->filesz, &file_end);
  round_up(s->vaddr + s->memsz, &mem_end);
  uint64_t lead = s->vaddr - start;
  int err = 0;
  if (s->filesz) {
    enum fs_region_type type = prot & FS_PROT_EXEC ? FS_REGION_TEXT : FS_REGION_DATA;
    err = add_region(o, type, start, file_end, prot, 0, file, s->file_offset - lead,
                     lead + s->filesz);
    start = file_end;
  }
  if (!err && mem_end > start)
    err = add_region(o, FS_REGION_BSS, start, mem_end, prot, 0, ORACLE_NO_FILE, 0, 0);
  if (mem_end > *image_end)
    *image_end = mem_end;
  return err == -ORACLE_EEXIST ? -ORACLE_EINVAL : err;
}

int oracle_layout_exec(struct oracle *o, int file, const struct oracle_segment *segs, size_t n,
                       uint64_t stack_max, uint64_t stack_guard_pages) {
  uint64_t image_end = 0;
  for (size_t i = 0; i < n; i++) {
    int err = add_segment(o, file, &segs[i], &image_end);
    if (err)
      return err;
  }
  uint64_t smax = ORACLE_STACK_MAX_DEFAULT;
  if (stack_max && !round_up(stack_max, &smax))
    return -ORACLE_EINVAL;
  if (stack_guard_pages > (1ULL << 30) || smax > (1ULL << 40))
    return -ORACLE_EINVAL;
  uint64_t guard = stack_guard_pages * ORACLE_PAGE;
  uint64_t stack_bottom = ORACLE_STACK_TOP - smax;
  uint64_t stack_guard_lo = stack_bottom - guard;
  o->mmap_base = stack_guard_lo - ORACLE_MMAP_GUARD;
  o->brk_start = o->brk_current = image_end ? image_end : ORACLE_USER_MIN;
  o->brk_limit = o->brk_start + ORACLE_HEAP_MAX;
  if (o->brk_limit + ORACLE_HEAP_GUARD > o->mmap_base)
    return -ORACLE_EINVAL;
  o->mmap_floor = o->brk_limit + ORACLE_HEAP_GUARD;
  int err = add_region(o, FS_REGION_STACK, stack_bottom, ORACLE_STACK_TOP,
                       FS_PROT_READ | FS_PROT_WRITE, ORACLE_RF_GROWS_DOWN, ORACLE_NO_FILE, 0, 0);
  if (!err && guard)
    err = add_region(o, FS_REGION_GUARD, stack_guard_lo, stack_bottom, 0, 0, ORACLE_NO_FILE, 0, 0);
  if (!err)
    err = add_region(o, FS_REGION_GUARD, o->mmap_base, stack_guard_lo, 0, 0, ORACLE_NO_FILE, 0, 0);
  if (!err)
    err = add_region(o, FS_REGION_GUARD, o->brk_limit, o->mmap_floor, 0, 0, ORACLE_NO_FILE, 0, 0);
  return err;
}

/* ---- faults ----------------------------------------------------------------------------- */
static enum fs_decision decide(struct oracle *o, uint64_t addr, uint32_t ec, uint64_t rip,
                               struct oracle_fault *res) {
  if (addr >= FS_USER_TOP)
    return FS_DECISION_INVALID;
  /* The same (rip, addr) right after a lazy/spurious fault, a fifth time in a
   * row: the retry cannot work, kill instead of looping. */
  if (o->loop_armed && o->loop_rip == rip && o->loop_addr == addr)
    o->loop_repeats++;
  else
    o->loop_repeats = 0;
  o->loop_rip = rip;
  o->loop_addr = addr;
  if (o->loop_repeats > ORACLE_LOOP_LIMIT) {
    o->loop_repeats = 0;
    res->fault_loop = true;
    return FS_DECISION_PROTECTION;
  }
  if (ec & FS_PF_RSVD)
    return FS_DECISION_PROTECTION;
  struct oracle_region *r = find_region(o, addr);
  if (!r)
    return FS_DECISION_INVALID;
  res->region_type = r->type;
  if (r->type == FS_REGION_GUARD) {
    /* A stack's guard: a grows-down region starts right where it ends. */
    const struct oracle_region *above = find_region(o, r->end);
    res->stack_overflow = above && (above->flags & ORACLE_RF_GROWS_DOWN);
    return FS_DECISION_GUARD;
  }
  unsigned access = (ec & FS_PF_I) ? FS_PROT_EXEC : (ec & FS_PF_W) ? FS_PROT_WRITE : FS_PROT_READ;
  if (!allows(r->prot, access))
    return FS_DECISION_PROTECTION;
  struct oracle_page *p = find_page(o, addr);
  if (p) {
    if (allows(p->prot, access))
      return FS_DECISION_SPURIOUS;
    unsigned want = p->cache ? r->prot & ~FS_PROT_WRITE : r->prot;
    if (access == FS_PROT_WRITE && !(want & FS_PROT_WRITE)) {
      /* Writing a page-cache page of a (now) writable private region: copy
       * it into a private frame; the cache keeps the original. */
      if (!o->frames_free)
        return FS_DECISION_OOM;
      o->frames_free--;
      p->cache = false;
      p->prot = r->prot;
      o->stats.page_cache_hits++;
      res->populate = FS_POPULATE_CACHE;
      return FS_DECISION_LAZY;
    }
    p->prot = want; /* the entry lagged behind the region */
    return FS_DECISION_SPURIOUS;
  }
  enum fs_populate kind;
  if (!populate(o, r, round_down(addr), &kind))
    return FS_DECISION_OOM;
  res->populate = kind;
  return FS_DECISION_LAZY;
}

static void count(struct oracle *o, const struct oracle_fault *res) {
  switch (res->decision) {
  case FS_DECISION_LAZY:
    o->stats.lazy_by_type[res->region_type]++;
    break;
  case FS_DECISION_SPURIOUS:
    o->stats.spurious++;
    break;
  case FS_DECISION_GUARD:
    o->stats.guard_hits++;
    break;
  case FS_DECISION_PROTECTION:
    o->stats.protection_violations++;
    break;
  case FS_DECISION_INVALID:
    o->stats.invalid_addresses++;
    break;
  case FS_DECISION_OOM:
    o->stats.oom_kills++;
    break;
  default:
    break;
  }
}

enum fs_decision oracle_fault(struct oracle *o, uint64_t addr, uint32_t error_code, uint64_t rip,
                              struct oracle_fault *out) {
  struct oracle_fault res = {FS_DECISION_INVALID, FS_REGION_NONE, FS_POPULATE_NONE, false, false};
  o->stats.faults_total++;
  if (!(error_code & FS_PF_U) && addr < FS_USER_TOP)
    o->stats.kernel_mode_faults++;
  res.decision = decide(o, addr, error_code, rip, &res);
  o->loop_armed = res.decision == FS_DECISION_LAZY || res.decision == FS_DECISION_SPURIOUS;
  count(o, &res);
  if (out)
    *out = res;
  return res.decision;
}

int oracle_user_page(struct oracle *o, uint64_t addr, bool write) {
  unsigned access = write ? FS_PROT_WRITE : FS_PROT_READ;
  const struct oracle_page *p = addr < FS_USER_TOP ? find_page(o, addr) : NULL;
  if (p && allows(p->prot, access))
    return 0; /* no fault at all */
  enum fs_decision d = oracle_fault(o, addr, write ? FS_PF_W : 0, 0, NULL);
  o->loop_armed = false; /* the kernel does not re-execute an instruction */
  if (d == FS_DECISION_LAZY || d == FS_DECISION_SPURIOUS)
    return 0;
  return d == FS_DECISION_OOM ? -ORACLE_ENOMEM : -ORACLE_EFAULT;
}

bool oracle_store(struct oracle *o, uint64_t addr, uint8_t value) {
  struct oracle_page *p = addr < FS_USER_TOP ? find_page(o, addr) : NULL;
  if (!p || !(p->prot & FS_PROT_WRITE))
    return false;
  ((unsigned char *)p->data)[addr & (ORACLE_PAGE - 1)] = value;
  return true;
}

/* ---- ballast ------------------------------------------------------------------------------ */
size_t oracle_frames_take(struct oracle *o, size_t n) {
  size_t got = n < o->frames_free ? n : o->frames_free;
  o->frames_free -= got;
  return got;
}

void oracle_frames_give(struct oracle *o, size_t n) {
  o->frames_free += n;
}

/* ---- state ---------------------------------------------------------------------------------- */
size_t oracle_region_count(const struct oracle *o) {
  return o->nregions;
}

const struct oracle_region *oracle_region_at(const struct oracle *o, size_t i) {
  return i < o->nregions ? &o->regions[i] : NULL;
}

const struct oracle_region *oracle_region_find(const struct oracle *o, uint64_t addr) {
  return find_region((struct oracle *)o, addr);
}

size_t oracle_page_count(const struct oracle *o) {
  return o->npages;
}

const struct oracle_page *oracle_page_at(const struct oracle *o, size_t i) {
  return i < o->npages ? &o->pages[i] : NULL;
}

const struct oracle_page *oracle_page_find(const struct oracle *o, uint64_t va) {
  return find_page((struct oracle *)o, va);
}

void oracle_get_state(const struct oracle *o, struct oracle_state *out) {
  out->frames_free = o->frames_free;
  out->region_slabs = o->region_slabs;
  out->cache_pages = o->ncache;
  out->cache_slabs = o->cache_slabs;
  out->brk_start = o->brk_start;
  out->brk_current = o->brk_current;
  out->brk_limit = o->brk_limit;
  out->mmap_base = o->mmap_base;
  out->mmap_floor = o->mmap_floor;
  out->stats = o->stats;
}
