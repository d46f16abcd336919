/* `faultsim replay`: re-run a recorded trace's configuration and compare
 * event by event, or (--offline) feed it to the host build of the fault
 * core.  Exit: 0 match, 1 divergence, 2 usage or a recorded file missing or
 * changed, 3 unreadable/truncated/wrong-version trace, 4 the re-run failed. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <faultsim/abi.h>

#include "cli.h"
#include "commands.h"
#include "host_file.h"
#include "kernel_image.h"
#include "run_args.h"
#include "trace_compare.h"
#include "trace_offline.h"
#include "trace_reader.h"
#include "trace_recorder.h"

enum {
  REPLAY_MATCH = 0,
  REPLAY_DIVERGENCE = 1,
  REPLAY_USAGE = 2, /* also: a recorded file is missing or its content changed */
  REPLAY_BAD_TRACE = 3,
  REPLAY_RUN_FAILED = 4, /* the new run wrote no complete trace */
};

static const char replay_help[] =
    "Usage: faultsim replay [OPTION]... TRACE [PROGRAM]\n"
    "Re-run the configuration recorded in TRACE (a `faultsim run --trace` file) and\n"
    "compare the new run's events with the recorded ones, one by one.\n"
    "\n"
    "The program and every recorded input file are looked up by the recorded\n"
    "guest path: PROGRAM (for /bin/NAME; it must be named NAME), --file HOST:GUEST,\n"
    "or DIR/BASENAME for each --search DIR.  Each is checked against the recorded\n"
    "SHA-256.\n"
    "\n"
    "  --offline               no machine: feed the recorded layout events and\n"
    "                          faults to the host build of the fault core and check\n"
    "                          its decisions (ignores files and machine options)\n"
    "  --file HOST[:GUEST]     where the recorded file GUEST (default /BASENAME) is\n"
    "  --search DIR            look recorded files up by basename in DIR; repeatable\n"
    "  --ram MIB               override the recorded RAM size\n"
    "  --stack-guard PAGES     override the recorded stack guard\n"
    "  --kernel FILE           boot FILE instead of the built-in kernel\n"
    "  -v, --verbose           more detail (offline: the replay rate on stderr)\n"
    "  -h, --help              show this help\n"
    "\n"
    "Exit status:\n"
    "  0  every event matches\n"
    "  1  the runs diverge: the first differing event is shown side by side with\n"
    "     the events before it\n"
    "  2  usage error, or a recorded file is missing or its SHA-256 differs\n"
    "  3  TRACE is unreadable, truncated, malformed or of another format version\n"
    "     (the line is named)\n"
    "  4  the replayed run failed: the machine could not start, or its trace ended\n"
    "     early (faultsim run's own message and exit status are shown)\n";

struct replay_options {
  int offline;
  int verbose;
  int have_ram, have_stack_guard; /* the overrides below are given */
  uint64_t ram_mib;
  uint64_t stack_guard_pages;
  const char *kernel;
  char **files; /* --file specs */
  size_t file_count;
  char **search;
  size_t search_count;
  const char *trace;
  const char *program;
};

static int replay_usage(const char *message) {
  return cli_usage_error("replay", message);
}

static int push(char ***list, size_t *count, char *item) {
  char **grown = realloc(*list, (*count + 1) * sizeof(*grown));
  if (grown == NULL)
    return -1;
  *list = grown;
  grown[(*count)++] = item;
  return 0;
}

/* The host file for recorded guest path `guest`, or NULL; *from names the
 * option that gave it. */
static char *locate(const struct replay_options *o, const char *guest, int is_program) {
  if (is_program && o->program != NULL)
    return strdup(o->program);
  for (size_t i = 0; i < o->file_count; i++) {
    const char *spec = o->files[i];
    const char *colon = strrchr(spec, ':');
    if (colon != NULL && strcmp(colon + 1, guest) == 0)
      return strndup(spec, (size_t)(colon - spec));
    if (colon == NULL && guest[0] == '/' && strcmp(cli_base_name(spec), guest + 1) == 0)
      return strdup(spec);
  }
  for (size_t i = 0; i < o->search_count; i++) {
    char *candidate = NULL;
    if (asprintf(&candidate, "%s/%s", o->search[i], cli_base_name(guest)) < 0)
      return NULL;
    if (access(candidate, R_OK) == 0)
      return candidate;
    free(candidate);
  }
  return NULL;
}

