/*
 * Host implementation of mm_env (frames, page tables, backing files) and of
 * klog/kpanic, for host builds of kernel/mm.  Misuse of a frame (get/put of a
 * free frame, an out-of-pool address) aborts: in tests a bug must be loud.
 */
#include "host_env.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kernel/errno.h>
#include <kernel/log.h>

/* ---- frame pool ---------------------------------------------------------- */
static struct {
  unsigned char *bytes;
  unsigned *refs;
  size_t *free_stack; /* indices; the top is allocated next */
  size_t total;
  size_t free;
  uint64_t allocs;
  uint64_t failures;
  uint64_t fail_at;    /* absolute attempt number, 0: off */
  uint64_t fail_every; /* 0: off */
  uint64_t every_base; /* attempts before fail_every was set */
} pool;

static _Noreturn void host_die(const char *what, paddr_t pa) {
  fprintf(stderr, "host_env: %s (pa=0x%llx)\n", what, (unsigned long long)pa);
  abort();
}

void host_frames_fini(void) {
  free(pool.bytes);
  free(pool.refs);
  free(pool.free_stack);
  memset(&pool, 0, sizeof(pool));
}

bool host_frames_init(size_t frames) {
  host_frames_fini();
  pool.bytes = malloc(frames * PAGE_SIZE);
  pool.refs = calloc(frames, sizeof(*pool.refs));
  pool.free_stack = malloc(frames * sizeof(*pool.free_stack));
  if (!pool.bytes || !pool.refs || !pool.free_stack) {
    host_frames_fini();
    return false;
  }
  pool.total = pool.free = frames;
  /* Lowest frame on top: allocation order is simply ascending at first. */
  for (size_t i = 0; i < frames; i++)
    pool.free_stack[i] = frames - 1 - i;
  memset(pool.bytes, 0xa5, frames * PAGE_SIZE); /* never zero by accident */
  return true;
}

size_t host_frames_total(void) {
  return pool.total;
}
size_t host_frames_free(void) {
  return pool.free;
}
uint64_t host_frame_allocs(void) {
  return pool.allocs;
}
uint64_t host_frame_alloc_failures(void) {
  return pool.failures;
}

void host_frames_fail_nth(uint64_t nth) {
  pool.fail_at = nth ? pool.allocs + nth : 0;
}

void host_frames_fail_every(uint64_t k) {
  pool.fail_every = k;
  pool.every_base = pool.allocs;
}

/* A page-aligned address of a frame of the pool. */
static bool in_pool(paddr_t pa) {
  return pa >= HOST_FRAME_BASE && !(pa & (PAGE_SIZE - 1)) &&
         (pa - HOST_FRAME_BASE) / PAGE_SIZE < pool.total;
}

static size_t index_of(paddr_t pa) {
  if (!in_pool(pa))
    host_die("address outside the frame pool", pa);
  return (size_t)((pa - HOST_FRAME_BASE) / PAGE_SIZE);
}

bool host_frame_valid(paddr_t pa) {
  return in_pool(pa) && pool.refs[index_of(pa)] > 0;
}

paddr_t frame_alloc(void) {
  uint64_t attempt = ++pool.allocs;
  bool injected = (pool.fail_at && attempt == pool.fail_at) ||
                  (pool.fail_every && (attempt - pool.every_base) % pool.fail_every == 0);
  if (injected || pool.free == 0) {
    pool.failures++;
    return 0;
  }
  size_t i = pool.free_stack[--pool.free];
  pool.refs[i] = 1;
  return HOST_FRAME_BASE + (paddr_t)i * PAGE_SIZE;
}

void frame_get(paddr_t pa) {
  size_t i = index_of(pa);
  if (!pool.refs[i])
    host_die("frame_get on a free frame", pa);
  pool.refs[i]++;
}

void frame_put(paddr_t pa) {
  size_t i = index_of(pa);
  if (!pool.refs[i])
    host_die("frame_put on a free frame", pa);
  if (--pool.refs[i] == 0) {
    memset(pool.bytes + i * PAGE_SIZE, 0xa5, PAGE_SIZE); /* stale data shows */
    pool.free_stack[pool.free++] = i;
  }
}

