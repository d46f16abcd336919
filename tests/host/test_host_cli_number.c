/* cli_parse_u64: the one parser of numeric options (run, fuzz, bench). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cli_number.h"

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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_accepts_whole_numbers_in_range),
      cmocka_unit_test(test_refuses_everything_else),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
