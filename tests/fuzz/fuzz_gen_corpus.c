/*
 * Writes the seed corpus: draws pseudo-random inputs from a fixed seed, runs
 * each through the target and keeps those that reach a coverage cell (a
 * decision for a region type, a populate kind, a call result, a stack
 * overflow, a fault loop) no kept input reached before.  Deterministic: the
 * same seed and count give byte-identical files.
 *   fuzz_layout_gen_corpus OUTDIR [--seed S] [--tries N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_layout.h"

static uint8_t buf[4096];

/* Cells of the coverage table as booleans, flattened. */
#define CELLS                                                                                      \
  (FS_DECISION_COUNT * FS_REGION_TYPE_COUNT + FS_POPULATE_CACHE + 1 + 2 +                          \
   FUZZ_OP_COUNT * FUZZ_RESULT_SLOTS)

static void cells_of(const struct fuzz_coverage *c, unsigned char *out) {
  size_t k = 0;
  for (int d = 0; d < FS_DECISION_COUNT; d++)
    for (int t = 0; t < FS_REGION_TYPE_COUNT; t++)
      out[k++] = c->decisions[d][t] != 0;
  for (int p = 0; p <= FS_POPULATE_CACHE; p++)
    out[k++] = c->populate[p] != 0;
  out[k++] = c->stack_overflows != 0;
  out[k++] = c->fault_loops != 0;
  for (int op = 0; op < FUZZ_OP_COUNT; op++)
    for (int s = 0; s < FUZZ_RESULT_SLOTS; s++)
      out[k++] = c->results[op][s] != 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s OUTDIR [--seed S] [--tries N]\n", argv[0]);
    return 2;
  }
  unsigned long long seed = 20240601, tries = 20000;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--seed"))
      seed = strtoull(argv[i + 1], NULL, 0);
    else if (!strcmp(argv[i], "--tries"))
      tries = strtoull(argv[i + 1], NULL, 0);
  }
  static unsigned char seen[CELLS], now[CELLS];
  uint64_t state = seed;
  unsigned kept = 0;
  for (unsigned long long k = 0; k < tries; k++) {
    size_t n = fuzz_prng_input(&state, buf, sizeof(buf));
    fuzz_layout_coverage_reset();
    LLVMFuzzerTestOneInput(buf, n);
    cells_of(fuzz_layout_coverage(), now);
    int fresh = 0;
    for (size_t c = 0; c < CELLS; c++)
      fresh |= now[c] && !seen[c];
    if (!fresh)
      continue;
    for (size_t c = 0; c < CELLS; c++)
      seen[c] |= now[c];
    char path[4096];
    snprintf(path, sizeof(path), "%s/seed-%03u", argv[1], kept++);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, n, f) != n || fclose(f) != 0) {
      perror(path);
      return 1;
    }
  }
  printf("kept %u inputs out of %llu\n", kept, tries);
  return 0;
}
