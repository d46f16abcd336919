/* The fault core: the decision table, population per backing, the page
 * cache, guards, protection, invalid addresses, spurious faults, fault
 * loops, OOM and allocation-failure injection (never a leak). */
#include <stdlib.h>

#include "mm_test.h"

#define TEXT_AT   0x400000ULL
#define FILE_SIZE (6 * PAGE_SIZE + 0x123) /* ends mid-page */

/* ---- the decision table ---------------------------------------------------
 * One row per region kind; the expectation per access (read, write, exec) on a
 * not-present page.  L lazy, P protection, G guard, I invalid.  On a present
 * page every L becomes S (spurious) and the rest stay. */
struct table_row {
  const char *name;
  enum vm_region_type type;
  unsigned prot;
  bool file;
  unsigned flags;
  const char *expect; /* read, write, exec */
};

static const struct table_row decision_table[] = {
    {"text r-x", VM_REGION_TEXT, FS_PROT_READ | FS_PROT_EXEC, true, 0, "LPL"},
    {"rodata r--", VM_REGION_DATA, FS_PROT_READ, true, 0, "LPP"},
    {"data rw-", VM_REGION_DATA, FS_PROT_READ | FS_PROT_WRITE, true, 0, "LLP"},
    {"bss rw-", VM_REGION_BSS, FS_PROT_READ | FS_PROT_WRITE, false, 0, "LLP"},
    {"heap rw-", VM_REGION_HEAP, FS_PROT_READ | FS_PROT_WRITE, false, VM_GROWS_UP, "LLP"},
    {"stack rw-", VM_REGION_STACK, FS_PROT_READ | FS_PROT_WRITE, false, VM_GROWS_DOWN, "LLP"},
    {"anon ---", VM_REGION_MMAP_ANON, 0, false, 0, "PPP"},
    {"anon r--", VM_REGION_MMAP_ANON, FS_PROT_READ, false, 0, "LPP"},
    {"anon -w-", VM_REGION_MMAP_ANON, FS_PROT_WRITE, false, 0, "LLP"},
    {"anon --x", VM_REGION_MMAP_ANON, FS_PROT_EXEC, false, 0, "LPL"},
    {"anon rwx", VM_REGION_MMAP_ANON, FS_PROT_READ | FS_PROT_WRITE | FS_PROT_EXEC, false, 0, "LLL"},
    {"file r--", VM_REGION_MMAP_FILE, FS_PROT_READ, true, 0, "LPP"},
    {"file rw- private", VM_REGION_MMAP_FILE, FS_PROT_READ | FS_PROT_WRITE, true, 0, "LLP"},
    {"file r-- shared", VM_REGION_MMAP_FILE, FS_PROT_READ, true, VM_SHARED, "LPP"},
    {"guard", VM_REGION_GUARD, 0, false, 0, "GGG"},
};

static enum fs_decision letter_decision(char c) {
  switch (c) {
  case 'L':
    return FS_DECISION_LAZY;
  case 'S':
    return FS_DECISION_SPURIOUS;
  case 'G':
    return FS_DECISION_GUARD;
  case 'P':
    return FS_DECISION_PROTECTION;
  default:
    return FS_DECISION_INVALID;
  }
}

static const uint32_t access_bits[3] = {0, FS_PF_W, FS_PF_I};

static void test_decision_table(void **state) {
  (void)state;
  struct vfs_file *file = mm_pattern_file(FILE_SIZE);
  for (size_t row = 0; row < sizeof(decision_table) / sizeof(decision_table[0]); row++) {
    const struct table_row *t = &decision_table[row];
    for (int user = 0; user < 2; user++) {
      for (int a = 0; a < 3; a++) {
        struct mm_fixture fx;
        mm_fixture_init(&fx, 64);
        uint64_t base = 0x10000000;
        assert_int_equal(vm_space_add_region(fx.vs, t->type, base, base + 4 * PAGE_SIZE, t->prot,
                                             t->flags, t->file ? file : NULL, 0,
                                             t->file ? FILE_SIZE : 0),
                         0);
        uint32_t ec = access_bits[a] | (user ? FS_PF_U : 0);
        struct vm_fault_result res;
        enum fs_decision want = letter_decision(t->expect[a]);
        enum fs_decision got = mm_fault(&fx, base + 0x1234, ec, &res);
        if (got != want)
          fail_msg("%s %s %s not-present: got %s want %s", t->name, user ? "user" : "kernel",
                   a == 0   ? "read"
                   : a == 1 ? "write"
                            : "exec",
                   vm_decision_name(got), vm_decision_name(want));
        assert_int_equal(res.region_type, (enum fs_region_type)t->type);
        assert_int_equal(res.region_start, base);
        assert_int_equal(fx.stats.faults_total, 1);
        assert_int_equal(fx.stats.kernel_mode_faults, user ? 0 : 1);
        if (want == FS_DECISION_LAZY) {
          assert_int_equal(res.signal, 0);
          assert_true(res.frame != 0);
          assert_int_equal(mm_mapped(&fx, base + 0x1000, NULL), res.frame);
          assert_int_equal(fx.stats.lazy_by_type[t->type], 1);
          /* Present now: the same access with P=1 and P=0 is spurious. */
          assert_int_equal(mm_fault(&fx, base + 0x1234, ec | FS_PF_P, NULL), FS_DECISION_SPURIOUS);
          assert_int_equal(mm_fault(&fx, base + 0x1234, ec, NULL), FS_DECISION_SPURIOUS);
          /* The other accesses on the present page keep their verdict. */
          for (int b = 0; b < 3; b++) {
            char c = t->expect[b] == 'L' ? 'S' : t->expect[b];
            assert_int_equal(mm_fault(&fx, base + 0x1008, access_bits[b] | FS_PF_P | FS_PF_U, NULL),
                             letter_decision(c));
          }
        } else {
          assert_int_equal(res.signal, VM_SIGSEGV);
          assert_int_equal(res.si_code,
                           want == FS_DECISION_PROTECTION ? VM_SEGV_ACCERR : VM_SEGV_MAPERR);
          assert_int_equal(res.frame, 0);
          assert_int_equal(mm_mapped(&fx, base + 0x1000, NULL), 0);
          assert_int_equal(host_frames_free() + 1 /* the vm_space */ + 1 /* region slab */,
                           host_frames_total());
        }
        mm_fixture_fini(&fx);
      }
    }
  }
  host_file_destroy(file);
}

