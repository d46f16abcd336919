#include "run_args.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <faultsim/abi.h>

#include "cli.h"
#include "cpio_writer.h"

const char run_args_help[] =
    "Usage: faultsim run [OPTION]... PROGRAM [ARG]...\n"
    "Boot the faultsim kernel and run PROGRAM, a static x86-64 ELF executable, as\n"
    "/bin/NAME (NAME = basename of PROGRAM) with ARGs.  Options stop at PROGRAM:\n"
    "everything after it goes to the program.\n"
    "\n"
    "  --ram MIB               guest RAM in MiB ("
    "default 64, 4..4096)\n"
    "  --file HOST[:GUEST]     put host file HOST into the initramfs at GUEST\n"
    "                          (absolute; default /BASENAME); repeatable\n"
    "  --env NAME=VALUE        add to the program's environment; repeatable (the\n"
    "                          host environment is never passed)\n"
    "  --kernel FILE           boot FILE instead of the built-in kernel\n"
    "  --stack-guard PAGES     guard pages below the stack (default 256)\n"
    "  --fail-alloc N          make the Nth frame allocation fail (0: off)\n"
    "  --fail-alloc-every K    make every Kth frame allocation fail (0: off)\n"
    "  --stats                 print the kernel's counters on stderr after the run\n"
    "  --trace FILE            write every fault decision and layout change to FILE\n"
    "                          (JSON Lines, docs/trace-format.md)\n"
    "  --selftest-pf           run the kernel's page-fault self-test first\n"
    "  --gdb [HOST:]PORT       wait for gdb on HOST:PORT (default host 127.0.0.1;\n"
    "                          port 0: any free port) before the first instruction\n"
    "  --gdb-script FILE       with --gdb: write gdb commands loading the symbols\n"
    "  --break-on-fault N      with --gdb: stop when the Nth page fault is delivered\n"
    "  --break-on-decision KIND  with --gdb: stop at the first fault the handler\n"
    "                          decides as KIND (lazy, spurious, guard, protection,\n"
    "                          invalid, oom)\n"
    "  -v, --verbose           show the kernel log (info) and the instruction count;\n"
    "                          twice: debug log\n"
    "  -h, --help              show this help\n"
    "\n"
    "Exit status:\n"
    "  N        the program exited with status N\n"
    "  128+S    signal S killed the program (139: SIGSEGV)\n"
    "  2        usage error, including an unreadable --file or --kernel\n"
    "  3        PROGRAM is unreadable or not a static x86-64 ELF executable\n"
    "  4        the machine stopped abnormally (panic, triple fault, error)\n"
    "           or could not start\n";

enum {
  OPT_RAM = 256,
  OPT_FILE,
  OPT_ENV,
  OPT_KERNEL,
  OPT_STACK_GUARD,
  OPT_FAIL_ALLOC,
  OPT_FAIL_ALLOC_EVERY,
  OPT_STATS,
  OPT_SELFTEST_PF,
  OPT_GDB,
  OPT_GDB_SCRIPT,
  OPT_BREAK_ON_FAULT,
  OPT_BREAK_ON_DECISION,
  OPT_TRACE,
};

