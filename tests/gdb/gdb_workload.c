/*
 * gdb_workload: the program the gdb end-to-end tests debug.
 *   gdb_workload watch  writes `watched` three times (1, 2, 42), exits 3
 *   gdb_workload spin   loops for a very long time (Ctrl-C test), printing
 *                       "spinning" once it runs; exits 0
 *   gdb_workload        touches four bss pages (lazy faults), exits 3
 */
#include "rt.h"

volatile unsigned long watched = 7;
static volatile unsigned char pages[4 * 4096];
volatile unsigned long spins;

static int same(const char *a, const char *b) {
  while (*a && *a == *b) {
    a++;
    b++;
  }
  return *a == *b;
}

int main(int argc, char **argv) {
  if (argc > 1 && same(argv[1], "spin")) {
    /* Long enough that only an interrupt ends it within the test timeout.
     * The line tells the test that the loop runs (and spins > 0). */
    for (spins = 0; spins < (1UL << 40); spins++)
      if (spins == 1000)
        rt_printf("spinning\n");
    return 0;
  }
  if (argc > 1 && same(argv[1], "watch")) {
    watched = 1;
    watched = 2;
    watched = 42;
    rt_printf("watched=%lu\n", watched);
    return 3;
  }
  for (int i = 0; i < 4; i++)
    pages[i * 4096] = (unsigned char)i;
  rt_printf("touched\n");
  return 3;
}
