/*
 * Fuzz target: region layouts and the operations on them, run in lock step
 * against the host build of the page-fault core (fs_mmcore) and the
 * independent oracle (tests/oracle), compared after every operation.
 *
 * Input format (every read past the end yields 0, so any byte string is a
 * valid input):
 *   header   pool size, backing files, an optional exec layout, then up to 11
 *            vm_space_add_region attempts (random types, rights, flags,
 *            sizes, adjacency, guard gaps, overlaps, misalignment, file
 *            backings with random offsets and lengths);
 *   ops      until the input ends (at most FUZZ_MAX_OPS): accesses (read,
 *            write, exec; user or kernel; present bit from the oracle's page
 *            model, sometimes wrong on purpose; sometimes the reserved bit),
 *            repeats of the last access (fault loops), kernel user-page
 *            accesses, mmap, munmap, mprotect, brk, and ballast frames taken
 *            from or given back to the pool (so OOM happens anywhere).
 * A write that succeeds is followed by the store the CPU would retry, so a
 * private mapping writing through to the page cache shows up later.
 *
 * Checked after every operation (any difference aborts with a message):
 * decisions and call results, the region set (order, no overlap, every
 * field), every page-table entry (rights, bytes, page-cache frame or private
 * frame), the frame pool (every allocated frame's references attributed to
 * a mapping, the page cache, a bookkeeping slab or the ballast; the free
 * count equal to the model's), brk/mmap state and the fault counters.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_layout.h"
#include "host_env.h"
#include "oracle.h"
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/page_cache.h>
#include <kernel/vm_fault.h>
#include <kernel/vm_map.h>
#include <kernel/vm_space.h>

/* The oracle restates these numbers; a drift would make every run fail. */
_Static_assert(ORACLE_EINVAL == EINVAL && ORACLE_ENOMEM == ENOMEM && ORACLE_EEXIST == EEXIST &&
                   ORACLE_EPERM == EPERM && ORACLE_EBADF == EBADF && ORACLE_EACCES == EACCES &&
                   ORACLE_EOVERFLOW == EOVERFLOW && ORACLE_EFAULT == EFAULT &&
                   ORACLE_EOPNOTSUPP == VM_EOPNOTSUPP,
               "errno values");
_Static_assert(ORACLE_MAP_FIXED == VM_MAP_FIXED && ORACLE_MAP_ANONYMOUS == VM_MAP_ANONYMOUS &&
                   ORACLE_MAP_POPULATE == VM_MAP_POPULATE &&
                   ORACLE_MAP_FIXED_NOREPLACE == VM_MAP_FIXED_NOREPLACE &&
                   ORACLE_MAP_GROWSDOWN == VM_MAP_GROWSDOWN && ORACLE_MAP_HUGETLB == VM_MAP_HUGETLB,
               "mmap flags");
_Static_assert(ORACLE_USER_MIN == VM_USER_MIN && ORACLE_STACK_TOP == VM_STACK_TOP &&
                   ORACLE_MMAP_BASE_DEFAULT == VM_MMAP_BASE_DEFAULT &&
                   ORACLE_HEAP_MAX == VM_HEAP_MAX_SIZE && ORACLE_LOOP_LIMIT == VM_FAULT_LOOP_LIMIT,
               "layout constants");

#define FUZZ_MAX_OPS    96
#define FUZZ_MAX_FILES  3
#define ARENA           0x10000000ULL /* raw regions live here, 256 pages */
#define SLAB_HEADER     16u           /* vm_node_pool: documented 16-byte slab header */
#define CACHE_ENTRY_SZ  32u           /* page_cache.c: next, file, offset, frame */
#define MAX_POOL_FRAMES 128

/* ---- input decoding ----------------------------------------------------------- */
struct input {
  const uint8_t *p;
  size_t n, i;
};

static uint8_t u8(struct input *in) {
  return in->i < in->n ? in->p[in->i++] : 0;
}
static uint16_t u16(struct input *in) {
  uint16_t lo = u8(in);
  return (uint16_t)(lo | (uint16_t)u8(in) << 8);
}
static uint64_t u64(struct input *in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v |= (uint64_t)u8(in) << (8 * i);
  return v;
}

/* ---- one run's state ------------------------------------------------------------ */
struct run {
  struct input in;
  struct pt_space *pt;
  struct vm_space *vs;
  struct fs_fault_stats stats;
  struct oracle *o;
  struct vfs_file *files[FUZZ_MAX_FILES];
  int nfiles;
  paddr_t ballast[MAX_POOL_FRAMES];
  size_t nballast;
  uint64_t rip;
  uint64_t last_addr;
  uint32_t last_ec;
  uint64_t last_rip;
  unsigned op_index;
  char op_desc[160];
};

static struct fuzz_coverage coverage;
static int verbose;

const struct fuzz_coverage *fuzz_layout_coverage(void) {
  return &coverage;
}
void fuzz_layout_coverage_reset(void) {
  memset(&coverage, 0, sizeof(coverage));
}
void fuzz_layout_set_verbose(int on) {
  verbose = on;
}

