/*
 * The layout fuzz target (fuzz_layout.c): LLVMFuzzerTestOneInput runs one
 * input against the host build of the page-fault core and the oracle and
 * aborts on the first mismatch.  The helpers here are for the drivers built
 * around it (the plain driver, the corpus generator, the regression test).
 */
#ifndef FAULTSIM_TESTS_FUZZ_LAYOUT_H
#define FAULTSIM_TESTS_FUZZ_LAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <faultsim/abi.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Operation kinds, as counted in the coverage table. */
enum fuzz_op {
  FUZZ_OP_ADD_REGION,
  FUZZ_OP_EXEC,
  FUZZ_OP_ACCESS,
  FUZZ_OP_USER_PAGE,
  FUZZ_OP_MMAP,
  FUZZ_OP_MUNMAP,
  FUZZ_OP_MPROTECT,
  FUZZ_OP_BRK,
  FUZZ_OP_BALLAST,
  FUZZ_OP_COUNT
};

#define FUZZ_RESULT_SLOTS 128 /* 0: success, e: -e (errno values below 128) */

/* What the inputs run so far exercised (accumulates across inputs). */
struct fuzz_coverage {
  uint64_t inputs;
  uint64_t ops;
  uint64_t decisions[FS_DECISION_COUNT][FS_REGION_TYPE_COUNT]; /* by the region's type */
  uint64_t populate[FS_POPULATE_CACHE + 1];                    /* lazy faults by kind  */
  uint64_t stack_overflows;
  uint64_t fault_loops;
  uint64_t results[FUZZ_OP_COUNT][FUZZ_RESULT_SLOTS];
};

const struct fuzz_coverage *fuzz_layout_coverage(void);
void fuzz_layout_coverage_reset(void);
/* Prints the decision x region-type table and the call results. */
void fuzz_layout_print_coverage(FILE *out);
/* 1: print every decoded operation to stderr (reproducing a finding). */
void fuzz_layout_set_verbose(int on);

/* Deterministic inputs for --generate and the corpus generator: splitmix64. */
static inline uint64_t fuzz_prng_next(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Fills buf (capacity cap) with one pseudo-random input; returns its size. */
static inline size_t fuzz_prng_input(uint64_t *state, uint8_t *buf, size_t cap) {
  size_t size = 16 + (size_t)(fuzz_prng_next(state) % 496);
  if (size > cap)
    size = cap;
  for (size_t i = 0; i < size; i++)
    buf[i] = (uint8_t)fuzz_prng_next(state);
  return size;
}

#endif /* FAULTSIM_TESTS_FUZZ_LAYOUT_H */
