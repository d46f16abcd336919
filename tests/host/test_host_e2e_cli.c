/*
 * End to end, before boot: `faultsim run` on malformed ELF files generated
 * here exits 3 with `faultsim: FILE: REASON`, and command-line mistakes exit
 * 2.  Nothing here needs a working machine.
 * Usage: test_host_e2e_cli FAULTSIM WORK_DIR
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "elf_fixtures.h"
#include "e2e_test.h"

static const char *faultsim_path;
static const char *work_dir;

#define TIMEOUT_MS 60000

#define FAULTSIM(out, ...) E2E_RUN((out), faultsim_path, TIMEOUT_MS, __VA_ARGS__)

static char *write_fixture(size_t index) {
  const struct elf_fixture *fixture = elf_fixture_get(index);
  char *path;
  assert_true(asprintf(&path, "%s/%s.elf", work_dir, fixture->name) > 0);
  size_t size;
  unsigned char *image = elf_fixture_build(index, &size);
  assert_non_null(image);
  e2e_write_file(path, image, size);
  free(image);
  return path;
}

static void expect_refusal(struct run_output *out, int status, const char *path,
                           const char *reason_part) {
  char *prefix;
  assert_true(asprintf(&prefix, "faultsim: %s: ", path) > 0);
  if (out->exit_status != status || !text_has_line_starting_with(out->err, prefix) ||
      (reason_part != NULL && strstr(out->err, reason_part) == NULL))
    fail_msg("%s: exit %d, stderr:\n%s\nwanted exit %d and '%s%s'", path, out->exit_status,
             out->err, status, prefix, reason_part ? reason_part : "");
  assert_string_equal(out->out, "");
  free(prefix);
}

static void test_malformed_programs_exit_3(void **state) {
  (void)state;
  for (size_t i = 0; i < elf_fixture_count(); i++) {
    const struct elf_fixture *fixture = elf_fixture_get(i);
    if (fixture->expected_reason == NULL)
      continue;
    char *path = write_fixture(i);
    struct run_output out;
    FAULTSIM(&out, "run", path, "arg");
    expect_refusal(&out, 3, path, fixture->expected_reason);
    assert_int_equal(text_line_count(out.err), 1);
    run_output_free(&out);
    free(path);
  }
}

static void test_unreadable_program_exits_3(void **state) {
  (void)state;
  char *path = e2e_path(work_dir, "does-not-exist");
  struct run_output out;
  FAULTSIM(&out, "run", path);
  expect_refusal(&out, 3, path, "No such file or directory");
  run_output_free(&out);
  FAULTSIM(&out, "run", (char *)work_dir);
  expect_refusal(&out, 3, work_dir, "Is a directory");
  run_output_free(&out);
  free(path);
}

static void test_unreadable_file_exits_2(void **state) {
  (void)state;
  char *program = write_fixture(0); /* the valid one: the --file is what fails */
  char *missing = e2e_path(work_dir, "missing-input.txt");
  struct run_output out;
  FAULTSIM(&out, "run", "--file", missing, program);
  expect_refusal(&out, 2, missing, "No such file or directory");
  run_output_free(&out);
  free(missing);
  free(program);
}

static void expect_usage(struct run_output *out, const char *message_part, const char *hint) {
  if (out->exit_status != 2 || strstr(out->err, message_part) == NULL ||
      strstr(out->err, hint) == NULL)
    fail_msg("exit %d, stderr:\n%s\nwanted exit 2, '%s' and '%s'", out->exit_status, out->err,
             message_part, hint);
  assert_string_equal(out->out, "");
  run_output_free(out);
}

static void test_usage_errors_exit_2(void **state) {
  (void)state;
  static const char run_hint[] = "Try 'faultsim run --help'";
  static const char top_hint[] = "Try 'faultsim --help'";
  struct run_output out;
  char *no_args[] = {(char *)faultsim_path, NULL};
  assert_int_equal(run_capture_timeout(no_args, NULL, TIMEOUT_MS, &out), 0);
  expect_usage(&out, "missing COMMAND", top_hint);
  FAULTSIM(&out, "frobnicate");
  expect_usage(&out, "unknown command 'frobnicate'", top_hint);
  FAULTSIM(&out, "--frobnicate");
  expect_usage(&out, "unrecognized option", top_hint);
  FAULTSIM(&out, "run");
  expect_usage(&out, "missing PROGRAM", run_hint);
  FAULTSIM(&out, "run", "--frobnicate", "prog");
  expect_usage(&out, "unrecognized option '--frobnicate'", run_hint);
  FAULTSIM(&out, "run", "--ram", "0", "prog");
  expect_usage(&out, "--ram '0'", run_hint);
  FAULTSIM(&out, "run", "--ram", "abc", "prog");
  expect_usage(&out, "--ram 'abc'", run_hint);
  FAULTSIM(&out, "run", "--ram", "4097", "prog");
  expect_usage(&out, "--ram '4097'", run_hint);
  FAULTSIM(&out, "run", "--stack-guard", "x", "prog");
  expect_usage(&out, "--stack-guard 'x'", run_hint);
  FAULTSIM(&out, "run", "--file", "a:relative", "prog");
  expect_usage(&out, "not absolute", run_hint);
  FAULTSIM(&out, "run", "--env", "NOVALUE", "prog");
  expect_usage(&out, "NAME=VALUE", run_hint);
}

