/* The region set: ordering, lookup, overlap refusal, removal, split, and a
 * height bound that keeps lookups flat up to 65,536 regions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <kernel/errno.h>
#include <kernel/vm_region.h>

#define BIG 65536u

static struct vm_region *make(struct vm_region *r, uint64_t start, uint64_t end) {
  memset(r, 0, sizeof(*r));
  r->start = start;
  r->end = end;
  r->type = VM_REGION_MMAP_ANON;
  r->prot = FS_PROT_READ;
  return r;
}

static void test_insert_find_and_gaps(void **state) {
  (void)state;
  struct vm_region_set set;
  struct vm_region n[3];
  vm_region_set_init(&set);
  assert_int_equal(vm_region_insert(&set, make(&n[0], 0x10000, 0x12000)), 0);
  assert_int_equal(vm_region_insert(&set, make(&n[1], 0x20000, 0x21000)), 0);
  assert_int_equal(vm_region_insert(&set, make(&n[2], 0x12000, 0x13000)), 0);
  assert_ptr_equal(vm_region_find(&set, 0x10000), &n[0]);
  assert_ptr_equal(vm_region_find(&set, 0x11fff), &n[0]);
  assert_ptr_equal(vm_region_find(&set, 0x12000), &n[2]); /* end is exclusive */
  assert_null(vm_region_find(&set, 0x13000));
  assert_null(vm_region_find(&set, 0xffff));
  assert_null(vm_region_find(&set, 0x21000));
  assert_ptr_equal(vm_region_find(&set, 0x20fff), &n[1]);
  assert_ptr_equal(vm_region_find_intersecting(&set, 0x13000, 0x20001), &n[1]);
  assert_null(vm_region_find_intersecting(&set, 0x13000, 0x20000));
  assert_ptr_equal(vm_region_find_intersecting(&set, 0x11000, 0x30000), &n[0]);
  assert_ptr_equal(vm_region_last_below(&set, 0x20000), &n[2]);
  assert_null(vm_region_last_below(&set, 0x10000));
  assert_int_equal(vm_region_count(&set), 3);
  assert_true(vm_region_set_valid(&set));
}

static void test_overlap_and_bad_bounds_refused(void **state) {
  (void)state;
  struct vm_region_set set;
  struct vm_region a, b;
  vm_region_set_init(&set);
  assert_int_equal(vm_region_insert(&set, make(&a, 0x10000, 0x14000)), 0);
  uint64_t overlapping[][2] = {{0x10000, 0x14000},
                               {0xf000, 0x11000},
                               {0x13000, 0x15000},
                               {0x11000, 0x12000},
                               {0x8000, 0x20000}};
  for (size_t i = 0; i < sizeof(overlapping) / sizeof(overlapping[0]); i++)
    assert_int_equal(vm_region_insert(&set, make(&b, overlapping[i][0], overlapping[i][1])),
                     -EEXIST);
  assert_int_equal(vm_region_insert(&set, make(&b, 0x20000, 0x20000)), -EINVAL); /* empty */
  assert_int_equal(vm_region_insert(&set, make(&b, 0x20001, 0x21000)), -EINVAL); /* unaligned */
  assert_int_equal(vm_region_insert(&set, make(&b, 0x30000, 0x2f000)), -EINVAL); /* reversed */
  assert_int_equal(vm_region_insert(&set, make(&b, FS_USER_TOP - 0x1000, FS_USER_TOP + 0x1000)),
                   -EINVAL);
  assert_int_equal(vm_region_count(&set), 1);
  /* Touching neighbours are fine. */
  assert_int_equal(vm_region_insert(&set, make(&b, 0x14000, 0x15000)), 0);
  assert_true(vm_region_set_valid(&set));
}

/* A deterministic permutation of 0..n-1. */
static void shuffle(uint32_t *v, uint32_t n, uint64_t seed) {
  for (uint32_t i = 0; i < n; i++)
    v[i] = i;
  for (uint32_t i = n - 1; i > 0; i--) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    uint32_t j = (uint32_t)((seed >> 33) % (i + 1));
    uint32_t t = v[i];
    v[i] = v[j];
    v[j] = t;
  }
}

/* Region i is [base + 2i pages, base + 2i pages + 1 page): a hole after each. */
static uint64_t slot_start(uint32_t i) {
  return 0x100000ULL + (uint64_t)i * 2 * PAGE_SIZE;
}

