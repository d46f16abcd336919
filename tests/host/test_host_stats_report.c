/* The --stats formatter: names, order and values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stats_report.h"

static char *format(const struct fs_kernel_report *report, uint64_t instructions) {
  char *text = NULL;
  size_t length = 0;
  FILE *out = open_memstream(&text, &length);
  assert_non_null(out);
  stats_report_print(out, report, instructions);
  assert_int_equal(fclose(out), 0);
  return text;
}

static void test_every_counter_in_order(void **state) {
  (void)state;
  struct fs_kernel_report report;
  memset(&report, 0, sizeof(report));
  report.magic = FS_REPORT_MAGIC;
  /* Distinct values show each name is wired to its own field. */
  report.stats.faults_total = 1;
  report.stats.file_pages_read = 2;
  report.stats.page_cache_hits = 3;
  report.stats.guard_hits = 4;
  report.stats.protection_violations = 5;
  report.stats.invalid_addresses = 6;
  report.stats.oom_kills = 7;
  report.stats.spurious = 8;
  report.stats.kernel_mode_faults = 9;
  report.stats.efault_fixups = 10;
  for (int type = 0; type < FS_REGION_TYPE_COUNT; type++)
    report.stats.lazy_by_type[type] = 100 + (uint64_t)type;
  report.frames_total = 16384;
  report.frames_free_boot = 16000;
  report.frames_free_exit = 15999;
  report.frame_allocs = 42;
  report.frame_alloc_failures = 1;
  report.frame_allocs_run = 40;
  char *text = format(&report, 18446744073709551615ULL);
  assert_string_equal(text, "faultsim stats:\n"
                            "faults_total 1\n"
                            "file_pages_read 2\n"
                            "page_cache_hits 3\n"
                            "guard_hits 4\n"
                            "protection_violations 5\n"
                            "invalid_addresses 6\n"
                            "oom_kills 7\n"
                            "spurious 8\n"
                            "kernel_mode_faults 9\n"
                            "efault_fixups 10\n"
                            "lazy_text 101\n"
                            "lazy_data 102\n"
                            "lazy_bss 103\n"
                            "lazy_heap 104\n"
                            "lazy_stack 105\n"
                            "lazy_mmap_anon 106\n"
                            "lazy_mmap_file 107\n"
                            "lazy_guard 108\n"
                            "frames_total 16384\n"
                            "frames_free_boot 16000\n"
                            "frames_free_exit 15999\n"
                            "frame_allocs 42\n"
                            "frame_alloc_failures 1\n"
                            "frame_allocs_run 40\n"
                            "instructions 18446744073709551615\n");
  free(text);
}

static void test_without_a_report(void **state) {
  (void)state;
  char *text = format(NULL, 77);
  assert_string_equal(text, "faultsim stats:\ninstructions 77\n");
  free(text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_counter_in_order),
      cmocka_unit_test(test_without_a_report),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