static void test_invalid_addresses(void **state) {
  (void)state;
  struct mm_fixture fx;
  mm_fixture_init(&fx, 16);
  assert_int_equal(vm_space_add_region(fx.vs, VM_REGION_HEAP, 0x600000, 0x601000,
                                       FS_PROT_READ | FS_PROT_WRITE, 0, NULL, 0, 0),
                   0);
  uint64_t bad[] = {
      0, 0x1000, 0x5fffff, 0x601000, FS_USER_TOP, FS_USER_TOP + 0x1000, 0xffff800000001000ULL};
  struct vm_fault_result res;
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_int_equal(mm_fault(&fx, bad[i], PF_USER_WRITE, &res), FS_DECISION_INVALID);
    assert_int_equal(res.region_type, FS_REGION_NONE);
    assert_int_equal(res.signal, VM_SIGSEGV);
    assert_int_equal(res.si_code, VM_SEGV_MAPERR);
  }
  assert_int_equal(fx.stats.invalid_addresses, sizeof(bad) / sizeof(bad[0]));
  /* Kernel-mode faults above the user half are not "on user addresses". */
  mm_fault(&fx, FS_USER_TOP, FS_PF_W, NULL);
  assert_int_equal(fx.stats.kernel_mode_faults, 0);
  mm_fixture_fini(&fx);
}

/* ---- population ------------------------------------------------------------ */
static void expect_file_bytes(const unsigned char *p, uint64_t file_off, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != pattern_byte(file_off + i))
      fail_msg("byte %zu: got %u want %u (file offset 0x%llx)", i, p[i], pattern_byte(file_off + i),
               (unsigned long long)(file_off + i));
}

static void expect_zero(const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i])
      fail_msg("byte %zu is 0x%x, want 0", i, p[i]);
}

static void test_anonymous_pages_are_zero(void **state) {
  (void)state;
  struct mm_fixture fx;
  mm_fixture_init(&fx, 16);
  enum vm_region_type types[] = {VM_REGION_BSS, VM_REGION_HEAP, VM_REGION_STACK,
                                 VM_REGION_MMAP_ANON};
  for (size_t i = 0; i < 4; i++) {
    uint64_t at = 0x10000000 + i * 0x100000;
    assert_int_equal(vm_space_add_region(fx.vs, types[i], at, at + 2 * PAGE_SIZE,
                                         FS_PROT_READ | FS_PROT_WRITE, 0, NULL, 0, 0),
                     0);
    struct vm_fault_result res;
    assert_int_equal(mm_fault(&fx, at + PAGE_SIZE + 8, PF_USER_READ, &res), FS_DECISION_LAZY);
    assert_int_equal(res.populate, FS_POPULATE_ZERO);
    expect_zero(frame_ptr(res.frame), PAGE_SIZE); /* the pool fills free frames with 0xa5 */
    unsigned prot;
    assert_int_equal(mm_mapped(&fx, at + PAGE_SIZE, &prot), res.frame);
    assert_int_equal(prot, FS_PROT_READ | FS_PROT_WRITE);
    assert_int_equal(fx.stats.lazy_by_type[types[i]], 1);
  }
  assert_int_equal(fx.stats.file_pages_read, 0);
  mm_fixture_fini(&fx);
}

