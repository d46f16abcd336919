/*
 * oom: keeps mapping and touching anonymous memory, one page at a time, in
 * CHUNK_PAGES mappings.  Under faultsim (run with a small --ram) the frame
 * allocator eventually fails on a fault and the kernel kills the process
 * with SIGKILL (status 137): faults are not allowed to hang or panic when
 * memory runs out.
 *
 * argv[1], if given, caps the number of pages: natively there is no small
 * RAM to run out of, so the native test passes a cap and the program stops
 * there and exits 0.  That difference is inherent: the native run proves
 * the program is correct, the faultsim run without a cap proves the OOM
 * kill.
 *
 * Prints "touching anonymous pages until the cap or the OOM killer\n"; with
 * a cap also "cap reached: <cap> pages", exit 0.  If mmap itself fails
 * prints "mmap failed: <err> after <n> pages" and exits 3 (the kernel should
 * refuse a mapping only when out of address space, not RAM).
 * faultsim (--ram 8, no cap): oom_kills == 1, frame_alloc_failures >= 1,
 * lazy_mmap_anon > 0, and frames_free_exit == frames_free_boot (a killed
 * process still gives every frame back).
 */
#include "rt.h"

#define CHUNK_PAGES 256 /* 1 MiB per mmap */

int main(int argc, char **argv) {
  long cap = -1;
  unsigned long touched = 0;

  if (argc > 2 || (argc == 2 && (rt_parse_long(argv[1], &cap) != 0 || cap < 0))) {
    rt_printf("usage: oom [PAGE_CAP]\n");
    return 2;
  }
  rt_printf("touching anonymous pages until the cap or the OOM killer\n");
  for (;;) {
    long addr = rt_mmap(0, CHUNK_PAGES * RT_PAGE_SIZE, RT_PROT_READ | RT_PROT_WRITE,
                        RT_MAP_PRIVATE | RT_MAP_ANONYMOUS, -1, 0);
    unsigned long p;
    if (rt_is_err(addr)) {
      rt_printf("mmap failed: %ld after %lu pages\n", addr, touched);
      return 3;
    }
    for (p = 0; p < CHUNK_PAGES; p++) {
      if (cap >= 0 && touched == (unsigned long)cap) {
        rt_printf("cap reached: %lu pages\n", touched);
        return 0;
      }
      ((volatile unsigned char *)addr)[p * RT_PAGE_SIZE] = 1;
      touched++;
    }
  }
}