static void note_result(enum fuzz_op op, long result) {
  long slot = result < 0 ? -result : 0;
  if (slot >= FUZZ_RESULT_SLOTS)
    slot = FUZZ_RESULT_SLOTS - 1;
  coverage.results[op][slot]++;
}

/* Both region sets, for the report of a mismatch. */
static void dump_regions(const struct run *r) {
  fprintf(stderr, "core regions:\n");
  const struct vm_region_set *set = &r->vs->regions;
  for (const struct vm_region *g = vm_region_first(set); g; g = vm_region_next(set, g))
    fprintf(stderr, "  [0x%llx-0x%llx) type %d prot %u flags %#x\n", (unsigned long long)g->start,
            (unsigned long long)g->end, g->type, g->prot, g->flags);
  fprintf(stderr, "oracle regions:\n");
  for (size_t i = 0; i < oracle_region_count(r->o); i++) {
    const struct oracle_region *w = oracle_region_at(r->o, i);
    fprintf(stderr, "  [0x%llx-0x%llx) type %d prot %u flags %#x\n", (unsigned long long)w->start,
            (unsigned long long)w->end, w->type, w->prot, w->flags);
  }
}

static _Noreturn void fail(const struct run *r, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "fuzz_layout: MISMATCH at op %u (%s): ", r->op_index, r->op_desc);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  if (verbose && r->vs && r->o)
    dump_regions(r);
  abort();
}

static void describe(struct run *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->op_desc, sizeof(r->op_desc), fmt, ap);
  va_end(ap);
  if (verbose)
    fprintf(stderr, "op %u: %s\n", r->op_index, r->op_desc);
}

static int file_id(const struct run *r, const struct vfs_file *f) {
  for (int i = 0; i < r->nfiles; i++)
    if (r->files[i] == f)
      return i;
  return f ? -2 : ORACLE_NO_FILE;
}

static unsigned oracle_flags(unsigned vm_flags) {
  return (vm_flags & VM_EAGER ? ORACLE_RF_EAGER : 0) |
         (vm_flags & VM_GROWS_DOWN ? ORACLE_RF_GROWS_DOWN : 0) |
         (vm_flags & VM_GROWS_UP ? ORACLE_RF_GROWS_UP : 0) |
         (vm_flags & VM_SHARED ? ORACLE_RF_SHARED : 0);
}

/* ---- the invariants ----------------------------------------------------------- */
static void check_regions(struct run *r) {
  const struct vm_region_set *set = &r->vs->regions;
  if (!vm_region_set_valid(set))
    fail(r, "region set invalid (order, overlap or balance)");
  size_t i = 0;
  uint64_t prev_end = 0;
  for (const struct vm_region *g = vm_region_first(set); g; g = vm_region_next(set, g), i++) {
    const struct oracle_region *w = oracle_region_at(r->o, i);
    if (g->start < prev_end)
      fail(r, "regions overlap at 0x%llx", (unsigned long long)g->start);
    prev_end = g->end;
    if (!w)
      fail(r, "core has an extra region [0x%llx-0x%llx) type %d", (unsigned long long)g->start,
           (unsigned long long)g->end, g->type);
    int fid = file_id(r, g->file);
    bool backing_ok =
        fid == w->file && (fid == ORACLE_NO_FILE ||
                           (g->file_offset == w->file_offset && g->file_length == w->file_length));
    if (g->start != w->start || g->end != w->end || (int)g->type != (int)w->type ||
        g->prot != w->prot || oracle_flags(g->flags) != w->flags || !backing_ok)
      fail(r,
           "region %zu: core [0x%llx-0x%llx) type %d prot %u flags %#x file %d+0x%llx/0x%llx, "
           "oracle [0x%llx-0x%llx) type %d prot %u flags %#x file %d+0x%llx/0x%llx",
           i, (unsigned long long)g->start, (unsigned long long)g->end, g->type, g->prot,
           oracle_flags(g->flags), fid, (unsigned long long)g->file_offset,
           (unsigned long long)g->file_length, (unsigned long long)w->start,
           (unsigned long long)w->end, w->type, w->prot, w->flags, w->file,
           (unsigned long long)w->file_offset, (unsigned long long)w->file_length);
  }
  if (i != oracle_region_count(r->o) || i != vm_region_count(set))
    fail(r, "region count: core walk %zu, core count %zu, oracle %zu", i, vm_region_count(set),
         oracle_region_count(r->o));
}

struct pt_walk {
  struct run *r;
  unsigned *expect_refs; /* per frame index */
  size_t entries;
};

static size_t frame_index(const struct run *r, paddr_t pa) {
  if (pa < HOST_FRAME_BASE || (pa - HOST_FRAME_BASE) / PAGE_SIZE >= host_frames_total() ||
      (pa & (PAGE_SIZE - 1)))
    fail(r, "frame 0x%llx outside the pool", (unsigned long long)pa);
  return (size_t)((pa - HOST_FRAME_BASE) / PAGE_SIZE);
}

/* Is pa the page cache's frame for the file page behind va? */
static bool maps_cache_frame(struct run *r, uint64_t va, paddr_t pa) {
  const struct vm_region *g = vm_region_find(&r->vs->regions, va);
  if (!g || !g->file || va - g->start >= g->file_length)
    return false;
  uint64_t off = g->file_offset + (va - g->start);
  return !(off & (PAGE_SIZE - 1)) && page_cache_peek(g->file, off) == pa;
}

