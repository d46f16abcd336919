/*
 * mprotect_ro: mprotect must take write permission away from a page that is
 * already present and writable (the kernel has to update the live page
 * table entry, not just the region).
 * Maps one page read/write, stores 42, makes it PROT_READ, reads it back,
 * then stores again.
 * Prints "stored 42", "mprotect: 0", "read back 42", "writing a read-only
 * page", then is killed by SIGSEGV (status 139).  Natively: SEGV_ACCERR.
 * faultsim: lazy_mmap_anon == 1, protection_violations == 1.
 */
#include "rt.h"

int main(void) {
  long addr = rt_mmap(0, RT_PAGE_SIZE, RT_PROT_READ | RT_PROT_WRITE,
                      RT_MAP_PRIVATE | RT_MAP_ANONYMOUS, -1, 0);
  volatile int *p = (volatile int *)addr;
  if (rt_is_err(addr))
    rt_fail("mmap returned %ld", addr);
  *p = 42;
  rt_printf("stored %d\n", *p);
  rt_printf("mprotect: %ld\n", rt_mprotect((void *)addr, RT_PAGE_SIZE, RT_PROT_READ));
  rt_printf("read back %d\n", *p);
  rt_printf("writing a read-only page\n");
  *p = 43;
  rt_printf("FAIL: wrote %d into a read-only page\n", *p);
  return 1;
}
