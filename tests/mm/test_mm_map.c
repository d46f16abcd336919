/* brk, mmap, munmap, mprotect, the exec layout and teardown. */
#include <stdlib.h>

#include "mm_test.h"

#define RW   (FS_PROT_READ | FS_PROT_WRITE)
#define ANON (VM_MAP_PRIVATE | VM_MAP_ANONYMOUS)

/* A laid-out process: text at 0x401000 from a 2-page file, bss to 0x403000. */
static struct vfs_file *exec_file;

static void layout(struct mm_fixture *fx, size_t frames) {
  mm_fixture_init(fx, frames);
  static const struct vm_exec_segment segs[] = {
      {0x401000, 0x1000, 0x1000, 0x1000, FS_PROT_READ | FS_PROT_EXEC},
      {0x402000, 0x1000, 0x0, 0x0, RW},
  };
  struct vm_exec_image img = {exec_file, segs, 2, 0, VM_STACK_GUARD_PAGES_DEFAULT};
  assert_int_equal(vm_space_layout_exec(fx->vs, &img), 0);
}

static int setup(void **state) {
  (void)state;
  exec_file = mm_pattern_file(0x6000 + 0x321);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  host_file_destroy(exec_file);
  return 0;
}

/* Four private anonymous RW pages mapped MAP_FIXED at base, each populated
 * by a write fault (lazy); fill >= 0 then writes byte fill + i to the whole
 * of page i. */
static void map_4_touched(struct mm_fixture *fx, uint64_t base, int fill) {
  uint64_t at;
  assert_int_equal(vm_mmap(fx->vs, base, 4 * PAGE_SIZE, RW, ANON | VM_MAP_FIXED, NULL, 0, &at), 0);
  assert_int_equal(at, base);
  for (int i = 0; i < 4; i++) {
    assert_int_equal(mm_fault(fx, base + i * PAGE_SIZE, PF_USER_WRITE, NULL), FS_DECISION_LAZY);
    if (fill >= 0)
      memset(mm_bytes(fx, base + i * PAGE_SIZE), fill + i, PAGE_SIZE);
  }
}

static void test_exec_layout(void **state) {
  (void)state;
  struct mm_fixture fx;
  layout(&fx, 64);
  struct vm_space *vs = fx.vs;
  struct vm_region *r = vm_region_find(&vs->regions, 0x401000);
  assert_int_equal(r->type, VM_REGION_TEXT);
  assert_int_equal(r->prot, FS_PROT_READ | FS_PROT_EXEC);
  r = vm_region_find(&vs->regions, 0x402000);
  assert_int_equal(r->type, VM_REGION_BSS);
  assert_int_equal(vs->brk_start, 0x403000);
  assert_int_equal(vs->brk_current, 0x403000);
  assert_int_equal(vs->brk_limit, 0x403000 + VM_HEAP_MAX_SIZE);
  r = vm_region_find(&vs->regions, VM_STACK_TOP - 1);
  assert_int_equal(r->type, VM_REGION_STACK);
  assert_int_equal(r->start, VM_STACK_TOP - VM_STACK_MAX_DEFAULT);
  assert_true(r->flags & VM_GROWS_DOWN);
  r = vm_region_prev(&vs->regions, r);
  assert_int_equal(r->type, VM_REGION_GUARD);
  assert_int_equal(r->end - r->start, VM_STACK_GUARD_PAGES_DEFAULT * PAGE_SIZE);
  r = vm_region_prev(&vs->regions, r);
  assert_int_equal(r->type, VM_REGION_GUARD);
  assert_int_equal(r->start, vs->mmap_base);
  r = vm_region_find(&vs->regions, vs->brk_limit);
  assert_int_equal(r->type, VM_REGION_GUARD);
  assert_int_equal(r->end, vs->mmap_floor);
  assert_true(vm_region_set_valid(&vs->regions));
  /* Nothing populated until touched. */
  assert_int_equal(host_pt_count(fx.pt), 0);
  assert_int_equal(mm_fault(&fx, VM_STACK_TOP - 8, PF_USER_WRITE, NULL), FS_DECISION_LAZY);
  assert_int_equal(mm_fault(&fx, 0x401000, PF_USER_EXEC, NULL), FS_DECISION_LAZY);
  assert_int_equal(mm_fault(&fx, 0x400fff, PF_USER_READ, NULL), FS_DECISION_INVALID);
  mm_fixture_fini(&fx);
}

