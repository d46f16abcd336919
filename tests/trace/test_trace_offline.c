/* Unit tests of the offline replay on synthetic traces: a trace whose
 * decisions are what the fault core decides replays clean; one recorded
 * decision changed is reported as a divergence at its line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "trace_offline.h"
#include "trace_test_util.h"

#define STACK_LO 0x7fffff7ff000ULL
#define STACK_HI 0x7ffffffff000ULL
#define GUARD_LO 0x7fffff6ff000ULL
#define ANON_AT  0x7fff00000000ULL

struct builder {
  FILE *out;
  unsigned long long seq;
};

static void emit(struct builder *b, struct fs_trace_record r) {
  r.size = sizeof(r);
  r.pid = 1;
  test_write_event(b->out, ++b->seq, &r, r.kind == FS_TRACE_FAULT ? "mov byte ptr [rax], 1" : NULL);
}

static void fault(struct builder *b, uint64_t addr, uint32_t ec, uint32_t decision,
                  uint32_t populate, uint32_t type, uint64_t start, uint64_t end, uint32_t prot) {
  struct fs_trace_record r;
  memset(&r, 0, sizeof(r));
  r.kind = FS_TRACE_FAULT;
  r.u.fault.rip = 0x401000 + b->seq; /* a fresh rip: no fault-loop detection */
  r.u.fault.addr = addr;
  r.u.fault.error_code = ec;
  r.u.fault.decision = decision;
  r.u.fault.populate = populate;
  r.u.fault.region.type = type;
  r.u.fault.region.start = start;
  r.u.fault.region.end = end;
  r.u.fault.region.prot = prot;
  emit(b, r);
}

static void call(struct builder *b, uint32_t kind, uint64_t addr, uint64_t length, uint32_t prot,
                 uint32_t flags, int64_t result) {
  struct fs_trace_record r;
  memset(&r, 0, sizeof(r));
  r.kind = kind;
  r.u.call.addr = addr;
  r.u.call.length = length;
  r.u.call.prot = prot;
  r.u.call.flags = flags;
  r.u.call.result = result;
  emit(b, r);
}

/* The synthetic run; `wrong_decision` records the first stack fault as
 * invalid instead of lazy. */
