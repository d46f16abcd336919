/* `faultsim run` command-line parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <faultsim/abi.h>

#include "run_args.h"

#define ARGV(...)  ((char *[]){"run", __VA_ARGS__, NULL})
#define ARGC(argv) ((int)(sizeof(argv) / sizeof((argv)[0])) - 1)

struct parsed {
  struct run_args args;
  char err[256];
  enum run_args_status status;
};

static void parse(struct parsed *p, int argc, char **argv) {
  p->status = parse_run_args(argc, argv, &p->args, p->err, sizeof(p->err));
}

/* No block of its own: the argv array must live as long as the caller's
 * block, since run_args points into it. */
#define PARSE(p, ...) parse((p), ARGC(ARGV(__VA_ARGS__)), ARGV(__VA_ARGS__))

static void expect_usage(struct parsed *p, const char *message_part) {
  assert_int_equal(p->status, RUN_ARGS_USAGE);
  if (strstr(p->err, message_part) == NULL)
    fail_msg("message '%s' lacks '%s'", p->err, message_part);
  run_args_free(&p->args);
}

static void test_defaults(void **state) {
  (void)state;
  struct parsed p;
  PARSE(&p, "prog");
  assert_int_equal(p.status, RUN_ARGS_OK);
  assert_int_equal(p.args.ram_mib, 64);
  assert_int_equal(p.args.stack_guard_pages, 256);
  assert_int_equal(p.args.fail_alloc_nth, 0);
  assert_int_equal(p.args.fail_alloc_every, 0);
  assert_int_equal(p.args.stats, 0);
  assert_int_equal(p.args.selftest_pf, 0);
  assert_int_equal(p.args.verbosity, 0);
  assert_null(p.args.kernel_path);
  assert_int_equal(p.args.file_count, 0);
  assert_int_equal(p.args.env_count, 0);
  assert_string_equal(p.args.program, "prog");
  assert_int_equal(p.args.guest_argc, 0);
  run_args_free(&p.args);
}

static void test_every_option(void **state) {
  (void)state;
  struct parsed p;
  PARSE(&p, "--ram", "128", "--stack-guard", "0", "--fail-alloc", "7", "--fail-alloc-every", "3",
        "--stats", "--selftest-pf", "-v", "--verbose", "--kernel", "k.elf", "--env", "A=1", "--env",
        "B=", "--env", "C=x=y", "./dir/prog", "x", "y");
  assert_int_equal(p.status, RUN_ARGS_OK);
  assert_int_equal(p.args.ram_mib, 128);
  assert_int_equal(p.args.stack_guard_pages, 0);
  assert_int_equal(p.args.fail_alloc_nth, 7);
  assert_int_equal(p.args.fail_alloc_every, 3);
  assert_int_equal(p.args.stats, 1);
  assert_int_equal(p.args.selftest_pf, 1);
  assert_int_equal(p.args.verbosity, 2);
  assert_string_equal(p.args.kernel_path, "k.elf");
  assert_int_equal(p.args.env_count, 3);
  assert_string_equal(p.args.env[0], "A=1");
  assert_string_equal(p.args.env[1], "B=");
  assert_string_equal(p.args.env[2], "C=x=y");
  assert_string_equal(p.args.program, "./dir/prog");
  assert_int_equal(p.args.guest_argc, 2);
  assert_string_equal(p.args.guest_args[0], "x");
  assert_string_equal(p.args.guest_args[1], "y");
  run_args_free(&p.args);
}

static void test_clustered_and_equals_forms(void **state) {
  (void)state;
  struct parsed p;
  PARSE(&p, "-vv", "--ram=8", "prog");
  assert_int_equal(p.status, RUN_ARGS_OK);
  assert_int_equal(p.args.verbosity, 2);
  assert_int_equal(p.args.ram_mib, 8);
  run_args_free(&p.args);
}

