/*
 * alloc_sweep: allocation-failure injection across every frame allocation a
 * workload makes.
 *
 *   alloc_sweep --faultsim PATH [--every K]... [--stride S] -- PROGRAM [FAULTSIM-RUN-ARGS...]
 *
 * First runs `faultsim run --stats ARGS` once to learn the outcome (stdout,
 * exit status) and frame_allocs_run, the allocations made from the first
 * process's creation on (what --fail-alloc counts).  Then, for N = 1, 1+S,
 * ... up to that count, runs it again with --fail-alloc N, and once with
 * --fail-alloc-every K for each K given.  Every run must
 *   - end like the baseline (same exit status and stdout) or be OOM-killed
 *     (status 137 = 128 + SIGKILL, with oom_kills == 1) -- never a kernel
 *     panic or a machine error, never a hang;
 *   - give every frame back: frames_free_exit == frames_free_boot;
 *   - show that the option acted: frame_alloc_failures == 1 for
 *     --fail-alloc N (N is at most the baseline's count, and the run is the
 *     baseline's up to that allocation), >= 1 for --fail-alloc-every K when
 *     K is at most that count (0 otherwise).  An option that was silently
 *     ignored would end like the baseline and pass the first check.
 * The arguments after "--" go to `faultsim run` as they are (options such as
 * --file first, then the program and its arguments).
 */
#include "run_capture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS   64
#define MAX_EVERY  8
#define STATUS_OOM (128 + 9)

static unsigned long long stat_of(const char *err, const char *name, int *found) {
  const char *block = strstr(err, "faultsim stats:");
  size_t len = strlen(name);
  *found = 0;
  for (const char *line = block; line; line = strchr(line + 1, '\n')) {
    const char *p = line + (*line == '\n');
    if (!strncmp(p, name, len) && p[len] == ' ') {
      *found = 1;
      return strtoull(p + len + 1, NULL, 10);
    }
  }
  return 0;
}

struct sweep {
  const char *faultsim;
  char **run_args;
  int run_argc;
  struct run_output base;
  unsigned long long allocs;
  int failures;
  int runs;
};

/* Runs faultsim with one extra option pair (or none); 0 if it ran. */
static int run(struct sweep *s, const char *opt, const char *value, struct run_output *out) {
  char *argv[MAX_ARGS + 8];
  int n = 0;
  argv[n++] = (char *)s->faultsim;
  argv[n++] = "run";
  argv[n++] = "--stats";
  if (opt) {
    argv[n++] = (char *)opt;
    argv[n++] = (char *)value;
  }
  for (int i = 0; i < s->run_argc; i++)
    argv[n++] = s->run_args[i];
  argv[n] = NULL;
  s->runs++;
  return run_capture_timeout(argv, NULL, 60000, out);
}

static void fail(struct sweep *s, const char *what, const char *value, const char *why,
                 const struct run_output *out) {
  fprintf(stderr, "FAIL: %s %s: %s (exit %d, signal %d)\n", what, value, why, out->exit_status,
          out->signal);
  if (s->failures++ == 0 && out->err_len) /* the first failure's log is enough */
    fprintf(stderr, "--- stderr ---\n%s\n--- end ---\n", out->err);
}

/* How many injected failures a run must report (frame_alloc_failures). */
enum failures_wanted { EXACTLY_ONE, AT_LEAST_ONE, NONE };

