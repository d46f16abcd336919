/* Edge cases of the fault core the issue lists, each on its own: the first
 * and last byte of a region and one byte outside, an access straddling two
 * pages of two different regions, unaligned addresses, a fault loop (a
 * page table that "forgets" every mapping) detected and killed, and a huge
 * region touched in a few places that mprotect and munmap handle at the cost
 * of what is mapped, not of the region's size. */
#include <stdlib.h>

#include "mm_test.h"

#define LO 0x600000ULL /* heap [LO, LO + 4 pages) */
#define HI (LO + 4 * PAGE_SIZE)

static void add(struct mm_fixture *fx, enum vm_region_type t, uint64_t s, uint64_t e,
                unsigned prot) {
  assert_int_equal(vm_space_add_region(fx->vs, t, s, e, prot, 0, NULL, 0, 0), 0);
}

static void test_first_last_byte_and_one_outside(void **state) {
  (void)state;
  struct mm_fixture fx;
  mm_fixture_init(&fx, 32);
  add(&fx, VM_REGION_HEAP, LO, HI, FS_PROT_READ | FS_PROT_WRITE);
  struct vm_fault_result res;
  assert_int_equal(mm_fault(&fx, LO, PF_USER_WRITE, &res), FS_DECISION_LAZY);
  assert_int_equal(res.region_type, FS_REGION_HEAP);
  assert_int_equal(mm_fault(&fx, HI - 1, PF_USER_READ, &res), FS_DECISION_LAZY);
  assert_int_equal(res.region_start, LO);
  assert_int_equal(res.region_end, HI);
  /* Exactly the two end pages are populated, nothing in between. */
  assert_true(mm_mapped(&fx, LO, NULL) != 0);
  assert_true(mm_mapped(&fx, HI - PAGE_SIZE, NULL) != 0);
  assert_true(mm_mapped(&fx, LO + PAGE_SIZE, NULL) == 0);
  assert_int_equal(mm_fault(&fx, LO - 1, PF_USER_READ, &res), FS_DECISION_INVALID);
  assert_int_equal(res.si_code, VM_SEGV_MAPERR);
  assert_int_equal(mm_fault(&fx, HI, PF_USER_WRITE, &res), FS_DECISION_INVALID);
  assert_int_equal(res.region_type, FS_REGION_NONE);
  assert_int_equal(fx.stats.lazy_by_type[FS_REGION_HEAP], 2);
  assert_int_equal(fx.stats.invalid_addresses, 2);
  assert_int_equal(fx.stats.faults_total, 4);
  mm_fixture_fini(&fx);
}

/* An 8-byte write at HI - 4 touches the heap's last page and the first page
 * of the region above: x86 raises one fault per page (CR2 = the first byte
 * of each page touched), and each gets the decision of its own region. */
static void test_straddling_two_regions(void **state) {
  (void)state;
  struct mm_fixture fx;
  mm_fixture_init(&fx, 32);
  add(&fx, VM_REGION_HEAP, LO, HI, FS_PROT_READ | FS_PROT_WRITE);
  add(&fx, VM_REGION_MMAP_ANON, HI, HI + PAGE_SIZE, FS_PROT_READ); /* read-only */
  add(&fx, VM_REGION_GUARD, HI + PAGE_SIZE, HI + 2 * PAGE_SIZE, 0);
  struct vm_fault_result res;
  assert_int_equal(mm_fault(&fx, HI - 4, PF_USER_WRITE, &res), FS_DECISION_LAZY);
  assert_int_equal(res.region_type, FS_REGION_HEAP);
  assert_int_equal(mm_fault(&fx, HI, PF_USER_WRITE, &res), FS_DECISION_PROTECTION);
  assert_int_equal(res.region_type, FS_REGION_MMAP_ANON);
  assert_int_equal(res.si_code, VM_SEGV_ACCERR);
  assert_true(mm_mapped(&fx, HI, NULL) == 0); /* a refused access maps nothing */
  /* A read straddling into the guard: lazy below, guard above. */
  assert_int_equal(mm_fault(&fx, HI + PAGE_SIZE - 2, PF_USER_READ, &res), FS_DECISION_LAZY);
  assert_int_equal(mm_fault(&fx, HI + PAGE_SIZE, PF_USER_READ, &res), FS_DECISION_GUARD);
  assert_false(res.stack_overflow);
  assert_int_equal(fx.stats.guard_hits, 1);
  assert_int_equal(fx.stats.protection_violations, 1);
  mm_fixture_fini(&fx);
}

