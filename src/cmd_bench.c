/* `faultsim bench [--quick] [--json FILE]`: the benchmark (src/bench/). */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench_workload_path.h"
#include "cli.h"
#include "commands.h"
#include "kernel_image.h"

#define MIN_REPEATS 5

static const char help[] =
    "Usage: faultsim bench [--quick] [--json FILE] [OPTIONS]\n"
    "Measures the cost of page faults in faultsim against native Linux, the\n"
    "fault handler's exact instruction count, region-count scaling, replay and\n"
    "start-up, and prints a table (median, min, max of every figure).\n"
    "\n"
    "  --quick          small sizes, for a smoke test (well under a minute)\n"
    "  --json FILE      also write the figures as JSON\n"
    "  --repeats N      repetitions per figure (5..64, default 5)\n"
    "  --pages N        pages of the anonymous-fault workload (default 100000)\n"
    "  --workload FILE  the bench_faults program (default: the one built with faultsim)\n"
    "  -v               say what is running\n"
    "  --help           this text\n";

static void set_sizes(struct bench_options *o) {
  static const long ks[BENCH_REGION_KS] = {16, 256, 4096, 65536};
  memcpy(o->region_ks, ks, sizeof ks);
  if (o->quick) {
    o->anon_pages = 2000;
    o->file_pages = 1000;
    o->region_faults = 500;
    o->churn_cycles = 500;
  } else {
    o->anon_pages = 100000;
    o->file_pages = 100000;
    o->region_faults = 10000;
    o->churn_cycles = 55556; /* 18 events a cycle: a million events */
  }
  o->churn_pages = 16;
}

int cmd_bench(int argc, char **argv) {
  static const struct option options[] = {
      {"quick", no_argument, NULL, 'q'},
      {"json", required_argument, NULL, 'j'},
      {"repeats", required_argument, NULL, 'r'},
      {"pages", required_argument, NULL, 'p'},
      {"workload", required_argument, NULL, 'w'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  struct bench_options opt = {.repeats = MIN_REPEATS};
  const char *json = NULL, *workload = FAULTSIM_BENCH_WORKLOAD_PATH;
  uint64_t value, pages = 0;
  int verbose = 0;
  char message[512];
  /* ":": a missing argument is told apart from an unknown option. */
  opterr = 0;
  optind = 0;
  int c;
  while ((c = getopt_long(argc, argv, "+:v", options, NULL)) != -1) {
    switch (c) {
    case 'q':
      opt.quick = 1;
      break;
    case 'j':
      json = optarg;
      break;
    case 'r':
      if (cli_parse_u64(optarg, MIN_REPEATS, BENCH_MAX_REPEATS, false, &value) != 0) {
        snprintf(message, sizeof message, "--repeats: '%s' is not a number in %d..%d", optarg,
                 MIN_REPEATS, BENCH_MAX_REPEATS);
        return cli_usage_error("bench", message);
      }
      opt.repeats = (int)value;
      break;
    case 'p':
      if (cli_parse_u64(optarg, 1, 900000, false, &pages) != 0) {
        snprintf(message, sizeof message, "--pages: '%s' is not a number in 1..900000", optarg);
        return cli_usage_error("bench", message);
      }
      break;
    case 'w':
      workload = optarg;
      break;
    case 'v':
      verbose++;
      break;
    case 'h':
      fputs(help, stdout);
      return 0;
    default: /* ':' or '?' */
      cli_option_error(c, options, argv, message, sizeof message);
      return cli_usage_error("bench", message);
    }
  }
  if (optind < argc) {
    snprintf(message, sizeof message, "unexpected argument '%s'", argv[optind]);
    return cli_usage_error("bench", message);
  }
  set_sizes(&opt);
  if (pages)
    opt.anon_pages = (long)pages;
  if (access(workload, X_OK) != 0) {
    fprintf(stderr, "faultsim bench: %s: not found or not executable (--workload FILE)\n",
            workload);
    return FAULTSIM_EXIT_USAGE;
  }

  char self[PATH_MAX], tmpdir[PATH_MAX];
  ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0) {
    fputs("faultsim bench: cannot find the faultsim binary (/proc/self/exe)\n", stderr);
    return FAULTSIM_EXIT_MACHINE;
  }
  self[len] = '\0';
  const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  snprintf(tmpdir, sizeof tmpdir, "%s/faultsim-bench-XXXXXX", base);
  if (!mkdtemp(tmpdir)) {
    fprintf(stderr, "faultsim bench: cannot create a directory under %s\n", base);
    return FAULTSIM_EXIT_MACHINE;
  }
  struct kernel_image kernel;
  kernel_image_load(NULL, &kernel, message, sizeof message); /* the embedded one: cannot fail */
  struct bench_env env = {
      .kernel_elf = kernel.elf,
      .kernel_elf_size = kernel.size,
      .workload = workload,
      .faultsim = self,
      .tmpdir = tmpdir,
      .verbose = verbose,
  };
  /* Large: keep it off the stack. */
  struct bench_results *res = calloc(1, sizeof *res);
  int status = FAULTSIM_EXIT_MACHINE;
  char err[1024] = "";
  if (!res) {
    fputs("faultsim bench: out of memory\n", stderr);
  } else if (bench_suite_run(&env, &opt, res, err, sizeof err) != 0) {
    fprintf(stderr, "faultsim bench: %s\n", err);
  } else {
    bench_report_table(stdout, &opt, res);
    status = 0;
    if (json && bench_report_json(json, &opt, res) != 0) {
      fprintf(stderr, "faultsim bench: --json %s: cannot write\n", json);
      status = FAULTSIM_EXIT_USAGE;
    }
  }
  rmdir(tmpdir);
  free(res);
  fflush(stdout);
  return status;
}