static void test_repeated_file(void **state) {
  (void)state;
  struct parsed p;
  PARSE(&p, "--file", "data/input.txt", "--file", "/host/a:b:/etc/x", "--file", "plain", "--file",
        "rel/dir/", "prog");
  /* "rel/dir/" has no basename: its default guest path is "/" and refused. */
  expect_usage(&p, "root directory");

  PARSE(&p, "--file", "data/input.txt", "--file", "/host/a:b:/etc/x", "--file", "plain", "prog");
  assert_int_equal(p.status, RUN_ARGS_OK);
  assert_int_equal(p.args.file_count, 3);
  assert_string_equal(p.args.files[0].host, "data/input.txt");
  assert_string_equal(p.args.files[0].guest, "/input.txt");
  /* The last ':' separates: host paths may hold ':' when GUEST is given. */
  assert_string_equal(p.args.files[1].host, "/host/a:b");
  assert_string_equal(p.args.files[1].guest, "/etc/x");
  assert_string_equal(p.args.files[2].host, "plain");
  assert_string_equal(p.args.files[2].guest, "/plain");
  run_args_free(&p.args);
}

static void test_bad_file_specs(void **state) {
  (void)state;
  struct parsed p;
  PARSE(&p, "--file", "a:relative", "prog");
  expect_usage(&p, "not absolute");
  PARSE(&p, "--file", "a:", "prog");
  expect_usage(&p, "empty guest path");
  PARSE(&p, "--file", ":/x", "prog");
  expect_usage(&p, "empty host path");
  PARSE(&p, "--file", "a:/x/../y", "prog");
  expect_usage(&p, "'.' or '..'");
}

static void test_bad_env(void **state) {
  (void)state;
  struct parsed p;
  PARSE(&p, "--env", "NOEQUALS", "prog");
  expect_usage(&p, "NAME=VALUE");
  PARSE(&p, "--env", "=value", "prog");
  expect_usage(&p, "NAME=VALUE");
}

static void test_ram_limits(void **state) {
  (void)state;
  struct parsed p;
  PARSE(&p, "--ram", "4", "prog");
  assert_int_equal(p.status, RUN_ARGS_OK);
  assert_int_equal(p.args.ram_mib, 4);
  run_args_free(&p.args);
  PARSE(&p, "--ram", "4096", "prog");
  assert_int_equal(p.status, RUN_ARGS_OK);
  assert_int_equal(p.args.ram_mib, 4096);
  run_args_free(&p.args);
  static const char *const bad[] = {"0",  "3",  "4097", "abc",  "-5", "+8",
                                    " 8", "8 ", "12x",  "0x10", "",   "99999999999999999999999"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    PARSE(&p, "--ram", (char *)bad[i], "prog");
    expect_usage(&p, "--ram");
  }
}

static void test_bad_numbers(void **state) {
  (void)state;
  struct parsed p;
  PARSE(&p, "--stack-guard", "abc", "prog");
  expect_usage(&p, "--stack-guard");
  PARSE(&p, "--stack-guard", "1048577", "prog");
  expect_usage(&p, "--stack-guard");
  PARSE(&p, "--fail-alloc", "-1", "prog");
  expect_usage(&p, "--fail-alloc");
  PARSE(&p, "--fail-alloc-every", "1k", "prog");
  expect_usage(&p, "--fail-alloc-every");
  PARSE(&p, "--fail-alloc", "18446744073709551616", "prog");
  expect_usage(&p, "--fail-alloc");
  PARSE(&p, "--fail-alloc", "18446744073709551615", "prog");
  assert_int_equal(p.status, RUN_ARGS_OK);
  assert_int_equal(p.args.fail_alloc_nth, UINT64_MAX);
  run_args_free(&p.args);
}

static void test_missing_program(void **state) {
  (void)state;
  struct parsed p;
  char *only_run[] = {"run", NULL};
  parse(&p, 1, only_run);
  expect_usage(&p, "missing PROGRAM");
  PARSE(&p, "-v", "--stats");
  expect_usage(&p, "missing PROGRAM");
  PARSE(&p, "");
  expect_usage(&p, "empty PROGRAM");
}

static void test_unknown_options_and_missing_arguments(void **state) {
  (void)state;
  struct parsed p;
  PARSE(&p, "--bogus", "prog");
  expect_usage(&p, "unrecognized option '--bogus'");
  PARSE(&p, "-x", "prog");
  expect_usage(&p, "invalid option -- 'x'");
  PARSE(&p, "prog", "--ram");
  assert_int_equal(p.status, RUN_ARGS_OK); /* after PROGRAM: the guest's */
  run_args_free(&p.args);
  PARSE(&p, "--ram");
  expect_usage(&p, "option '--ram' requires an argument");
  PARSE(&p, "--stats=yes", "prog");
  expect_usage(&p, "'--stats' doesn't allow an argument");
}

