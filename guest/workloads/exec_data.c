/*
 * exec_data: data is mapped without execute permission (NX), so jumping into
 * an initialised .data buffer that holds valid code (a single `ret`) is a
 * protection violation on the instruction fetch, not a crash on the code.
 * Prints "calling into .data\n", then is killed by SIGSEGV (status 139).
 * Natively: SEGV_ACCERR at the buffer's address.
 * faultsim: protection_violations == 1 (#PF with the I/D bit set).
 */
#include "rt.h"

/* In .data (initialised, writable, not executable).  0xc3 = ret, so if the
 * fetch were allowed the call would simply return and the program would
 * print FAIL. */
static unsigned char code_in_data[16] = {0xc3, 0xc3, 0xc3, 0xc3};

int main(void) {
  void (*fn)(void) = (void (*)(void))(unsigned long)code_in_data;
  rt_printf("calling into .data\n");
  /* Keep the compiler from treating the call as a plain data access. */
  __asm__ volatile("" : "+r"(fn));
  fn();
  rt_printf("FAIL: executed code in .data\n");
  return 1;
}
