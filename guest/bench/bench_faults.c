/*
 * bench_faults: the workloads of `faultsim bench` (src/bench/).  One static
 * program that runs natively on the host and inside faultsim alike.
 *
 *   bench_faults anon N            map N anonymous pages, write one byte of each
 *   bench_faults file N PATH       map N pages of PATH privately, read one byte
 *                                  of each (cold), then map it again and read
 *                                  again (warm: from the page cache)
 *   bench_faults regions K F SEED  K regions with gaps between them over a
 *                                  fixed span, then one fault on each of F
 *                                  distinct pages drawn from them, in a
 *                                  seeded random order
 *   bench_faults churn C P         C cycles of mmap P pages, touch, munmap
 *                                  (a long trace for the replay benchmark)
 *   bench_faults first             write one byte to stdout at once, exit
 *   bench_faults exit              exit at once
 *
 * The measured part of each workload is bracketed by marks (bench_mark.h):
 * natively a mark reads CLOCK_MONOTONIC and ru_minflt from inside the
 * program; under faultsim those calls fail (ENOSYS) and the host
 * timestamps the mark's line as it is written.  With N = 0 (or F = 0) the
 * same marks run with nothing between them: the host subtracts that.
 */
#include "bench_mark.h"
#include "rt.h"

#define MAP_FIXED_NOREPLACE 0x100000
#define MADV_NOHUGEPAGE     15
#define MAX_FAULTS          (1L << 20)
#define MAX_REGIONS         (1L << 17)
/* Far above any brk and below the stack: room for the largest layout. */
#define REGIONS_BASE 0x100000000000UL

static long fault_pages[MAX_FAULTS]; /* page index (from REGIONS_BASE) per fault */

static long arg_long(const char *s, long min, long max) {
  long v;
  if (rt_parse_long(s, &v) != 0 || v < min || v > max) {
    rt_dprintf(2, "bench_faults: bad number '%s'\n", s);
    rt_exit_group(2);
  }
  return v;
}

static long map_or_die(void *hint, unsigned long len, int prot, int flags, int fd) {
  long p = rt_mmap(hint, len, prot, flags, fd, 0);
  if (rt_is_err(p)) {
    rt_dprintf(2, "bench_faults: mmap of %lu bytes failed: %ld\n", len, p);
    rt_exit_group(1);
  }
  /* Natively: 4 KiB faults, as faultsim has (no transparent huge pages). */
  rt_madvise((void *)p, len, MADV_NOHUGEPAGE);
  return p;
}

static int bench_anon(long n) {
  volatile char *p = (volatile char *)0;
  if (n > 0)
    p = (volatile char *)map_or_die(0, (unsigned long)n * RT_PAGE_SIZE,
                                    RT_PROT_READ | RT_PROT_WRITE, RT_MAP_PRIVATE | RT_MAP_ANONYMOUS,
                                    -1);
  bench_mark("begin");
  for (long i = 0; i < n; i++)
    p[i * (long)RT_PAGE_SIZE] = 1;
  bench_mark("end");
  return 0;
}

static unsigned long touch_read(const volatile unsigned char *p, long n) {
  unsigned long sum = 0;
  for (long i = 0; i < n; i++)
    sum += p[i * (long)RT_PAGE_SIZE];
  return sum;
}

static int bench_file(long n, const char *path) {
  const volatile unsigned char *a = 0, *b = 0;
  unsigned long len = (unsigned long)n * RT_PAGE_SIZE, sum = 0;
  if (n > 0) {
    long fd = rt_open(path, RT_O_RDONLY, 0);
    if (fd < 0) {
      rt_dprintf(2, "bench_faults: cannot open %s: %ld\n", path, fd);
      return 1;
    }
    a = (const volatile unsigned char *)map_or_die(0, len, RT_PROT_READ, RT_MAP_PRIVATE, (int)fd);
    b = (const volatile unsigned char *)map_or_die(0, len, RT_PROT_READ, RT_MAP_PRIVATE, (int)fd);
    rt_close(fd);
  }
  bench_mark("begin");
  sum += touch_read(a, n);
  bench_mark("cold");
  sum += touch_read(b, n);
  bench_mark("warm");
  rt_printf("sum %lu\n", sum);
  return 0;
}