static void test_exec_layout_rejects_bad_segments(void **state) {
  (void)state;
  struct vm_exec_segment bad[][2] = {
      {{0x401000, 0x1000, 0x1000, 0x2000, FS_PROT_READ}, {0}}, /* filesz > memsz */
      {{0x401000, 0x1000, 0x1000, 0x1000, FS_PROT_READ},
       {0x401800, 0x1000, 0x1800, 0x800, FS_PROT_READ}},         /* overlap */
      {{0x401000, 0x1000, 0x100000, 0x1000, FS_PROT_READ}, {0}}, /* past EOF */
      {{0x401100, 0x1000, 0x1000, 0x1000, FS_PROT_READ}, {0}},   /* misaligned */
      {{0x1000, 0x1000, 0x1000, 0x1000, FS_PROT_READ}, {0}},     /* below min */
  };
  size_t counts[] = {1, 2, 1, 1, 1};
  for (size_t i = 0; i < 5; i++) {
    struct mm_fixture fx;
    mm_fixture_init(&fx, 16);
    struct vm_exec_image img = {exec_file, bad[i], counts[i], 0, 16};
    assert_int_equal(vm_space_layout_exec(fx.vs, &img), -EINVAL);
    mm_fixture_fini(&fx);
  }
}

static void test_brk(void **state) {
  (void)state;
  struct mm_fixture fx;
  layout(&fx, 64);
  struct vm_space *vs = fx.vs;
  uint64_t start = vs->brk_start;
  assert_int_equal(vm_brk(vs, 0), start); /* query */
  assert_int_equal(mm_fault(&fx, start, PF_USER_WRITE, NULL), FS_DECISION_INVALID);
  assert_int_equal(vm_brk(vs, start + 0x2800), start + 0x2800);
  struct vm_region *heap = vm_region_find(&vs->regions, start);
  assert_int_equal(heap->type, VM_REGION_HEAP);
  assert_int_equal(heap->end, start + 0x3000);
  size_t free0 = host_frames_free();
  for (uint64_t a = start; a < start + 0x3000; a += PAGE_SIZE)
    assert_int_equal(mm_fault(&fx, a, PF_USER_WRITE, NULL), FS_DECISION_LAZY);
  assert_int_equal(host_frames_free(), free0 - 3);
  assert_int_equal(fx.stats.lazy_by_type[FS_REGION_HEAP], 3);
  /* Growth within the same page keeps the region; shrink frees pages. */
  assert_int_equal(vm_brk(vs, start + 0x2f00), start + 0x2f00);
  assert_int_equal(vm_brk(vs, start + 0x1001), start + 0x1001);
  assert_int_equal(heap->end, start + 0x2000);
  assert_int_equal(host_frames_free(), free0 - 2);
  assert_int_equal(mm_fault(&fx, start + 0x2000, PF_USER_WRITE, NULL), FS_DECISION_INVALID);
  /* Regrown memory reads as zero again. */
  memset(mm_bytes(&fx, start + 0x1000), 0x77, 16);
  assert_int_equal(vm_brk(vs, start + 0x1000), start + 0x1000);
  assert_int_equal(vm_brk(vs, start + 0x2000), start + 0x2000);
  assert_int_equal(mm_fault(&fx, start + 0x1000, PF_USER_READ, NULL), FS_DECISION_LAZY);
  assert_int_equal(mm_bytes(&fx, start + 0x1000)[0], 0);
  /* Refusals return the current break. */
  assert_int_equal(vm_brk(vs, start - 1), start + 0x2000);
  assert_int_equal(vm_brk(vs, vs->brk_limit + 1), start + 0x2000);
  uint64_t at;
  assert_int_equal(vm_mmap(vs, start + 0x10000, PAGE_SIZE, RW, ANON | VM_MAP_FIXED, NULL, 0, &at),
                   0);
  assert_int_equal(vm_brk(vs, start + 0x20000), start + 0x2000);  /* collides */
  assert_int_equal(vm_brk(vs, start + 0x10000), start + 0x10000); /* up to it is fine */
  /* Shrinking to the start removes the heap region. */
  assert_int_equal(vm_brk(vs, start), start);
  assert_null(vm_region_find(&vs->regions, start));
  assert_non_null(vm_region_find(&vs->regions, start + 0x10000));
  assert_true(vm_region_set_valid(&vs->regions));
  mm_fixture_fini(&fx);
}