unsigned frame_refcount(paddr_t pa) {
  return pool.refs[index_of(pa)];
}

void *frame_ptr(paddr_t pa) {
  size_t i = index_of(pa);
  if (!pool.refs[i])
    host_die("frame_ptr on a free frame", pa);
  return pool.bytes + i * PAGE_SIZE;
}

void frame_zero(paddr_t pa) {
  memset(frame_ptr(pa), 0, PAGE_SIZE);
}

/* ---- software page tables: open addressing, linear probing --------------- */
struct pt_entry {
  vaddr_t va; /* page address + 1 when used (0: empty slot) */
  paddr_t pa;
  unsigned prot;
};

struct pt_space {
  struct pt_entry *slots;
  size_t capacity; /* power of two */
  size_t used;
};

static uint64_t pt_fail_at, pt_maps;

void host_pt_fail_map_nth(uint64_t nth) {
  pt_fail_at = nth ? pt_maps + nth : 0;
}

static size_t slot_of(const struct pt_space *pt, vaddr_t va) {
  uint64_t h = (va / PAGE_SIZE) * 0x9e3779b97f4a7c15ULL;
  return (size_t)(h >> 20) & (pt->capacity - 1);
}

static struct pt_entry *find_slot(const struct pt_space *pt, vaddr_t va) {
  for (size_t i = slot_of(pt, va);; i = (i + 1) & (pt->capacity - 1)) {
    struct pt_entry *e = &pt->slots[i];
    if (!e->va || e->va == va + 1)
      return e;
  }
}

struct pt_space *host_pt_create(void) {
  struct pt_space *pt = calloc(1, sizeof(*pt));
  if (!pt)
    return NULL;
  pt->capacity = 64;
  pt->slots = calloc(pt->capacity, sizeof(*pt->slots));
  if (!pt->slots) {
    free(pt);
    return NULL;
  }
  return pt;
}

void host_pt_destroy(struct pt_space *pt) {
  if (pt) {
    free(pt->slots);
    free(pt);
  }
}

size_t host_pt_count(const struct pt_space *pt) {
  return pt->used;
}

void host_pt_for_each(const struct pt_space *pt,
                      void (*fn)(void *ctx, vaddr_t va, paddr_t pa, unsigned prot), void *ctx) {
  for (size_t i = 0; i < pt->capacity; i++)
    if (pt->slots[i].va)
      fn(ctx, pt->slots[i].va - 1, pt->slots[i].pa, pt->slots[i].prot);
}

static bool grow(struct pt_space *pt) {
  struct pt_space bigger = {calloc(pt->capacity * 2, sizeof(struct pt_entry)), pt->capacity * 2, 0};
  if (!bigger.slots)
    return false;
  for (size_t i = 0; i < pt->capacity; i++) {
    if (pt->slots[i].va) {
      *find_slot(&bigger, pt->slots[i].va - 1) = pt->slots[i];
      bigger.used++;
    }
  }
  free(pt->slots);
  *pt = bigger;
  return true;
}

int pt_map(struct pt_space *pt, vaddr_t va, paddr_t pa, unsigned prot) {
  uint64_t attempt = ++pt_maps;
  if ((pt_fail_at && attempt == pt_fail_at) || (va & (PAGE_SIZE - 1)))
    return -ENOMEM;
  if ((pt->used + 1) * 2 > pt->capacity && !grow(pt))
    return -ENOMEM;
  struct pt_entry *e = find_slot(pt, va);
  if (!e->va)
    pt->used++;
  e->va = va + 1;
  e->pa = pa;
  e->prot = prot;
  return 0;
}

bool pt_lookup(struct pt_space *pt, vaddr_t va, paddr_t *pa, unsigned *prot) {
  struct pt_entry *e = find_slot(pt, PAGE_ROUND_DOWN(va));
  if (!e->va)
    return false;
  *pa = e->pa;
  *prot = e->prot;
  return true;
}

