/*
 * stack_growth: the stack grows downwards into pages nobody has touched, one
 * fault per new page, far beyond what the kernel set up at exec time.
 *
 * Phase 1 recurses DEPTH levels with a FRAME_BYTES buffer in each frame
 * (~200 KiB), filling every frame with a depth-dependent pattern on the way
 * down and folding it into a checksum on the way up, so a page lost or
 * swapped between faults changes the result.  Phase 2 allocas ALLOCA_BYTES
 * in one go and writes one byte per page from the top down (the order a
 * growing stack touches pages), then sums them.
 *
 * Prints "recursion checksum=<hex>" and "alloca checksum=<hex>"; exits 0.
 * faultsim: lazy_stack >= 64 (256 KiB of fresh stack), no guard hits.
 */
#include "rt.h"

#define DEPTH        200
#define FRAME_BYTES  1024
#define ALLOCA_BYTES (256 * 1024)

/* noinline and a non-tail recursive call: each level must keep its own
 * frame on the stack. */
static __attribute__((noinline)) unsigned long descend(unsigned depth) {
  volatile unsigned char frame[FRAME_BYTES];
  unsigned long sum = RT_HASH_INIT;
  unsigned i;
  for (i = 0; i < FRAME_BYTES; i++)
    frame[i] = (unsigned char)(depth * 31u + i * 7u);
  if (depth + 1 < DEPTH)
    sum = descend(depth + 1);
  for (i = 0; i < FRAME_BYTES; i++)
    sum = rt_hash_byte(sum, frame[i]);
  return sum;
}

static __attribute__((noinline)) unsigned long alloca_pages(void) {
  volatile unsigned char *area = __builtin_alloca(ALLOCA_BYTES);
  unsigned long sum = RT_HASH_INIT;
  long off;
  for (off = ALLOCA_BYTES - 1; off >= 0; off -= (long)RT_PAGE_SIZE)
    area[off] = (unsigned char)(off >> 12);
  for (off = ALLOCA_BYTES - 1; off >= 0; off -= (long)RT_PAGE_SIZE)
    sum = rt_hash_byte(sum, area[off]);
  return sum;
}

int main(void) {
  rt_printf("recursion checksum=%lx\n", descend(0));
  rt_printf("alloca checksum=%lx\n", alloca_pages());
  return 0;
}