static void test_file_bytes_at_offset_then_zeros(void **state) {
  (void)state;
  struct mm_fixture fx;
  struct vfs_file *file = mm_pattern_file(FILE_SIZE);
  mm_fixture_init(&fx, 32);
  /* Text: file offset 0x2000, 3 pages, all file bytes. */
  assert_int_equal(vm_space_add_region(fx.vs, VM_REGION_TEXT, TEXT_AT, TEXT_AT + 3 * PAGE_SIZE,
                                       FS_PROT_READ | FS_PROT_EXEC, 0, file, 0x2000, 3 * PAGE_SIZE),
                   0);
  struct vm_fault_result res;
  assert_int_equal(mm_fault(&fx, TEXT_AT + PAGE_SIZE + 5, PF_USER_EXEC, &res), FS_DECISION_LAZY);
  assert_int_equal(res.populate, FS_POPULATE_FILE);
  expect_file_bytes(mm_bytes(&fx, TEXT_AT + PAGE_SIZE), 0x3000, PAGE_SIZE);
  assert_int_equal(fx.stats.file_pages_read, 1);
  assert_int_equal(fx.stats.lazy_by_type[FS_REGION_TEXT], 1);
  unsigned prot;
  mm_mapped(&fx, TEXT_AT + PAGE_SIZE, &prot);
  assert_int_equal(prot, FS_PROT_READ | FS_PROT_EXEC);

  /* Data rw-: file length 0x1800 -> page 1 holds 0x800 file bytes then zeros,
   * page 2 is all zero, and neither is the cache's frame. */
  uint64_t data = 0x600000;
  assert_int_equal(vm_space_add_region(fx.vs, VM_REGION_DATA, data, data + 3 * PAGE_SIZE,
                                       FS_PROT_READ | FS_PROT_WRITE, 0, file, 0x1000, 0x1800),
                   0);
  assert_int_equal(mm_fault(&fx, data + PAGE_SIZE, PF_USER_READ, &res), FS_DECISION_LAZY);
  unsigned char *p = mm_bytes(&fx, data + PAGE_SIZE);
  expect_file_bytes(p, 0x2000, 0x800);
  expect_zero(p + 0x800, PAGE_SIZE - 0x800);
  assert_int_equal(mm_fault(&fx, data + 2 * PAGE_SIZE, PF_USER_WRITE, &res), FS_DECISION_LAZY);
  assert_int_equal(res.populate, FS_POPULATE_ZERO);
  expect_zero(mm_bytes(&fx, data + 2 * PAGE_SIZE), PAGE_SIZE);
  mm_fixture_fini(&fx);
  host_file_destroy(file);
}

/* Exec layout of a data segment whose file part ends mid-page while the file
 * continues: the split page is file bytes then zeros, byte-exact. */
static void test_data_bss_split_page_is_byte_exact(void **state) {
  (void)state;
  struct mm_fixture fx;
  struct vfs_file *file = mm_pattern_file(0x8000);
  mm_fixture_init(&fx, 64);
  struct vm_exec_segment segs[] = {
      {.vaddr = 0x401000,
       .memsz = 0x1000,
       .file_offset = 0x1000,
       .filesz = 0x1000,
       .prot = FS_PROT_READ | FS_PROT_EXEC},
      /* data: vaddr 0x603120 (file 0x3120), 0x1000 file bytes end at 0x604120,
       * bss to 0x606800. */
      {.vaddr = 0x603120,
       .memsz = 0x36e0,
       .file_offset = 0x3120,
       .filesz = 0x1000,
       .prot = FS_PROT_READ | FS_PROT_WRITE},
  };
  struct vm_exec_image img = {file, segs, 2, 0, VM_STACK_GUARD_PAGES_DEFAULT};
  assert_int_equal(vm_space_layout_exec(fx.vs, &img), 0);

  struct vm_region *data = vm_region_find(&fx.vs->regions, 0x603000);
  assert_non_null(data);
  assert_int_equal(data->type, VM_REGION_DATA);
  assert_int_equal(data->start, 0x603000);
  assert_int_equal(data->end, 0x605000);
  struct vm_region *bss = vm_region_find(&fx.vs->regions, 0x605000);
  assert_non_null(bss);
  assert_int_equal(bss->type, VM_REGION_BSS);
  assert_int_equal(bss->end, 0x607000);
  assert_null(bss->file);

  struct vm_fault_result res;
  /* The first data page: file bytes from 0x3000 (before vaddr too, as Linux). */
  assert_int_equal(mm_fault(&fx, 0x603120, PF_USER_READ, &res), FS_DECISION_LAZY);
  expect_file_bytes(mm_bytes(&fx, 0x603000), 0x3000, PAGE_SIZE);
  /* The split page: 0x120 file bytes, then zeros even though the file goes on. */
  assert_int_equal(mm_fault(&fx, 0x604200, PF_USER_WRITE, &res), FS_DECISION_LAZY);
  assert_int_equal(res.region_type, FS_REGION_DATA);
  unsigned char *p = mm_bytes(&fx, 0x604000);
  expect_file_bytes(p, 0x4000, 0x120);
  expect_zero(p + 0x120, PAGE_SIZE - 0x120);
  /* BSS proper. */
  assert_int_equal(mm_fault(&fx, 0x606ff8, PF_USER_WRITE, &res), FS_DECISION_LAZY);
  assert_int_equal(res.region_type, FS_REGION_BSS);
  expect_zero(mm_bytes(&fx, 0x606000), PAGE_SIZE);
  assert_int_equal(fx.vs->brk_start, 0x607000);
  mm_fixture_fini(&fx);
  host_file_destroy(file);
}