static void test_options_after_program_belong_to_the_guest(void **state) {
  (void)state;
  struct parsed p;
  PARSE(&p, "-v", "prog", "--ram", "5", "-v", "--help", "--", "x");
  assert_int_equal(p.status, RUN_ARGS_OK);
  assert_int_equal(p.args.verbosity, 1);
  assert_int_equal(p.args.ram_mib, 64);
  assert_string_equal(p.args.program, "prog");
  assert_int_equal(p.args.guest_argc, 6);
  const char *expected[] = {"--ram", "5", "-v", "--help", "--", "x"};
  for (int i = 0; i < 6; i++)
    assert_string_equal(p.args.guest_args[i], expected[i]);
  run_args_free(&p.args);

  /* "--" ends faultsim's options: a program name may then start with '-'. */
  PARSE(&p, "--", "-prog", "-v");
  assert_int_equal(p.status, RUN_ARGS_OK);
  assert_string_equal(p.args.program, "-prog");
  assert_int_equal(p.args.verbosity, 0);
  assert_int_equal(p.args.guest_argc, 1);
  run_args_free(&p.args);
}

static void test_trace_and_gdb_defaults(void **state) {
  (void)state;
  struct parsed p;
  PARSE(&p, "prog");
  assert_int_equal(p.status, RUN_ARGS_OK);
  assert_null(p.args.trace_path);
  assert_int_equal(p.args.gdb_enabled, 0);
  assert_null(p.args.gdb_script);
  assert_int_equal(p.args.break_on_fault, 0);
  assert_int_equal(p.args.break_on_decision, -1);
  run_args_free(&p.args);
}

static void test_trace_option(void **state) {
  (void)state;
  struct parsed p;
  PARSE(&p, "--trace", "out/t.jsonl", "prog");
  assert_int_equal(p.status, RUN_ARGS_OK);
  assert_string_equal(p.args.trace_path, "out/t.jsonl");
  assert_int_equal(p.args.gdb_enabled, 0);
  run_args_free(&p.args);
  PARSE(&p, "--trace=t.jsonl", "prog");
  assert_int_equal(p.status, RUN_ARGS_OK);
  assert_string_equal(p.args.trace_path, "t.jsonl");
  run_args_free(&p.args);
  PARSE(&p, "--trace");
  expect_usage(&p, "option '--trace' requires an argument");
}

static void test_gdb_options(void **state) {
  (void)state;
  struct parsed p;
  PARSE(&p, "--gdb", "1234", "prog");
  assert_int_equal(p.status, RUN_ARGS_OK);
  assert_int_equal(p.args.gdb_enabled, 1);
  assert_string_equal(p.args.gdb_host, "127.0.0.1");
  assert_int_equal(p.args.gdb_port, 1234);
  run_args_free(&p.args);

  PARSE(&p, "--gdb", "0.0.0.0:0", "--gdb-script", "s.gdb", "--break-on-fault", "3", "prog");
  assert_int_equal(p.status, RUN_ARGS_OK);
  assert_int_equal(p.args.gdb_enabled, 1);
  assert_string_equal(p.args.gdb_host, "0.0.0.0");
  assert_int_equal(p.args.gdb_port, 0);
  assert_string_equal(p.args.gdb_script, "s.gdb");
  assert_int_equal(p.args.break_on_fault, 3);
  assert_int_equal(p.args.break_on_decision, -1);
  run_args_free(&p.args);

  PARSE(&p, "--gdb", "127.0.0.1:65535", "--break-on-decision", "guard", "prog");
  assert_int_equal(p.status, RUN_ARGS_OK);
  assert_int_equal(p.args.gdb_port, 65535);
  assert_int_equal(p.args.break_on_decision, FS_DECISION_GUARD);
  assert_int_equal(p.args.break_on_fault, 0);
  run_args_free(&p.args);

  /* Every decision name, in the ABI's order. */
  static const char *const names[] = FS_DECISION_NAMES;
  for (int i = 0; i < FS_DECISION_COUNT; i++) {
    PARSE(&p, "--gdb", "1", "--break-on-decision", (char *)names[i], "prog");
    assert_int_equal(p.status, RUN_ARGS_OK);
    assert_int_equal(p.args.break_on_decision, i);
    run_args_free(&p.args);
  }
}