/* xorshift64*: a fixed, portable sequence for a given seed. */
static unsigned long rng_state;
static unsigned long rng_next(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545f4914f6cdd1dUL;
}

/* K regions over one fixed span of SPAN_PAGES pages: each region is
 * SPAN_PAGES / K pages minus a one-page gap after it, so that no two can
 * merge (Linux would merge adjacent anonymous mappings into one).  The F
 * faults go to F distinct pages drawn uniformly from all region pages, in a
 * random order: for K >= F that is one page in each of F regions.  The span
 * is the same for every K, so the faults need the same page tables whatever
 * K is, and what changes with K is the region lookup alone. */
#define SPAN_PAGES MAX_REGIONS
static unsigned candidates[SPAN_PAGES];

static int bench_regions(long k, long f, long seed) {
  unsigned long stride = (unsigned long)(SPAN_PAGES / k); /* pages per region and gap */
  unsigned long size = stride - 1;
  unsigned long n = (unsigned long)k * size;
  if (size < 1 || (unsigned long)f > n) {
    rt_dprintf(2, "bench_faults: %ld faults do not fit in %ld regions\n", f, k);
    return 2;
  }
  rng_state = (unsigned long)seed * 2 + 1;
  for (long i = 0; i < k; i++) {
    void *at = (void *)(REGIONS_BASE + (unsigned long)i * stride * RT_PAGE_SIZE);
    long p = rt_mmap(at, size * RT_PAGE_SIZE, RT_PROT_READ | RT_PROT_WRITE,
                     RT_MAP_PRIVATE | RT_MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p != (long)at) {
      rt_dprintf(2, "bench_faults: region %ld at %p: mmap gave %ld\n", i, at, p);
      return 1;
    }
  }
  /* A partial Fisher-Yates shuffle of the region pages: the first f are the
   * faults, distinct and already in random order. */
  for (unsigned long c = 0; c < n; c++)
    candidates[c] = (unsigned)c;
  for (long j = 0; j < f; j++) {
    unsigned long pick = (unsigned long)j + rng_next() % (n - (unsigned long)j);
    unsigned t = candidates[j];
    candidates[j] = candidates[pick];
    candidates[pick] = t;
    fault_pages[j] = (long)(candidates[j] / size * stride + candidates[j] % size);
  }
  volatile char *base = (volatile char *)REGIONS_BASE;
  bench_mark("begin");
  for (long j = 0; j < f; j++)
    base[fault_pages[j] * (long)RT_PAGE_SIZE] = 1;
  bench_mark("end");
  return 0;
}

static int bench_churn(long cycles, long pages) {
  unsigned long len = (unsigned long)pages * RT_PAGE_SIZE;
  bench_mark("begin");
  for (long c = 0; c < cycles; c++) {
    volatile char *p = (volatile char *)map_or_die(0, len, RT_PROT_READ | RT_PROT_WRITE,
                                                   RT_MAP_PRIVATE | RT_MAP_ANONYMOUS, -1);
    for (long i = 0; i < pages; i++)
      p[i * (long)RT_PAGE_SIZE] = (char)c;
    rt_munmap((void *)p, len);
  }
  bench_mark("end");
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && rt_strcmp(argv[1], "first") == 0) {
    rt_write(1, "x", 1);
    return 0;
  }
  if (argc >= 2 && rt_strcmp(argv[1], "exit") == 0)
    return 0;
  if (argc == 3 && rt_strcmp(argv[1], "anon") == 0)
    return bench_anon(arg_long(argv[2], 0, 1L << 24));
  if (argc == 4 && rt_strcmp(argv[1], "file") == 0)
    return bench_file(arg_long(argv[2], 0, 1L << 24), argv[3]);
  if (argc == 5 && rt_strcmp(argv[1], "regions") == 0)
    return bench_regions(arg_long(argv[2], 1, MAX_REGIONS), arg_long(argv[3], 0, MAX_FAULTS),
                         arg_long(argv[4], 0, 1L << 40));
  if (argc == 4 && rt_strcmp(argv[1], "churn") == 0)
    return bench_churn(arg_long(argv[2], 0, 1L << 30), arg_long(argv[3], 1, 1L << 16));
  rt_dprintf(2, "usage: bench_faults anon N | file N PATH | regions K F SEED | churn C P | "
                "first | exit\n");
  return 2;
}