static void check_entry(void *ctx, vaddr_t va, paddr_t pa, unsigned prot) {
  struct pt_walk *w = ctx;
  struct run *r = w->r;
  w->entries++;
  const struct oracle_page *p = oracle_page_find(r->o, va);
  if (!p)
    fail(r, "core maps 0x%llx (prot %u), the oracle has no page there", (unsigned long long)va,
         prot);
  if (!host_frame_valid(pa))
    fail(r, "0x%llx maps free frame 0x%llx", (unsigned long long)va, (unsigned long long)pa);
  w->expect_refs[frame_index(r, pa)]++;
  if (prot != p->prot)
    fail(r, "0x%llx: entry prot %u, oracle %u", (unsigned long long)va, prot, p->prot);
  bool cache = maps_cache_frame(r, va, pa);
  if (cache != p->cache)
    fail(r, "0x%llx: core maps %s frame, oracle expects %s", (unsigned long long)va,
         cache ? "the page-cache" : "a private", p->cache ? "the page-cache one" : "a private one");
  if (!cache && frame_refcount(pa) != 1)
    fail(r, "0x%llx: private frame 0x%llx has %u references", (unsigned long long)va,
         (unsigned long long)pa, frame_refcount(pa));
  const unsigned char *bytes = frame_ptr(pa);
  if (memcmp(bytes, p->data, PAGE_SIZE) != 0) {
    size_t k = 0;
    while (bytes[k] == p->data[k])
      k++;
    fail(r, "0x%llx: byte 0x%zx is 0x%02x, oracle 0x%02x", (unsigned long long)va, k, bytes[k],
         p->data[k]);
  }
}

static void check_frames(struct run *r, unsigned *expect) {
  struct oracle_state os;
  oracle_get_state(r->o, &os);
  size_t total = host_frames_total();
  /* The space's own frame, its region-node slabs, the ballast. */
  expect[frame_index(r, r->vs->self_frame)]++;
  size_t slabs = 0;
  for (paddr_t s = r->vs->region_nodes.slabs; s; s = *(paddr_t *)frame_ptr(s), slabs++) {
    if (slabs > total)
      fail(r, "region slab list loops");
    expect[frame_index(r, s)]++;
  }
  if (slabs != r->vs->region_nodes.slab_count || slabs != os.region_slabs)
    fail(r, "region slabs: list %zu, count %zu, oracle %zu", slabs, r->vs->region_nodes.slab_count,
         os.region_slabs);
  if (r->vs->region_nodes.live != vm_region_count(&r->vs->regions))
    fail(r, "region nodes live %zu, regions %zu", r->vs->region_nodes.live,
         vm_region_count(&r->vs->regions));
  for (size_t i = 0; i < r->nballast; i++)
    expect[frame_index(r, r->ballast[i])]++;
  /* The page cache: one reference per entry. */
  struct page_cache_stats cs;
  page_cache_get_stats(&cs);
  if (cs.pages != os.cache_pages)
    fail(r, "page cache holds %llu pages, oracle %zu", (unsigned long long)cs.pages,
         os.cache_pages);
  int fid;
  uint64_t off;
  for (size_t i = 0; oracle_cache_entry(r->o, i, &fid, &off); i++) {
    paddr_t pa = page_cache_peek(r->files[fid], off);
    if (!pa)
      fail(r, "page cache lacks file %d offset 0x%llx", fid, (unsigned long long)off);
    expect[frame_index(r, pa)]++;
  }
  /* Whatever is left with references must be the cache's entry slabs. */
  size_t free_frames = 0, unattributed = 0;
  for (size_t i = 0; i < total; i++) {
    paddr_t pa = HOST_FRAME_BASE + (paddr_t)i * PAGE_SIZE;
    unsigned refs = frame_refcount(pa);
    if (!refs) {
      if (expect[i])
        fail(r, "frame 0x%llx is free but expected %u references", (unsigned long long)pa,
             expect[i]);
      free_frames++;
    } else if (!expect[i] && refs == 1) {
      unattributed++;
    } else if (refs != expect[i]) {
      fail(r, "frame 0x%llx has %u references, expected %u", (unsigned long long)pa, refs,
           expect[i]);
    }
  }
  if (unattributed != os.cache_slabs)
    fail(r, "%zu frames held by nobody known, page-cache slabs expected %zu (leak?)", unattributed,
         os.cache_slabs);
  if (free_frames != host_frames_free() || free_frames != os.frames_free)
    fail(r, "free frames: counted %zu, pool says %zu, oracle %zu", free_frames, host_frames_free(),
         os.frames_free);
}