static void test_read_only_file_pages_shared_from_cache(void **state) {
  (void)state;
  struct mm_fixture a, b;
  struct vfs_file *file = mm_pattern_file(FILE_SIZE);
  mm_fixture_init(&a, 32);
  /* A second space on the same frame pool: built by hand. */
  b.pt = host_pt_create();
  memset(&b.stats, 0, sizeof(b.stats));
  b.vs = vm_space_create(b.pt, &b.stats);
  b.rip = 0x500000;
  struct page_cache_stats before, after;
  page_cache_get_stats(&before);

  for (struct mm_fixture *fx = &a; fx; fx = fx == &a ? &b : NULL)
    assert_int_equal(vm_space_add_region(fx->vs, VM_REGION_TEXT, TEXT_AT, TEXT_AT + 7 * PAGE_SIZE,
                                         FS_PROT_READ | FS_PROT_EXEC, 0, file, 0, FILE_SIZE),
                     0);
  struct vm_fault_result ra, rb;
  assert_int_equal(mm_fault(&a, TEXT_AT + 2 * PAGE_SIZE, PF_USER_EXEC, &ra), FS_DECISION_LAZY);
  assert_int_equal(ra.populate, FS_POPULATE_FILE);
  assert_int_equal(mm_fault(&b, TEXT_AT + 2 * PAGE_SIZE + 9, PF_USER_READ, &rb), FS_DECISION_LAZY);
  assert_int_equal(rb.populate, FS_POPULATE_CACHE);
  assert_int_equal(ra.frame, rb.frame); /* one frame, two mappings */
  assert_int_equal(frame_refcount(ra.frame), 3);
  assert_int_equal(page_cache_peek(file, 2 * PAGE_SIZE), ra.frame);
  assert_int_equal(a.stats.file_pages_read, 1);
  assert_int_equal(a.stats.page_cache_hits, 0);
  assert_int_equal(b.stats.file_pages_read, 0);
  assert_int_equal(b.stats.page_cache_hits, 1);
  assert_int_equal(host_file_reads(file), 1);
  page_cache_get_stats(&after);
  assert_int_equal(after.hits - before.hits, 1);
  assert_int_equal(after.pages_read - before.pages_read, 1);

  /* The last page runs to EOF: shared too, zero past EOF. */
  assert_int_equal(mm_fault(&a, TEXT_AT + 6 * PAGE_SIZE, PF_USER_READ, &ra), FS_DECISION_LAZY);
  assert_int_equal(page_cache_peek(file, 6 * PAGE_SIZE), ra.frame);
  expect_file_bytes(frame_ptr(ra.frame), 6 * PAGE_SIZE, 0x123);
  expect_zero((unsigned char *)frame_ptr(ra.frame) + 0x123, PAGE_SIZE - 0x123);

  /* Tearing one space down leaves the other's view intact. */
  vm_space_destroy(b.vs);
  host_pt_destroy(b.pt);
  assert_int_equal(frame_refcount(rb.frame), 2);
  expect_file_bytes(mm_bytes(&a, TEXT_AT + 2 * PAGE_SIZE), 2 * PAGE_SIZE, PAGE_SIZE);
  mm_fixture_fini(&a);
  host_file_destroy(file);
}

static void test_private_writable_copy_leaves_cache_untouched(void **state) {
  (void)state;
  struct mm_fixture fx;
  struct vfs_file *file = mm_pattern_file(FILE_SIZE);
  mm_fixture_init(&fx, 32);
  uint64_t ro = 0x20000000, rw = 0x30000000;
  assert_int_equal(vm_space_add_region(fx.vs, VM_REGION_MMAP_FILE, ro, ro + 2 * PAGE_SIZE,
                                       FS_PROT_READ, 0, file, PAGE_SIZE, 2 * PAGE_SIZE),
                   0);
  assert_int_equal(vm_space_add_region(fx.vs, VM_REGION_MMAP_FILE, rw, rw + 2 * PAGE_SIZE,
                                       FS_PROT_READ | FS_PROT_WRITE, 0, file, PAGE_SIZE,
                                       2 * PAGE_SIZE),
                   0);
  struct vm_fault_result res;
  assert_int_equal(mm_fault(&fx, ro, PF_USER_READ, &res), FS_DECISION_LAZY);
  paddr_t cached = res.frame;
  assert_int_equal(page_cache_peek(file, PAGE_SIZE), cached);

  assert_int_equal(mm_fault(&fx, rw + 16, PF_USER_WRITE, &res), FS_DECISION_LAZY);
  assert_int_equal(res.populate, FS_POPULATE_CACHE); /* copied from the warm cache page */
  assert_true(res.frame != cached);
  assert_int_equal(fx.stats.page_cache_hits, 1);
  unsigned prot;
  mm_mapped(&fx, rw, &prot);
  assert_int_equal(prot, FS_PROT_READ | FS_PROT_WRITE);
  unsigned char *mine = mm_bytes(&fx, rw);
  expect_file_bytes(mine, PAGE_SIZE, PAGE_SIZE);
  memset(mine, 0, 64); /* the process writes */
  expect_file_bytes(frame_ptr(cached), PAGE_SIZE, PAGE_SIZE);
  assert_int_equal(frame_refcount(cached), 2); /* cache + the read-only mapping */

  /* Cold page of the writable mapping: read straight from the file. */
  assert_int_equal(mm_fault(&fx, rw + PAGE_SIZE, PF_USER_READ, &res), FS_DECISION_LAZY);
  assert_int_equal(res.populate, FS_POPULATE_FILE);
  assert_int_equal(page_cache_peek(file, 2 * PAGE_SIZE), 0);
  expect_file_bytes(mm_bytes(&fx, rw + PAGE_SIZE), 2 * PAGE_SIZE, PAGE_SIZE);
  mm_fixture_fini(&fx);
  host_file_destroy(file);
}

