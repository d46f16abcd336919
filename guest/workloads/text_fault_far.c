/*
 * text_fault's far function, alone in a page-aligned text page placed after
 * text_fault_pad.S (see text_fault.c).
 */
#include "rt.h"

unsigned long far_function(unsigned long x);

/* aligned(4096): starts a fresh page, so calling it cannot hit a page some
 * earlier code already faulted in. */
__attribute__((noinline, aligned(4096))) unsigned long far_function(unsigned long x) {
  unsigned long r = 1;
  unsigned long i;
  for (i = 0; i < x; i++)
    r = r * 3 + i;
  return r;
}