static const struct option long_options[] = {
    {"ram", required_argument, NULL, OPT_RAM},
    {"file", required_argument, NULL, OPT_FILE},
    {"env", required_argument, NULL, OPT_ENV},
    {"kernel", required_argument, NULL, OPT_KERNEL},
    {"stack-guard", required_argument, NULL, OPT_STACK_GUARD},
    {"fail-alloc", required_argument, NULL, OPT_FAIL_ALLOC},
    {"fail-alloc-every", required_argument, NULL, OPT_FAIL_ALLOC_EVERY},
    {"stats", no_argument, NULL, OPT_STATS},
    {"selftest-pf", no_argument, NULL, OPT_SELFTEST_PF},
    {"gdb", required_argument, NULL, OPT_GDB},
    {"gdb-script", required_argument, NULL, OPT_GDB_SCRIPT},
    {"break-on-fault", required_argument, NULL, OPT_BREAK_ON_FAULT},
    {"break-on-decision", required_argument, NULL, OPT_BREAK_ON_DECISION},
    {"trace", required_argument, NULL, OPT_TRACE},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static enum run_args_status usage(char *err, size_t err_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum run_args_status usage(char *err, size_t err_size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, err_size, fmt, ap);
  va_end(ap);
  return RUN_ARGS_USAGE;
}

static const char *option_name(int option) {
  for (const struct option *o = long_options; o->name != NULL; o++)
    if (o->val == option)
      return o->name;
  return "?";
}

static enum run_args_status add_file(struct run_args *args, const char *spec, char *err,
                                     size_t err_size) {
  /* The last ':' splits HOST from GUEST, so host paths may contain ':' as
   * long as a GUEST is given. */
  const char *colon = strrchr(spec, ':');
  size_t host_len = colon ? (size_t)(colon - spec) : strlen(spec);
  if (host_len == 0)
    return usage(err, err_size, "--file '%s': empty host path", spec);
  char *host = strndup(spec, host_len);
  char *guest = NULL;
  if (host == NULL)
    return usage(err, err_size, "out of memory");
  if (colon != NULL) {
    guest = strdup(colon + 1);
  } else if (asprintf(&guest, "/%s", cli_base_name(host)) < 0) {
    guest = NULL;
  }
  if (guest == NULL) {
    free(host);
    return usage(err, err_size, "out of memory");
  }
  char reason[256];
  if (cpio_check_guest_path(guest, reason, sizeof(reason)) != 0) {
    free(host);
    free(guest);
    return usage(err, err_size, "--file '%s': %s", spec, reason);
  }
  struct run_file *grown = realloc(args->files, (args->file_count + 1) * sizeof(*grown));
  if (grown == NULL) {
    free(host);
    free(guest);
    return usage(err, err_size, "out of memory");
  }
  args->files = grown;
  args->files[args->file_count++] = (struct run_file){host, guest};
  return RUN_ARGS_OK;
}

static enum run_args_status add_env(struct run_args *args, char *assignment, char *err,
                                    size_t err_size) {
  const char *equals = strchr(assignment, '=');
  if (equals == NULL || equals == assignment)
    return usage(err, err_size, "--env '%s': expected NAME=VALUE", assignment);
  char **grown = realloc(args->env, (args->env_count + 1) * sizeof(*grown));
  if (grown == NULL)
    return usage(err, err_size, "out of memory");
  args->env = grown;
  args->env[args->env_count++] = assignment;
  return RUN_ARGS_OK;
}

/* [HOST:]PORT; HOST is a numeric IPv4 address (checked when listening). */
static enum run_args_status parse_gdb_address(struct run_args *args, const char *spec, char *err,
                                              size_t err_size) {
  const char *colon = strrchr(spec, ':');
  const char *port = colon ? colon + 1 : spec;
  size_t host_length = colon ? (size_t)(colon - spec) : 0;
  uint64_t number;
  if (host_length >= sizeof(args->gdb_host) || (colon && host_length == 0) ||
      cli_parse_u64(port, 0, 65535, false, &number) != 0)
    return usage(err, err_size, "--gdb '%s': expected [HOST:]PORT", spec);
  snprintf(args->gdb_host, sizeof(args->gdb_host), "%.*s", (int)host_length, spec);
  if (host_length == 0)
    snprintf(args->gdb_host, sizeof(args->gdb_host), "127.0.0.1");
  args->gdb_port = (unsigned)number;
  args->gdb_enabled = 1;
  return RUN_ARGS_OK;
}

static enum run_args_status parse_decision(struct run_args *args, const char *name, char *err,
                                           size_t err_size) {
  static const char *const names[] = FS_DECISION_NAMES;
  for (int i = 0; i < FS_DECISION_COUNT; i++) {
    if (strcmp(name, names[i]) == 0) {
      args->break_on_decision = i;
      return RUN_ARGS_OK;
    }
  }
  return usage(err, err_size, "--break-on-decision '%s': unknown decision", name);
}

enum run_args_status parse_run_args(int argc, char **argv, struct run_args *args, char *err,
                                    size_t err_size) {
  memset(args, 0, sizeof(*args));
  args->ram_mib = RUN_DEFAULT_RAM_MIB;
  args->stack_guard_pages = RUN_DEFAULT_STACK_GUARD_PAGES;
  args->break_on_decision = -1;
  if (err_size > 0)
    err[0] = '\0';

  /* "+": stop at the first non-option (PROGRAM); ":": report a missing
   * argument as ':' rather than '?'.  optind = 0 makes glibc start over, so
   * the function can be called more than once per process. */
  optind = 0;
  opterr = 0;
  for (;;) {
    int option = getopt_long(argc, argv, "+:vh", long_options, NULL);
    if (option == -1)
      break;
    enum run_args_status status = RUN_ARGS_OK;
    switch (option) {
    case OPT_RAM:
      if (cli_parse_u64(optarg, FS_RAM_MIN_MIB, FS_RAM_MAX_MIB, false, &args->ram_mib) != 0)
        status = usage(err, err_size, "--ram '%s': expected MiB between %d and %d", optarg,
                       FS_RAM_MIN_MIB, FS_RAM_MAX_MIB);
      break;
    case OPT_STACK_GUARD:
      if (cli_parse_u64(optarg, 0, RUN_MAX_STACK_GUARD_PAGES, false, &args->stack_guard_pages) != 0)
        status = usage(err, err_size, "--stack-guard '%s': expected pages between 0 and %llu",
                       optarg, (unsigned long long)RUN_MAX_STACK_GUARD_PAGES);
      break;
    case OPT_FAIL_ALLOC:
    case OPT_FAIL_ALLOC_EVERY: {
      uint64_t *target = option == OPT_FAIL_ALLOC ? &args->fail_alloc_nth : &args->fail_alloc_every;
      if (cli_parse_u64(optarg, 0, UINT64_MAX, false, target) != 0)
        status = usage(err, err_size, "--%s '%s': expected a non-negative number",
                       option_name(option), optarg);
      break;
    }
    case OPT_FILE:
      status = add_file(args, optarg, err, err_size);
      break;
    case OPT_ENV:
      status = add_env(args, optarg, err, err_size);
      break;
    case OPT_KERNEL:
      args->kernel_path = optarg;
      break;
    case OPT_STATS:
      args->stats = 1;
      break;
    case OPT_SELFTEST_PF:
      args->selftest_pf = 1;
      break;
    case OPT_GDB:
      status = parse_gdb_address(args, optarg, err, err_size);
      break;
    case OPT_GDB_SCRIPT:
      args->gdb_script = optarg;
      break;
    case OPT_BREAK_ON_FAULT:
      if (cli_parse_u64(optarg, 1, UINT64_MAX, false, &args->break_on_fault) != 0)
        status = usage(err, err_size, "--break-on-fault '%s': expected a number from 1", optarg);
      break;
    case OPT_BREAK_ON_DECISION:
      status = parse_decision(args, optarg, err, err_size);
      break;
    case OPT_TRACE:
      args->trace_path = optarg;
      break;
    case 'v':
      args->verbosity++;
      break;
    case 'h':
      return RUN_ARGS_HELP;
    default: /* ':' or '?' */
      cli_option_error(option, long_options, argv, err, err_size);
      status = RUN_ARGS_USAGE;
      break;
    }
    if (status != RUN_ARGS_OK)
      return status;
  }
  if (!args->gdb_enabled &&
      (args->gdb_script || args->break_on_fault || args->break_on_decision >= 0))
    return usage(err, err_size, "--gdb-script and --break-on-* need --gdb");
  if (args->break_on_fault && args->break_on_decision >= 0)
    return usage(err, err_size, "--break-on-fault and --break-on-decision exclude each other");
  if (optind >= argc)
    return usage(err, err_size, "missing PROGRAM");
  args->program = argv[optind];
  if (args->program[0] == '\0')
    return usage(err, err_size, "empty PROGRAM name");
  args->guest_argc = argc - optind - 1;
  args->guest_args = argv + optind + 1;
  return RUN_ARGS_OK;
}

void run_args_free(struct run_args *args) {
  for (size_t i = 0; i < args->file_count; i++) {
    free(args->files[i].host);
    free(args->files[i].guest);
  }
  free(args->files);
  free(args->env);
  memset(args, 0, sizeof(*args));
}
