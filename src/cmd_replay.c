/* `faultsim replay`: re-run a recorded trace's configuration and compare
 * event by event, or (--offline) feed it to the host build of the fault
 * core.  Exit: 0 match, 1 divergence, 2 usage or a recorded file missing or
 * changed, 3 unreadable/truncated/wrong-version trace. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "commands.h"
#include "host_file.h"
#include "kernel_image.h"
#include "trace_compare.h"
#include "trace_offline.h"
#include "trace_reader.h"
#include "trace_recorder.h"

int cmd_replay(int argc, char **argv);

enum {
  REPLAY_MATCH = 0,
  REPLAY_DIVERGENCE = 1,
  REPLAY_USAGE = 2, /* also: a recorded file is missing or its content changed */
  REPLAY_BAD_TRACE = 3,
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
    "     (the line is named)\n";

struct replay_options {
  int offline;
  int verbose;
  const char *ram;
  const char *stack_guard;
  const char *kernel;
  char **files; /* --file specs */
  size_t file_count;
  char **search;
  size_t search_count;
  const char *trace;
  const char *program;
};

static int replay_usage(const char *message) {
  fprintf(stderr, "faultsim replay: %s\nTry 'faultsim replay --help' for more information.\n",
          message);
  return REPLAY_USAGE;
}

static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
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
    if (colon == NULL && guest[0] == '/' && strcmp(base_name(spec), guest + 1) == 0)
      return strdup(spec);
  }
  for (size_t i = 0; i < o->search_count; i++) {
    char *candidate = NULL;
    if (asprintf(&candidate, "%s/%s", o->search[i], base_name(guest)) < 0)
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
    if (i == 0 && strcmp(base_name(host[i]), base_name(f->guest_path)) != 0) {
      fprintf(stderr, "faultsim replay: %s: the program must be named %s, as recorded\n", host[i],
              base_name(f->guest_path));
      return REPLAY_USAGE;
    }
  }
  return 0;
}

/* Runs `faultsim run` with the recorded command, writing a new trace to fd;
 * the guest's stdout is discarded (the events are what is compared). */
static int run_again(const struct replay_options *o, const struct trace_header_info *h, char **host,
                     const char *new_trace) {
  char **argv = NULL;
  size_t argc = 0;
  char *owned[64];
  size_t owned_count = 0;
#define ARG(text) push(&argv, &argc, (char *)(text))
#define OWNED(...)                                                                                 \
  do {                                                                                             \
    char *s_ = NULL;                                                                               \
    if (asprintf(&s_, __VA_ARGS__) < 0)                                                            \
      s_ = NULL;                                                                                   \
    if (owned_count < 64)                                                                          \
      owned[owned_count++] = s_;                                                                   \
    ARG(s_);                                                                                       \
  } while (0)
  ARG("run");
  ARG("--ram");
  if (o->ram)
    ARG(o->ram);
  else
    OWNED("%llu", (unsigned long long)h->ram_mib);
  ARG("--stack-guard");
  if (o->stack_guard)
    ARG(o->stack_guard);
  else
    OWNED("%llu", (unsigned long long)h->stack_guard_pages);
  ARG("--fail-alloc");
  OWNED("%llu", (unsigned long long)h->fail_alloc_nth);
  ARG("--fail-alloc-every");
  OWNED("%llu", (unsigned long long)h->fail_alloc_every);
  if (h->selftest_pf)
    ARG("--selftest-pf");
  if (o->kernel) {
    ARG("--kernel");
    ARG(o->kernel);
  }
  if (o->verbose)
    ARG("-v");
  ARG("--trace");
  ARG(new_trace);
  for (size_t i = 1; i < h->file_count; i++) {
    ARG("--file");
    OWNED("%s:%s", host[i], h->files[i].guest_path);
  }
  for (int i = 0; i < h->envc; i++) {
    ARG("--env");
    ARG(h->envp[i]);
  }
  ARG(host[0]);
  for (int i = 1; i < h->argc; i++)
    ARG(h->argv[i]);
  ARG(NULL);
#undef ARG
#undef OWNED

  /* The guest writes to fd 1 through stdout: park it on /dev/null. */
  fflush(stdout);
  int saved = dup(STDOUT_FILENO);
  FILE *null_out = fopen("/dev/null", "w");
  if (saved >= 0 && null_out != NULL)
    dup2(fileno(null_out), STDOUT_FILENO);
  int status = cmd_run((int)argc - 1, argv);
  fflush(stdout);
  if (saved >= 0) {
    dup2(saved, STDOUT_FILENO);
    close(saved);
  }
  if (null_out != NULL)
    fclose(null_out);
  for (size_t i = 0; i < owned_count; i++)
    free(owned[i]);
  free(argv);
  return status;
}

static void note_kernel(const struct replay_options *o, const struct trace_header_info *h) {
  char sha[TRACE_SHA256_HEX];
  if (o->kernel != NULL) {
    struct host_file k;
    char reason[256];
    if (host_file_read(o->kernel, &k, reason, sizeof(reason)) != 0)
      return; /* run reports it */
    trace_sha256_hex(k.data, k.size, sha);
    host_file_free(&k);
  } else {
    trace_sha256_hex(faultsim_kernel_elf_start,
                     (size_t)(faultsim_kernel_elf_end - faultsim_kernel_elf_start), sha);
  }
  if (strncmp(h->kernel_build_id, "sha256:", 7) != 0 || strcmp(h->kernel_build_id + 7, sha) != 0)
    fprintf(stderr, "faultsim replay: note: the kernel differs from the recorded one (%s)\n",
            h->kernel_build_id);
}

static int replay_online(const struct replay_options *o) {
  char err[512];
  struct trace_reader *recorded = trace_reader_open(o->trace, err, sizeof(err));
  if (recorded == NULL) {
    fprintf(stderr, "faultsim replay: %s\n", err);
    return REPLAY_BAD_TRACE;
  }
  const struct trace_header_info *h = trace_reader_header(recorded);
  char **host = calloc(h->file_count + 1, sizeof(*host));
  int status = host ? resolve_files(o, h, host) : REPLAY_USAGE;
  int fd = -1;
  if (status == 0) {
    note_kernel(o, h);
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
    run_again(o, h, host, new_path);
    struct trace_reader *fresh = trace_reader_open(new_path, err, sizeof(err));
    if (fresh == NULL) {
      fprintf(stderr, "faultsim replay: the new run wrote no trace (%s)\n", err);
      status = REPLAY_USAGE;
    } else {
      struct trace_compare_options opt = {"recorded", "replayed", 1};
      struct trace_compare_result result;
      status = trace_compare_readers(recorded, o->trace, fresh, "the replayed run", stdout, &opt,
                                     &result);
      if (status == 0)
        printf("replay: %llu events match\n", (unsigned long long)result.events_a);
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
    case OPT_RAM:
      o.ram = optarg;
      break;
    case OPT_STACK_GUARD:
      o.stack_guard = optarg;
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
    case ':': {
      char message[256];
      snprintf(message, sizeof(message), "option '%s' requires an argument", argv[optind - 1]);
      status = replay_usage(message);
      break;
    }
    default: {
      char message[256];
      snprintf(message, sizeof(message), "unrecognized option '%s'", argv[optind - 1]);
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
