/* Command line of `faultsim fuzz` (parsed without side effects, for tests). */
#ifndef FAULTSIM_FUZZ_ARGS_H
#define FAULTSIM_FUZZ_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FUZZ_DEFAULT_ITERATIONS 1000
#define FUZZ_DEFAULT_RAM_MIB    16
#define FUZZ_MAX_JOBS           256

struct fuzz_args {
  uint64_t seed;
  uint64_t iterations;
  unsigned jobs;
  uint64_t ram_mib;
  const char *kernel; /* NULL: the embedded kernel */
  const char *out_dir;
  const char *reproduce;
  bool check_reset;
  bool verbose;
};

enum fuzz_args_status { FUZZ_ARGS_OK, FUZZ_ARGS_HELP, FUZZ_ARGS_USAGE };

extern const char fuzz_args_help[];

enum fuzz_args_status parse_fuzz_args(int argc, char **argv, struct fuzz_args *args, char *err,
                                      size_t err_size);

#endif
