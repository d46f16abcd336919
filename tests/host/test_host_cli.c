/* cli.h: the one parser of numeric options (run, fuzz, bench, replay), the
 * wording of getopt errors, base names and text tails. */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"

static void test_accepts_whole_numbers_in_range(void **state) {
  (void)state;
  uint64_t v = 0;
  assert_int_equal(cli_parse_u64("0", 0, 10, false, &v), 0);
  assert_int_equal(v, 0);
  assert_int_equal(cli_parse_u64("10", 0, 10, false, &v), 0);
  assert_int_equal(v, 10);
  assert_int_equal(cli_parse_u64("18446744073709551615", 0, UINT64_MAX, false, &v), 0);
  assert_true(v == UINT64_MAX);
  assert_int_equal(cli_parse_u64("0x1f", 0, 100, true, &v), 0);
  assert_int_equal(v, 31);
}

static void test_refuses_everything_else(void **state) {
  (void)state;
  uint64_t v = 7;
  const char *bad[] = {"", " 1", "+1", "-1", "1 ", "1k", "abc", "18446744073709551616"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal(cli_parse_u64(bad[i], 0, UINT64_MAX, true, &v), -1);
  assert_int_equal(cli_parse_u64("11", 0, 10, false, &v), -1);    /* above max */
  assert_int_equal(cli_parse_u64("0", 1, 10, false, &v), -1);     /* below min */
  assert_int_equal(cli_parse_u64("0x10", 0, 100, false, &v), -1); /* hex not allowed here */
  assert_int_equal(v, 7);                                         /* untouched on failure */
}

enum { OPT_SEED = 256, OPT_CHECK };

static const struct option options[] = {
    {"seed", required_argument, NULL, OPT_SEED},
    {"check-reset", no_argument, NULL, OPT_CHECK},
    {"json", required_argument, NULL, 'j'},
    {"verbose", no_argument, NULL, 'v'},
    {NULL, 0, NULL, 0},
};

/* getopt_long over args until its first error, worded by cli_option_error. */
static void expect_option_error(const char *a1, const char *a2, const char *wanted) {
  char *argv[] = {"prog", (char *)a1, (char *)a2, NULL};
  int argc = a2 ? 3 : 2;
  optind = 0;
  opterr = 0;
  int result;
  while ((result = getopt_long(argc, argv, "+:vx:", options, NULL)) != -1)
    if (result == ':' || result == '?')
      break;
  assert_true(result == ':' || result == '?');
  char err[128];
  cli_option_error(result, options, argv, err, sizeof err);
  assert_string_equal(err, wanted);
}

static void test_option_errors_are_worded_like_getopt(void **state) {
  (void)state;
  expect_option_error("--seed", NULL, "option '--seed' requires an argument");
  expect_option_error("--se", NULL, "option '--seed' requires an argument");
  /* A long option whose value is a letter is still named as a long one. */
  expect_option_error("--json", NULL, "option '--json' requires an argument");
  expect_option_error("-x", NULL, "option requires an argument -- 'x'");
  expect_option_error("--check-reset=1", NULL, "option '--check-reset' doesn't allow an argument");
  expect_option_error("--verbose=2", NULL, "option '--verbose' doesn't allow an argument");
  expect_option_error("--bogus", NULL, "unrecognized option '--bogus'");
  expect_option_error("-q", NULL, "invalid option -- 'q'");
  /* In a cluster, after a long option that takes the letter's value. */
  expect_option_error("--verbose", "-vq", "invalid option -- 'q'");
  expect_option_error("--verbose", "-qv", "invalid option -- 'q'");
}

static void test_base_name(void **state) {
  (void)state;
  assert_string_equal(cli_base_name("/a/b/prog"), "prog");
  assert_string_equal(cli_base_name("prog"), "prog");
  assert_string_equal(cli_base_name("dir/"), "");
}

static void test_text_tail(void **state) {
  (void)state;
  static const char log[] = "one\ntwo\nthree\nfour\n";
  assert_string_equal(cli_text_tail(log, 2, SIZE_MAX), "three\nfour\n");
  assert_string_equal(cli_text_tail(log, 9, SIZE_MAX), log);
  assert_string_equal(cli_text_tail("a\nb", 1, SIZE_MAX), "b");
  assert_string_equal(cli_text_tail("", 3, SIZE_MAX), "");
  /* The byte limit wins over the line count. */
  assert_string_equal(cli_text_tail(log, 2, 6), "\nfour\n");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_accepts_whole_numbers_in_range),
      cmocka_unit_test(test_refuses_everything_else),
      cmocka_unit_test(test_option_errors_are_worded_like_getopt),
      cmocka_unit_test(test_base_name),
      cmocka_unit_test(test_text_tail),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