void pt_unmap(struct pt_space *pt, vaddr_t va) {
  struct pt_entry *hole = find_slot(pt, PAGE_ROUND_DOWN(va));
  if (!hole->va)
    return;
  hole->va = 0;
  pt->used--;
  /* Backward-shift deletion: pull later members of the probe run into the
   * hole so that lookups never stop early at it. */
  size_t mask = pt->capacity - 1, h = (size_t)(hole - pt->slots);
  for (size_t i = (h + 1) & mask; pt->slots[i].va; i = (i + 1) & mask) {
    size_t home = slot_of(pt, pt->slots[i].va - 1);
    bool movable = ((i - home) & mask) >= ((i - h) & mask);
    if (movable) {
      pt->slots[h] = pt->slots[i];
      pt->slots[i].va = 0;
      h = i;
    }
  }
}

void pt_protect(struct pt_space *pt, vaddr_t va, unsigned prot) {
  struct pt_entry *e = find_slot(pt, PAGE_ROUND_DOWN(va));
  if (e->va)
    e->prot = prot;
}

static int compare_va(const void *a, const void *b) {
  vaddr_t x = *(const vaddr_t *)a, y = *(const vaddr_t *)b;
  return x < y ? -1 : x > y;
}

/* A hash table has no order: probe page by page when the range is no larger
 * than the table, otherwise pick the range's entries out of the table once. */
void pt_for_each_mapped(struct pt_space *pt, vaddr_t lo, vaddr_t hi, pt_visit_fn fn, void *ctx) {
  lo = PAGE_ROUND_DOWN(lo);
  if (hi <= lo)
    return;
  if ((hi - lo) / PAGE_SIZE <= pt->capacity) {
    for (vaddr_t va = lo; va < hi; va += PAGE_SIZE) {
      struct pt_entry *e = find_slot(pt, va);
      if (e->va)
        fn(ctx, va, e->pa);
    }
    return;
  }
  vaddr_t *found = malloc((pt->used ? pt->used : 1) * sizeof(*found));
  if (!found)
    host_die("pt_for_each_mapped: out of host memory", 0);
  size_t n = 0;
  for (size_t i = 0; i < pt->capacity; i++) {
    vaddr_t va = pt->slots[i].va - 1;
    if (pt->slots[i].va && va >= lo && va < hi)
      found[n++] = va;
  }
  qsort(found, n, sizeof(*found), compare_va);
  /* Looked up again: fn may have moved entries by unmapping earlier ones. */
  for (size_t i = 0; i < n; i++) {
    struct pt_entry *e = find_slot(pt, found[i]);
    if (e->va)
      fn(ctx, found[i], e->pa);
  }
  free(found);
}

/* ---- files ----------------------------------------------------------------- */
struct vfs_file {
  unsigned char *data;
  size_t size;
  uint64_t reads;
};

struct vfs_file *host_file_create(const void *data, size_t size) {
  struct vfs_file *f = calloc(1, sizeof(*f));
  if (!f)
    return NULL;
  f->data = malloc(size ? size : 1);
  if (!f->data) {
    free(f);
    return NULL;
  }
  if (size)
    memcpy(f->data, data, size);
  f->size = size;
  return f;
}

void host_file_destroy(struct vfs_file *f) {
  if (f) {
    free(f->data);
    free(f);
  }
}

uint64_t host_file_reads(const struct vfs_file *f) {
  return f->reads;
}

uint64_t vfs_file_size(const struct vfs_file *f) {
  return f->size;
}

size_t vfs_file_read(const struct vfs_file *f, uint64_t off, void *dst, size_t len) {
  ((struct vfs_file *)f)->reads++;
  if (off >= f->size)
    return 0;
  size_t n = f->size - off < len ? (size_t)(f->size - off) : len;
  memcpy(dst, f->data + off, n);
  return n;
}

/* ---- log ------------------------------------------------------------------- */
int klog_level = FS_LOG_WARN;
static bool log_echo;
static char log_last[512];
static unsigned long log_lines;

void host_log_echo(bool on) {
  log_echo = on;
}
const char *host_log_last(void) {
  return log_last;
}
unsigned long host_log_lines(void) {
  return log_lines;
}

void host_log_reset(void) {
  log_last[0] = '\0';
  log_lines = 0;
}

void klog_write(int level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(log_last, sizeof(log_last), fmt, ap);
  va_end(ap);
  log_lines++;
  if (log_echo)
    fprintf(stderr, "[%d] %s\n", level, log_last);
}

_Noreturn void kpanic(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("kpanic: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  abort();
}