static void check(struct sweep *s, const char *opt, const char *value,
                  enum failures_wanted wanted) {
  struct run_output out;
  if (run(s, opt, value, &out) != 0) {
    fprintf(stderr, "cannot run %s: %s\n", s->faultsim, strerror(errno));
    exit(2);
  }
  int found_boot, found_exit, found_oom, found_failures;
  unsigned long long boot = stat_of(out.err, "frames_free_boot", &found_boot);
  unsigned long long free_exit = stat_of(out.err, "frames_free_exit", &found_exit);
  unsigned long long ooms = stat_of(out.err, "oom_kills", &found_oom);
  unsigned long long failures = stat_of(out.err, "frame_alloc_failures", &found_failures);
  int failures_ok = wanted == EXACTLY_ONE    ? failures == 1
                    : wanted == AT_LEAST_ONE ? failures >= 1
                                             : failures == 0;
  int same = out.exited && out.exit_status == s->base.exit_status &&
             out.out_len == s->base.out_len && !memcmp(out.out, s->base.out, out.out_len);
  int oom_killed = out.exited && out.exit_status == STATUS_OOM && ooms == 1;
  if (out.timed_out)
    fail(s, opt, value, "timed out", &out);
  else if (!found_boot || !found_exit || !found_oom || !found_failures)
    fail(s, opt, value, "no kernel report (panic or machine error?)", &out);
  else if (!failures_ok)
    fail(s, opt, value,
         wanted == EXACTLY_ONE    ? "frame_alloc_failures is not 1: the injection did not act"
         : wanted == AT_LEAST_ONE ? "frame_alloc_failures is 0: the injection did not act"
                                  : "frame_alloc_failures is not 0 past the baseline's count",
         &out);
  else if (!same && !oom_killed)
    fail(s, opt, value, "neither the baseline outcome nor an OOM kill (status 137, oom_kills 1)",
         &out);
  else if (boot != free_exit)
    fail(s, opt, value, "frames leaked (frames_free_exit != frames_free_boot)", &out);
  run_output_free(&out);
}

int main(int argc, char **argv) {
  struct sweep s = {0};
  const char *every[MAX_EVERY];
  int n_every = 0;
  unsigned long stride = 1;
  int i = 1;
  for (; i < argc && strcmp(argv[i], "--"); i++) {
    if (!strcmp(argv[i], "--faultsim") && i + 1 < argc)
      s.faultsim = argv[++i];
    else if (!strcmp(argv[i], "--every") && i + 1 < argc && n_every < MAX_EVERY)
      every[n_every++] = argv[++i];
    else if (!strcmp(argv[i], "--stride") && i + 1 < argc)
      stride = strtoul(argv[++i], NULL, 10);
    else
      break;
  }
  if (!s.faultsim || i >= argc || strcmp(argv[i], "--") || argc - i - 1 < 1 ||
      argc - i - 1 > MAX_ARGS || stride == 0) {
    fprintf(stderr, "usage: alloc_sweep --faultsim PATH [--every K]... [--stride S] -- "
                    "[RUN-OPTIONS] PROGRAM [ARGS...]\n");
    return 2;
  }
  s.run_args = argv + i + 1;
  s.run_argc = argc - i - 1;

  if (run(&s, NULL, NULL, &s.base) != 0 || !s.base.exited) {
    fprintf(stderr, "the baseline run failed to run or to exit\n");
    return 2;
  }
  int found;
  s.allocs = stat_of(s.base.err, "frame_allocs_run", &found);
  if (!found || s.allocs == 0) {
    fprintf(stderr, "the baseline run reported no frame_allocs_run:\n%s\n", s.base.err);
    return 2;
  }
  int free_boot, free_exit;
  if (stat_of(s.base.err, "frames_free_boot", &free_boot) !=
          stat_of(s.base.err, "frames_free_exit", &free_exit) ||
      !free_boot || !free_exit) {
    fprintf(stderr, "the baseline run leaks frames:\n%s\n", s.base.err);
    return 1;
  }
  int found_failures;
  if (stat_of(s.base.err, "frame_alloc_failures", &found_failures) != 0 || !found_failures) {
    fprintf(stderr, "the baseline run reports frame allocation failures:\n%s\n", s.base.err);
    return 1;
  }
  fprintf(stderr, "baseline: exit %d, %llu frame allocations after the first process\n",
          s.base.exit_status, s.allocs);

  char value[32];
  for (unsigned long long n = 1; n <= s.allocs; n += stride) {
    snprintf(value, sizeof value, "%llu", n);
    check(&s, "--fail-alloc", value, EXACTLY_ONE);
  }
  for (int k = 0; k < n_every; k++) {
    unsigned long long period = strtoull(every[k], NULL, 10);
    check(&s, "--fail-alloc-every", every[k],
          period != 0 && period <= s.allocs ? AT_LEAST_ONE : NONE);
  }

  fprintf(stderr, "alloc_sweep: %d runs, %d failures\n", s.runs, s.failures);
  run_output_free(&s.base);
  return s.failures ? 1 : 0;
}