static void test_mmap_anonymous_top_down_and_hints(void **state) {
  (void)state;
  struct mm_fixture fx;
  layout(&fx, 64);
  struct vm_space *vs = fx.vs;
  uint64_t a, b, c;
  assert_int_equal(vm_mmap(vs, 0, 3 * PAGE_SIZE, RW, ANON, NULL, 0, &a), 0);
  assert_int_equal(a, vs->mmap_base - 3 * PAGE_SIZE);
  assert_int_equal(vm_mmap(vs, 0, 100, RW, ANON, NULL, 0, &b), 0); /* len rounds up */
  assert_int_equal(b, a - PAGE_SIZE);
  struct vm_region *r = vm_region_find(&vs->regions, b);
  assert_int_equal(r->type, VM_REGION_MMAP_ANON);
  assert_int_equal(r->end, a);
  /* A free hint is used as is (rounded up to a page). */
  assert_int_equal(vm_mmap(vs, 0x50000123, PAGE_SIZE, RW, ANON, NULL, 0, &c), 0);
  assert_int_equal(c, 0x50001000);
  /* A taken hint falls back to the search. */
  assert_int_equal(vm_mmap(vs, 0x50001000, PAGE_SIZE, RW, ANON, NULL, 0, &c), 0);
  assert_int_equal(c, b - PAGE_SIZE);
  /* A hint inside a guard is never used. */
  assert_int_equal(vm_mmap(vs, VM_STACK_TOP - VM_STACK_MAX_DEFAULT - PAGE_SIZE, PAGE_SIZE, RW, ANON,
                           NULL, 0, &c),
                   0);
  assert_int_equal(c, b - 2 * PAGE_SIZE);
  /* A hole left by munmap is found again, top-down first fit. */
  assert_int_equal(vm_munmap(vs, a + PAGE_SIZE, PAGE_SIZE), 0);
  assert_int_equal(vm_mmap(vs, 0, PAGE_SIZE, RW, ANON, NULL, 0, &c), 0);
  assert_int_equal(c, a + PAGE_SIZE);
  assert_int_equal(vm_mmap(vs, 0, 2 * PAGE_SIZE, RW, ANON, NULL, 0, &c), 0);
  assert_int_equal(c, b - 4 * PAGE_SIZE);
  /* Pages are lazy and zero. */
  assert_int_equal(mm_fault(&fx, a + 5, PF_USER_WRITE, NULL), FS_DECISION_LAZY);
  assert_int_equal(mm_bytes(&fx, a)[5], 0);
  assert_int_equal(fx.stats.lazy_by_type[FS_REGION_MMAP_ANON], 1);
  mm_fixture_fini(&fx);
}