static void check_all(struct run *r) {
  check_regions(r);
  unsigned expect[MAX_POOL_FRAMES] = {0};
  struct pt_walk w = {r, expect, 0};
  host_pt_for_each(r->pt, check_entry, &w);
  if (w.entries != oracle_page_count(r->o))
    fail(r, "core maps %zu pages, oracle %zu", w.entries, oracle_page_count(r->o));
  check_frames(r, expect);
  struct oracle_state os;
  oracle_get_state(r->o, &os);
  const struct vm_space *vs = r->vs;
  if (vs->brk_start != os.brk_start || vs->brk_current != os.brk_current ||
      vs->brk_limit != os.brk_limit || vs->mmap_base != os.mmap_base ||
      vs->mmap_floor != os.mmap_floor)
    fail(r, "brk/mmap state: core %llx/%llx/%llx %llx/%llx, oracle %llx/%llx/%llx %llx/%llx",
         (unsigned long long)vs->brk_start, (unsigned long long)vs->brk_current,
         (unsigned long long)vs->brk_limit, (unsigned long long)vs->mmap_base,
         (unsigned long long)vs->mmap_floor, (unsigned long long)os.brk_start,
         (unsigned long long)os.brk_current, (unsigned long long)os.brk_limit,
         (unsigned long long)os.mmap_base, (unsigned long long)os.mmap_floor);
  if (memcmp(&r->stats, &os.stats, sizeof(os.stats)) != 0)
    fail(r, "fault counters differ (total %llu/%llu, reads %llu/%llu, hits %llu/%llu)",
         (unsigned long long)r->stats.faults_total, (unsigned long long)os.stats.faults_total,
         (unsigned long long)r->stats.file_pages_read, (unsigned long long)os.stats.file_pages_read,
         (unsigned long long)r->stats.page_cache_hits,
         (unsigned long long)os.stats.page_cache_hits);
}

static void expect_int(struct run *r, const char *what, long core, long model) {
  if (core != model)
    fail(r, "%s: core %ld, oracle %ld", what, core, model);
}

/* ---- addresses -------------------------------------------------------------------- */
/* Mostly near region edges (where the bugs are), sometimes anywhere. */
static uint64_t pick_addr(struct run *r) {
  uint8_t b = u8(&r->in);
  size_t n = oracle_region_count(r->o);
  unsigned mode = b & 7;
  if (mode <= 4 && !n)
    mode = 5;
  uint64_t in_page = b & 8 ? u16(&r->in) % PAGE_SIZE : 0;
  if (mode <= 4) {
    const struct oracle_region *w = oracle_region_at(r->o, u8(&r->in) % n);
    int64_t pages = (int8_t)u8(&r->in) % 3;
    if (mode <= 2) /* inside, from the start */
      return w->start + (uint64_t)(u8(&r->in) % 8) * PAGE_SIZE + in_page;
    return (mode == 3 ? w->start : w->end) + (uint64_t)(pages * (int64_t)PAGE_SIZE) + in_page;
  }
  if (mode == 5)
    return ARENA + (uint64_t)u8(&r->in) * PAGE_SIZE + in_page;
  struct oracle_state os;
  oracle_get_state(r->o, &os);
  const uint64_t special[] = {0,
                              VM_USER_MIN - PAGE_SIZE,
                              VM_USER_MIN,
                              FS_USER_TOP - 1,
                              FS_USER_TOP,
                              ~0ULL,
                              VM_STACK_TOP - 8,
                              os.mmap_base - PAGE_SIZE,
                              os.brk_current,
                              os.brk_start,
                              FS_KERNEL_VMA,
                              u64(&r->in)};
  return special[(b >> 4) % (sizeof(special) / sizeof(special[0]))];
}

static uint64_t pick_len(struct run *r) {
  uint8_t b = u8(&r->in);
  if (b == 0xff) {
    /* Anything, overflow included; but a huge range that would succeed is
     * cut to 64 MiB: the core walks a populated region page by page when it
     * unmaps or reprotects it, and terabytes would take minutes. */
    uint64_t len = u64(&r->in);
    return len < FS_USER_TOP ? len % (64ULL << 20) : len;
  }
  uint64_t len = (uint64_t)(b % 17) * PAGE_SIZE;
  if (b & 0x80)
    len += u16(&r->in) % PAGE_SIZE; /* unaligned */
  return len;
}

static unsigned pick_prot(struct run *r) {
  uint8_t b = u8(&r->in);
  return (b & 7) | ((b & 0xf8) == 0xf8 ? 0x8 : 0); /* rarely a bad bit */
}

/* ---- the operations ---------------------------------------------------------------- */
static void ballast_release(struct run *r) {
  for (size_t i = 0; i < r->nballast; i++)
    frame_put(r->ballast[i]);
  oracle_frames_give(r->o, r->nballast);
  r->nballast = 0;
}

static void op_ballast(struct run *r) {
  uint8_t b = u8(&r->in);
  if (b & 0x80) {
    describe(r, "ballast release %zu", r->nballast);
    ballast_release(r);
    note_result(FUZZ_OP_BALLAST, 0);
    return;
  }
  size_t want = b % 64, got = 0;
  describe(r, "ballast take %zu", want);
  while (got < want && r->nballast < MAX_POOL_FRAMES) {
    paddr_t pa = frame_alloc();
    if (!pa)
      break;
    r->ballast[r->nballast++] = pa;
    got++;
  }
  expect_int(r, "ballast frames", (long)got, (long)oracle_frames_take(r->o, want));
  note_result(FUZZ_OP_BALLAST, 0);
}

