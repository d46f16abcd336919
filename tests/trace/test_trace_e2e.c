/* End-to-end tests of traces through the faultsim binary: determinism,
 * online replay with a deliberate divergence, damaged traces, and a trace
 * left by a host killed mid-run.
 *
 *   test_trace_e2e FAULTSIM GUEST_DIR WORK_DIR */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>

#include "e2e_test.h"

static const char *faultsim, *guest_dir, *work_dir;

/* faultsim A0 A1 ...: up to seven arguments, the unused ones NULL. */
static void run(struct run_output *out, unsigned timeout_ms, const char *a0, const char *a1,
                const char *a2, const char *a3, const char *a4, const char *a5, const char *a6) {
  char *args[] = {(char *)a0, (char *)a1, (char *)a2, (char *)a3,
                  (char *)a4, (char *)a5, (char *)a6, NULL};
  e2e_run(faultsim, args, timeout_ms, out);
}

/* Records stack_growth once per test binary run: the other tests use it. */
static char *recorded(void) {
  static char *trace;
  if (trace == NULL) {
    trace = e2e_path(work_dir, "stack_growth.jsonl");
    char *program = e2e_path(guest_dir, "stack_growth");
    struct run_output out;
    run(&out, 120000, "run", "--trace", trace, program, NULL, NULL, NULL);
    assert_int_equal(out.exit_status, 0);
    run_output_free(&out);
    free(program);
  }
  return trace;
}

static void test_determinism(void **state) {
  (void)state;
  char *again = e2e_path(work_dir, "stack_growth.again.jsonl");
  char *program = e2e_path(guest_dir, "stack_growth");
  struct run_output out;
  run(&out, 120000, "run", "--trace", again, program, NULL, NULL, NULL);
  assert_int_equal(out.exit_status, 0);
  run_output_free(&out);
  size_t size_a, size_b;
  char *a = e2e_slurp(recorded(), &size_a), *b = e2e_slurp(again, &size_b);
  assert_true(size_a > 0);
  assert_int_equal(size_a, size_b);
  assert_memory_equal(a, b, size_a);
  /* No host path may leak into the trace. */
  assert_null(strstr(a, guest_dir));
  assert_null(strstr(a, work_dir));
  free(a);
  free(b);
  free(again);
  free(program);
}

static void test_replay_matches(void **state) {
  (void)state;
  struct run_output out;
  run(&out, 120000, "replay", "--search", guest_dir, recorded(), NULL, NULL, NULL);
  assert_int_equal(out.exit_status, 0);
  assert_non_null(strstr(out.out, "events match"));
  run_output_free(&out);
  run(&out, 120000, "replay", "--offline", recorded(), NULL, NULL, NULL, NULL);
  assert_int_equal(out.exit_status, 0);
  run_output_free(&out);
}

static void check_divergence(const char *option, const char *value) {
  struct run_output out;
  run(&out, 120000, "replay", option, value, "--search", guest_dir, recorded(), NULL);
  assert_int_equal(out.exit_status, 1);
  assert_non_null(strstr(out.out, "first divergence at event"));
  assert_non_null(strstr(out.out, "recorded"));
  assert_non_null(strstr(out.out, "replayed"));
  assert_non_null(strstr(out.out, "<<"));
  assert_non_null(strstr(out.out, "events before it"));
  run_output_free(&out);
}

static void test_divergence_stack_guard(void **state) {
  (void)state;
  check_divergence("--stack-guard", "16");
}

static void test_divergence_ram(void **state) {
  (void)state;
  check_divergence("--ram", "32");
}

static void test_missing_file(void **state) {
  (void)state;
  struct run_output out;
  run(&out, 120000, "replay", "--search", work_dir, recorded(), NULL, NULL, NULL);
  assert_int_equal(out.exit_status, 2);
  assert_non_null(strstr(out.err, "/bin/stack_growth"));
  run_output_free(&out);
}

/* A copy of the recorded trace with line `line` (1-based) replaced, or
 * everything from it on dropped when replacement is NULL. */
static char *damaged(const char *name, int line, const char *replacement) {
  size_t size;
  char *data = e2e_slurp(recorded(), &size);
  char *start = data;
  for (int i = 1; i < line; i++)
    start = strchr(start, '\n') + 1;
  char *end = strchr(start, '\n') + 1;
  char *path = e2e_path(work_dir, name);
  FILE *f = fopen(path, "wb");
  fwrite(data, 1, (size_t)(start - data), f);
  if (replacement != NULL) {
    fputs(replacement, f);
    fputs(end, f);
  }
  fclose(f);
  free(data);
  return path;
}

static void test_corrupted_trace(void **state) {
  (void)state;
  char *path = damaged("corrupted.jsonl", 3, "{\"type\":\"region\",\"seq\":2,,}\n");
  struct run_output out;
  run(&out, 120000, "replay", "--search", guest_dir, path, NULL, NULL, NULL);
  assert_int_equal(out.exit_status, 3);
  assert_non_null(strstr(out.out, "line 3"));
  run_output_free(&out);
  run(&out, 120000, "replay", "--offline", path, NULL, NULL, NULL, NULL);
  assert_int_equal(out.exit_status, 3);
  assert_non_null(strstr(out.out, "line 3"));
  run_output_free(&out);
  run(&out, 120000, "trace", "stats", path, NULL, NULL, NULL, NULL);
  assert_int_equal(out.exit_status, 3);
  assert_non_null(strstr(out.err, "line 3"));
  run_output_free(&out);
  free(path);
}