/* The search cursor must not hide a hole above it that a smaller request fits. */
static void test_mmap_finds_small_hole_above_cursor(void **state) {
  (void)state;
  struct mm_fixture fx;
  layout(&fx, 64);
  struct vm_space *vs = fx.vs;
  uint64_t top = vs->mmap_base, at;
  assert_int_equal(vm_mmap(vs, top - 2 * PAGE_SIZE, PAGE_SIZE, RW, ANON, NULL, 0, &at), 0);
  assert_int_equal(at, top - 2 * PAGE_SIZE); /* leaves a one-page hole at the top */
  assert_int_equal(vm_mmap(vs, 0, 2 * PAGE_SIZE, RW, ANON, NULL, 0, &at), 0);
  assert_int_equal(at, top - 4 * PAGE_SIZE); /* too big for the hole */
  assert_int_equal(vm_mmap(vs, 0, PAGE_SIZE, RW, ANON, NULL, 0, &at), 0);
  assert_int_equal(at, top - PAGE_SIZE); /* the hole, highest first */
  assert_int_equal(vm_mmap(vs, 0, PAGE_SIZE, RW, ANON, NULL, 0, &at), 0);
  assert_int_equal(at, top - 5 * PAGE_SIZE);
  mm_fixture_fini(&fx);
}

static void test_mmap_errors(void **state) {
  (void)state;
  struct mm_fixture fx;
  layout(&fx, 64);
  struct vm_space *vs = fx.vs;
  uint64_t at = 0xdead;
  assert_int_equal(vm_mmap(vs, 0, 0, RW, ANON, NULL, 0, &at), -EINVAL);
  assert_int_equal(vm_mmap(vs, 0, PAGE_SIZE, RW, VM_MAP_ANONYMOUS, NULL, 0, &at), -EINVAL);
  assert_int_equal(vm_mmap(vs, 0, PAGE_SIZE, RW, VM_MAP_PRIVATE, exec_file, 100, &at), -EINVAL);
  assert_int_equal(vm_mmap(vs, 0x50000800, PAGE_SIZE, RW, ANON | VM_MAP_FIXED, NULL, 0, &at),
                   -EINVAL);
  assert_int_equal(vm_mmap(vs, 0, PAGE_SIZE, 0x8, ANON, NULL, 0, &at), -EINVAL);
  assert_int_equal(vm_mmap(vs, 0, PAGE_SIZE, RW, ANON | VM_MAP_HUGETLB, NULL, 0, &at), -EINVAL);
  assert_int_equal(
      vm_mmap(vs, 0, PAGE_SIZE, RW, VM_MAP_SHARED_VALIDATE | VM_MAP_ANONYMOUS | 0x80, NULL, 0, &at),
      -VM_EOPNOTSUPP);
  assert_int_equal(vm_mmap(vs, 0, PAGE_SIZE, FS_PROT_READ, VM_MAP_PRIVATE, NULL, 0, &at), -EBADF);
  assert_int_equal(vm_mmap(vs, 0, PAGE_SIZE, RW, VM_MAP_SHARED, exec_file, 0, &at), -EACCES);
  assert_int_equal(vm_mmap(vs, 0, PAGE_SIZE, FS_PROT_READ, VM_MAP_PRIVATE, exec_file,
                           UINT64_MAX & PAGE_MASK, &at),
                   -EOVERFLOW);
  assert_int_equal(vm_mmap(vs, 0, FS_USER_TOP + 1, RW, ANON, NULL, 0, &at), -ENOMEM);
  assert_int_equal(vm_mmap(vs, 0, UINT64_MAX - 5, RW, ANON, NULL, 0, &at), -ENOMEM);
  assert_int_equal(vm_mmap(vs, 0, FS_USER_TOP - (1ULL << 32), RW, ANON, NULL, 0, &at),
                   -ENOMEM); /* no gap that large */
  assert_int_equal(
      vm_mmap(vs, FS_USER_TOP - PAGE_SIZE, 2 * PAGE_SIZE, RW, ANON | VM_MAP_FIXED, NULL, 0, &at),
      -ENOMEM);
  assert_int_equal(vm_mmap(vs, 0x1000, PAGE_SIZE, RW, ANON | VM_MAP_FIXED, NULL, 0, &at), -EPERM);
  /* MAP_FIXED over a guard region: refused. */
  assert_int_equal(vm_mmap(vs, vs->brk_limit, PAGE_SIZE, RW, ANON | VM_MAP_FIXED, NULL, 0, &at),
                   -ENOMEM);
  assert_int_equal(at, 0xdead); /* untouched on every error */
  assert_int_equal(vm_region_count(&vs->regions), 6);
  /* Shared anonymous memory and shared read-only files are accepted. */
  assert_int_equal(vm_mmap(vs, 0, PAGE_SIZE, RW, VM_MAP_SHARED | VM_MAP_ANONYMOUS, NULL, 0, &at),
                   0);
  assert_int_equal(vm_mmap(vs, 0, PAGE_SIZE, FS_PROT_READ, VM_MAP_SHARED, exec_file, 0, &at), 0);
  mm_fixture_fini(&fx);
}