/* The store the CPU retries after a write fault, on both sides. */
static void store(struct run *r, uint64_t addr, uint8_t value) {
  paddr_t pa;
  unsigned prot;
  if (!pt_lookup(r->pt, PAGE_ROUND_DOWN(addr), &pa, &prot) || !(prot & FS_PROT_WRITE))
    fail(r, "write at 0x%llx allowed but the entry is not writable", (unsigned long long)addr);
  ((unsigned char *)frame_ptr(pa))[addr & (PAGE_SIZE - 1)] = value;
  if (!oracle_store(r->o, addr, value))
    fail(r, "write at 0x%llx allowed but the oracle's page is not writable",
         (unsigned long long)addr);
}

static void fault_once(struct run *r, uint64_t addr, uint32_t ec, uint64_t rip, uint8_t value) {
  static const char *const names[] = FS_DECISION_NAMES;
  struct vm_fault_result got;
  struct oracle_fault want;
  enum fs_decision d = vm_region_handle_page_fault(r->vs, addr, ec, rip, &got);
  oracle_fault(r->o, addr, ec, rip, &want);
  if (d != want.decision || got.decision != d)
    fail(r, "decision %s, oracle %s", names[d % FS_DECISION_COUNT],
         names[want.decision % FS_DECISION_COUNT]);
  expect_int(r, "region type", got.region_type, want.region_type);
  expect_int(r, "populate", got.populate, want.populate);
  expect_int(r, "stack_overflow", got.stack_overflow, want.stack_overflow);
  expect_int(r, "fault_loop", got.fault_loop, want.fault_loop);
  coverage.decisions[d][got.region_type]++;
  if (d == FS_DECISION_LAZY)
    coverage.populate[got.populate]++;
  coverage.stack_overflows += got.stack_overflow;
  coverage.fault_loops += got.fault_loop;
  note_result(FUZZ_OP_ACCESS, 0);
  if ((d == FS_DECISION_LAZY || d == FS_DECISION_SPURIOUS) && (ec & FS_PF_W) && !(ec & FS_PF_I))
    store(r, addr, value);
}

static void op_access(struct run *r) {
  uint8_t b = u8(&r->in);
  uint64_t addr = pick_addr(r);
  uint8_t value = u8(&r->in);
  static const uint32_t access[] = {0, FS_PF_W, FS_PF_I, 0};
  uint32_t ec = access[b & 3] | (b & 4 ? FS_PF_U : 0);
  bool present = addr < FS_USER_TOP && oracle_page_find(r->o, addr);
  if (present != ((b & 0x38) == 0x38)) /* rarely the opposite of the truth */
    ec |= FS_PF_P;
  if ((b & 0xc0) == 0xc0 && (b & 3) == 3)
    ec |= FS_PF_RSVD;
  r->last_addr = addr;
  r->last_ec = ec;
  r->last_rip = r->rip++;
  describe(r, "fault addr=0x%llx ec=%#x rip=0x%llx", (unsigned long long)addr, ec,
           (unsigned long long)r->last_rip);
  fault_once(r, addr, ec, r->last_rip, value);
}

/* The same instruction faulting again: the loop detector's input. */
static void op_repeat(struct run *r) {
  unsigned times = 1 + u8(&r->in) % 7;
  for (unsigned i = 0; i < times; i++) {
    uint32_t ec = r->last_ec & ~FS_PF_P;
    if (r->last_addr < FS_USER_TOP && oracle_page_find(r->o, r->last_addr))
      ec |= FS_PF_P;
    describe(r, "repeat %u/%u addr=0x%llx ec=%#x", i + 1, times, (unsigned long long)r->last_addr,
             ec);
    fault_once(r, r->last_addr, ec, r->last_rip, (uint8_t)i);
    if (i + 1 < times)
      check_all(r);
  }
}

static void op_user_page(struct run *r) {
  bool write = u8(&r->in) & 1;
  uint64_t addr = pick_addr(r);
  uint8_t value = u8(&r->in);
  describe(r, "user_page addr=0x%llx %s", (unsigned long long)addr, write ? "write" : "read");
  paddr_t frame = 0;
  int got = vm_space_user_page(r->vs, addr, write, &frame);
  int want = oracle_user_page(r->o, addr, write);
  expect_int(r, "user_page", got, want);
  note_result(FUZZ_OP_USER_PAGE, got);
  if (!got) {
    paddr_t pa;
    unsigned prot;
    if (!pt_lookup(r->pt, PAGE_ROUND_DOWN(addr), &pa, &prot) || pa != frame)
      fail(r, "user_page returned a frame that is not the mapped one");
    if (write)
      store(r, addr, value);
  }
}

