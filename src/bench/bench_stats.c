/* Median, min and max of a benchmark's repetitions. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

uint64_t bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void bench_stat_add(struct bench_stat *s, double value) {
  if (s->n < BENCH_MAX_REPEATS)
    s->v[s->n++] = value;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

double bench_stat_median(const struct bench_stat *s) {
  if (s->n == 0)
    return 0;
  double sorted[BENCH_MAX_REPEATS];
  memcpy(sorted, s->v, (size_t)s->n * sizeof sorted[0]);
  qsort(sorted, (size_t)s->n, sizeof sorted[0], by_value);
  return s->n % 2 ? sorted[s->n / 2] : (sorted[s->n / 2 - 1] + sorted[s->n / 2]) / 2;
}

double bench_stat_min(const struct bench_stat *s) {
  double v = s->n ? s->v[0] : 0;
  for (int i = 1; i < s->n; i++)
    v = s->v[i] < v ? s->v[i] : v;
  return v;
}

double bench_stat_max(const struct bench_stat *s) {
  double v = s->n ? s->v[0] : 0;
  for (int i = 1; i < s->n; i++)
    v = s->v[i] > v ? s->v[i] : v;
  return v;
}
