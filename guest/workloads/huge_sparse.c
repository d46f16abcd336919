/*
 * huge_sparse: a 1 TiB anonymous mapping touched in three places.  mprotect
 * and munmap of the whole range must cost what is mapped, not 2^28 page
 * lookups; the touched pages must keep their bytes through mprotect and be
 * gone after munmap.
 * Prints "touched 3 pages", "mprotect: 0", "read back 1 2 3", "munmap: 0",
 * "reading unmapped memory", then is killed by SIGSEGV (status 139).
 * Natively: SEGV_MAPERR.  faultsim: lazy_mmap_anon == 3,
 * invalid_addresses == 1, and few instructions.
 */
#include "rt.h"

#define SPAN (1UL << 40)

int main(void) {
  long addr = rt_mmap(0, SPAN, RT_PROT_READ | RT_PROT_WRITE,
                      RT_MAP_PRIVATE | RT_MAP_ANONYMOUS | RT_MAP_NORESERVE, -1, 0);
  if (rt_is_err(addr))
    rt_fail("mmap returned %ld", addr);
  volatile unsigned char *m = (volatile unsigned char *)addr;
  const unsigned long at[3] = {0, SPAN / 2, SPAN - RT_PAGE_SIZE};
  for (int i = 0; i < 3; i++)
    m[at[i]] = (unsigned char)(i + 1);
  rt_printf("touched 3 pages\n");
  rt_printf("mprotect: %ld\n", rt_mprotect((void *)addr, SPAN, RT_PROT_READ));
  rt_printf("read back %u %u %u\n", m[at[0]], m[at[1]], m[at[2]]);
  rt_printf("munmap: %ld\n", rt_munmap((void *)addr, SPAN));
  rt_printf("reading unmapped memory\n");
  unsigned char v = m[at[1]];
  rt_printf("FAIL: read %u after munmap\n", v);
  return 1;
}
