/*
 * prot_none: a PROT_NONE mapping is a region that allows no access at all;
 * reading it is a protection violation (not an invalid address).
 * Prints "reading a PROT_NONE page\n", then is killed by SIGSEGV (status
 * 139).  Natively: SEGV_ACCERR.
 * faultsim: protection_violations == 1, invalid_addresses == 0.
 */
#include "rt.h"

int main(void) {
  long addr = rt_mmap(0, RT_PAGE_SIZE, RT_PROT_NONE, RT_MAP_PRIVATE | RT_MAP_ANONYMOUS, -1, 0);
  if (rt_is_err(addr))
    rt_fail("mmap returned %ld", addr);
  rt_printf("reading a PROT_NONE page\n");
  unsigned char v = *(volatile unsigned char *)addr;
  rt_printf("FAIL: read %u from a PROT_NONE page\n", v);
  return 1;
}
