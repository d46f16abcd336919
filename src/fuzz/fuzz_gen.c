/*
 * Program generation for faultsim fuzz.  The programs aim at the fault
 * handler's edges (region ends, unaligned lengths, file tails, guards,
 * rights changes, every mmap flag) while keeping two promises to the guest
 * that executes them:
 *
 *  - it survives until an access is fatal: layout calls never touch its own
 *    image or stack (absolute layout addresses lie in areas it does not use;
 *    relative ones stay near its own mappings and above its break), and
 *    stores never hit its own memory;
 *  - an exec access only ever runs `ret`: every executable user page outside
 *    its text holds 0xc3.  Only /fuzz/f4 (all 0xc3, whole pages) is mapped
 *    executable; mprotect adds exec only inside such a mapping while nothing
 *    has been unmapped or replaced; a store that could reach an executable
 *    page stores 0xc3 and a pread that could reads /fuzz/f4.
 *
 * Memory stays small (MAP_POPULATE is budgeted), so the machine never runs
 * out and the oracle, given unlimited frames, never predicts oom.
 */
#include "fuzz_gen.h"

#include <stdio.h>
#include <string.h>

#include <faultsim/abi.h>

#define PAGE           4096ULL
#define USER_MIN       0x10000ULL
#define IMAGE_START    FUZZ_GUEST_IMAGE_START
#define IMAGE_END      FUZZ_GUEST_IMAGE_END
#define STACK_TOP      0x7ffffffff000ULL
#define STACK_GUARD_HI (STACK_TOP - (8ULL << 20))
#define POPULATE_PAGES 256u

#define MAP_SHARED          0x01u
#define MAP_PRIVATE         0x02u
#define MAP_SHARED_VALIDATE 0x03u
#define MAP_FIXED           0x10u
#define MAP_ANONYMOUS       0x20u
#define MAP_GROWSDOWN       0x100u
#define MAP_NORESERVE       0x4000u
#define MAP_POPULATE        0x8000u
#define MAP_HUGETLB         0x40000u
#define MAP_FIXED_NOREPLACE 0x100000u

/* ---- the backing files ----------------------------------------------------- */
static const size_t file_sizes[FZ_FILES] = {
    1, 4095, 4096, 3 * 4096 + 17, FUZZ_RET_FILE_SIZE, 5 * 4096 + 100};
static uint8_t file_bytes[FZ_FILES][6 * 4096];
static int files_ready;

const uint8_t *fuzz_file_data(unsigned k, size_t *size) {
  if (!files_ready) {
    /* Never zero, different per file and per page, so a wrong page shows. */
    for (unsigned f = 0; f < FZ_FILES; f++)
      for (size_t i = 0; i < file_sizes[f]; i++)
        file_bytes[f][i] =
            f == FUZZ_RET_FILE ? 0xc3 : (uint8_t)((i * 131 + (i >> 12) * 29 + f * 37) % 255 + 1);
    files_ready = 1;
  }
  *size = file_sizes[k];
  return file_bytes[k];
}

