/*
 * port_io: a ring-3 program touching I/O ports.  With IOPL 0 and no TSS I/O
 * bitmap, `out` and `in` from user mode must raise #GP before they do
 * anything, so the program cannot reach the machine's exit or host-I/O
 * devices (argv[1] "exit" aims at the debug-exit port with a success
 * value).  Prints "trying out\n" or "trying in\n", then is killed by SIGSEGV
 * (status 139).  Natively: SIGSEGV as well (no ioperm).
 * faultsim: no fault is refused (the kill comes from #GP, not from #PF).
 */
#include "rt.h"

int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "exit";
  if (rt_strcmp(what, "in") == 0) {
    rt_printf("trying in\n");
    unsigned value;
    __asm__ volatile("inl %w1, %0" : "=a"(value) : "Nd"((unsigned short)0x503));
    rt_printf("FAIL: in returned %u\n", value);
    return 1;
  }
  rt_printf("trying out\n");
  /* FS_PORT_EXIT with FS_EXIT_VALUE(FS_EXIT_NORMAL, 0): "exited 0". */
  __asm__ volatile("outl %0, %w1" : : "a"(0u), "Nd"((unsigned short)0x501));
  rt_printf("FAIL: out did not fault\n");
  return 1;
}