static void test_mmap_fixed_replace_and_noreplace(void **state) {
  (void)state;
  struct mm_fixture fx;
  layout(&fx, 64);
  struct vm_space *vs = fx.vs;
  uint64_t base = 0x60000000, at;
  map_4_touched(&fx, base, 0x40);
  size_t free_before = host_frames_free();
  assert_int_equal(
      vm_mmap(vs, base + PAGE_SIZE, PAGE_SIZE, RW, ANON | VM_MAP_FIXED_NOREPLACE, NULL, 0, &at),
      -EEXIST);
  assert_int_equal(vm_mmap(vs, base + PAGE_SIZE, PAGE_SIZE, RW,
                           ANON | VM_MAP_FIXED | VM_MAP_FIXED_NOREPLACE, NULL, 0, &at),
                   -EEXIST);
  assert_int_equal(
      vm_mmap(vs, base + 4 * PAGE_SIZE, PAGE_SIZE, RW, ANON | VM_MAP_FIXED_NOREPLACE, NULL, 0, &at),
      0);
  /* MAP_FIXED over the middle two pages: old pages gone, neighbours kept. */
  assert_int_equal(vm_mmap(vs, base + PAGE_SIZE, 2 * PAGE_SIZE, FS_PROT_READ,
                           VM_MAP_PRIVATE | VM_MAP_FIXED, exec_file, 0x2000, &at),
                   0);
  assert_int_equal(at, base + PAGE_SIZE);
  assert_int_equal(host_frames_free(), free_before + 2);
  assert_int_equal(mm_mapped(&fx, base + PAGE_SIZE, NULL), 0);
  struct vm_region *r = vm_region_find(&vs->regions, base + PAGE_SIZE);
  assert_int_equal(r->type, VM_REGION_MMAP_FILE);
  assert_int_equal(r->start, base + PAGE_SIZE);
  assert_int_equal(r->end, base + 3 * PAGE_SIZE);
  assert_int_equal(mm_fault(&fx, base + PAGE_SIZE, PF_USER_READ, NULL), FS_DECISION_LAZY);
  assert_int_equal(mm_bytes(&fx, base + PAGE_SIZE)[0], pattern_byte(0x2000));
  assert_int_equal(mm_bytes(&fx, base)[0], 0x40);
  assert_int_equal(mm_bytes(&fx, base + 3 * PAGE_SIZE)[0], 0x43);
  assert_int_equal(vm_region_find(&vs->regions, base)->end, base + PAGE_SIZE);
  assert_int_equal(vm_region_find(&vs->regions, base + 3 * PAGE_SIZE)->start, base + 3 * PAGE_SIZE);
  assert_true(vm_region_set_valid(&vs->regions));
  mm_fixture_fini(&fx);
}