/* Finds and verifies every recorded file; fills host[i].  0 or an exit status. */
static int resolve_files(const struct replay_options *o, const struct trace_header_info *h,
                         char **host) {
  for (size_t i = 0; i < h->file_count; i++) {
    const struct trace_file_entry *f = &h->files[i];
    host[i] = locate(o, f->guest_path, i == 0);
    if (host[i] == NULL) {
      fprintf(stderr,
              "faultsim replay: the recorded file %s was not found (give it with %s or "
              "--search DIR)\n",
              f->guest_path, i == 0 ? "PROGRAM" : "--file HOST:GUEST");
      return REPLAY_USAGE;
    }
    struct host_file data;
    char reason[256];
    if (host_file_read(host[i], &data, reason, sizeof(reason)) != 0) {
      fprintf(stderr, "faultsim replay: %s: %s\n", host[i], reason);
      return REPLAY_USAGE;
    }
    char sha[TRACE_SHA256_HEX];
    trace_sha256_hex(data.data, data.size, sha);
    host_file_free(&data);
    if (strcmp(sha, f->sha256) != 0) {
      fprintf(stderr,
              "faultsim replay: %s: its SHA-256 differs from the recorded %s (%.16s... "
              "recorded, %.16s... found)\n",
              host[i], f->guest_path, f->sha256, sha);
      return REPLAY_USAGE;
    }
    if (i == 0 && strcmp(cli_base_name(host[i]), cli_base_name(f->guest_path)) != 0) {
      fprintf(stderr, "faultsim replay: %s: the program must be named %s, as recorded\n", host[i],
              cli_base_name(f->guest_path));
      return REPLAY_USAGE;
    }
  }
  return 0;
}

/* The argv of the re-run: every string owned, so freeing is one loop. */
struct run_argv {
  char **v;
  size_t count;
  int failed; /* an allocation failed: v is unusable */
};

static void __attribute__((format(printf, 2, 3))) add(struct run_argv *a, const char *fmt, ...) {
  if (a->failed)
    return;
  char *text = NULL;
  va_list ap;
  va_start(ap, fmt);
  int length = vasprintf(&text, fmt, ap);
  va_end(ap);
  char **grown = length < 0 ? NULL : realloc(a->v, (a->count + 2) * sizeof(*grown));
  if (grown == NULL) {
    free(length < 0 ? NULL : text);
    a->failed = 1;
    return;
  }
  a->v = grown;
  a->v[a->count++] = text;
  a->v[a->count] = NULL;
}

static void run_argv_free(struct run_argv *a) {
  for (size_t i = 0; i < a->count; i++)
    free(a->v[i]);
  free(a->v);
}

/* Runs `faultsim run` with the recorded command, writing a new trace to
 * new_trace; the guest's stdout is discarded (the events are what is
 * compared).  Returns run's exit status, or -1 when out of memory. */
