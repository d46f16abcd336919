/*
 * null_deref: a user read of address 0, which no region covers.
 * Prints "reading address 0\n", then is killed by SIGSEGV (status 139).
 * Natively: SEGV_MAPERR at address 0.  faultsim: invalid_addresses == 1.
 */
#include "rt.h"

static volatile int *volatile null_ptr = 0;

int main(void) {
  rt_printf("reading address 0\n");
  /* Through a volatile pointer variable: gcc turns a visible NULL
   * dereference into ud2 (SIGILL), and the point is a real load. */
  int v = *null_ptr;
  rt_printf("FAIL: read %d from address 0\n", v);
  return 1;
}
