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
#include <sys/stat.h>

#include <cmocka.h>

#include "run_capture.h"

static const char *faultsim, *guest_dir, *work_dir;

static char *path_in(const char *dir, const char *name) {
  char *path = NULL;
  assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
  return path;
}

static void run(struct run_output *out, unsigned timeout_ms, const char *a0, const char *a1,
                const char *a2, const char *a3, const char *a4, const char *a5, const char *a6) {
  char *argv[] = {(char *)faultsim, (char *)a0, (char *)a1, (char *)a2, (char *)a3,
                  (char *)a4,       (char *)a5, (char *)a6, NULL};
  assert_int_equal(run_capture_timeout(argv, NULL, timeout_ms, out), 0);
}

static char *slurp(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  char *data = malloc((size_t)n + 1);
  assert_true(fread(data, 1, (size_t)n, f) == (size_t)n);
  data[n] = '\0';
  fclose(f);
  *size = (size_t)n;
  return data;
}

/* Records stack_growth once per test binary run: the other tests use it. */
static char *recorded(void) {
  static char *trace;
  if (trace == NULL) {
    trace = path_in(work_dir, "stack_growth.jsonl");
    char *program = path_in(guest_dir, "stack_growth");
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
  char *again = path_in(work_dir, "stack_growth.again.jsonl");
  char *program = path_in(guest_dir, "stack_growth");
  struct run_output out;
  run(&out, 120000, "run", "--trace", again, program, NULL, NULL, NULL);
  assert_int_equal(out.exit_status, 0);
  run_output_free(&out);
  size_t size_a, size_b;
  char *a = slurp(recorded(), &size_a), *b = slurp(again, &size_b);
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
  char *data = slurp(recorded(), &size);
  char *start = data;
  for (int i = 1; i < line; i++)
    start = strchr(start, '\n') + 1;
  char *end = strchr(start, '\n') + 1;
  char *path = path_in(work_dir, name);
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
  char *other = path_in(work_dir, "stack_growth.guard16.jsonl");
  char *program = path_in(guest_dir, "stack_growth");
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

static void test_killed_host(void **state) {
  (void)state;
  /* oom in 1 GiB faults for tens of seconds: killed well before its end. */
  char *trace = path_in(work_dir, "killed.jsonl");
  char *program = path_in(guest_dir, "oom");
  struct run_output out;
  run(&out, 1500, "run", "--ram", "1024", "--trace", trace, program, NULL);
  assert_true(out.timed_out);
  run_output_free(&out);
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
  if (argc != 4) {
    fprintf(stderr, "usage: %s FAULTSIM GUEST_DIR WORK_DIR\n", argv[0]);
    return 2;
  }
  faultsim = argv[1];
  guest_dir = argv[2];
  work_dir = argv[3];
  mkdir(work_dir, 0777);
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
