/*
 * heap_brk: the heap is the region between the initial break and brk(); its
 * pages appear lazily, and pages given back by shrinking must come back
 * zeroed when the break grows again.
 *
 * Queries the break, grows it to GROW_PAGES past the next page boundary,
 * writes every page and reads it back, shrinks the break to 1 page, grows it
 * back to REGROW_PAGES and checks pages 1..REGROW_PAGES-1 are zero again
 * (page 0 keeps its contents).  Addresses are never printed (natively the
 * heap start is randomised).
 *
 * Prints "grew by 8 pages: ok", "heap checksum=<hex>", "shrunk to 1 page:
 * ok", "page 0 kept: ok", "regrown pages zero: 3"; exits 0.
 * faultsim: lazy_heap >= 11 (8 pages, then 3 re-grown pages after the
 * shrink freed them); frames freed by the shrink return to the allocator.
 */
#include "rt.h"

#define GROW_PAGES   8
#define REGROW_PAGES 4

int main(void) {
  long cur = rt_brk(0);
  unsigned long base, i, p, sum = RT_HASH_INIT, zero_pages = 0;
  volatile unsigned char *h;

  RT_CHECK(cur > 0);
  /* The initial break need not be page-aligned (it is the end of .bss). */
  base = ((unsigned long)cur + RT_PAGE_SIZE - 1) & ~(RT_PAGE_SIZE - 1);
  h = (volatile unsigned char *)base;

  if ((unsigned long)rt_brk((void *)(base + GROW_PAGES * RT_PAGE_SIZE)) !=
      base + GROW_PAGES * RT_PAGE_SIZE)
    rt_fail("brk did not grow the heap");
  for (p = 0; p < GROW_PAGES; p++)
    for (i = 0; i < RT_PAGE_SIZE; i += 64)
      h[p * RT_PAGE_SIZE + i] = (unsigned char)(p * 13 + i / 64);
  for (p = 0; p < GROW_PAGES; p++)
    for (i = 0; i < RT_PAGE_SIZE; i += 64) {
      unsigned char v = h[p * RT_PAGE_SIZE + i];
      RT_CHECK(v == (unsigned char)(p * 13 + i / 64));
      sum = rt_hash_byte(sum, v);
    }
  rt_printf("grew by %d pages: ok\n", GROW_PAGES);
  rt_printf("heap checksum=%lx\n", sum);

  if ((unsigned long)rt_brk((void *)(base + RT_PAGE_SIZE)) != base + RT_PAGE_SIZE)
    rt_fail("brk did not shrink the heap");
  rt_printf("shrunk to 1 page: ok\n");

  if ((unsigned long)rt_brk((void *)(base + REGROW_PAGES * RT_PAGE_SIZE)) !=
      base + REGROW_PAGES * RT_PAGE_SIZE)
    rt_fail("brk did not grow the heap again");
  for (i = 0; i < RT_PAGE_SIZE; i += 64)
    RT_CHECK(h[i] == (unsigned char)(i / 64));
  rt_printf("page 0 kept: ok\n");
  for (p = 1; p < REGROW_PAGES; p++) {
    int clean = 1;
    for (i = 0; i < RT_PAGE_SIZE; i++)
      clean &= h[p * RT_PAGE_SIZE + i] == 0;
    zero_pages += (unsigned long)clean;
  }
  rt_printf("regrown pages zero: %lu\n", zero_pages);
  return 0;
}
