/*
 * bad_user_ptr: a syscall given a bad user pointer must fail with -EFAULT;
 * the process is not killed, and the kernel must not crash on its own fault
 * while copying from user memory.
 * Calls write(1, (void *)0x10, 10) (unmapped, low), write(1, <kernel
 * address>, 10) and, as a control, write(1, <valid buffer>, 0), and prints
 * each result.
 * Prints "write(1, 0x10, 10) = -14", "write(1, 0xffffffff80000000, 10) =
 * -14", "write(1, valid, 0) = 0", "still alive"; exits 0.
 * faultsim: efault_fixups >= 1 (the 0x10 copy faults in ring 0 and is fixed
 * up; a kernel address may be rejected by a range check before any fault),
 * kernel_mode_faults >= 1, no signal.
 */
#include "rt.h"

int main(void) {
  static const char valid[4] = "abc";
  rt_printf("write(1, 0x10, 10) = %ld\n", rt_write(1, (const void *)0x10, 10));
  rt_printf("write(1, 0xffffffff80000000, 10) = %ld\n",
            rt_write(1, (const void *)0xffffffff80000000UL, 10));
  rt_printf("write(1, valid, 0) = %ld\n", rt_write(1, valid, 0));
  rt_printf("still alive\n");
  return 0;
}