static int run_again(const struct replay_options *o, const struct trace_header_info *h, char **host,
                     const char *new_trace) {
  struct run_argv a = {0};
  add(&a, "run");
  add(&a, "--ram");
  add(&a, "%llu", (unsigned long long)(o->have_ram ? o->ram_mib : h->ram_mib));
  add(&a, "--stack-guard");
  add(&a, "%llu",
      (unsigned long long)(o->have_stack_guard ? o->stack_guard_pages : h->stack_guard_pages));
  add(&a, "--fail-alloc");
  add(&a, "%llu", (unsigned long long)h->fail_alloc_nth);
  add(&a, "--fail-alloc-every");
  add(&a, "%llu", (unsigned long long)h->fail_alloc_every);
  if (h->selftest_pf)
    add(&a, "--selftest-pf");
  if (o->kernel) {
    add(&a, "--kernel");
    add(&a, "%s", o->kernel);
  }
  if (o->verbose)
    add(&a, "-v");
  add(&a, "--trace");
  add(&a, "%s", new_trace);
  for (size_t i = 1; i < h->file_count; i++) {
    add(&a, "--file");
    add(&a, "%s:%s", host[i], h->files[i].guest_path);
  }
  for (int i = 0; i < h->envc; i++) {
    add(&a, "--env");
    add(&a, "%s", h->envp[i]);
  }
  add(&a, "%s", host[0]);
  for (int i = 1; i < h->argc; i++)
    add(&a, "%s", h->argv[i]);
  if (a.failed) {
    run_argv_free(&a);
    return -1;
  }

  /* The guest writes to fd 1 through stdout: park it on /dev/null. */
  fflush(stdout);
  int saved = dup(STDOUT_FILENO);
  FILE *null_out = fopen("/dev/null", "w");
  if (saved >= 0 && null_out != NULL)
    dup2(fileno(null_out), STDOUT_FILENO);
  int status = cmd_run((int)a.count, a.v);
  fflush(stdout);
  if (saved >= 0) {
    dup2(saved, STDOUT_FILENO);
    close(saved);
  }
  if (null_out != NULL)
    fclose(null_out);
  run_argv_free(&a);
  return status;
}

/* The kernel the re-run boots, loaded here first so that an unusable
 * --kernel is a usage error before anything runs; notes a kernel other than
 * the recorded one.  0 or an exit status. */
static int check_kernel(const struct replay_options *o, const struct trace_header_info *h) {
  struct kernel_image kernel;
  char err[512];
  if (kernel_image_load(o->kernel, &kernel, err, sizeof(err)) != 0) {
    fprintf(stderr, "faultsim replay: --kernel %s\n", err);
    return REPLAY_USAGE;
  }
  char sha[TRACE_SHA256_HEX];
  trace_sha256_hex(kernel.elf, kernel.size, sha);
  kernel_image_free(&kernel);
  if (strncmp(h->kernel_build_id, "sha256:", 7) != 0 || strcmp(h->kernel_build_id + 7, sha) != 0)
    fprintf(stderr, "faultsim replay: note: the kernel differs from the recorded one (%s)\n",
            h->kernel_build_id);
  return 0;
}

/* The re-run left no usable trace: its own messages are on stderr already. */
static int run_failed(int run_status) {
  if (run_status < 0) {
    fputs("faultsim replay: out of memory\n", stderr);
    return REPLAY_RUN_FAILED;
  }
  fprintf(stderr, "faultsim replay: the replayed run failed (faultsim run exited %d)\n",
          run_status);
  return run_status == FAULTSIM_EXIT_USAGE ? REPLAY_USAGE : REPLAY_RUN_FAILED;
}

static int replay_online(const struct replay_options *o) {
  char err[512];
  struct trace_reader *recorded = trace_reader_open(o->trace, err, sizeof(err));
  if (recorded == NULL) {
    fprintf(stderr, "faultsim replay: %s\n", err);
    return REPLAY_BAD_TRACE;
  }
  const struct trace_header_info *h = trace_reader_header(recorded);
  /* The reader guarantees file_count >= 1: files[0] is the program. */
  char **host = calloc(h->file_count, sizeof(*host));
  int status = host ? resolve_files(o, h, host) : REPLAY_USAGE;
  if (status == 0)
    status = check_kernel(o, h);
  int fd = -1;
  if (status == 0) {
    /* The new trace lives in memory only: no temporary file to clean up. */
    fd = memfd_create("faultsim-replay", 0);
    if (fd < 0) {
      fprintf(stderr, "faultsim replay: memfd_create: %s\n", strerror(errno));
      status = REPLAY_USAGE;
    }
  }
  if (status == 0) {
    char new_path[64];
    snprintf(new_path, sizeof(new_path), "/proc/self/fd/%d", fd);
    int run_status = run_again(o, h, host, new_path);
    struct trace_reader *fresh =
        run_status < 0 ? NULL : trace_reader_open(new_path, err, sizeof(err));
    if (fresh == NULL) {
      status = run_failed(run_status);
    } else {
      struct trace_compare_options opt = {"recorded", "replayed", 1};
      struct trace_compare_result result;
      status = trace_compare_readers(recorded, o->trace, fresh, "the replayed run", stdout, &opt,
                                     &result);
      if (status == 0)
        printf("replay: %llu events match\n", (unsigned long long)result.events_a);
      else if (status == 3 && result.unreadable == 2)
        status = run_failed(run_status);
      trace_reader_close(fresh);
    }
  }
  if (fd >= 0)
    close(fd);
  for (size_t i = 0; host && i < h->file_count; i++)
    free(host[i]);
  free(host);
  trace_reader_close(recorded);
  return status;
}