static char *write_trace(int wrong_decision) {
  char *path = strdup("/tmp/faultsim_trace_offline_XXXXXX");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  struct builder b = {fdopen(fd, "w"), 0};
  test_write_header(b.out);
  struct fs_trace_record exec;
  memset(&exec, 0, sizeof(exec));
  exec.kind = FS_TRACE_EXEC;
  exec.u.exec.entry = 0x401000;
  exec.u.exec.region_count = 4;
  exec.u.exec.file_id = 2;
  strcpy(exec.u.exec.path, "/bin/prog");
  emit(&b, exec);
  const uint32_t rx = FS_PROT_READ | FS_PROT_EXEC, rw = FS_PROT_READ | FS_PROT_WRITE;
  emit(&b, test_region_record(1, FS_REGION_TEXT, 0x401000, 0x402000, rx, 0, 2, 0x1000, 0x800));
  emit(&b, test_region_record(1, FS_REGION_BSS, 0x403000, 0x405000, rw, 0, 0, 0, 0));
  emit(&b, test_region_record(1, FS_REGION_GUARD, GUARD_LO, STACK_LO, 0, 0, 0, 0, 0));
  emit(&b, test_region_record(1, FS_REGION_STACK, STACK_LO, STACK_HI, rw, 2, 0, 0, 0));

  const uint32_t uw = FS_PF_U | FS_PF_W, ur = FS_PF_U;
  fault(&b, STACK_HI - 0x1000, uw, wrong_decision ? FS_DECISION_INVALID : FS_DECISION_LAZY,
        FS_POPULATE_ZERO, FS_REGION_STACK, STACK_LO, STACK_HI, rw);
  fault(&b, STACK_HI - 0x1000, ur, FS_DECISION_SPURIOUS, FS_POPULATE_NONE, FS_REGION_STACK,
        STACK_LO, STACK_HI, rw);
  fault(&b, 0x401000, FS_PF_U | FS_PF_I, FS_DECISION_LAZY, FS_POPULATE_FILE, FS_REGION_TEXT,
        0x401000, 0x402000, rx);
  fault(&b, 0x401100, uw | FS_PF_P, FS_DECISION_PROTECTION, FS_POPULATE_NONE, FS_REGION_TEXT,
        0x401000, 0x402000, rx);
  fault(&b, 0, ur, FS_DECISION_INVALID, FS_POPULATE_NONE, FS_REGION_NONE, 0, 0, 0);
  fault(&b, GUARD_LO + 0x100, uw, FS_DECISION_GUARD, FS_POPULATE_NONE, FS_REGION_GUARD, GUARD_LO,
        STACK_LO, 0);
  call(&b, FS_TRACE_BRK, 0x406000, 0, 0, 0, 0x406000);
  fault(&b, 0x405010, uw, FS_DECISION_LAZY, FS_POPULATE_ZERO, FS_REGION_HEAP, 0x405000, 0x406000,
        rw);
  call(&b, FS_TRACE_MMAP, 0, 0x2000, rw, 0x22, (int64_t)ANON_AT);
  fault(&b, ANON_AT + 0x1000, uw, FS_DECISION_LAZY, FS_POPULATE_ZERO, FS_REGION_MMAP_ANON, ANON_AT,
        ANON_AT + 0x2000, rw);
  call(&b, FS_TRACE_MPROTECT, ANON_AT, 0x2000, FS_PROT_READ, 0, 0);
  fault(&b, ANON_AT, uw, FS_DECISION_PROTECTION, FS_POPULATE_NONE, FS_REGION_MMAP_ANON, ANON_AT,
        ANON_AT + 0x2000, FS_PROT_READ);
  call(&b, FS_TRACE_MUNMAP, ANON_AT, 0x2000, 0, 0, 0);
  fault(&b, ANON_AT, ur, FS_DECISION_INVALID, FS_POPULATE_NONE, FS_REGION_NONE, 0, 0, 0);
  struct fs_trace_record end;
  memset(&end, 0, sizeof(end));
  end.kind = FS_TRACE_EXIT;
  emit(&b, end);
  struct trace_summary s = {.events = b.seq, .outcome = "exited"};
  trace_write_summary(b.out, &s);
  fclose(b.out);
  return path;
}

static char *report_of(FILE *f) {
  static char text[16384];
  rewind(f);
  size_t n = fread(text, 1, sizeof(text) - 1, f);
  text[n] = '\0';
  return text;
}

static void test_matching_trace(void **state) {
  (void)state;
  char *path = write_trace(0);
  FILE *report = tmpfile();
  struct trace_offline_result result;
  int status = trace_offline_replay(path, report, &result);
  if (status != 0)
    fprintf(stderr, "%s", report_of(report));
  assert_int_equal(status, 0);
  assert_int_equal(result.events, 20);
  assert_int_equal(result.faults, 10);
  fclose(report);
  unlink(path);
  free(path);
}

static void test_divergence(void **state) {
  (void)state;
  char *path = write_trace(1);
  FILE *report = tmpfile();
  struct trace_offline_result result;
  assert_int_equal(trace_offline_replay(path, report, &result), 1);
  const char *text = report_of(report);
  assert_non_null(strstr(text, "divergence at line 7 (seq 6"));
  assert_non_null(strstr(text, "the core decides lazy/zero"));
  assert_non_null(strstr(text, "recorded invalid/zero"));
  assert_non_null(strstr(text, "events before it"));
  fclose(report);
  unlink(path);
  free(path);
}

static void test_truncated(void **state) {
  (void)state;
  char *path = write_trace(0);
  FILE *f = fopen(path, "r");
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fclose(f);
  assert_int_equal(truncate(path, size - 30), 0);
  FILE *report = tmpfile();
  struct trace_offline_result result;
  assert_int_equal(trace_offline_replay(path, report, &result), 3);
  assert_non_null(strstr(report_of(report), "line 22"));
  fclose(report);
  unlink(path);
  free(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_matching_trace),
      cmocka_unit_test(test_divergence),
      cmocka_unit_test(test_truncated),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