static void op_mmap(struct run *r) {
  uint8_t b = u8(&r->in);
  uint64_t addr = (b & 1) ? pick_addr(r) : 0;
  uint64_t len = pick_len(r);
  unsigned prot = pick_prot(r);
  uint8_t f = u8(&r->in);
  static const unsigned types[] = {VM_MAP_PRIVATE, VM_MAP_PRIVATE, VM_MAP_SHARED,
                                   VM_MAP_SHARED_VALIDATE};
  unsigned flags = (f & 0x40) && (f & 0x80) ? (unsigned)(f & 0xf) : types[f & 3];
  if (b & 2)
    flags |= VM_MAP_ANONYMOUS;
  if (b & 4)
    flags |= VM_MAP_FIXED;
  if ((b & 0x18) == 0x18)
    flags |= VM_MAP_FIXED_NOREPLACE;
  if (b & 0x20)
    flags |= VM_MAP_POPULATE;
  if ((f & 0x1c) == 0x1c)
    flags |= VM_MAP_GROWSDOWN;
  if ((f & 0x3c) == 0x3c)
    flags |= (f & 0x80) ? VM_MAP_HUGETLB : 0x400000u; /* unknown to SHARED_VALIDATE */
  uint8_t fb = u8(&r->in);
  int fid = (b & 0x40) ? ORACLE_NO_FILE : fb % r->nfiles;
  uint64_t offset = (uint64_t)(fb >> 2) % 8 * PAGE_SIZE;
  if ((fb & 3) == 3 && (b & 0x80))
    offset = u64(&r->in); /* unaligned or overflowing */
  const struct vfs_file *file = fid == ORACLE_NO_FILE ? NULL : r->files[fid];
  describe(r, "mmap addr=0x%llx len=0x%llx prot=%u flags=%#x file=%d off=0x%llx",
           (unsigned long long)addr, (unsigned long long)len, prot, flags, fid,
           (unsigned long long)offset);
  uint64_t got_at = 0, want_at = 0;
  int got = vm_mmap(r->vs, addr, len, prot, flags, file, offset, &got_at);
  int want = oracle_mmap(r->o, addr, len, prot, flags, fid, offset, &want_at);
  expect_int(r, "mmap", got, want);
  if (!got && got_at != want_at)
    fail(r, "mmap placed at 0x%llx, oracle 0x%llx", (unsigned long long)got_at,
         (unsigned long long)want_at);
  if (verbose)
    fprintf(stderr, "  -> %d at 0x%llx (cursor 0x%llx, hole above 0x%llx)\n", got,
            (unsigned long long)got_at, (unsigned long long)r->vs->mmap_cursor,
            (unsigned long long)r->vs->mmap_hole_above);
  note_result(FUZZ_OP_MMAP, got);
}

static void op_munmap(struct run *r) {
  uint64_t addr = pick_addr(r);
  uint64_t len = pick_len(r);
  describe(r, "munmap addr=0x%llx len=0x%llx", (unsigned long long)addr, (unsigned long long)len);
  int got = vm_munmap(r->vs, addr, len);
  expect_int(r, "munmap", got, oracle_munmap(r->o, addr, len));
  if (verbose)
    fprintf(stderr, "  -> %d\n", got);
  note_result(FUZZ_OP_MUNMAP, got);
}

static void op_mprotect(struct run *r) {
  uint64_t addr = pick_addr(r);
  uint64_t len = pick_len(r);
  unsigned prot = pick_prot(r);
  describe(r, "mprotect addr=0x%llx len=0x%llx prot=%u", (unsigned long long)addr,
           (unsigned long long)len, prot);
  int got = vm_mprotect(r->vs, addr, len, prot);
  expect_int(r, "mprotect", got, oracle_mprotect(r->o, addr, len, prot));
  note_result(FUZZ_OP_MPROTECT, got);
}

static void op_brk(struct run *r) {
  uint8_t b = u8(&r->in);
  struct oracle_state os;
  oracle_get_state(r->o, &os);
  int64_t delta = (int64_t)(int16_t)u16(&r->in) * (b & 1 ? 1 : 16);
  uint64_t target;
  switch ((b >> 1) & 3) {
  case 0:
    target = os.brk_current + (uint64_t)delta;
    break;
  case 1:
    target = os.brk_start + (uint64_t)(delta < 0 ? -delta : delta);
    break;
  case 2:
    target = os.brk_limit + (uint64_t)delta;
    break;
  default:
    target = (b & 8) ? u64(&r->in) : 0;
    break;
  }
  describe(r, "brk 0x%llx", (unsigned long long)target);
  uint64_t got = vm_brk(r->vs, target);
  uint64_t want = oracle_brk(r->o, target);
  if (got != want)
    fail(r, "brk returned 0x%llx, oracle 0x%llx", (unsigned long long)got,
         (unsigned long long)want);
  note_result(FUZZ_OP_BRK, got == target ? 0 : -ENOMEM);
}

/* ---- the layout ------------------------------------------------------------------------- */
static void make_files(struct run *r) {
  r->nfiles = 1 + u8(&r->in) % FUZZ_MAX_FILES;
  for (int i = 0; i < r->nfiles; i++) {
    size_t size = u16(&r->in) % (5 * PAGE_SIZE + 1);
    uint64_t seed = u8(&r->in) + 1;
    unsigned char *buf = malloc(size ? size : 1);
    if (!buf)
      abort();
    /* Never zero, so that a zero-fill bug shows. */
    for (size_t k = 0; k < size; k++)
      buf[k] = (unsigned char)(1 + fuzz_prng_next(&seed) % 255);
    r->files[i] = host_file_create(buf, size);
    if (!r->files[i] || oracle_add_file(r->o, buf, size) != i)
      abort();
    free(buf);
  }
}