static void test_65536_regions_ordered_balanced_and_removable(void **state) {
  (void)state;
  struct vm_region *nodes = calloc(BIG, sizeof(*nodes));
  uint32_t *order = malloc(BIG * sizeof(*order));
  assert_non_null(nodes);
  assert_non_null(order);
  struct vm_region_set set;
  vm_region_set_init(&set);
  shuffle(order, BIG, 42);
  for (uint32_t k = 0; k < BIG; k++) {
    uint32_t i = order[k];
    assert_int_equal(
        vm_region_insert(&set, make(&nodes[i], slot_start(i), slot_start(i) + PAGE_SIZE)), 0);
  }
  assert_int_equal(vm_region_count(&set), BIG);
  assert_true(vm_region_set_valid(&set));
  /* AVL: height <= 1.44 log2(n + 2), i.e. at most 24 steps for 65,536. */
  assert_true(set.root->height <= 24);

  for (uint32_t i = 0; i < BIG; i++) {
    assert_ptr_equal(vm_region_find(&set, slot_start(i) + 123), &nodes[i]);
    assert_null(vm_region_find(&set, slot_start(i) + PAGE_SIZE)); /* the hole */
  }
  /* In-order iteration visits every region in ascending order. */
  uint32_t seen = 0;
  for (struct vm_region *r = vm_region_first(&set); r; r = vm_region_next(&set, r))
    assert_int_equal(r->start, slot_start(seen++));
  assert_int_equal(seen, BIG);
  assert_ptr_equal(vm_region_prev(&set, &nodes[10]), &nodes[9]);
  assert_null(vm_region_prev(&set, &nodes[0]));

  /* Remove every other region in shuffled order; the rest stays findable. */
  for (uint32_t k = 0; k < BIG; k++)
    if (order[k] % 2 == 0)
      vm_region_remove(&set, &nodes[order[k]]);
  assert_int_equal(vm_region_count(&set), BIG / 2);
  assert_true(vm_region_set_valid(&set));
  assert_true(set.root->height <= 23);
  for (uint32_t i = 0; i < BIG; i++) {
    struct vm_region *r = vm_region_find(&set, slot_start(i));
    if (i % 2)
      assert_ptr_equal(r, &nodes[i]);
    else
      assert_null(r);
  }
  for (uint32_t i = 1; i < BIG; i += 2)
    vm_region_remove(&set, &nodes[i]);
  assert_int_equal(vm_region_count(&set), 0);
  assert_null(set.root);
  free(order);
  free(nodes);
}

static void test_split_keeps_backing_consistent(void **state) {
  (void)state;
  struct vm_region_set set;
  struct vm_region r, upper, upper2;
  vm_region_set_init(&set);
  make(&r, 0x400000, 0x405000);
  r.file = (const struct vfs_file *)&set; /* any identity will do */
  r.file_offset = 0x1000;
  r.file_length = 0x2800; /* file bytes end in the region's third page */
  assert_int_equal(vm_region_insert(&set, &r), 0);
  assert_int_equal(vm_region_split(&set, &r, 0x400000, &upper), -EINVAL);
  assert_int_equal(vm_region_split(&set, &r, 0x405000, &upper), -EINVAL);
  assert_int_equal(vm_region_split(&set, &r, 0x401800, &upper), -EINVAL);

  assert_int_equal(vm_region_split(&set, &r, 0x402000, &upper), 0);
  assert_int_equal(r.end, 0x402000);
  assert_int_equal(r.file_length, 0x2000);
  assert_int_equal(upper.start, 0x402000);
  assert_int_equal(upper.end, 0x405000);
  assert_int_equal(upper.file_offset, 0x3000);
  assert_int_equal(upper.file_length, 0x800);
  assert_ptr_equal(upper.file, r.file);
  assert_int_equal(upper.prot, r.prot);

  assert_int_equal(vm_region_split(&set, &upper, 0x404000, &upper2), 0);
  assert_int_equal(upper.file_length, 0x800);
  assert_int_equal(upper2.file_length, 0); /* all past the file part */
  assert_int_equal(upper2.file_offset, 0x5000);
  assert_ptr_equal(vm_region_find(&set, 0x401fff), &r);
  assert_ptr_equal(vm_region_find(&set, 0x402000), &upper);
  assert_ptr_equal(vm_region_find(&set, 0x404000), &upper2);
  assert_int_equal(vm_region_count(&set), 3);
  assert_true(vm_region_set_valid(&set));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_insert_find_and_gaps),
      cmocka_unit_test(test_overlap_and_bad_bounds_refused),
      cmocka_unit_test(test_65536_regions_ordered_balanced_and_removable),
      cmocka_unit_test(test_split_keeps_backing_consistent),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
