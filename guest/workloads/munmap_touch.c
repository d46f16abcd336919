/*
 * munmap_touch: after munmap the range belongs to no region, and its page
 * table entries must be gone too (a stale present PTE would let the access
 * through without any fault).
 * Maps 4 pages, writes all of them (so they are present), munmaps them and
 * reads the second page.
 * Prints "wrote 4 pages", "munmap: 0", "reading unmapped memory", then is
 * killed by SIGSEGV (status 139).  Natively: SEGV_MAPERR.
 * faultsim: lazy_mmap_anon == 4, invalid_addresses == 1.
 */
#include "rt.h"

#define PAGES 4

int main(void) {
  long addr = rt_mmap(0, PAGES * RT_PAGE_SIZE, RT_PROT_READ | RT_PROT_WRITE,
                      RT_MAP_PRIVATE | RT_MAP_ANONYMOUS, -1, 0);
  volatile unsigned char *m = (volatile unsigned char *)addr;
  unsigned long p;
  if (rt_is_err(addr))
    rt_fail("mmap returned %ld", addr);
  for (p = 0; p < PAGES; p++)
    m[p * RT_PAGE_SIZE] = (unsigned char)(p + 1);
  rt_printf("wrote %d pages\n", PAGES);
  rt_printf("munmap: %ld\n", rt_munmap((void *)addr, PAGES * RT_PAGE_SIZE));
  rt_printf("reading unmapped memory\n");
  unsigned char v = m[RT_PAGE_SIZE];
  rt_printf("FAIL: read %u after munmap\n", v);
  return 1;
}