static void exec_layout(struct run *r) {
  struct vm_exec_segment segs[3];
  struct oracle_segment osegs[3];
  size_t n = u8(&r->in) % 4;
  uint64_t next = 0x400000;
  for (size_t i = 0; i < n; i++) {
    uint8_t b = u8(&r->in);
    /* Usually after the previous segment (a gap or not), sometimes anywhere. */
    uint8_t at = u8(&r->in);
    uint64_t vaddr = at & 0x80 ? 0x400000 + (uint64_t)(at % 32) * PAGE_SIZE
                               : PAGE_ROUND_UP(next) + (uint64_t)(at % 3) * PAGE_SIZE;
    if (b & 1)
      vaddr += u16(&r->in) % PAGE_SIZE;
    uint64_t off = (uint64_t)((b >> 5) % 3) * PAGE_SIZE + (vaddr & (PAGE_SIZE - 1));
    if ((b & 0x1e) == 0x1e)
      off += 8; /* p_vaddr and p_offset disagree modulo the page */
    uint64_t filesz = u16(&r->in) % (3 * PAGE_SIZE);
    uint64_t memsz = filesz + u16(&r->in) % (3 * PAGE_SIZE);
    unsigned prot = u8(&r->in) & 7;
    next = vaddr + memsz;
    segs[i] = (struct vm_exec_segment){vaddr, memsz, off, filesz, prot};
    osegs[i] = (struct oracle_segment){vaddr, memsz, off, filesz, prot};
  }
  uint64_t stack_max = (1 + u8(&r->in) % 16) * PAGE_SIZE;
  uint64_t guard_pages = u8(&r->in) % 4;
  struct vm_exec_image img = {r->files[0], segs, n, stack_max, guard_pages};
  describe(r, "exec %zu segments, stack 0x%llx, guard %llu pages", n, (unsigned long long)stack_max,
           (unsigned long long)guard_pages);
  int got = vm_space_layout_exec(r->vs, &img);
  expect_int(r, "layout_exec", got, oracle_layout_exec(r->o, 0, osegs, n, stack_max, guard_pages));
  note_result(FUZZ_OP_EXEC, got);
}

static void add_region(struct run *r, uint64_t *prev_end) {
  uint8_t t = u8(&r->in);
  uint8_t place = u8(&r->in);
  uint64_t pages = 1 + u8(&r->in) % 8;
  uint64_t start;
  switch (place & 3) {
  case 0:
    start = ARENA + (uint64_t)u8(&r->in) * PAGE_SIZE;
    break;
  case 1:
    start = *prev_end; /* adjacent */
    break;
  case 2:
    start = *prev_end + (1 + u8(&r->in) % 4) * PAGE_SIZE; /* a gap, as guards leave */
    break;
  default:
    start = *prev_end - (uint64_t)(1 + u8(&r->in) % 4) * PAGE_SIZE; /* overlap attempt */
    break;
  }
  uint64_t end = start + pages * PAGE_SIZE;
  switch ((place >> 2) & 7) { /* each 1 in 8: bounds that must be refused */
  case 1:
    start += 1 + u8(&r->in) % (PAGE_SIZE - 1); /* misaligned */
    break;
  case 2:
    end = start; /* empty */
    break;
  case 3:
    end = FS_USER_TOP + PAGE_SIZE; /* past the top */
    break;
  default:
    break;
  }
  /* Mostly the eight real types; 0 and 9 must be refused. */
  enum vm_region_type type = (enum vm_region_type)(t < 240 ? 1 + t % 8 : (t & 1) * 9);
  unsigned prot = pick_prot(r);
  uint8_t fl = u8(&r->in);
  unsigned flags = (fl & 1 ? VM_EAGER : 0) | (fl & 2 ? VM_GROWS_DOWN : 0) |
                   (fl & 4 ? VM_GROWS_UP : 0) | (fl & 8 ? VM_SHARED : 0);
  int fid = ORACLE_NO_FILE;
  uint64_t foff = 0, flen = 0;
  bool filed = type == VM_REGION_TEXT || type == VM_REGION_DATA || type == VM_REGION_MMAP_FILE;
  if (filed != ((fl & 0x30) == 0x30)) {
    fid = u8(&r->in) % r->nfiles;
    foff = (fl & 0x40) ? u16(&r->in) : (uint64_t)(u8(&r->in) % 8) * PAGE_SIZE;
    flen = u16(&r->in) % (9 * PAGE_SIZE);
  }
  describe(r, "add_region type=%d [0x%llx-0x%llx) prot=%u flags=%#x file=%d+0x%llx/0x%llx", type,
           (unsigned long long)start, (unsigned long long)end, prot, flags, fid,
           (unsigned long long)foff, (unsigned long long)flen);
  int got = vm_space_add_region(r->vs, type, start, end, prot, flags,
                                fid == ORACLE_NO_FILE ? NULL : r->files[fid], foff, flen);
  int want = oracle_add_region(r->o, (enum fs_region_type)type, start, end, prot,
                               oracle_flags(flags), fid, foff, flen);
  expect_int(r, "add_region", got, want);
  note_result(FUZZ_OP_ADD_REGION, got);
  if (!got)
    *prev_end = end;
}