static void test_mmap_file_tail_past_eof(void **state) {
  (void)state;
  struct mm_fixture fx;
  layout(&fx, 64);
  uint64_t at;
  /* File is 0x6321 bytes; map from 0x5000 for 3 pages: 0x1321 file bytes. */
  assert_int_equal(vm_mmap(fx.vs, 0, 3 * PAGE_SIZE, RW, VM_MAP_PRIVATE, exec_file, 0x5000, &at), 0);
  struct vm_region *r = vm_region_find(&fx.vs->regions, at);
  assert_int_equal(r->file_length, 0x1321);
  assert_int_equal(mm_fault(&fx, at + PAGE_SIZE, PF_USER_READ, NULL), FS_DECISION_LAZY);
  unsigned char *p = mm_bytes(&fx, at + PAGE_SIZE);
  for (int i = 0; i < 0x321; i++)
    assert_int_equal(p[i], pattern_byte(0x6000 + i));
  for (int i = 0x321; i < (int)PAGE_SIZE; i++)
    assert_int_equal(p[i], 0);
  assert_int_equal(mm_fault(&fx, at + 2 * PAGE_SIZE, PF_USER_READ, NULL), FS_DECISION_LAZY);
  assert_int_equal(mm_bytes(&fx, at + 2 * PAGE_SIZE)[100], 0);
  mm_fixture_fini(&fx);
}

static void test_munmap_splits_both_ends(void **state) {
  (void)state;
  struct mm_fixture fx;
  layout(&fx, 64);
  struct vm_space *vs = fx.vs;
  uint64_t base = 0x60000000;
  map_4_touched(&fx, base, 0x10);
  size_t regions = vm_region_count(&vs->regions), free_before = host_frames_free();
  assert_int_equal(vm_munmap(vs, base + PAGE_SIZE, 2 * PAGE_SIZE - 100), 0); /* len rounds up */
  assert_int_equal(vm_region_count(&vs->regions), regions + 1);
  assert_int_equal(host_frames_free(), free_before + 2);
  assert_int_equal(vm_region_find(&vs->regions, base)->end, base + PAGE_SIZE);
  assert_int_equal(vm_region_find(&vs->regions, base + 3 * PAGE_SIZE)->start, base + 3 * PAGE_SIZE);
  assert_int_equal(mm_fault(&fx, base + PAGE_SIZE, PF_USER_READ, NULL), FS_DECISION_INVALID);
  assert_int_equal(mm_fault(&fx, base + 2 * PAGE_SIZE, PF_USER_READ, NULL), FS_DECISION_INVALID);
  assert_int_equal(mm_bytes(&fx, base)[0], 0x10);
  assert_int_equal(mm_bytes(&fx, base + 3 * PAGE_SIZE)[0], 0x13);
  /* Errors and no-ops. */
  assert_int_equal(vm_munmap(vs, base + 1, PAGE_SIZE), -EINVAL);
  assert_int_equal(vm_munmap(vs, base, 0), -EINVAL);
  assert_int_equal(vm_munmap(vs, FS_USER_TOP - PAGE_SIZE, 2 * PAGE_SIZE), -EINVAL);
  assert_int_equal(vm_munmap(vs, 0x70000000, PAGE_SIZE), 0); /* nothing there */
  /* Unmapping across the stack guard keeps the guard. */
  uint64_t stack_lo = VM_STACK_TOP - VM_STACK_MAX_DEFAULT;
  assert_int_equal(vm_munmap(vs, stack_lo - 2 * PAGE_SIZE, 4 * PAGE_SIZE), 0);
  struct vm_fault_result res;
  assert_int_equal(mm_fault(&fx, stack_lo - 8, PF_USER_WRITE, &res), FS_DECISION_GUARD);
  assert_true(res.stack_overflow == false); /* the stack's bottom pages are gone now */
  assert_int_equal(mm_fault(&fx, stack_lo + 2 * PAGE_SIZE, PF_USER_WRITE, NULL), FS_DECISION_LAZY);
  assert_true(vm_region_set_valid(&vs->regions));
  mm_fixture_fini(&fx);
}

