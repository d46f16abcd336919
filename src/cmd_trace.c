/* `faultsim trace stats TRACE` and `faultsim trace diff A B`. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "trace_compare.h"
#include "trace_reader.h"
#include "trace_stats.h"

static const char trace_help[] =
    "Usage: faultsim trace stats TRACE\n"
    "       faultsim trace diff A B\n"
    "Inspect traces written by `faultsim run --trace`.\n"
    "\n"
    "  stats   decisions by region type, faults per region and the instructions\n"
    "          that fault most.  Exit 0, or 3 when TRACE is unreadable, malformed or\n"
    "          truncated (the tables then cover the events before the named line)\n"
    "  diff    the first event where A and B differ, side by side, and how many\n"
    "          events differ.  Exit 0 when the events are identical, 1 when they\n"
    "          differ, 3 when either trace is unreadable, truncated or of another\n"
    "          format version\n";

static int trace_diff(const char *path_a, const char *path_b) {
  char err[512];
  struct trace_reader *a = trace_reader_open(path_a, err, sizeof(err));
  if (a == NULL) {
    fprintf(stderr, "faultsim trace diff: %s\n", err);
    return 3;
  }
  struct trace_reader *b = trace_reader_open(path_b, err, sizeof(err));
  if (b == NULL) {
    fprintf(stderr, "faultsim trace diff: %s\n", err);
    trace_reader_close(a);
    return 3;
  }
  struct trace_compare_options opt = {"A", "B", 0};
  struct trace_compare_result result;
  int status = trace_compare_readers(a, path_a, b, path_b, stdout, &opt, &result);
  if (status == 0)
    printf("identical: %llu events\n", (unsigned long long)result.events_a);
  else if (status == 1)
    printf("%llu differing events (A has %llu, B has %llu)\n", (unsigned long long)result.differing,
           (unsigned long long)result.events_a, (unsigned long long)result.events_b);
  trace_reader_close(a);
  trace_reader_close(b);
  return status;
}

int cmd_trace(int argc, char **argv) {
  int status;
  if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    fputs(trace_help, stdout);
    status = 0;
  } else if (argc < 2) {
    status = cli_usage_error("trace", "missing SUBCOMMAND (stats or diff)");
  } else if (strcmp(argv[1], "stats") == 0) {
    status = argc == 3 ? trace_stats_print(argv[2], stdout, stderr)
                       : cli_usage_error("trace", "usage: faultsim trace stats TRACE");
  } else if (strcmp(argv[1], "diff") == 0) {
    status = argc == 4 ? trace_diff(argv[2], argv[3])
                       : cli_usage_error("trace", "usage: faultsim trace diff A B");
  } else {
    status = cli_usage_error("trace", "unknown subcommand (expected stats or diff)");
  }
  fflush(stdout);
  return status;
}
