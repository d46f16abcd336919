/*
 * `faultsim run` command line: parsed by a pure function (no printing, no
 * exit, no file access) so every rule is unit-testable.
 */
#ifndef FAULTSIM_RUN_ARGS_H
#define FAULTSIM_RUN_ARGS_H

#include <stddef.h>
#include <stdint.h>

#define RUN_DEFAULT_RAM_MIB           64
#define RUN_DEFAULT_STACK_GUARD_PAGES 256
/* 4 GiB of guard: more could not fit below the stack anyway. */
#define RUN_MAX_STACK_GUARD_PAGES (1ULL << 20)

/* One --file HOST[:GUEST]; guest is absolute (defaults to "/" + basename). */
struct run_file {
  char *host;
  char *guest;
};

struct run_args {
  uint64_t ram_mib;
  uint64_t stack_guard_pages;
  uint64_t fail_alloc_nth;   /* 0: off */
  uint64_t fail_alloc_every; /* 0: off */
  int stats;
  int selftest_pf;
  /* --gdb [HOST:]PORT: serve gdb (gdb_port valid when gdb_enabled). */
  int gdb_enabled;
  char gdb_host[64];
  unsigned gdb_port;
  const char *gdb_script;  /* --gdb-script FILE: write the gdb commands there */
  uint64_t break_on_fault; /* --break-on-fault N: 0 off */
  int break_on_decision;   /* --break-on-decision KIND: enum fs_decision, -1 off */
  int verbosity;           /* number of -v */
  const char *kernel_path; /* NULL: the embedded kernel */
  const char *trace_path;  /* --trace FILE: JSON Lines trace; NULL: none */

  struct run_file *files;
  size_t file_count;
  char **env; /* NAME=VALUE, in command-line order */
  size_t env_count;

  const char *program; /* host path of PROGRAM */
  int guest_argc;      /* arguments after PROGRAM */
  char **guest_args;   /* points into the argv given to parse_run_args */
};

enum run_args_status {
  RUN_ARGS_OK = 0,
  RUN_ARGS_HELP = 1,  /* --help: print run_args_help and succeed */
  RUN_ARGS_USAGE = 2, /* bad command line: message in err */
};

/* Parses argv[1..argc-1] of `faultsim run` (argv[0] is "run").  Fills args
 * (free with run_args_free in every case) and returns a status; on
 * RUN_ARGS_USAGE a one-line message is in err.  Uses getopt_long, so it is
 * not reentrant across threads. */
enum run_args_status parse_run_args(int argc, char **argv, struct run_args *args, char *err,
                                    size_t err_size);

void run_args_free(struct run_args *args);

/* The `faultsim run --help` text. */
extern const char run_args_help[];

#endif /* FAULTSIM_RUN_ARGS_H */
