/*
 * lazy_bss: a 1 MiB array in .bss.  Nothing of it is in the file; every page
 * must come from a fresh zeroed frame the first time it is touched.
 *
 * Reads one byte in each of BIG/64 KiB = 16 pages (all must be 0; reading
 * first checks that a read fault maps zeros), then writes a page-dependent
 * value to the first and last byte of every 8th page and reads everything
 * back, including the untouched bytes in between (still 0).
 *
 * Prints "zero pages checked: 16", "pages written: 32", "checksum=<hex>",
 * "nonzero bytes outside writes: 0"; exits 0.
 * faultsim: 32 <= lazy_bss <= 48 (pages 0, 16, ..., 240 read first, then
 * pages 0, 8, ..., 248 written; a kernel that maps read faults to a shared
 * zero page takes a second fault on the first write), lazy_data == 0.
 */
#include "rt.h"

#define BIG   (1024 * 1024)
#define PAGES (BIG / RT_PAGE_SIZE)

/* Page-aligned so that "page p" of the array is exactly one page. */
static unsigned char big[BIG] __attribute__((aligned(4096)));

int main(void) {
  volatile unsigned char *b = big;
  unsigned long p, sum = RT_HASH_INIT, nonzero = 0, zero_checked = 0, written = 0;

  for (p = 0; p < PAGES; p += 16) {
    if (b[p * RT_PAGE_SIZE + 123] != 0)
      rt_fail("page %lu of .bss is not zero", p);
    zero_checked++;
  }
  rt_printf("zero pages checked: %lu\n", zero_checked);

  for (p = 0; p < PAGES; p += 8) {
    b[p * RT_PAGE_SIZE] = (unsigned char)(p + 1);
    b[p * RT_PAGE_SIZE + RT_PAGE_SIZE - 1] = (unsigned char)(p ^ 0xa5);
    written++;
  }
  rt_printf("pages written: %lu\n", written);

  for (p = 0; p < PAGES; p += 8) {
    unsigned long i;
    sum = rt_hash_byte(sum, b[p * RT_PAGE_SIZE]);
    sum = rt_hash_byte(sum, b[p * RT_PAGE_SIZE + RT_PAGE_SIZE - 1]);
    for (i = 1; i < RT_PAGE_SIZE - 1; i++)
      nonzero += b[p * RT_PAGE_SIZE + i] != 0;
  }
  rt_printf("checksum=%lx\n", sum);
  rt_printf("nonzero bytes outside writes: %lu\n", nonzero);
  return 0;
}
