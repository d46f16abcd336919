/*
 * wild_kernel: user code reading a kernel address.  faultsim's kernel image
 * is mapped there supervisor-only, so the access faults with the U bit set
 * (and P set: the page is present); the handler must treat it as an invalid
 * user access (SIGSEGV), never as a kernel fault or something to populate.
 * Prints "reading 0xffffffff80000000\n", then is killed by SIGSEGV (status
 * 139).  Natively: SIGSEGV as well (a kernel address is never accessible
 * from user mode).
 * faultsim: invalid_addresses == 1, kernel_mode_faults == 0.
 */
#include "rt.h"

/* The start of the kernel's higher-half image (FS_KERNEL_VMA in
 * include/faultsim/abi.h); volatile so the load is really emitted. */
static volatile unsigned char *volatile kernel_addr =
    (volatile unsigned char *)0xffffffff80000000UL;

int main(void) {
  rt_printf("reading 0xffffffff80000000\n");
  unsigned char v = *kernel_addr;
  rt_printf("FAIL: read %u from a kernel address\n", v);
  return 1;
}