/* An empty --kernel is refused by every command that takes one (it once
 * read as "no data" and so as the embedded kernel). */
static void test_empty_kernel_exits_2(void **state) {
  (void)state;
  char *program = write_fixture(0);
  char *kernel = e2e_path(work_dir, "empty-kernel.elf");
  e2e_write_file(kernel, "", 0);
  struct run_output out;
  FAULTSIM(&out, "run", "--kernel", kernel, program);
  expect_refusal(&out, 2, kernel, "empty file");
  run_output_free(&out);
  FAULTSIM(&out, "fuzz", "--kernel", kernel, "--iterations", "1", "--out", (char *)work_dir);
  if (out.exit_status != 2 || strstr(out.err, "empty file") == NULL)
    fail_msg("fuzz --kernel EMPTY: exit %d, stderr:\n%s", out.exit_status, out.err);
  run_output_free(&out);
  free(kernel);
  free(program);
}

/* A missing argument and an argument to a flag are told apart. */
static void test_option_errors_name_the_option(void **state) {
  (void)state;
  struct run_output out;
  FAULTSIM(&out, "fuzz", "--check-reset=1");
  expect_usage(&out, "option '--check-reset' doesn't allow an argument",
               "Try 'faultsim fuzz --help'");
  FAULTSIM(&out, "fuzz", "--seed");
  expect_usage(&out, "option '--seed' requires an argument", "Try 'faultsim fuzz --help'");
  FAULTSIM(&out, "bench", "--json");
  expect_usage(&out, "option '--json' requires an argument", "Try 'faultsim bench --help'");
  FAULTSIM(&out, "bench", "--quick=yes");
  expect_usage(&out, "option '--quick' doesn't allow an argument", "Try 'faultsim bench --help'");
  FAULTSIM(&out, "bench", "--repeats", "4");
  expect_usage(&out, "--repeats: '4'", "Try 'faultsim bench --help'");
}

static void test_duplicate_guest_path_exits_2(void **state) {
  (void)state;
  char *program = write_fixture(0);
  /* The program itself is /bin/valid.elf. */
  char *spec;
  assert_true(asprintf(&spec, "%s:/bin/valid.elf", program) > 0);
  struct run_output out;
  FAULTSIM(&out, "run", "--file", spec, program);
  expect_usage(&out, "given twice", "Try 'faultsim run --help'");
  free(spec);
  free(program);
}

static void test_help_and_version(void **state) {
  (void)state;
  struct run_output out;
  FAULTSIM(&out, "--help");
  assert_int_equal(out.exit_status, 0);
  assert_true(text_has_line_starting_with(out.out, "Usage: faultsim"));
  assert_non_null(strstr(out.out, "run"));
  run_output_free(&out);
  FAULTSIM(&out, "--version");
  assert_int_equal(out.exit_status, 0);
  assert_true(text_has_line_starting_with(out.out, "faultsim "));
  run_output_free(&out);
  FAULTSIM(&out, "run", "--help");
  assert_int_equal(out.exit_status, 0);
  assert_true(text_has_line_starting_with(out.out, "Usage: faultsim run"));
  assert_string_equal(out.err, "");
  run_output_free(&out);
}

int main(int argc, char **argv) {
  if (e2e_main_args(argc, argv, 2, "FAULTSIM WORK_DIR") != 0)
    return 2;
  faultsim_path = argv[1];
  work_dir = argv[2];
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_malformed_programs_exit_3),
      cmocka_unit_test(test_unreadable_program_exits_3),
      cmocka_unit_test(test_unreadable_file_exits_2),
      cmocka_unit_test(test_usage_errors_exit_2),
      cmocka_unit_test(test_duplicate_guest_path_exits_2),
      cmocka_unit_test(test_empty_kernel_exits_2),
      cmocka_unit_test(test_option_errors_name_the_option),
      cmocka_unit_test(test_help_and_version),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
