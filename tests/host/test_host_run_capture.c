/* The shared run_capture helper, exercised with /bin/sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "run_capture.h"

static void sh(const char *script, const char *stdin_text, unsigned timeout_ms,
               struct run_output *out) {
  char *argv[] = {"/bin/sh", "-c", (char *)script, NULL};
  assert_int_equal(run_capture_timeout(argv, stdin_text, timeout_ms, out), 0);
}

static void test_streams_and_exit_status(void **state) {
  (void)state;
  struct run_output out;
  sh("cat; echo to-err >&2; exit 7", "hello\nworld\n", 0, &out);
  assert_string_equal(out.out, "hello\nworld\n");
  assert_int_equal(out.out_len, 12);
  assert_string_equal(out.err, "to-err\n");
  assert_int_equal(out.exited, 1);
  assert_int_equal(out.exit_status, 7);
  assert_int_equal(out.signal, 0);
  assert_int_equal(out.timed_out, 0);
  run_output_free(&out);
}

static void test_large_output_and_input(void **state) {
  (void)state;
  /* More than a pipe holds, both ways, to show nothing deadlocks. */
  size_t size = 1 << 20;
  char *input = malloc(size + 1);
  memset(input, 'a', size);
  input[size] = '\0';
  struct run_output out;
  sh("cat; head -c 300000 /dev/zero >&2", input, 0, &out);
  assert_int_equal(out.out_len, size);
  assert_int_equal(out.err_len, 300000);
  assert_int_equal(out.exit_status, 0);
  run_output_free(&out);
  free(input);
}

static void test_child_ignoring_stdin(void **state) {
  (void)state;
  struct run_output out;
  char *input = calloc(1, 1 << 20);
  memset(input, 'b', (1 << 20) - 1);
  sh("exit 0", input, 0, &out);
  assert_int_equal(out.exited, 1);
  assert_int_equal(out.exit_status, 0);
  run_output_free(&out);
  free(input);
}

static void test_signal(void **state) {
  (void)state;
  struct run_output out;
  sh("kill -SEGV $$", NULL, 0, &out);
  assert_int_equal(out.exited, 0);
  assert_int_equal(out.exit_status, -1);
  assert_int_equal(out.signal, 11);
  run_output_free(&out);
}

static void test_exec_failure(void **state) {
  (void)state;
  struct run_output out;
  char *argv[] = {"/nonexistent/program", NULL};
  assert_int_equal(run_capture(argv, NULL, &out), 0);
  assert_int_equal(out.exit_status, 127);
  assert_true(text_has_line_starting_with(out.err, "run_capture: cannot execute"));
  run_output_free(&out);
}

static void test_timeout(void **state) {
  (void)state;
  struct run_output out;
  sh("echo started; exec sleep 30", NULL, 200, &out);
  assert_int_equal(out.timed_out, 1);
  assert_int_equal(out.signal, 9);
  assert_string_equal(out.out, "started\n");
  run_output_free(&out);
}

static void test_text_helpers(void **state) {
  (void)state;
  assert_true(text_has_line_starting_with("a\nfaultsim: x: y\n", "faultsim: x: "));
  assert_true(text_has_line_starting_with("faultsim: x", "faultsim"));
  assert_false(text_has_line_starting_with("a faultsim: x\n", "faultsim"));
  assert_false(text_has_line_starting_with("", "x"));
  assert_int_equal(text_line_count(""), 0);
  assert_int_equal(text_line_count("a"), 1);
  assert_int_equal(text_line_count("a\nb\n"), 2);
  assert_int_equal(text_line_count("a\nb"), 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_streams_and_exit_status),
      cmocka_unit_test(test_large_output_and_input),
      cmocka_unit_test(test_child_ignoring_stdin),
      cmocka_unit_test(test_signal),
      cmocka_unit_test(test_exec_failure),
      cmocka_unit_test(test_timeout),
      cmocka_unit_test(test_text_helpers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
