#include "fuzz_args.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <faultsim/abi.h>

#include "cli.h"

const char fuzz_args_help[] =
    "Usage: faultsim fuzz [OPTION]...\n"
    "Generate random layouts and access programs, run each as a user program inside\n"
    "the machine (the fuzz guest reads it from /fuzz/program) and compare every\n"
    "fault decision of the trace with the oracle's.  Each iteration starts from a\n"
    "snapshot of the booted machine.  Stops at the first mismatch, writes a\n"
    "reproducer and exits 1.\n"
    "\n"
    "  --seed S            seed (default 1); iteration I's program depends only on\n"
    "                      S and I\n"
    "  --iterations N      programs to run (default 1000)\n"
    "  --jobs J            J worker processes, each with its own machine (default 1)\n"
    "  --ram MIB           guest RAM (default 16, 4..4096)\n"
    "  --kernel FILE       boot another kernel ELF instead of the embedded one (a\n"
    "                      kernel under development, or one to bisect)\n"
    "  --out DIR           where a reproducer goes (default: the current directory)\n"
    "  --reproduce FILE    run one program (its text, or the image) from a fresh boot,\n"
    "                      compare, report\n"
    "  --check-reset       also run every program from a fresh boot and require the\n"
    "                      same trace, output and exit as from the snapshot\n"
    "  -v, --verbose       print every iteration's outcome\n"
    "  -h, --help          show this help\n"
    "\n"
    "The last line printed ends with the rate, as 'N layouts/s'.\n"
    "Exit status: 0 no mismatch, 1 a mismatch, 2 usage error or unreadable\n"
    "reproducer, 4 the machine could not run.\n";

enum {
  OPT_SEED = 256,
  OPT_ITERATIONS,
  OPT_JOBS,
  OPT_RAM,
  OPT_KERNEL,
  OPT_OUT,
  OPT_REPRODUCE,
  OPT_CHECK_RESET
};

static const struct option long_options[] = {
    {"seed", required_argument, NULL, OPT_SEED},
    {"iterations", required_argument, NULL, OPT_ITERATIONS},
    {"jobs", required_argument, NULL, OPT_JOBS},
    {"ram", required_argument, NULL, OPT_RAM},
    {"kernel", required_argument, NULL, OPT_KERNEL},
    {"out", required_argument, NULL, OPT_OUT},
    {"reproduce", required_argument, NULL, OPT_REPRODUCE},
    {"check-reset", no_argument, NULL, OPT_CHECK_RESET},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

__attribute__((format(printf, 3, 4))) static enum fuzz_args_status usage(char *err, size_t err_size,
                                                                         const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, err_size, fmt, ap);
  va_end(ap);
  return FUZZ_ARGS_USAGE;
}

enum fuzz_args_status parse_fuzz_args(int argc, char **argv, struct fuzz_args *args, char *err,
                                      size_t err_size) {
  *args = (struct fuzz_args){.seed = 1,
                             .iterations = FUZZ_DEFAULT_ITERATIONS,
                             .jobs = 1,
                             .ram_mib = FUZZ_DEFAULT_RAM_MIB,
                             .out_dir = "."};
  opterr = 0;
  optind = 1;
  int option;
  uint64_t v;
  /* ":": a missing argument is told apart from an unknown option. */
  while ((option = getopt_long(argc, argv, "+:hv", long_options, NULL)) != -1) {
    switch (option) {
    case OPT_SEED:
      if (cli_parse_u64(optarg, 0, UINT64_MAX, true, &args->seed) != 0)
        return usage(err, err_size, "--seed '%s': not a number", optarg);
      break;
    case OPT_ITERATIONS:
      if (cli_parse_u64(optarg, 1, UINT64_MAX / 2, true, &args->iterations) != 0)
        return usage(err, err_size, "--iterations '%s': not a positive number", optarg);
      break;
    case OPT_JOBS:
      if (cli_parse_u64(optarg, 1, FUZZ_MAX_JOBS, true, &v) != 0)
        return usage(err, err_size, "--jobs '%s': not a number in 1..%d", optarg, FUZZ_MAX_JOBS);
      args->jobs = (unsigned)v;
      break;
    case OPT_RAM:
      if (cli_parse_u64(optarg, FS_RAM_MIN_MIB, FS_RAM_MAX_MIB, true, &args->ram_mib) != 0)
        return usage(err, err_size, "--ram '%s': not a number in %d..%d", optarg, FS_RAM_MIN_MIB,
                     FS_RAM_MAX_MIB);
      break;
    case OPT_KERNEL:
      args->kernel = optarg;
      break;
    case OPT_OUT:
      if (optarg[0] == '\0')
        return usage(err, err_size, "--out: empty directory name");
      args->out_dir = optarg;
      break;
    case OPT_REPRODUCE:
      args->reproduce = optarg;
      break;
    case OPT_CHECK_RESET:
      args->check_reset = true;
      break;
    case 'v':
      args->verbose = true;
      break;
    case 'h':
      return FUZZ_ARGS_HELP;
    default: /* ':' or '?' */
      cli_option_error(option, long_options, argv, err, err_size);
      return FUZZ_ARGS_USAGE;
    }
  }
  if (optind < argc)
    return usage(err, err_size, "unexpected argument '%s'", argv[optind]);
  return FUZZ_ARGS_OK;
}