static void test_gdb_errors(void **state) {
  (void)state;
  struct parsed p;
  /* The --gdb-only options need --gdb. */
  PARSE(&p, "--gdb-script", "s.gdb", "prog");
  expect_usage(&p, "need --gdb");
  PARSE(&p, "--break-on-fault", "1", "prog");
  expect_usage(&p, "need --gdb");
  PARSE(&p, "--break-on-decision", "lazy", "prog");
  expect_usage(&p, "need --gdb");
  /* One break condition at a time. */
  PARSE(&p, "--gdb", "1", "--break-on-fault", "2", "--break-on-decision", "lazy", "prog");
  expect_usage(&p, "exclude each other");
  /* Unknown decisions (names are exact, lowercase). */
  PARSE(&p, "--gdb", "1", "--break-on-decision", "sometimes", "prog");
  expect_usage(&p, "--break-on-decision 'sometimes': unknown decision");
  PARSE(&p, "--gdb", "1", "--break-on-decision", "Lazy", "prog");
  expect_usage(&p, "unknown decision");
  PARSE(&p, "--gdb", "1", "--break-on-decision", "", "prog");
  expect_usage(&p, "unknown decision");
  /* --break-on-fault counts from 1. */
  PARSE(&p, "--gdb", "1", "--break-on-fault", "0", "prog");
  expect_usage(&p, "--break-on-fault '0'");
  PARSE(&p, "--gdb", "1", "--break-on-fault", "x", "prog");
  expect_usage(&p, "--break-on-fault 'x'");
  /* Bad [HOST:]PORT. */
  static const char *const bad[] = {"",      "x",         "65536",         "-1",   ":1234",
                                    "host:", "1.2.3.4:x", "1.2.3.4:99999", "0x10", "12 "};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    PARSE(&p, "--gdb", (char *)bad[i], "prog");
    expect_usage(&p, "expected [HOST:]PORT");
  }
  /* A host name longer than the field is refused, not cut. */
  char long_host[128];
  memset(long_host, 'h', sizeof long_host);
  memcpy(long_host + sizeof long_host - 6, ":1234", 6);
  PARSE(&p, "--gdb", long_host, "prog");
  expect_usage(&p, "expected [HOST:]PORT");
}

static void test_help(void **state) {
  (void)state;
  struct parsed p;
  PARSE(&p, "--help");
  assert_int_equal(p.status, RUN_ARGS_HELP);
  run_args_free(&p.args);
  PARSE(&p, "-h", "prog");
  assert_int_equal(p.status, RUN_ARGS_HELP);
  run_args_free(&p.args);
  assert_non_null(strstr(run_args_help, "Usage: faultsim run"));
  assert_non_null(strstr(run_args_help, "Exit status"));
}

static void test_parsing_twice_starts_over(void **state) {
  (void)state;
  struct parsed p;
  for (int round = 0; round < 3; round++) {
    PARSE(&p, "-v", "--ram", "32", "prog", "arg");
    assert_int_equal(p.status, RUN_ARGS_OK);
    assert_int_equal(p.args.verbosity, 1);
    assert_int_equal(p.args.ram_mib, 32);
    assert_int_equal(p.args.guest_argc, 1);
    run_args_free(&p.args);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_every_option),
      cmocka_unit_test(test_clustered_and_equals_forms),
      cmocka_unit_test(test_repeated_file),
      cmocka_unit_test(test_bad_file_specs),
      cmocka_unit_test(test_bad_env),
      cmocka_unit_test(test_ram_limits),
      cmocka_unit_test(test_bad_numbers),
      cmocka_unit_test(test_missing_program),
      cmocka_unit_test(test_unknown_options_and_missing_arguments),
      cmocka_unit_test(test_options_after_program_belong_to_the_guest),
      cmocka_unit_test(test_trace_and_gdb_defaults),
      cmocka_unit_test(test_trace_option),
      cmocka_unit_test(test_gdb_options),
      cmocka_unit_test(test_gdb_errors),
      cmocka_unit_test(test_help),
      cmocka_unit_test(test_parsing_twice_starts_over),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