static void test_truncated_trace(void **state) {
  (void)state;
  char *path = damaged("truncated.jsonl", 20, NULL);
  struct run_output out;
  run(&out, 120000, "replay", "--offline", path, NULL, NULL, NULL, NULL);
  assert_int_equal(out.exit_status, 3);
  assert_non_null(strstr(out.out, "line 20"));
  assert_non_null(strstr(out.out, "truncated"));
  run_output_free(&out);
  run(&out, 120000, "replay", "--search", guest_dir, path, NULL, NULL, NULL);
  assert_int_equal(out.exit_status, 3);
  assert_non_null(strstr(out.out, "line 20"));
  run_output_free(&out);
  run(&out, 120000, "trace", "diff", recorded(), path, NULL, NULL, NULL);
  assert_int_equal(out.exit_status, 3);
  run_output_free(&out);
  free(path);
}

static void test_wrong_version(void **state) {
  (void)state;
  char *path = damaged("version.jsonl", 1, "{\"type\":\"header\",\"format\":999}\n");
  struct run_output out;
  run(&out, 120000, "replay", "--offline", path, NULL, NULL, NULL, NULL);
  assert_int_equal(out.exit_status, 3);
  assert_non_null(strstr(out.out, "line 1"));
  assert_non_null(strstr(out.out, "version 999"));
  run_output_free(&out);
  free(path);
}

static void test_diff(void **state) {
  (void)state;
  struct run_output out;
  run(&out, 120000, "trace", "diff", recorded(), recorded(), NULL, NULL, NULL);
  assert_int_equal(out.exit_status, 0);
  run_output_free(&out);
  char *other = e2e_path(work_dir, "stack_growth.guard16.jsonl");
  char *program = e2e_path(guest_dir, "stack_growth");
  run(&out, 120000, "run", "--stack-guard", "16", "--trace", other, program, NULL);
  run_output_free(&out);
  run(&out, 120000, "trace", "diff", recorded(), other, NULL, NULL, NULL);
  assert_int_equal(out.exit_status, 1);
  assert_non_null(strstr(out.out, "first divergence at event"));
  assert_non_null(strstr(out.out, "differing events"));
  run_output_free(&out);
  free(other);
  free(program);
}

/* Polls for (up to) this long for a killed run's first trace lines: a bound
 * on a broken run, never what the test measures. */
#define KILLED_WAIT_MS    120000
#define KILLED_WAIT_LINES 100

static void test_killed_host(void **state) {
  (void)state;
  /* oom in 1 GiB faults for seconds: once its trace has some events, the
   * host is killed mid-run, leaving a trace without a summary. */
  char *trace = e2e_path(work_dir, "killed.jsonl");
  char *program = e2e_path(guest_dir, "oom");
  remove(trace);
  char *argv[] = {(char *)faultsim, "run", "--ram", "1024", "--trace", trace, program, NULL};
  pid_t pid = e2e_spawn_quiet(argv);
  int status = 0, ended = 0;
  for (int waited = 0; !e2e_file_has_lines(trace, KILLED_WAIT_LINES); waited += 10) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    assert_true(done >= 0);
    if (done == pid) {
      ended = 1;
      break;
    }
    if (waited >= KILLED_WAIT_MS)
      break;
    struct timespec ten_ms = {0, 10 * 1000 * 1000};
    nanosleep(&ten_ms, NULL);
  }
  if (!ended) {
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, &status, 0), pid);
  }
  if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
    fail_msg("the run was not killed mid-run (wait status %#x)", (unsigned)status);
  assert_true(e2e_file_has_lines(trace, KILLED_WAIT_LINES));
  size_t size;
  char *data = e2e_slurp(trace, &size);
  assert_null(strstr(data, "\"type\":\"summary\""));
  free(data);

  struct run_output out;
  run(&out, 120000, "trace", "stats", trace, NULL, NULL, NULL, NULL);
  assert_int_equal(out.exit_status, 3);
  assert_non_null(strstr(out.err, "truncated"));
  assert_non_null(strstr(out.out, "decisions by region type"));
  run_output_free(&out);
  run(&out, 120000, "replay", "--offline", trace, NULL, NULL, NULL, NULL);
  assert_int_equal(out.exit_status, 3);
  assert_non_null(strstr(out.out, "truncated"));
  run_output_free(&out);
  free(trace);
  free(program);
}

int main(int argc, char **argv) {
  if (e2e_main_args(argc, argv, 3, "FAULTSIM GUEST_DIR WORK_DIR") != 0)
    return 2;
  faultsim = argv[1];
  guest_dir = argv[2];
  work_dir = argv[3];
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_determinism),
      cmocka_unit_test(test_replay_matches),
      cmocka_unit_test(test_divergence_stack_guard),
      cmocka_unit_test(test_divergence_ram),
      cmocka_unit_test(test_missing_file),
      cmocka_unit_test(test_corrupted_trace),
      cmocka_unit_test(test_truncated_trace),
      cmocka_unit_test(test_wrong_version),
      cmocka_unit_test(test_diff),
      cmocka_unit_test(test_killed_host),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
