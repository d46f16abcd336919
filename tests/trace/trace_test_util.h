/* Shared by the tests/trace suites: build synthetic traces from records
 * with the real writer, so the reader and the offline replay are tested on
 * exactly what `faultsim run --trace` writes. */
#ifndef TESTS_TRACE_UTIL_H
#define TESTS_TRACE_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_format.h"

static const char *const test_argv[] = {"/bin/prog", "a \"quoted\"\nword", "caf\xc3\xa9"};
static const char *const test_env[] = {"HOME=/", "TAB=a\tb\\c"};
static const struct trace_file_entry test_files[] = {
    {"/bin/prog", 0x3000, "0000000000000000000000000000000000000000000000000000000000000000", 1},
    {"/data/input.txt", 0x3f48, "1111111111111111111111111111111111111111111111111111111111111111",
     0},
};

static inline void test_write_header(FILE *out) {
  struct trace_header h = {
      .faultsim_version = "9.9.9",
      .kernel_sha256 = "2222222222222222222222222222222222222222222222222222222222222222",
      .ram_mib = 64,
      .stack_guard_pages = 256,
      .program = "/bin/prog",
      .argc = 3,
      .argv = test_argv,
      .envc = 2,
      .envp = test_env,
      .cmdline = "/bin/prog ...",
      .file_count = 2,
      .files = test_files,
  };
  trace_write_header(out, &h);
}

static inline void test_write_event(FILE *out, unsigned long long seq,
                                    const struct fs_trace_record *rec, const char *insn) {
  char line[TRACE_LINE_MAX];
  int n = trace_format_event(line, seq, rec, insn);
  if (n < 0)
    abort();
  fwrite(line, 1, (size_t)n, out);
}

static inline struct fs_trace_record test_region_record(uint32_t pid, uint32_t type, uint64_t start,
                                                        uint64_t end, uint32_t prot, uint32_t flags,
                                                        uint32_t file_id, uint64_t file_offset,
                                                        uint64_t file_length) {
  struct fs_trace_record r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  r.kind = FS_TRACE_REGION;
  r.pid = pid;
  r.u.region =
      (struct fs_trace_region){start, end, file_offset, file_length, type, prot, flags, file_id};
  return r;
}

#endif
