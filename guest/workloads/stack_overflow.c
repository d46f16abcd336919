/*
 * stack_overflow: unbounded recursion runs the stack into the guard area
 * below it.
 * Prints "recursing until the stack runs out\n", then is killed by SIGSEGV
 * (status 139).  Natively the stack stops at RLIMIT_STACK (SEGV_MAPERR;
 * tests/e2e caps it at 8 MiB so an unlimited stack cannot eat the host).
 * faultsim: guard_hits == 1, oom_kills == 0, and lazy_stack counts every
 * stack page touched on the way down (both ends of each FRAME_BYTES frame
 * are written, so no page is skipped and the guard cannot be jumped over).
 * This needs faultsim's maximum stack size to be reachable within --ram;
 * otherwise the run ends in an OOM kill (137) instead.
 */
#include "rt.h"

#define FRAME_BYTES 4096

/* Never equal to a real depth; volatile so the compiler cannot prove the
 * recursion infinite (gcc would warn and may drop the stop test). */
static volatile unsigned long stop_depth = ~0UL;

static __attribute__((noinline)) unsigned long recurse(unsigned long depth) {
  volatile unsigned char frame[FRAME_BYTES];
  frame[0] = (unsigned char)depth;
  frame[FRAME_BYTES - 1] = (unsigned char)depth;
  if (depth == stop_depth)
    return frame[0];
  /* Not a tail call: the frame must stay live across the recursion. */
  return recurse(depth + 1) + frame[FRAME_BYTES - 1];
}

int main(void) {
  rt_printf("recursing until the stack runs out\n");
  unsigned long r = recurse(0);
  rt_printf("FAIL: recursion returned %lu\n", r);
  return 1;
}