/* ---- one input ---------------------------------------------------------------------------- */
static void teardown(struct run *r) {
  ballast_release(r);
  vm_space_destroy(r->vs);
  page_cache_clear();
  if (host_pt_count(r->pt) != 0)
    fail(r, "teardown left %zu page-table entries", host_pt_count(r->pt));
  if (host_frames_free() != host_frames_total())
    fail(r, "teardown leaked %zu frames", host_frames_total() - host_frames_free());
  host_pt_destroy(r->pt);
  for (int i = 0; i < r->nfiles; i++)
    host_file_destroy(r->files[i]);
  oracle_destroy(r->o);
  host_frames_fini();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static struct run run;
  struct run *r = &run;
  memset(r, 0, sizeof(*r));
  r->in = (struct input){data, size, 0};
  r->rip = 0x401000;
  klog_level = FS_LOG_WARN;
  snprintf(r->op_desc, sizeof(r->op_desc), "setup");

  size_t frames = 24 + u8(&r->in) % (MAX_POOL_FRAMES - 24);
  uint8_t mode = u8(&r->in);
  if (!host_frames_init(frames) || !(r->pt = host_pt_create()))
    abort();
  r->vs = vm_space_create(r->pt, &r->stats);
  if (!r->vs)
    abort();
  struct oracle_config cfg = {host_frames_free(),
                              (PAGE_SIZE - SLAB_HEADER) / r->vs->region_nodes.node_size,
                              (PAGE_SIZE - SLAB_HEADER) / CACHE_ENTRY_SZ};
  if (!(r->o = oracle_create(&cfg)))
    abort();
  make_files(r);
  check_all(r);
  coverage.inputs++;

  if (mode & 1) {
    exec_layout(r);
    check_all(r);
  }
  uint64_t prev_end = ARENA;
  unsigned nregions = (mode >> 1) % 12;
  for (unsigned i = 0; i < nregions; i++, r->op_index++) {
    add_region(r, &prev_end);
    check_all(r);
  }
  for (unsigned i = 0; i < FUZZ_MAX_OPS && r->in.i < r->in.n; i++, r->op_index++) {
    coverage.ops++;
    switch (u8(&r->in) % 13) {
    case 0:
    case 1:
    case 2:
    case 3:
      op_access(r);
      break;
    case 4:
      op_repeat(r);
      break;
    case 5:
      op_user_page(r);
      break;
    case 6:
    case 7:
      op_mmap(r);
      break;
    case 8:
      op_munmap(r);
      break;
    case 9:
      op_mprotect(r);
      break;
    case 10:
      op_brk(r);
      break;
    case 11:
      op_ballast(r);
      break;
    default:
      add_region(r, &prev_end);
      break;
    }
    check_all(r);
  }
  snprintf(r->op_desc, sizeof(r->op_desc), "teardown");
  teardown(r);
  return 0;
}

/* ---- coverage report ------------------------------------------------------------------------ */
void fuzz_layout_print_coverage(FILE *out) {
  static const char *const types[] = FS_REGION_TYPE_NAMES;
  static const char *const decisions[] = FS_DECISION_NAMES;
  static const char *const populate[] = FS_POPULATE_NAMES;
  static const char *const ops[] = {"add_region", "exec",     "access", "user_page", "mmap",
                                    "munmap",     "mprotect", "brk",    "ballast"};
  fprintf(out, "inputs %llu, operations %llu\n", (unsigned long long)coverage.inputs,
          (unsigned long long)coverage.ops);
  fprintf(out, "%-11s", "decision");
  for (int t = 0; t < FS_REGION_TYPE_COUNT; t++)
    fprintf(out, " %9s", types[t]);
  fputc('\n', out);
  for (int d = 0; d < FS_DECISION_COUNT; d++) {
    fprintf(out, "%-11s", decisions[d]);
    for (int t = 0; t < FS_REGION_TYPE_COUNT; t++)
      fprintf(out, " %9llu", (unsigned long long)coverage.decisions[d][t]);
    fputc('\n', out);
  }
  fprintf(out, "lazy populate:");
  for (int p = 0; p <= FS_POPULATE_CACHE; p++)
    fprintf(out, " %s=%llu", populate[p], (unsigned long long)coverage.populate[p]);
  fprintf(out, "\nstack overflows %llu, fault loops %llu\n",
          (unsigned long long)coverage.stack_overflows, (unsigned long long)coverage.fault_loops);
  for (int op = 0; op < FUZZ_OP_COUNT; op++) {
    fprintf(out, "%-10s", ops[op]);
    for (int s = 0; s < FUZZ_RESULT_SLOTS; s++)
      if (coverage.results[op][s])
        fprintf(out, " %s%d=%llu", s ? "-" : "", s, (unsigned long long)coverage.results[op][s]);
    fputc('\n', out);
  }
}