static void test_unaligned_addresses(void **state) {
  (void)state;
  struct mm_fixture fx;
  mm_fixture_init(&fx, 32);
  add(&fx, VM_REGION_HEAP, LO, HI, FS_PROT_READ | FS_PROT_WRITE);
  struct vm_fault_result res;
  uint64_t odd = LO + PAGE_SIZE + 0x7ff;
  assert_int_equal(mm_fault(&fx, odd, PF_USER_WRITE, &res), FS_DECISION_LAZY);
  /* The whole containing page is mapped, zeroed, at its aligned address. */
  paddr_t pa = mm_mapped(&fx, LO + PAGE_SIZE, NULL);
  assert_true(pa != 0);
  assert_int_equal(res.frame, pa);
  unsigned char *bytes = mm_bytes(&fx, LO + PAGE_SIZE);
  for (size_t i = 0; i < PAGE_SIZE; i++)
    assert_int_equal(bytes[i], 0);
  /* Another unaligned address in the same page: already there. */
  assert_int_equal(mm_fault(&fx, LO + PAGE_SIZE + 1, PF_USER_READ, &res), FS_DECISION_SPURIOUS);
  assert_int_equal(res.frame, pa);
  assert_int_equal(fx.stats.lazy_by_type[FS_REGION_HEAP], 1);
  assert_int_equal(fx.stats.spurious, 1);
  mm_fixture_fini(&fx);
}

/* A page table that forgets: after every fault the entry is gone again (the
 * test drops it, giving the frame back), so each retry faults at the same
 * rip and address.  The core must notice after VM_FAULT_LOOP_LIMIT retries
 * and end it (protection, fault_loop, an error log) instead of spinning. */
static void forget(struct mm_fixture *fx, uint64_t addr) {
  paddr_t pa;
  unsigned prot;
  if (pt_lookup(fx->pt, PAGE_ROUND_DOWN(addr), &pa, &prot)) {
    pt_unmap(fx->pt, PAGE_ROUND_DOWN(addr));
    frame_put(pa);
  }
}

static void test_fault_loop_with_forgetting_page_table(void **state) {
  (void)state;
  struct mm_fixture fx;
  mm_fixture_init(&fx, 32);
  add(&fx, VM_REGION_HEAP, LO, HI, FS_PROT_READ | FS_PROT_WRITE);
  uint64_t rip = 0x401abc, addr = LO + 0x10;
  struct vm_fault_result res;
  klog_level = FS_LOG_ERROR;
  host_log_reset();
  unsigned tries = 0;
  enum fs_decision d;
  do {
    d = vm_region_handle_page_fault(fx.vs, addr, PF_USER_READ, rip, &res);
    forget(&fx, addr);
    tries++;
  } while (d == FS_DECISION_LAZY && tries < 100);
  assert_int_equal(d, FS_DECISION_PROTECTION);
  assert_true(res.fault_loop);
  assert_int_equal(res.signal, VM_SIGSEGV);
  assert_int_equal(tries, VM_FAULT_LOOP_LIMIT + 2); /* the first try, the retries, the kill */
  assert_non_null(strstr(host_log_last(), "fault loop at rip=0x401abc addr=0x600010"));
  assert_int_equal(fx.stats.protection_violations, 1);
  mm_fixture_fini(&fx);
}

struct visits {
  uint64_t va[8];
  size_t n;
  struct pt_space *unmap; /* non-NULL: unmap each page as it is visited */
};

static void record_visit(void *ctx, vaddr_t va, paddr_t pa) {
  struct visits *v = ctx;
  assert_true(pa != 0);
  assert_true(v->n < 8);
  v->va[v->n++] = va;
  if (v->unmap)
    pt_unmap(v->unmap, va);
}

/* Both host strategies: a range no larger than the table is probed page by
 * page, a larger one is picked out of the table; either way ascending, only
 * [lo, hi), and the visitor may unmap what it is given. */
static void test_for_each_mapped_order_and_bounds(void **state) {
  (void)state;
  struct pt_space *pt = host_pt_create();
  assert_non_null(pt);
  const uint64_t pages[] = {0x7000000000ULL, 0x1000ULL, 0x3000ULL, 0x40000000ULL, 0x2000ULL};
  for (size_t i = 0; i < 5; i++)
    assert_int_equal(pt_map(pt, pages[i], 0x100000 + i * PAGE_SIZE, FS_PROT_READ), 0);

  struct visits small = {0};
  pt_for_each_mapped(pt, 0x2000, 0x4000, record_visit, &small);
  assert_int_equal(small.n, 2);
  assert_int_equal(small.va[0], 0x2000);
  assert_int_equal(small.va[1], 0x3000);

  struct visits all = {.unmap = pt};
  pt_for_each_mapped(pt, 0, 0x7000000000ULL, record_visit, &all);
  assert_int_equal(all.n, 4); /* hi is exclusive */
  const uint64_t want[] = {0x1000, 0x2000, 0x3000, 0x40000000ULL};
  for (size_t i = 0; i < 4; i++)
    assert_int_equal(all.va[i], want[i]);
  assert_int_equal(host_pt_count(pt), 1);
  pt_unmap(pt, 0x7000000000ULL);
  host_pt_destroy(pt);
}