/* A read-only private page shares the cache frame; after mprotect(RW) a write
 * must copy it (never write through to the cache). */
static void test_write_after_mprotect_breaks_cache_sharing(void **state) {
  (void)state;
  struct mm_fixture fx;
  struct vfs_file *file = mm_pattern_file(FILE_SIZE);
  mm_fixture_init(&fx, 32);
  uint64_t at;
  assert_int_equal(vm_mmap(fx.vs, 0, 2 * PAGE_SIZE, FS_PROT_READ, VM_MAP_PRIVATE, file, 0, &at), 0);
  struct vm_fault_result res;
  assert_int_equal(mm_fault(&fx, at, PF_USER_READ, &res), FS_DECISION_LAZY);
  paddr_t cached = res.frame;
  assert_int_equal(vm_mprotect(fx.vs, at, 2 * PAGE_SIZE, FS_PROT_READ | FS_PROT_WRITE), 0);
  unsigned prot;
  assert_int_equal(mm_mapped(&fx, at, &prot), cached);
  assert_int_equal(prot, FS_PROT_READ); /* write stays off on the cache frame */
  assert_int_equal(mm_fault(&fx, at + 8, PF_USER_WRITE | FS_PF_P, &res), FS_DECISION_LAZY);
  assert_int_equal(res.populate, FS_POPULATE_CACHE);
  assert_true(res.frame != cached);
  assert_int_equal(mm_mapped(&fx, at, &prot), res.frame);
  assert_int_equal(prot, FS_PROT_READ | FS_PROT_WRITE);
  assert_int_equal(frame_refcount(cached), 1); /* only the cache now */
  memset(mm_bytes(&fx, at), 0xee, PAGE_SIZE);
  expect_file_bytes(frame_ptr(cached), 0, PAGE_SIZE);
  mm_fixture_fini(&fx);
  host_file_destroy(file);
}

static void test_page_cache_drop_file(void **state) {
  (void)state;
  struct mm_fixture fx;
  struct vfs_file *f1 = mm_pattern_file(3 * PAGE_SIZE), *f2 = mm_pattern_file(PAGE_SIZE);
  mm_fixture_init(&fx, 32);
  paddr_t pa;
  bool hit;
  assert_int_equal(page_cache_get(f1, 0, &pa, &hit), 0);
  assert_false(hit);
  frame_put(pa);
  assert_int_equal(page_cache_get(f1, PAGE_SIZE, &pa, &hit), 0);
  frame_put(pa);
  assert_int_equal(page_cache_get(f2, 0, &pa, &hit), 0);
  paddr_t kept = pa; /* still referenced by "a mapping" */
  assert_int_equal(page_cache_get(f1, 0, &pa, &hit), 0);
  assert_true(hit);
  frame_put(pa);
  struct page_cache_stats st;
  page_cache_get_stats(&st);
  assert_int_equal(st.pages, 3);
  page_cache_drop_file(f1);
  page_cache_get_stats(&st);
  assert_int_equal(st.pages, 1);
  assert_int_equal(page_cache_peek(f1, 0), 0);
  assert_int_equal(page_cache_peek(f2, 0), kept);
  page_cache_drop_file(f2);
  assert_int_equal(frame_refcount(kept), 1); /* the mapping's reference survives */
  frame_put(kept);
  mm_fixture_fini(&fx);
  host_file_destroy(f1);
  host_file_destroy(f2);
}

/* ---- guards, spurious, loops ------------------------------------------------ */
static void test_guard_hits(void **state) {
  (void)state;
  struct mm_fixture fx;
  struct vfs_file *file = mm_pattern_file(0x2000);
  mm_fixture_init(&fx, 64);
  struct vm_exec_segment seg = {0x401000, 0x1000, 0x1000, 0x1000, FS_PROT_READ | FS_PROT_EXEC};
  struct vm_exec_image img = {file, &seg, 1, 0, VM_STACK_GUARD_PAGES_DEFAULT};
  assert_int_equal(vm_space_layout_exec(fx.vs, &img), 0);
  size_t free_before = host_frames_free();
  struct vm_fault_result res;

  uint64_t below_stack = VM_STACK_TOP - VM_STACK_MAX_DEFAULT - 8;
  assert_int_equal(mm_fault(&fx, below_stack, PF_USER_WRITE, &res), FS_DECISION_GUARD);
  assert_true(res.stack_overflow);
  assert_int_equal(res.region_type, FS_REGION_GUARD);
  assert_int_equal(res.signal, VM_SIGSEGV);
  /* The whole guard counts as a stack overflow, down to its lowest page. */
  uint64_t guard_lo =
      VM_STACK_TOP - VM_STACK_MAX_DEFAULT - VM_STACK_GUARD_PAGES_DEFAULT * PAGE_SIZE;
  assert_int_equal(mm_fault(&fx, guard_lo, PF_USER_READ, &res), FS_DECISION_GUARD);
  assert_true(res.stack_overflow);
  /* Below it: the mmap-area guard, not a stack overflow. */
  assert_int_equal(mm_fault(&fx, guard_lo - 1, PF_USER_READ, &res), FS_DECISION_GUARD);
  assert_false(res.stack_overflow);
  /* Above the heap limit. */
  assert_int_equal(mm_fault(&fx, fx.vs->brk_limit + 100, PF_USER_WRITE, &res), FS_DECISION_GUARD);
  assert_false(res.stack_overflow);
  assert_int_equal(fx.stats.guard_hits, 4);
  assert_int_equal(host_frames_free(), free_before); /* guards never allocate */
  /* The lowest stack page itself is fine. */
  assert_int_equal(mm_fault(&fx, below_stack + 8, PF_USER_WRITE, &res), FS_DECISION_LAZY);
  assert_int_equal(fx.stats.lazy_by_type[FS_REGION_STACK], 1);
  mm_fixture_fini(&fx);
  host_file_destroy(file);
}