static void test_mprotect(void **state) {
  (void)state;
  struct mm_fixture fx;
  layout(&fx, 64);
  struct vm_space *vs = fx.vs;
  uint64_t base = 0x60000000, at;
  map_4_touched(&fx, base, -1);
  size_t regions = vm_region_count(&vs->regions);
  assert_int_equal(vm_mprotect(vs, base + PAGE_SIZE, 2 * PAGE_SIZE, FS_PROT_READ), 0);
  assert_int_equal(vm_region_count(&vs->regions), regions + 2);
  unsigned prot;
  mm_mapped(&fx, base + PAGE_SIZE, &prot);
  assert_int_equal(prot, FS_PROT_READ); /* present entries follow at once */
  mm_mapped(&fx, base, &prot);
  assert_int_equal(prot, RW);
  assert_int_equal(mm_fault(&fx, base + PAGE_SIZE, PF_USER_WRITE | FS_PF_P, NULL),
                   FS_DECISION_PROTECTION);
  assert_int_equal(mm_fault(&fx, base + 3 * PAGE_SIZE, PF_USER_WRITE | FS_PF_P, NULL),
                   FS_DECISION_SPURIOUS);
  /* PROT_NONE keeps the data; widening again brings it back. */
  mm_bytes(&fx, base + 2 * PAGE_SIZE)[0] = 0x5a;
  assert_int_equal(vm_mprotect(vs, base + 2 * PAGE_SIZE, PAGE_SIZE, 0), 0);
  assert_int_equal(mm_fault(&fx, base + 2 * PAGE_SIZE, PF_USER_READ | FS_PF_P, NULL),
                   FS_DECISION_PROTECTION);
  assert_int_equal(vm_mprotect(vs, base + 2 * PAGE_SIZE, PAGE_SIZE, RW), 0);
  assert_int_equal(mm_bytes(&fx, base + 2 * PAGE_SIZE)[0], 0x5a);
  /* Errors. */
  assert_int_equal(vm_mprotect(vs, base + 1, PAGE_SIZE, RW), -EINVAL);
  assert_int_equal(vm_mprotect(vs, base, PAGE_SIZE, 0x10), -EINVAL);
  assert_int_equal(vm_mprotect(vs, base, 0, RW), 0);
  assert_int_equal(vm_mprotect(vs, base, 5 * PAGE_SIZE, RW), -ENOMEM); /* runs off the end */
  assert_int_equal(vm_mprotect(vs, base - PAGE_SIZE, 2 * PAGE_SIZE, RW), -ENOMEM);
  assert_int_equal(vm_mprotect(vs, vs->brk_limit, PAGE_SIZE, RW), -ENOMEM); /* guard */
  mm_mapped(&fx, base, &prot);
  assert_int_equal(prot, RW); /* the failed calls changed nothing */
  assert_int_equal(vm_mmap(vs, 0, PAGE_SIZE, FS_PROT_READ, VM_MAP_SHARED, exec_file, 0, &at), 0);
  assert_int_equal(vm_mprotect(vs, at, PAGE_SIZE, RW), -EACCES);
  /* Split failure (no node, no frame for a new slab) changes nothing. */
  for (;;) {
    size_t spare = 0;
    for (void *n = vs->region_nodes.free_list; n; n = *(void **)n)
      spare++;
    if (spare == 1)
      break;
    assert_int_equal(vm_mmap(vs, 0, PAGE_SIZE, RW, ANON, NULL, 0, &at), 0);
  }
  size_t before = vm_region_count(&vs->regions);
  host_frames_fail_every(1);
  assert_int_equal(vm_mprotect(vs, base + PAGE_SIZE, PAGE_SIZE, RW), -ENOMEM);
  assert_int_equal(vm_munmap(vs, base + PAGE_SIZE, PAGE_SIZE), -ENOMEM);
  host_frames_fail_every(0);
  assert_int_equal(vm_region_count(&vs->regions), before);
  mm_mapped(&fx, base + PAGE_SIZE, &prot);
  assert_int_equal(prot, FS_PROT_READ);
  assert_true(vm_region_set_valid(&vs->regions));
  mm_fixture_fini(&fx);
}