/* ---- randomness ------------------------------------------------------------- */
struct rng {
  uint64_t state;
};
static uint64_t next(struct rng *r) {
  uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static uint64_t below(struct rng *r, uint64_t n) {
  return n ? next(r) % n : 0;
}
static int chance(struct rng *r, unsigned percent) {
  return below(r, 100) < percent;
}

/* ---- what the generator knows of the program so far --------------------------- */
struct slot {
  int used;
  int ret;      /* maps whole pages of /fuzz/f4, placed freely (not over anything) */
  uint64_t len; /* page-rounded */
  /* Placed at a known address (MAP_FIXED, or a hint, taken as honoured):
   * offsets from it may reach the guest's own memory, lo says where. */
  int placed;
  uint64_t lo;
};
struct gen {
  struct rng r;
  struct slot slots[FZ_SLOTS];
  int clean; /* nothing unmapped or replaced yet */
  unsigned populate_left;
};

static int used_slot(struct gen *g) {
  int n = 0, pick = -1;
  for (unsigned i = 0; i < FZ_SLOTS; i++)
    if (g->slots[i].used && below(&g->r, (uint64_t)++n) == 0)
      pick = (int)i;
  return pick;
}

static uint64_t page_len(struct gen *g) {
  static const uint64_t pages[] = {1, 1, 2, 3, 4, 5, 8, 16};
  return pages[below(&g->r, sizeof pages / sizeof pages[0])] * PAGE;
}

/* A length: mostly whole pages, sometimes ragged, empty, huge or overflowing. */
static uint64_t any_len(struct gen *g) {
  uint64_t n = below(&g->r, 100);
  if (n < 70)
    return page_len(g);
  if (n < 85)
    return page_len(g) - 1 - below(&g->r, 4095);
  if (n < 89)
    return 0;
  if (n < 94)
    return 1ULL << 30; /* lazily, costs nothing */
  if (n < 97)
    return 1ULL << 47;
  return ~0ULL - below(&g->r, 4096);
}

/* Where a layout call aims.  in_slot reports the slot whose range holds the
 * whole of [addr, addr+len) (-1: none). */
static void layout_target(struct gen *g, struct fz_op *op, uint64_t len, int *in_slot) {
  int s = used_slot(g);
  uint64_t n = below(&g->r, 100);
  *in_slot = -1;
  if (s >= 0 && n < 70) {
    uint64_t slen = g->slots[s].len;
    op->base = FZ_BASE_SLOT;
    op->slot = (uint8_t)s;
    uint64_t m = below(&g->r, 10);
    if (m < 6) {
      op->addr = below(&g->r, slen / PAGE) * PAGE;
      if (len && op->addr + len <= slen)
        *in_slot = s;
    } else if (m < 8) {
      op->addr = slen + below(&g->r, 16) * PAGE; /* just past it */
    } else if (m < 9) {
      op->addr = -(below(&g->r, 16) + 1) * PAGE; /* just below it */
    } else {
      op->addr = below(&g->r, slen); /* unaligned */
    }
    return;
  }
  if (n < 85) {
    op->base = FZ_BASE_BRK; /* at or above the break: the heap, never the BSS */
    op->addr = below(&g->r, 64) * PAGE + (chance(&g->r, 5) ? below(&g->r, PAGE) : 0);
    return;
  }
  static const uint64_t abs_bases[] = {
      USER_MIN - 2 * PAGE, USER_MIN,           0x200000,    0x100000000ULL,
      0x200000000ULL,      FS_USER_TOP - PAGE, FS_USER_TOP, 0};
  op->base = FZ_BASE_ABS;
  uint64_t b = abs_bases[below(&g->r, sizeof abs_bases / sizeof abs_bases[0])];
  op->addr = b + (b == USER_MIN || b == 0x200000 || b >= 0x100000000ULL
                      ? (b < FS_USER_TOP - PAGE ? below(&g->r, 16) * PAGE : 0)
                      : 0);
}

/* Keeps a layout call off the guest's own image and stack: below the image
 * it ends at the image; near the mmap area it reaches at most 1 MiB (the
 * guards between mmap_base and the stack are 2 MiB).  Lengths that overflow
 * or pass the top are refused whole, so they stay. */
static uint64_t clamp_layout_len(const struct fz_op *op, uint64_t len) {
  if (op->base == FZ_BASE_ABS && op->addr < IMAGE_START && len > IMAGE_START - op->addr &&
      len <= FS_USER_TOP - op->addr)
    return IMAGE_START - op->addr;
  if (len >= (1ULL << 46)) /* from a slot or the break: past the top, refused */
    return len;
  if (op->base == FZ_BASE_SLOT && len > 256 * PAGE)
    return 256 * PAGE;
  return len;
}

/* Where an access aims.  stores: never the guest's own memory.  Sets
 * *slot_in_range when [addr, addr+len) lies inside one slot's mapping. */
static void access_target(struct gen *g, struct fz_op *op, int store, int exec, uint64_t len,
                          int *slot_in_range) {
  int s = used_slot(g);
  uint64_t n = below(&g->r, 100);
  *slot_in_range = -1;
  if (s >= 0 && n < 75) {
    uint64_t slen = g->slots[s].len;
    op->base = FZ_BASE_SLOT;
    op->slot = (uint8_t)s;
    uint64_t m = below(&g->r, 10);
    if (m < 7 || exec) {
      uint64_t page = below(&g->r, slen / PAGE) * PAGE;
      uint64_t in_page = below(&g->r, PAGE - (len < PAGE ? len : PAGE) + 1);
      uint64_t edge = below(&g->r, 4);
      if (edge == 0)
        in_page = 0;
      else if (edge == 1)
        in_page = PAGE - (len < PAGE ? len : PAGE);
      op->addr = page + in_page;
      if (op->addr + len <= slen)
        *slot_in_range = s;
    } else if (m < 9) {
      op->addr = slen + below(&g->r, 4) * PAGE + below(&g->r, 64);
    } else {
      op->addr = -(below(&g->r, 4) + 1) * PAGE + below(&g->r, 64);
    }
    return;
  }
  if (n < 88) {
    op->base = FZ_BASE_BRK;
    op->addr = below(&g->r, 64) * PAGE + below(&g->r, PAGE - 64);
    if (!store && !exec && chance(&g->r, 20))
      op->addr = -below(&g->r, 2 * PAGE) - 1; /* the BSS below: a read only */
    return;
  }
  op->base = FZ_BASE_ABS;
  static const uint64_t anywhere[] = {0,
                                      0x1000,
                                      USER_MIN - 1,
                                      USER_MIN + 0x100,
                                      0x100000000ULL + 0x10,
                                      STACK_GUARD_HI - 8,
                                      STACK_GUARD_HI - 0x80000,
                                      FS_USER_TOP - 1,
                                      FS_USER_TOP,
                                      0xffff800000001000ULL,
                                      0xffffffff80100000ULL};
  static const uint64_t own[] = {IMAGE_START, IMAGE_START + 0x1000 + 17, STACK_TOP - 64};
  if (!store && chance(&g->r, 40))
    op->addr = own[below(&g->r, exec ? 0 : 3)] + (exec ? 0 : below(&g->r, 256));
  else
    op->addr = anywhere[below(&g->r, sizeof anywhere / sizeof anywhere[0])];
  if (exec && op->addr >= IMAGE_START && op->addr < IMAGE_START + (1ULL << 20))
    op->addr = 0; /* never the guest's own code */
}

/* Can a store of arbitrary bytes at this target reach executable memory? */
static int store_is_free(const struct gen *g, const struct fz_op *op, int in_range) {
  return g->clean && op->base == FZ_BASE_SLOT && in_range >= 0 && !g->slots[in_range].ret;
}

static unsigned any_prot(struct gen *g) {
  unsigned prot = (unsigned)below(&g->r, 8);
  if (chance(&g->r, 3))
    prot |= 0x8; /* an unknown bit: -EINVAL */
  return prot;
}

/* The guest's own memory: its image (with BSS) and its stack region. */
static const struct {
  uint64_t lo, hi;
} own_zones[] = {{IMAGE_START, IMAGE_END}, {STACK_GUARD_HI, STACK_TOP}};

/* Cuts [at, at+extent) short of any own zone it runs into; 0 when it starts
 * inside one. */
static int clear_of_own(uint64_t at, uint64_t *extent) {
  for (size_t z = 0; z < sizeof own_zones / sizeof own_zones[0]; z++) {
    if (at >= own_zones[z].lo && at < own_zones[z].hi)
      return 0;
    if (at<own_zones[z].lo && * extent> own_zones[z].lo - at)
      *extent = own_zones[z].lo - at;
  }
  return 1;
}

/* The promise to the guest, kept whatever the targeting above chose: an op
 * relative to a slot at a known address never writes, executes, remaps or
 * re-protects the guest's own image or stack (a store there corrupts the
 * guest, a MAP_FIXED over its stack or an mprotect of its .bss kills it).
 * Reads may go there.  Lengths that overflow or pass the top stay: they are
 * refused whole. */
static void keep_off_image(const struct gen *g, struct fz_op *op) {
  if (op->base != FZ_BASE_SLOT || !g->slots[op->slot].placed || op->kind == FZ_OP_READ ||
      op->kind == FZ_OP_KREAD || op->kind == FZ_OP_BRK)
    return;
  int sized = op->kind == FZ_OP_MMAP || op->kind == FZ_OP_MUNMAP || op->kind == FZ_OP_MPROTECT ||
              op->kind == FZ_OP_KWRITE;
  uint64_t extent = sized ? op->len : 1;
  if (extent >= (1ULL << 46))
    return;
  uint64_t lo = g->slots[op->slot].lo;
  if (!clear_of_own(lo + op->addr, &extent)) {
    op->addr = 0; /* back to the slot's own start, which is clear of them */
    extent = sized ? op->len : 1;
    clear_of_own(lo, &extent);
  }
  if (sized)
    op->len = extent;
}

static void gen_mmap(struct gen *g, struct fz_op *op) {
  op->kind = FZ_OP_MMAP;
  uint64_t t = below(&g->r, 100);
  unsigned flags = t < 60   ? MAP_PRIVATE
                   : t < 85 ? MAP_SHARED
                   : t < 90 ? MAP_SHARED_VALIDATE
                   : t < 95 ? 0
                            : 0xf;
  int anon = chance(&g->r, 45);
  if (anon) {
    flags |= MAP_ANONYMOUS;
    op->file = FZ_FILE_ANON;
  } else {
    uint64_t f = below(&g->r, 100);
    op->file = f < 3    ? FZ_FILE_CONSOLE
               : f < 5  ? FZ_FILE_BADFD
               : f < 35 ? FUZZ_RET_FILE
                        : (uint8_t)below(&g->r, FZ_FILES);
  }
  int fixed = 0;
  if (chance(&g->r, 10)) {
    flags |= MAP_FIXED;
    fixed = 1;
  }
  if (chance(&g->r, 5)) {
    flags |= MAP_FIXED_NOREPLACE;
    fixed = 1;
  }
  if (chance(&g->r, 3))
    flags |= MAP_GROWSDOWN;
  if (chance(&g->r, 2))
    flags |= MAP_HUGETLB;
  if (chance(&g->r, 5))
    flags |= MAP_NORESERVE;
  if (chance(&g->r, 2))
    flags |= 0x800000u; /* unknown: only MAP_SHARED_VALIDATE refuses it */
  uint64_t len = any_len(g);
  uint64_t rounded = (len + PAGE - 1) & ~(PAGE - 1);
  if (chance(&g->r, 10) && len && rounded / PAGE <= 16 && rounded / PAGE <= g->populate_left) {
    flags |= MAP_POPULATE;
    g->populate_left -= (unsigned)(rounded / PAGE);
  }
  uint64_t o = below(&g->r, 100);
  op->off = o < 70   ? 0
            : o < 92 ? below(&g->r, 6) * PAGE
            : o < 96 ? below(&g->r, PAGE)
                     : ~0ULL - PAGE + 1;
  op->prot = any_prot(g);
  op->len = len;
  int hint = !fixed && chance(&g->r, 25);
  int in_slot = -1;
  if (fixed || hint) {
    layout_target(g, op, len, &in_slot);
    op->len = clamp_layout_len(op, len);
    keep_off_image(g, op);
    len = op->len;
    rounded = (len + PAGE - 1) & ~(PAGE - 1);
  } else
    op->base = FZ_BASE_ABS, op->addr = 0;
  int ret_pages = !anon && op->file == FUZZ_RET_FILE && (op->off & (PAGE - 1)) == 0 &&
                  op->off <= FUZZ_RET_FILE_SIZE && rounded <= FUZZ_RET_FILE_SIZE - op->off;
  /* Exec only on /fuzz/f4's pages; write with exec only where nothing is
   * replaced and no hint can put it near other memory. */
  if (!ret_pages)
    op->prot &= ~FS_PROT_EXEC;
  else if ((fixed || hint) && (op->prot & FS_PROT_EXEC))
    op->prot &= ~FS_PROT_WRITE;
  if (fixed)
    g->clean = 0;
  struct slot slot = {1, ret_pages && !fixed && !hint, rounded ? rounded : PAGE, 0, 0};
  if ((fixed || hint) && op->base == FZ_BASE_ABS)
    slot.placed = 1, slot.lo = op->addr;
  else if ((fixed || hint) && op->base == FZ_BASE_SLOT && g->slots[op->slot].placed)
    slot.placed = 1, slot.lo = g->slots[op->slot].lo + op->addr;
  op->dest = (uint8_t)below(&g->r, FZ_SLOTS);
  g->slots[op->dest] = slot;
  op->flags = flags;
}

static void gen_op(struct gen *g, struct fz_op *op) {
  memset(op, 0, sizeof *op);
  op->dest = 0xff;
  uint64_t n = below(&g->r, 100);
  int in = -1;
  if (n < 24 || used_slot(g) < 0) {
    gen_mmap(g, op);
  } else if (n < 31) {
    op->kind = FZ_OP_MUNMAP;
    layout_target(g, op, any_len(g), &in);
    op->len = clamp_layout_len(op, any_len(g));
    g->clean = 0;
  } else if (n < 43) {
    op->kind = FZ_OP_MPROTECT;
    op->prot = any_prot(g);
    op->len = any_len(g);
    layout_target(g, op, op->len, &in);
    op->len = clamp_layout_len(op, op->len);
    if (op->prot & FS_PROT_EXEC) {
      if (g->clean && op->base == FZ_BASE_SLOT && in >= 0 && g->slots[in].ret)
        op->prot &= ~FS_PROT_WRITE;
      else
        op->prot &= ~FS_PROT_EXEC;
    }
  } else if (n < 49) {
    op->kind = FZ_OP_BRK;
    uint64_t b = below(&g->r, 10);
    if (b == 0) {
      op->base = FZ_BASE_ABS; /* brk(0): a query */
    } else {
      op->base = FZ_BASE_BRK;
      op->addr = b == 1 ? -2 * PAGE : below(&g->r, 64) * PAGE + (b == 2 ? below(&g->r, PAGE) : 0);
    }
  } else if (n < 68) {
    op->kind = FZ_OP_READ;
    access_target(g, op, 0, 0, 1, &in);
  } else if (n < 83) {
    op->kind = FZ_OP_WRITE;
    access_target(g, op, 1, 0, 1, &in);
    op->value = store_is_free(g, op, in) ? below(&g->r, 256) : 0xc3;
  } else if (n < 89) {
    op->kind = FZ_OP_EXEC;
    access_target(g, op, 0, 1, 1, &in);
  } else if (n < 95) {
    op->kind = FZ_OP_KREAD; /* all or nothing even across a page boundary */
    op->len = 1 + below(&g->r, chance(&g->r, 20) ? 2 * PAGE : 64);
    access_target(g, op, 0, 0, op->len, &in);
  } else {
    op->kind = FZ_OP_KWRITE; /* one page: a failed copy then writes nothing */
    op->len = 1 + below(&g->r, 64);
    access_target(g, op, 1, 0, op->len, &in);
    if (op->base == FZ_BASE_SLOT && ((op->addr & (PAGE - 1)) + op->len > PAGE))
      op->len = PAGE - (op->addr & (PAGE - 1));
    uint64_t f = below(&g->r, 100);
    if (!store_is_free(g, op, in))
      op->file = f < 5 ? FZ_FILE_BADFD : FUZZ_RET_FILE;
    else
      op->file = f < 3 ? FZ_FILE_CONSOLE : f < 5 ? FZ_FILE_BADFD : (uint8_t)below(&g->r, FZ_FILES);
    op->off = below(&g->r, 4 * PAGE);
  }
}

void fuzz_generate(uint64_t seed, uint64_t iteration, struct fuzz_program *p) {
  struct gen g;
  memset(&g, 0, sizeof g);
  g.r.state = seed * 0xd1342543de82ef95ULL ^ (iteration + 1) * 0x9e3779b97f4a7c15ULL;
  next(&g.r);
  g.clean = 1;
  g.populate_left = POPULATE_PAGES;
  memset(p, 0, sizeof *p);
  p->header.magic = FZ_MAGIC;
  p->header.version = FZ_VERSION;
  unsigned n = 4 + (unsigned)below(&g.r, FUZZ_GEN_MAX_OPS - 3);
  for (unsigned i = 0; i < n; i++) {
    gen_op(&g, &p->ops[i]);
    keep_off_image(&g, &p->ops[i]);
  }
  p->header.op_count = n;
}

size_t fuzz_program_size(const struct fuzz_program *p) {
  return sizeof p->header + (size_t)p->header.op_count * sizeof(struct fz_op);
}

int fuzz_program_parse(const void *data, size_t size, struct fuzz_program *p, char *err,
                       size_t err_size) {
  memset(p, 0, sizeof *p);
  if (size < sizeof p->header) {
    snprintf(err, err_size, "too short for a program header (%zu bytes)", size);
    return -1;
  }
  memcpy(&p->header, data, sizeof p->header);
  if (p->header.magic != FZ_MAGIC || p->header.version != FZ_VERSION) {
    snprintf(err, err_size, "not a faultsim fuzz program (bad magic or version)");
    return -1;
  }
  if (p->header.op_count > FZ_MAX_OPS ||
      size != sizeof p->header + (size_t)p->header.op_count * sizeof(struct fz_op)) {
    snprintf(err, err_size, "op count %u does not match the file size %zu", p->header.op_count,
             size);
    return -1;
  }
  memcpy(p->ops, (const uint8_t *)data + sizeof p->header,
         (size_t)p->header.op_count * sizeof(struct fz_op));
  for (uint32_t i = 0; i < p->header.op_count; i++)
    if (p->ops[i].kind < FZ_OP_MMAP || p->ops[i].kind > FZ_OP_KIND_MAX) {
      snprintf(err, err_size, "op %u has an unknown kind %u", i, p->ops[i].kind);
      return -1;
    }
  return 0;
}