static void test_spurious_faults(void **state) {
  (void)state;
  struct mm_fixture fx;
  mm_fixture_init(&fx, 16);
  uint64_t at = 0x7000000;
  assert_int_equal(vm_space_add_region(fx.vs, VM_REGION_MMAP_ANON, at, at + PAGE_SIZE,
                                       FS_PROT_READ | FS_PROT_WRITE, 0, NULL, 0, 0),
                   0);
  struct vm_fault_result res;
  assert_int_equal(mm_fault(&fx, at, PF_USER_WRITE, &res), FS_DECISION_LAZY);
  paddr_t frame = res.frame;
  /* Raced fault (P=0 but present) and a stale-TLB protection fault. */
  assert_int_equal(mm_fault(&fx, at + 1, PF_USER_WRITE, &res), FS_DECISION_SPURIOUS);
  assert_int_equal(res.frame, frame);
  assert_int_equal(res.signal, 0);
  assert_int_equal(mm_fault(&fx, at + 2, PF_USER_READ | FS_PF_P, &res), FS_DECISION_SPURIOUS);
  /* An entry that lags behind the region (widened rights): fixed, spurious. */
  pt_protect(fx.pt, at, FS_PROT_READ);
  assert_int_equal(mm_fault(&fx, at + 3, PF_USER_WRITE | FS_PF_P, &res), FS_DECISION_SPURIOUS);
  unsigned prot;
  assert_int_equal(mm_mapped(&fx, at, &prot), frame);
  assert_int_equal(prot, FS_PROT_READ | FS_PROT_WRITE);
  assert_int_equal(fx.stats.spurious, 3);
  assert_int_equal(fx.stats.lazy_by_type[FS_REGION_MMAP_ANON], 1);
  assert_int_equal(host_frames_free() + 3, host_frames_total()); /* no extra frame */
  mm_fixture_fini(&fx);
}

static void test_protection_violations(void **state) {
  (void)state;
  struct mm_fixture fx;
  mm_fixture_init(&fx, 16);
  uint64_t at = 0x7000000;
  assert_int_equal(vm_space_add_region(fx.vs, VM_REGION_MMAP_ANON, at, at + PAGE_SIZE, FS_PROT_READ,
                                       0, NULL, 0, 0),
                   0);
  struct vm_fault_result res;
  assert_int_equal(mm_fault(&fx, at, PF_USER_READ, &res), FS_DECISION_LAZY);
  assert_int_equal(mm_fault(&fx, at, PF_USER_WRITE | FS_PF_P, &res), FS_DECISION_PROTECTION);
  assert_int_equal(res.si_code, VM_SEGV_ACCERR);
  assert_int_equal(res.region_prot, FS_PROT_READ);
  assert_int_equal(mm_fault(&fx, at, PF_USER_EXEC | FS_PF_P, &res), FS_DECISION_PROTECTION);
  /* A reserved-bit fault is never retried. */
  assert_int_equal(mm_fault(&fx, at, PF_USER_READ | FS_PF_P | FS_PF_RSVD, &res),
                   FS_DECISION_PROTECTION);
  assert_int_equal(fx.stats.protection_violations, 3);
  mm_fixture_fini(&fx);
}

static void test_fault_loop_is_killed(void **state) {
  (void)state;
  struct mm_fixture fx;
  mm_fixture_init(&fx, 16);
  uint64_t at = 0x7000000, rip = 0x401234;
  assert_int_equal(vm_space_add_region(fx.vs, VM_REGION_MMAP_ANON, at, at + PAGE_SIZE,
                                       FS_PROT_READ | FS_PROT_WRITE, 0, NULL, 0, 0),
                   0);
  struct vm_fault_result res;
  assert_int_equal(vm_region_handle_page_fault(fx.vs, at, PF_USER_WRITE, rip, &res),
                   FS_DECISION_LAZY);
  for (unsigned i = 0; i < VM_FAULT_LOOP_LIMIT; i++) {
    assert_int_equal(vm_region_handle_page_fault(fx.vs, at, PF_USER_WRITE, rip, &res),
                     FS_DECISION_SPURIOUS);
    assert_false(res.fault_loop);
  }
  klog_level = FS_LOG_ERROR;
  host_log_reset();
  assert_int_equal(vm_region_handle_page_fault(fx.vs, at, PF_USER_WRITE, rip, &res),
                   FS_DECISION_PROTECTION);
  assert_true(res.fault_loop);
  assert_int_equal(res.signal, VM_SIGSEGV);
  assert_non_null(strstr(host_log_last(), "fault loop at rip=0x401234 addr=0x7000000"));
  /* A different rip in between resets the count. */
  for (unsigned i = 0; i < 3 * VM_FAULT_LOOP_LIMIT; i++) {
    assert_int_equal(vm_region_handle_page_fault(fx.vs, at, PF_USER_WRITE, rip + (i % 2), &res),
                     FS_DECISION_SPURIOUS);
  }
  mm_fixture_fini(&fx);
}