static void test_destroy_returns_every_frame(void **state) {
  (void)state;
  struct mm_fixture fx;
  layout(&fx, 256);
  struct vm_space *vs = fx.vs;
  uint64_t at;
  assert_int_equal(vm_brk(vs, vs->brk_start + 8 * PAGE_SIZE), vs->brk_start + 8 * PAGE_SIZE);
  for (int i = 0; i < 8; i++)
    mm_fault(&fx, vs->brk_start + i * PAGE_SIZE, PF_USER_WRITE, NULL);
  for (int i = 0; i < 16; i++)
    mm_fault(&fx, VM_STACK_TOP - 1 - i * PAGE_SIZE, PF_USER_WRITE, NULL);
  mm_fault(&fx, 0x401000, PF_USER_EXEC, NULL);
  assert_int_equal(vm_mmap(vs, 0, 8 * PAGE_SIZE, FS_PROT_READ, VM_MAP_PRIVATE, exec_file, 0, &at),
                   0);
  for (int i = 0; i < 8; i++)
    mm_fault(&fx, at + i * PAGE_SIZE, PF_USER_READ, NULL);
  assert_int_equal(vm_mmap(vs, 0, 4 * PAGE_SIZE, RW, ANON | VM_MAP_POPULATE, NULL, 0, &at), 0);
  assert_int_equal(host_pt_count(fx.pt), 8 + 16 + 1 + 8 + 4);
  assert_true(host_frames_free() < host_frames_total() - 30);
  mm_fixture_fini(&fx); /* asserts: no entries left, every frame free */
}

/* No clock: what keeps 65,536 mmaps from going quadratic is checked by
 * structure.  Each search starts at the cursor, which every successful mmap
 * leaves at its own mapping (so the next one finds its gap right below, not
 * by walking the regions from the top), and lookups walk a balanced tree. */
static void test_65536_mmaps_stay_fast(void **state) {
  (void)state;
  struct mm_fixture fx;
  layout(&fx, 4096);
  struct vm_space *vs = fx.vs;
  uint64_t at = 0, prev = vs->mmap_base;
  for (unsigned i = 0; i < 65536; i++) {
    assert_int_equal(vm_mmap(vs, 0, PAGE_SIZE, i % 2 ? RW : FS_PROT_READ, ANON, NULL, 0, &at), 0);
    assert_int_equal(at, prev - PAGE_SIZE);
    assert_int_equal(vs->mmap_cursor, at);
    prev = at;
  }
  for (unsigned i = 0; i < 65536; i += 97)
    assert_int_equal(mm_fault(&fx, at + i * PAGE_SIZE, PF_USER_READ, NULL), FS_DECISION_LAZY);
  /* An AVL tree of n nodes is at most 1.44 log2(n + 2) high: 24 for 65,538+. */
  assert_true(vs->regions.root->height <= 24);
  mm_fixture_fini(&fx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exec_layout),
      cmocka_unit_test(test_exec_layout_rejects_bad_segments),
      cmocka_unit_test(test_brk),
      cmocka_unit_test(test_mmap_anonymous_top_down_and_hints),
      cmocka_unit_test(test_mmap_finds_small_hole_above_cursor),
      cmocka_unit_test(test_mmap_errors),
      cmocka_unit_test(test_mmap_fixed_replace_and_noreplace),
      cmocka_unit_test(test_mmap_file_tail_past_eof),
      cmocka_unit_test(test_munmap_splits_both_ends),
      cmocka_unit_test(test_mprotect),
      cmocka_unit_test(test_destroy_returns_every_frame),
      cmocka_unit_test(test_65536_mmaps_stay_fast),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
