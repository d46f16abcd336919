/* `faultsim replay` on inputs it must refuse cleanly: a header that does not
 * list the program first (once a crash), bad --ram/--stack-guard values (once
 * reported as run's usage), and a --kernel the re-run cannot boot (once
 * reported as a truncated recorded trace).
 *
 *   test_trace_replay_errors FAULTSIM GUEST_DIR GOLDEN_TRACE WORK_DIR
 *
 * GOLDEN_TRACE is a recorded run of GUEST_DIR's `hello`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "e2e_test.h"

static char *faultsim, *guest_dir, *golden, *work_dir;

#define TIMEOUT_MS         120000
#define FAULTSIM(out, ...) E2E_RUN((out), faultsim, TIMEOUT_MS, __VA_ARGS__)

static void expect(struct run_output *out, int status, const char *in_err) {
  if (out->exit_status != status || (in_err != NULL && strstr(out->err, in_err) == NULL))
    fail_msg("exit %d, stdout:\n%s\nstderr:\n%s\nwanted exit %d and '%s' on stderr",
             out->exit_status, out->out, out->err, status, in_err ? in_err : "");
  run_output_free(out);
}

/* A copy of the golden trace whose header's "files" array is replaced by
 * files_json. */
static char *with_files(const char *name, const char *files_json) {
  char *data = e2e_slurp(golden, NULL);
  char *files = strstr(data, "\"files\":[");
  char *line_end = strchr(data, '\n');
  assert_non_null(files);
  assert_non_null(line_end);
  assert_true(files < line_end && line_end[-1] == '}' && line_end[-2] == ']');
  char *text;
  assert_true(
      asprintf(&text, "%.*s\"files\":%s}%s", (int)(files - data), data, files_json, line_end) > 0);
  char *path = e2e_path(work_dir, name);
  e2e_write_file(path, text, strlen(text));
  free(text);
  free(data);
  return path;
}

static void test_header_without_files(void **state) {
  (void)state;
  char *trace = with_files("no-files.jsonl", "[]");
  struct run_output out;
  FAULTSIM(&out, "replay", "--search", guest_dir, trace);
  expect(&out, 3, "\"files\" is empty");
  FAULTSIM(&out, "replay", "--search", guest_dir, trace, "/nonexistent/hello");
  expect(&out, 3, "\"files\" is empty");
  FAULTSIM(&out, "replay", "--offline", trace);
  assert_int_equal(out.exit_status, 3);
  assert_non_null(strstr(out.out, "\"files\" is empty"));
  run_output_free(&out);
  free(trace);
}

static void test_header_program_not_first(void **state) {
  (void)state;
  char *trace =
      with_files("other-first.jsonl", "[{\"guest\":\"/data/x\",\"size\":\"0x1\",\"sha256\":"
                                      "\"00000000000000000000000000000000000000000000000000000000"
                                      "00000000\",\"executable\":false}]");
  struct run_output out;
  FAULTSIM(&out, "replay", "--search", guest_dir, trace);
  expect(&out, 3, "does not start with the program /bin/hello");
  free(trace);
}

static void test_bad_overrides_are_replay_usage(void **state) {
  (void)state;
  static const char hint[] = "Try 'faultsim replay --help'";
  struct run_output out;
  FAULTSIM(&out, "replay", "--ram", "abc", "--search", guest_dir, golden);
  expect(&out, 2, "faultsim replay: --ram 'abc'");
  FAULTSIM(&out, "replay", "--ram", "4097", "--search", guest_dir, golden);
  expect(&out, 2, hint);
  FAULTSIM(&out, "replay", "--stack-guard", "-1", "--search", guest_dir, golden);
  expect(&out, 2, "faultsim replay: --stack-guard '-1'");
  FAULTSIM(&out, "replay", "--offline=1", golden);
  expect(&out, 2, "option '--offline' doesn't allow an argument");
  FAULTSIM(&out, "replay", "--ram");
  expect(&out, 2, "option '--ram' requires an argument");
}

static void test_kernel_that_cannot_boot(void **state) {
  (void)state;
  char *not_elf = e2e_path(work_dir, "notelf");
  e2e_write_file(not_elf, "not a kernel\n", 13);
  struct run_output out;
  FAULTSIM(&out, "replay", "--kernel", not_elf, "--search", guest_dir, golden);
  /* The recorded trace is fine: the messages name the replayed run only. */
  if (strstr(out.out, golden) != NULL || strstr(out.err, golden) != NULL)
    fail_msg("blames the recorded trace:\n%s%s", out.out, out.err);
  expect(&out, 4, "the replayed run failed (faultsim run exited 4)");

  char *empty = e2e_path(work_dir, "empty-kernel");
  e2e_write_file(empty, "", 0);
  FAULTSIM(&out, "replay", "--kernel", empty, "--search", guest_dir, golden);
  expect(&out, 2, "empty file");
  char *missing = e2e_path(work_dir, "no-such-kernel");
  FAULTSIM(&out, "replay", "--kernel", missing, "--search", guest_dir, golden);
  expect(&out, 2, "No such file or directory");
  free(missing);
  free(empty);
  free(not_elf);
}

int main(int argc, char **argv) {
  if (e2e_main_args(argc, argv, 4, "FAULTSIM GUEST_DIR GOLDEN_TRACE WORK_DIR") != 0)
    return 2;
  faultsim = argv[1];
  guest_dir = argv[2];
  golden = argv[3];
  work_dir = argv[4];
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_header_without_files),
      cmocka_unit_test(test_header_program_not_first),
      cmocka_unit_test(test_bad_overrides_are_replay_usage),
      cmocka_unit_test(test_kernel_that_cannot_boot),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