static void test_log_lines(void **state) {
  (void)state;
  struct mm_fixture fx;
  mm_fixture_init(&fx, 16);
  fx.vs->pid = 7;
  assert_int_equal(vm_space_add_region(fx.vs, VM_REGION_HEAP, 0x600000, 0x601000,
                                       FS_PROT_READ | FS_PROT_WRITE, 0, NULL, 0, 0),
                   0);
  host_log_reset();
  klog_level = FS_LOG_INFO;
  mm_fault(&fx, 0x600010, PF_USER_WRITE, NULL);
  assert_int_equal(host_log_lines(), 0); /* below DEBUG: nothing formatted */
  klog_level = FS_LOG_DEBUG;
  fx.rip = 0x401abc;
  mm_fault(&fx, 0x600020, PF_USER_READ, NULL);
  assert_int_equal(host_log_lines(), 1);
  const char *line = host_log_last();
  assert_non_null(strstr(line, "pid=7 rip=0x401abc addr=0x600020 read user not-present"));
  assert_non_null(strstr(line, "region=heap[0x600000-0x601000) rw- -> spurious"));
  mm_fault(&fx, 0x900000, FS_PF_W, NULL);
  assert_non_null(strstr(host_log_last(), "write kernel not-present region=none"));
  assert_non_null(strstr(host_log_last(), "-> invalid populate=none frame=0x0"));
  klog_level = FS_LOG_WARN;
  mm_fixture_fini(&fx);
}

/* ---- OOM and failure injection ---------------------------------------------- */
static void test_oom_with_tiny_pool(void **state) {
  (void)state;
  struct mm_fixture fx;
  mm_fixture_init(&fx, 8); /* 1 vm_space + 1 region slab + 6 for pages */
  uint64_t at = 0x7000000;
  assert_int_equal(vm_space_add_region(fx.vs, VM_REGION_MMAP_ANON, at, at + 64 * PAGE_SIZE,
                                       FS_PROT_READ | FS_PROT_WRITE, 0, NULL, 0, 0),
                   0);
  struct vm_fault_result res;
  unsigned lazy = 0;
  enum fs_decision d;
  while ((d = mm_fault(&fx, at + lazy * PAGE_SIZE, PF_USER_WRITE, &res)) == FS_DECISION_LAZY)
    lazy++;
  assert_int_equal(lazy, 6);
  assert_int_equal(d, FS_DECISION_OOM);
  assert_int_equal(res.signal, VM_SIGKILL);
  assert_int_equal(res.frame, 0);
  assert_int_equal(fx.stats.oom_kills, 1);
  assert_int_equal(host_frames_free(), 0);
  assert_int_equal(host_pt_count(fx.pt), 6);
  mm_fixture_fini(&fx); /* every frame back */
}

/* A scenario touching every population path; returns its decisions. */
static void run_scenario(struct mm_fixture *fx, const struct vfs_file *file,
                         enum fs_decision out[8]) {
  uint64_t at = 0;
  int i = 0;
  /* Region nodes may fail too: then the mapping is simply absent (invalid). */
  vm_mmap(fx->vs, 0x20000000, 4 * PAGE_SIZE, FS_PROT_READ, VM_MAP_PRIVATE | VM_MAP_FIXED, file, 0,
          &at);
  vm_mmap(fx->vs, 0x30000000, 4 * PAGE_SIZE, FS_PROT_READ | FS_PROT_WRITE,
          VM_MAP_PRIVATE | VM_MAP_FIXED, file, 0, &at);
  vm_mmap(fx->vs, 0x40000000, 4 * PAGE_SIZE, FS_PROT_READ | FS_PROT_WRITE,
          VM_MAP_PRIVATE | VM_MAP_FIXED | VM_MAP_ANONYMOUS, NULL, 0, &at);
  out[i++] = mm_fault(fx, 0x20000000, PF_USER_READ, NULL);  /* cache fill */
  out[i++] = mm_fault(fx, 0x20001000, PF_USER_READ, NULL);  /* cache fill */
  out[i++] = mm_fault(fx, 0x30000000, PF_USER_WRITE, NULL); /* private copy from cache */
  out[i++] = mm_fault(fx, 0x30002000, PF_USER_WRITE, NULL); /* private copy from file */
  out[i++] = mm_fault(fx, 0x40000000, PF_USER_WRITE, NULL); /* zero page */
  vm_mprotect(fx->vs, 0x20000000, PAGE_SIZE, FS_PROT_READ | FS_PROT_WRITE);
  out[i++] = mm_fault(fx, 0x20000000, PF_USER_WRITE | FS_PF_P, NULL); /* break sharing */
  out[i++] = mm_fault(fx, 0x40003000, PF_USER_READ, NULL);
  out[i++] = mm_fault(fx, 0x20003000, PF_USER_READ, NULL);
}

