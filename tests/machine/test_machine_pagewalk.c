/* Software page walk over a synthetic RAM buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pagewalk.h"

#define RAM_SIZE (8u << 20)
#define PML4     0x1000ULL
#define PDPT     0x2000ULL
#define PD       0x3000ULL
#define PT       0x4000ULL

static struct guest_ram ram;

static void set(uint64_t table, unsigned index, uint64_t value) {
  memcpy(ram.base + table + index * 8ULL, &value, 8);
}

static int setup(void **state) {
  (void)state;
  ram.size = RAM_SIZE;
  ram.base = calloc(1, RAM_SIZE);
  /* VA 0x0000_0000_0040_0000 region: PML4[0] -> PDPT -> PD -> PT */
  set(PML4, 0, PDPT | PTE_P | PTE_W | PTE_U);
  set(PDPT, 0, PD | PTE_P | PTE_W | PTE_U);
  set(PD, 2, PT | PTE_P | PTE_W | PTE_U); /* 0x400000: 4 KiB pages */
  set(PT, 0, 0x100000 | PTE_P | PTE_U);   /* user, read-only */
  set(PT, 1, 0x101000 | PTE_P | PTE_W);   /* supervisor, writable */
  set(PT, 2, 0x102000 | PTE_P | PTE_W | PTE_U | PTE_NX);
  set(PD, 3, 0x600000 | PTE_P | PTE_W | PTE_PS);               /* 0x600000: 2 MiB page */
  set(PD, 4, PT | PTE_P | PTE_U);                              /* 0x800000: tables read-only */
  set(PDPT, 1, 0x0 | PTE_P | PTE_W | PTE_U | PTE_PS | PTE_NX); /* 1 GiB page at 0x40000000 */
  set(PDPT, 2, 0x7ff000 | PTE_P);      /* PD outside RAM? (inside: last page) */
  set(PDPT, 3, (64ULL << 20) | PTE_P); /* a PD beyond RAM */
  return 0;
}

static int teardown(void **state) {
  (void)state;
  free(ram.base);
  return 0;
}

static void test_4k_pages_and_permissions(void **state) {
  (void)state;
  struct walk_result w;
  page_walk(&ram, PML4, 0x400123, &w);
  assert_int_equal(w.status, WALK_OK);
  assert_int_equal(w.phys, 0x100123);
  assert_int_equal(w.page_size, 4096);
  assert_true(w.user);
  assert_false(w.writable);
  assert_false(w.nx);
  page_walk(&ram, PML4, 0x401fff, &w);
  assert_int_equal(w.phys, 0x101fff);
  assert_false(w.user);
  assert_true(w.writable);
  page_walk(&ram, PML4, 0x402000, &w);
  assert_true(w.nx);
  assert_true(w.user && w.writable);
  /* A read-only upper level wins over a writable leaf. */
  set(PT, 3, 0x103000 | PTE_P | PTE_W | PTE_U);
  page_walk(&ram, PML4, 0x800000 + 3 * 4096, &w);
  assert_int_equal(w.status, WALK_OK);
  assert_false(w.writable);
  assert_true(w.user);
}

static void test_large_pages(void **state) {
  (void)state;
  struct walk_result w;
  page_walk(&ram, PML4, 0x6abcde, &w);
  assert_int_equal(w.status, WALK_OK);
  assert_int_equal(w.page_size, 2ULL << 20);
  assert_int_equal(w.phys, 0x6abcde);
  assert_false(w.user);
  page_walk(&ram, PML4, 0x40012345, &w);
  assert_int_equal(w.status, WALK_OK);
  assert_int_equal(w.page_size, 1ULL << 30);
  assert_int_equal(w.phys, 0x12345);
  assert_true(w.nx && w.user && w.writable);
}

static void test_not_present_levels(void **state) {
  (void)state;
  struct walk_result w;
  page_walk(&ram, PML4, 0x8000000000ULL, &w); /* PML4[1] empty */
  assert_int_equal(w.status, WALK_NOT_PRESENT);
  assert_int_equal(w.level, 4);
  page_walk(&ram, PML4, 0xc0000000ULL + (5ULL << 30), &w); /* PDPT[8] empty */
  assert_int_equal(w.status, WALK_NOT_PRESENT);
  assert_int_equal(w.level, 3);
  page_walk(&ram, PML4, 0x200000, &w); /* PD[1] empty */
  assert_int_equal(w.status, WALK_NOT_PRESENT);
  assert_int_equal(w.level, 2);
  page_walk(&ram, PML4, 0x405000, &w); /* PT[5] empty */
  assert_int_equal(w.status, WALK_NOT_PRESENT);
  assert_int_equal(w.level, 1);
  page_walk(&ram, PML4, 0xc0000000ULL, &w); /* PDPT[3]: PD beyond RAM */
  assert_int_equal(w.status, WALK_OUTSIDE_RAM);
  page_walk(&ram, PML4, 0x0000800000000000ULL, &w);
  assert_int_equal(w.status, WALK_NONCANONICAL);
  set(PML4, 2, PDPT | PTE_P | PTE_PS);
  page_walk(&ram, PML4, 2ULL << 39, &w);
  assert_int_equal(w.status, WALK_RESERVED);
  set(PML4, 2, 0);
}

static void test_virtual_copy_across_pages(void **state) {
  (void)state;
  /* 0x400ffe..0x401001 spans the user page and the supervisor page. */
  const uint8_t data[4] = {1, 2, 3, 4};
  uint8_t back[4] = {0};
  assert_int_equal(guest_virt_write(&ram, PML4, 0x400ffe, data, 4, false), 0);
  assert_int_equal(ram.base[0x100fff], 2);
  assert_int_equal(ram.base[0x101000], 3);
  assert_int_equal(guest_virt_read(&ram, PML4, 0x400ffe, back, 4), 0);
  assert_memory_equal(back, data, 4);
  /* With WP the read-only first page refuses, and nothing is written. */
  const uint8_t other[4] = {9, 9, 9, 9};
  assert_int_equal(guest_virt_write(&ram, PML4, 0x400ffe, other, 4, true), -1);
  assert_int_equal(ram.base[0x101000], 3);
  /* A hole stops a read. */
  assert_int_equal(guest_virt_read(&ram, PML4, 0x404ffe, back, 4), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_4k_pages_and_permissions),
      cmocka_unit_test(test_large_pages),
      cmocka_unit_test(test_not_present_levels),
      cmocka_unit_test(test_virtual_copy_across_pages),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
