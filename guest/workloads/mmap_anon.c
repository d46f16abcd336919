/*
 * mmap_anon: a private anonymous mapping is populated page by page on first
 * touch, with zeros, and munmap gives it back.
 *
 * Maps PAGES pages read/write, writes a page-dependent pattern to every
 * byte of the even pages only (odd pages untouched), then reads all pages:
 * even pages must hold the pattern, odd pages must read as zeros (read
 * faults on never-written anonymous memory).  Then munmaps it.
 *
 * Prints "mapped 16 pages", "pattern pages ok: 8", "zero pages ok: 8",
 * "checksum=<hex>", "munmap: 0"; exits 0.
 * faultsim: lazy_mmap_anon >= 16 (8 write faults + 8 read faults); the
 * frames come back by exit (frames_free_exit == frames_free_boot).
 */
#include "rt.h"

#define PAGES 16

int main(void) {
  long addr = rt_mmap(0, PAGES * RT_PAGE_SIZE, RT_PROT_READ | RT_PROT_WRITE,
                      RT_MAP_PRIVATE | RT_MAP_ANONYMOUS, -1, 0);
  volatile unsigned char *m;
  unsigned long p, i, sum = RT_HASH_INIT, pattern_ok = 0, zero_ok = 0;

  if (rt_is_err(addr))
    rt_fail("mmap returned %ld", addr);
  m = (volatile unsigned char *)addr;
  rt_printf("mapped %d pages\n", PAGES);

  for (p = 0; p < PAGES; p += 2)
    for (i = 0; i < RT_PAGE_SIZE; i++)
      m[p * RT_PAGE_SIZE + i] = (unsigned char)(p * 7 + i);

  for (p = 0; p < PAGES; p++) {
    int ok = 1;
    for (i = 0; i < RT_PAGE_SIZE; i++) {
      unsigned char v = m[p * RT_PAGE_SIZE + i];
      ok &= v == (p % 2 ? 0 : (unsigned char)(p * 7 + i));
      sum = rt_hash_byte(sum, v);
    }
    if (!ok)
      rt_fail("page %lu has wrong contents", p);
    if (p % 2)
      zero_ok++;
    else
      pattern_ok++;
  }
  rt_printf("pattern pages ok: %lu\n", pattern_ok);
  rt_printf("zero pages ok: %lu\n", zero_ok);
  rt_printf("checksum=%lx\n", sum);
  rt_printf("munmap: %ld\n", rt_munmap((void *)addr, PAGES * RT_PAGE_SIZE));
  return 0;
}