static void test_failure_injection_at_every_allocation(void **state) {
  (void)state;
  struct vfs_file *file = mm_pattern_file(FILE_SIZE);
  enum fs_decision clean[8], got[8];
  struct mm_fixture fx;
  mm_fixture_init(&fx, 64);
  uint64_t base = host_frame_allocs();
  run_scenario(&fx, file, clean);
  uint64_t allocations = host_frame_allocs() - base;
  for (int i = 0; i < 8; i++)
    assert_int_equal(clean[i], FS_DECISION_LAZY);
  mm_fixture_fini(&fx);
  assert_true(allocations >= 9);

  for (uint64_t nth = 1; nth <= allocations; nth++) {
    mm_fixture_init(&fx, 64);
    host_frames_fail_nth(nth);
    run_scenario(&fx, file, got);
    int oom = 0;
    for (int i = 0; i < 8; i++) {
      if (got[i] == FS_DECISION_OOM)
        oom++;
      else
        assert_true(got[i] == FS_DECISION_LAZY || got[i] == FS_DECISION_INVALID ||
                    got[i] == FS_DECISION_PROTECTION);
    }
    assert_int_equal(host_frame_alloc_failures(), 1);
    /* A failed region-node slab shows as missing regions; otherwise exactly
     * one fault reports oom. */
    assert_true(oom <= 1);
    assert_true(oom == 1 || fx.stats.invalid_addresses > 0);
    assert_int_equal(fx.stats.oom_kills, (uint64_t)oom);
    mm_fixture_fini(&fx); /* asserts no leak */
  }
  /* The page-table seam failing is an oom too, with nothing left behind. */
  for (uint64_t nth = 1; nth <= 6; nth++) {
    mm_fixture_init(&fx, 64);
    host_pt_fail_map_nth(nth);
    run_scenario(&fx, file, got);
    int oom = 0;
    for (int i = 0; i < 8; i++)
      oom += got[i] == FS_DECISION_OOM;
    assert_int_equal(oom, 1);
    host_pt_fail_map_nth(0);
    mm_fixture_fini(&fx);
  }
  host_file_destroy(file);
}

static void test_user_page_helper(void **state) {
  (void)state;
  struct mm_fixture fx;
  mm_fixture_init(&fx, 16);
  assert_int_equal(vm_space_add_region(fx.vs, VM_REGION_STACK, 0x7000000, 0x7002000,
                                       FS_PROT_READ | FS_PROT_WRITE, VM_GROWS_DOWN, NULL, 0, 0),
                   0);
  assert_int_equal(vm_space_add_region(fx.vs, VM_REGION_MMAP_ANON, 0x8000000, 0x8001000,
                                       FS_PROT_READ, 0, NULL, 0, 0),
                   0);
  paddr_t pa, again;
  assert_int_equal(vm_space_user_page(fx.vs, 0x7001ff0, true, &pa), 0);
  assert_int_equal(mm_mapped(&fx, 0x7001000, NULL), pa);
  assert_int_equal(vm_space_user_page(fx.vs, 0x7001000, false, &again), 0);
  assert_int_equal(again, pa);
  assert_int_equal(fx.stats.faults_total, 1); /* the second one found it present */
  assert_int_equal(fx.stats.kernel_mode_faults, 1);
  assert_int_equal(vm_space_user_page(fx.vs, 0x8000000, true, &pa), -EFAULT);
  assert_int_equal(vm_space_user_page(fx.vs, 0x9000000, false, &pa), -EFAULT);
  host_frames_fail_nth(1);
  assert_int_equal(vm_space_user_page(fx.vs, 0x7000000, true, &pa), -ENOMEM);
  mm_fixture_fini(&fx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_decision_table),
      cmocka_unit_test(test_invalid_addresses),
      cmocka_unit_test(test_anonymous_pages_are_zero),
      cmocka_unit_test(test_file_bytes_at_offset_then_zeros),
      cmocka_unit_test(test_data_bss_split_page_is_byte_exact),
      cmocka_unit_test(test_read_only_file_pages_shared_from_cache),
      cmocka_unit_test(test_private_writable_copy_leaves_cache_untouched),
      cmocka_unit_test(test_write_after_mprotect_breaks_cache_sharing),
      cmocka_unit_test(test_page_cache_drop_file),
      cmocka_unit_test(test_guard_hits),
      cmocka_unit_test(test_spurious_faults),
      cmocka_unit_test(test_protection_violations),
      cmocka_unit_test(test_fault_loop_is_killed),
      cmocka_unit_test(test_log_lines),
      cmocka_unit_test(test_oom_with_tiny_pool),
      cmocka_unit_test(test_failure_injection_at_every_allocation),
      cmocka_unit_test(test_user_page_helper),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
