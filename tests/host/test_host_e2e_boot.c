/*
 * End to end through the machine: tiny programs generated here (exit 42,
 * SIGSEGV on a null write) boot and give the exit-status contract, and
 * --stats / -v add their lines on stderr.
 * Usage: test_host_e2e_boot FAULTSIM WORK_DIR
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

#define TIMEOUT_MS 120000

/* mov edi, 42; mov eax, 60 (exit); syscall */
static const unsigned char exit_42[] = {0xbf, 0x2a, 0, 0, 0, 0xb8, 0x3c, 0, 0, 0, 0x0f, 0x05};
/* mov dword [0], eax */
static const unsigned char null_write[] = {0x89, 0x04, 0x25, 0, 0, 0, 0};

static char *write_program(const char *name, const unsigned char *code, size_t code_size) {
  char *path = e2e_path(work_dir, name);
  size_t size;
  unsigned char *image = elf_fixture_build_program(code, code_size, &size);
  assert_non_null(image);
  e2e_write_file(path, image, size);
  free(image);
  return path;
}

#define FAULTSIM(out, ...) E2E_RUN((out), faultsim_path, TIMEOUT_MS, __VA_ARGS__)

static void expect_status(struct run_output *out, int status) {
  if (out->exit_status != status)
    fail_msg("exit %d, wanted %d; stderr:\n%s", out->exit_status, status, out->err);
}

static void test_exit_status_passes_through(void **state) {
  (void)state;
  char *program = write_program("exit42", exit_42, sizeof(exit_42));
  struct run_output out;
  FAULTSIM(&out, "run", program, "ignored", "args");
  expect_status(&out, 42);
  assert_string_equal(out.out, "");
  assert_string_equal(out.err, "");
  run_output_free(&out);
  free(program);
}

static void test_sigsegv_is_139(void **state) {
  (void)state;
  char *program = write_program("nullwrite", null_write, sizeof(null_write));
  struct run_output out;
  FAULTSIM(&out, "run", program);
  expect_status(&out, 139);
  run_output_free(&out);
  free(program);
}

static void test_stats_and_verbose_lines(void **state) {
  (void)state;
  char *program = write_program("exit42", exit_42, sizeof(exit_42));
  struct run_output out;
  FAULTSIM(&out, "run", "--stats", "-v", program);
  expect_status(&out, 42);
  static const char *const lines[] = {
      "faultsim stats:", "faults_total ", "efault_fixups ",        "lazy_text ",    "lazy_guard ",
      "frames_total ",   "frame_allocs ", "frame_alloc_failures ", "instructions ", "faultsim: ",
  };
  for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
    if (!text_has_line_starting_with(out.err, lines[i]))
      fail_msg("no line starting with '%s' in stderr:\n%s", lines[i], out.err);
  assert_non_null(strstr(out.err, " guest instructions\n"));
  run_output_free(&out);
  free(program);
}

int main(int argc, char **argv) {
  if (e2e_main_args(argc, argv, 2, "FAULTSIM WORK_DIR") != 0)
    return 2;
  faultsim_path = argv[1];
  work_dir = argv[2];
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exit_status_passes_through),
      cmocka_unit_test(test_sigsegv_is_139),
      cmocka_unit_test(test_stats_and_verbose_lines),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
