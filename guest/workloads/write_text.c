/*
 * write_text: text is mapped read+execute, never writable, so a store into
 * the program's own code is a protection violation.
 * Prints "writing into main's code\n", then is killed by SIGSEGV (status
 * 139).  Natively: SEGV_ACCERR (the page is present, R-X).
 * faultsim: protection_violations == 1.
 */
#include "rt.h"

int main(void) {
  /* Through a volatile pointer so the store is neither dropped nor moved. */
  volatile unsigned char *code = (volatile unsigned char *)(unsigned long)&main;
  rt_printf("writing into main's code\n");
  *code = 0xc3; /* ret */
  rt_printf("FAIL: the store into text succeeded\n");
  return 1;
}
