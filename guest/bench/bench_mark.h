/*
 * Marks around the measured part of a benchmark workload.  A mark prints one
 * line, "mark NAME ns=T minflt=F tsc=C":
 *   T  CLOCK_MONOTONIC in ns, or -1 when clock_gettime fails (faultsim has no
 *      wall clock: the host timestamps the line when the guest writes it);
 *   F  getrusage's ru_minflt, or -1 when it fails;
 *   C  rdtsc: the host's TSC natively, the exact guest instruction count
 *      under faultsim (its kernel emulates rdtsc from the virtual clock).
 * The line is written with one write() so the host sees it at once.
 */
#ifndef FAULTSIM_BENCH_MARK_H
#define FAULTSIM_BENCH_MARK_H

#include "rt.h"

#define BENCH_SYS_getrusage     98
#define BENCH_SYS_clock_gettime 228
#define BENCH_CLOCK_MONOTONIC   1
#define BENCH_RUSAGE_SELF       0
#define BENCH_RUSAGE_MINFLT     8 /* ru_minflt: after two timevals and four longs */
#define BENCH_RUSAGE_LONGS      18

struct bench_timespec {
  long sec, nsec;
};

static inline long bench_clock_ns(void) {
  struct bench_timespec ts;
  long r = rt_syscall3(BENCH_SYS_clock_gettime, BENCH_CLOCK_MONOTONIC, (long)&ts, 0);
  return r < 0 ? -1 : ts.sec * 1000000000L + ts.nsec;
}

static inline long bench_minflt(void) {
  long ru[BENCH_RUSAGE_LONGS];
  long r = rt_syscall3(BENCH_SYS_getrusage, BENCH_RUSAGE_SELF, (long)ru, 0);
  return r < 0 ? -1 : ru[BENCH_RUSAGE_MINFLT];
}

static inline unsigned long bench_tsc(void) {
  unsigned lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return (unsigned long)hi << 32 | lo;
}

static inline void bench_mark(const char *name) {
  long minflt = bench_minflt();
  unsigned long tsc = bench_tsc();
  long ns = bench_clock_ns();
  rt_printf("mark %s ns=%ld minflt=%ld tsc=%lu\n", name, ns, minflt, tsc);
}

#endif