static int replay_offline(const struct replay_options *o) {
  struct trace_offline_result result;
  int status = trace_offline_replay(o->trace, stdout, &result);
  if (status == 0)
    printf("offline replay: %llu events, %llu fault decisions match\n",
           (unsigned long long)result.events, (unsigned long long)result.faults);
  if (o->verbose && result.seconds > 0)
    fprintf(stderr, "faultsim replay: %.0f events/s\n", (double)result.events / result.seconds);
  return status;
}

int cmd_replay(int argc, char **argv) {
  enum { OPT_OFFLINE = 256, OPT_FILE, OPT_SEARCH, OPT_RAM, OPT_STACK_GUARD, OPT_KERNEL };
  static const struct option options[] = {
      {"offline", no_argument, NULL, OPT_OFFLINE},
      {"file", required_argument, NULL, OPT_FILE},
      {"search", required_argument, NULL, OPT_SEARCH},
      {"ram", required_argument, NULL, OPT_RAM},
      {"stack-guard", required_argument, NULL, OPT_STACK_GUARD},
      {"kernel", required_argument, NULL, OPT_KERNEL},
      {"verbose", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  struct replay_options o = {0};
  int status = -1;
  optind = 0;
  opterr = 0;
  int option;
  while (status < 0 && (option = getopt_long(argc, argv, "+:vh", options, NULL)) != -1) {
    switch (option) {
    case OPT_OFFLINE:
      o.offline = 1;
      break;
    case OPT_FILE:
      if (push(&o.files, &o.file_count, optarg) != 0)
        status = replay_usage("out of memory");
      break;
    case OPT_SEARCH:
      if (push(&o.search, &o.search_count, optarg) != 0)
        status = replay_usage("out of memory");
      break;
    case OPT_RAM: /* checked here: run's usage error would name run's options */
      if (cli_parse_u64(optarg, FS_RAM_MIN_MIB, FS_RAM_MAX_MIB, false, &o.ram_mib) != 0) {
        char message[256];
        snprintf(message, sizeof(message), "--ram '%s': expected MiB between %d and %d", optarg,
                 FS_RAM_MIN_MIB, FS_RAM_MAX_MIB);
        status = replay_usage(message);
      }
      o.have_ram = 1;
      break;
    case OPT_STACK_GUARD:
      if (cli_parse_u64(optarg, 0, RUN_MAX_STACK_GUARD_PAGES, false, &o.stack_guard_pages) != 0) {
        char message[256];
        snprintf(message, sizeof(message), "--stack-guard '%s': expected pages between 0 and %llu",
                 optarg, (unsigned long long)RUN_MAX_STACK_GUARD_PAGES);
        status = replay_usage(message);
      }
      o.have_stack_guard = 1;
      break;
    case OPT_KERNEL:
      o.kernel = optarg;
      break;
    case 'v':
      o.verbose++;
      break;
    case 'h':
      fputs(replay_help, stdout);
      status = 0;
      break;
    default: { /* ':' or '?' */
      char message[256];
      cli_option_error(option, options, argv, message, sizeof(message));
      status = replay_usage(message);
      break;
    }
    }
  }
  if (status < 0) {
    if (optind >= argc)
      status = replay_usage("missing TRACE");
    else if (argc - optind > 2)
      status = replay_usage("too many arguments: TRACE [PROGRAM]");
    else {
      o.trace = argv[optind];
      o.program = argc - optind == 2 ? argv[optind + 1] : NULL;
      status = o.offline ? replay_offline(&o) : replay_online(&o);
    }
  }
  free(o.files);
  free(o.search);
  fflush(stdout);
  return status;
}