static void test_huge_sparse_region_protect_and_unmap(void **state) {
  (void)state;
  struct mm_fixture fx;
  mm_fixture_init(&fx, 64);
  const uint64_t len = 1ULL << 40; /* 2^28 pages: a page-by-page walk would take minutes */
  uint64_t base;
  assert_int_equal(vm_mmap(fx.vs, 0, len, FS_PROT_READ | FS_PROT_WRITE,
                           VM_MAP_PRIVATE | VM_MAP_ANONYMOUS | VM_MAP_NORESERVE, NULL, 0, &base),
                   0);
  const uint64_t touched[] = {base, base + len / 2, base + len - PAGE_SIZE};
  for (size_t i = 0; i < 3; i++)
    assert_int_equal(mm_fault(&fx, touched[i], PF_USER_WRITE, NULL), FS_DECISION_LAZY);
  size_t free_touched = host_frames_free();

  assert_int_equal(vm_mprotect(fx.vs, base, len, FS_PROT_READ), 0);
  for (size_t i = 0; i < 3; i++) {
    unsigned prot = 0;
    assert_true(mm_mapped(&fx, touched[i], &prot) != 0);
    assert_int_equal(prot, FS_PROT_READ);
  }
  assert_int_equal(vm_munmap(fx.vs, base, len), 0);
  for (size_t i = 0; i < 3; i++)
    assert_true(mm_mapped(&fx, touched[i], NULL) == 0);
  assert_int_equal(host_frames_free(), free_touched + 3);
  mm_fixture_fini(&fx);
}

/* The result carries the region's backing as well as its range and rights,
 * so a caller (the kernel's trace) never looks the region up again. */
static void test_result_copies_region_backing(void **state) {
  (void)state;
  struct vfs_file *file = mm_pattern_file(3 * PAGE_SIZE);
  struct mm_fixture fx;
  mm_fixture_init(&fx, 32);
  assert_int_equal(vm_space_add_region(fx.vs, VM_REGION_MMAP_FILE, LO, HI, FS_PROT_READ, VM_SHARED,
                                       file, PAGE_SIZE, 2 * PAGE_SIZE),
                   0);
  struct vm_fault_result res;
  assert_int_equal(mm_fault(&fx, LO + 8, PF_USER_READ, &res), FS_DECISION_LAZY);
  assert_int_equal(res.region_flags, VM_SHARED);
  assert_ptr_equal(res.region_file, file);
  assert_int_equal(res.region_file_offset, PAGE_SIZE);
  assert_int_equal(res.region_file_length, 2 * PAGE_SIZE);
  assert_int_equal(mm_fault(&fx, HI, PF_USER_READ, &res), FS_DECISION_INVALID);
  assert_int_equal(res.region_flags, 0);
  assert_null(res.region_file);
  assert_int_equal(res.region_file_offset, 0);
  assert_int_equal(res.region_file_length, 0);
  mm_fixture_fini(&fx);
  host_file_destroy(file);
}

/* vm_space_layout_exec_why tells apart what its -EINVAL lumps together: the
 * ELF loader reports it. */
static void test_layout_failure_reasons(void **state) {
  (void)state;
  struct vfs_file *file = mm_pattern_file(4 * PAGE_SIZE);
  const uint64_t too_high = VM_MMAP_BASE_DEFAULT - VM_HEAP_MAX_SIZE; /* heap + guard miss */
  const struct {
    struct vm_exec_segment seg[2];
    size_t n;
    const char *why;
  } cases[] = {
      {{{0x401000, 0x800, 0x1000, 0x800, FS_PROT_READ},
        {0x401800, 0x800, 0x1800, 0x800, FS_PROT_READ}},
       2,
       "segments overlap or share a page"},
      {{{0x401000, 0x1000, 0x1000, 0x2000, FS_PROT_READ}}, 1, "malformed segment"},
      {{{0x1000, 0x1000, 0x1000, 0x1000, FS_PROT_READ}}, 1, "malformed segment"},
      {{{0x401000, 0x4000, 0x1000, 0x4000, FS_PROT_READ}}, 1, "segment outside the file"},
      {{{too_high, 0x1000, 0x1000, 0x1000, FS_PROT_READ}},
       1,
       "segments too high: no room above them for the heap and the mmap area"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct mm_fixture fx;
    mm_fixture_init(&fx, 32);
    struct vm_exec_image img = {file, cases[i].seg, cases[i].n, 0, VM_STACK_GUARD_PAGES_DEFAULT};
    const char *why = NULL;
    assert_int_equal(vm_space_layout_exec_why(fx.vs, &img, &why), -EINVAL);
    assert_string_equal(why, cases[i].why);
    /* A failed layout never leaves the mmap cursor above the base. */
    assert_true(fx.vs->mmap_cursor <= fx.vs->mmap_base);
    mm_fixture_fini(&fx);
  }
  host_file_destroy(file);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_result_copies_region_backing),
      cmocka_unit_test(test_layout_failure_reasons),
      cmocka_unit_test(test_first_last_byte_and_one_outside),
      cmocka_unit_test(test_straddling_two_regions),
      cmocka_unit_test(test_unaligned_addresses),
      cmocka_unit_test(test_fault_loop_with_forgetting_page_table),
      cmocka_unit_test(test_for_each_mapped_order_and_bounds),
      cmocka_unit_test(test_huge_sparse_region_protect_and_unmap),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
