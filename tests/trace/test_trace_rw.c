/* Unit tests of the trace writer and reader: round trip, escaping, hex
 * fields, and every way a trace can be damaged (truncated, corrupted, wrong
 * version, cut mid-line). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "trace_reader.h"
#include "trace_test_util.h"

static char *temp_path(void) {
  char *path = strdup("/tmp/faultsim_trace_rw_XXXXXX");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  return path;
}

/* A fixed set of events covering every record kind. */
static size_t sample_records(struct fs_trace_record *out) {
  size_t n = 0;
  memset(out, 0, 10 * sizeof(*out));
  for (size_t i = 0; i < 10; i++)
    out[i].size = sizeof(*out);
  out[n].kind = FS_TRACE_EXEC;
  out[n].pid = 1;
  out[n].u.exec.entry = 0x401000;
  out[n].u.exec.region_count = 1;
  out[n].u.exec.file_id = 2;
  strcpy(out[n++].u.exec.path, "/bin/pr\"og");
  out[n++] = test_region_record(1, FS_REGION_TEXT, 0x401000, 0x402000, FS_PROT_READ | FS_PROT_EXEC,
                                0, 2, 0x1000, 0xeba);
  out[n].kind = FS_TRACE_FAULT;
  out[n].pid = 1;
  out[n].u.fault.rip = 0x401021;
  out[n].u.fault.addr = 0x7fffffffe000;
  out[n].u.fault.error_code = FS_PF_U | FS_PF_W;
  out[n].u.fault.decision = FS_DECISION_LAZY;
  out[n].u.fault.populate = FS_POPULATE_ZERO;
  out[n].u.fault.frame = 0x2b000;
  out[n++].u.fault.region =
      (struct fs_trace_region){0x7fffff7ff000, 0x7ffffffff000, 0, 0, FS_REGION_STACK, 3, 2, 0};
  out[n].kind = FS_TRACE_FAULT;
  out[n].pid = 1;
  out[n].u.fault.rip = 0x401030;
  out[n].u.fault.addr = 0;
  out[n].u.fault.error_code = FS_PF_U;
  out[n++].u.fault.decision = FS_DECISION_INVALID;
  out[n].kind = FS_TRACE_BRK;
  out[n].pid = 1;
  out[n].u.call.addr = 0x405000;
  out[n++].u.call.result = 0x405000;
  out[n].kind = FS_TRACE_MMAP;
  out[n].pid = 1;
  out[n].u.call = (struct fs_trace_layout_call){0, 0x2000, 0x1000, -12, 3, 0x22, 0, 0};
  n++;
  out[n].kind = FS_TRACE_MUNMAP;
  out[n].pid = 1;
  out[n].u.call.addr = 0x7f0000000000;
  out[n++].u.call.length = 0x1000;
  out[n].kind = FS_TRACE_MPROTECT;
  out[n].pid = 1;
  out[n].u.call.addr = 0x7f0000000000;
  out[n].u.call.length = 0x1000;
  out[n].u.call.prot = FS_PROT_READ;
  out[n++].u.call.result = -22;
  out[n].kind = FS_TRACE_EXIT;
  out[n].pid = 1;
  out[n].u.exit.kind = FS_EXIT_SIGNALED;
  out[n++].u.exit.code = 11;
  return n;
}

static const char *insn_of(size_t i) {
  return i == 2 ? "mov qword ptr [rsp - 8], \"x\"" : NULL;
}

/* Writes the sample trace; with_summary = 0 leaves the summary out. */
static char *write_sample(int with_summary, int format) {
  char *path = temp_path();
  FILE *out = fopen(path, "w");
  assert_non_null(out);
  if (format == TRACE_FORMAT_VERSION) {
    test_write_header(out);
  } else {
    fprintf(out, "{\"type\":\"header\",\"format\":%d}\n", format);
  }
  struct fs_trace_record recs[10];
  size_t n = sample_records(recs);
  for (size_t i = 0; i < n; i++)
    test_write_event(out, i + 1, &recs[i], insn_of(i));
  if (with_summary) {
    struct trace_summary s = {.events = n, .outcome = "signaled", .code = 11, .instructions = 42};
    trace_write_summary(out, &s);
  }
  fclose(out);
  return path;
}

static void test_round_trip(void **state) {
  (void)state;
  char *path = write_sample(1, TRACE_FORMAT_VERSION);
  char err[512];
  struct trace_reader *r = trace_reader_open(path, err, sizeof(err));
  assert_non_null(r);
  const struct trace_header_info *h = trace_reader_header(r);
  assert_int_equal(h->format, TRACE_FORMAT_VERSION);
  assert_string_equal(h->faultsim_version, "9.9.9");
  assert_int_equal(h->ram_mib, 64);
  assert_int_equal(h->stack_guard_pages, 256);
  assert_int_equal(h->argc, 3);
  for (int i = 0; i < 3; i++)
    assert_string_equal(h->argv[i], test_argv[i]);
  assert_int_equal(h->envc, 2);
  assert_string_equal(h->envp[1], test_env[1]);
  assert_int_equal(h->file_count, 2);
  assert_string_equal(h->files[1].guest_path, "/data/input.txt");
  assert_int_equal(h->files[1].size, 0x3f48);
  assert_string_equal(h->files[1].sha256, test_files[1].sha256);
  assert_string_equal(h->kernel_build_id,
                      "sha256:2222222222222222222222222222222222222222222222222222222222222222");

  struct fs_trace_record recs[10];
  size_t n = sample_records(recs);
  struct trace_event ev;
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(trace_reader_next(r, &ev, err, sizeof(err)), TRACE_READ_EVENT);
    assert_int_equal(ev.seq, i + 1);
    assert_int_equal(ev.line, i + 2);
    assert_memory_equal(&ev.record, &recs[i], sizeof(recs[i]));
    if (insn_of(i)) {
      assert_true(ev.have_insn);
      assert_string_equal(ev.insn, insn_of(i));
    } else {
      assert_false(ev.have_insn);
    }
  }
  assert_int_equal(trace_reader_next(r, &ev, err, sizeof(err)), TRACE_READ_END);
  assert_int_equal(trace_reader_summary(r)->events, n);
  assert_string_equal(trace_reader_summary(r)->outcome, "signaled");
  trace_reader_close(r);
  unlink(path);
  free(path);
}

static void test_escaping(void **state) {
  (void)state;
  char buf[128];
  assert_true(trace_json_string_buf(buf, sizeof(buf), "a\"b\\c\n\t\r\x01\x7f\xc3\xa9") > 0);
  assert_string_equal(buf, "\"a\\\"b\\\\c\\n\\t\\r\\u0001\\u007f\xc3\xa9\"");
  /* Not UTF-8: a lone continuation byte and a truncated sequence. */
  assert_true(trace_json_string_buf(buf, sizeof(buf), "x\x80y\xe2\x82") > 0);
  assert_string_equal(buf, "\"x\xef\xbf\xbdy\xef\xbf\xbd\xef\xbf\xbd\"");
  char tiny[4];
  assert_int_equal(trace_json_string_buf(tiny, sizeof(tiny), "abcdef"), -1);
}

static void test_hex_fields(void **state) {
  (void)state;
  struct fs_trace_record recs[10];
  sample_records(recs);
  char line[TRACE_LINE_MAX];
  assert_true(trace_format_event(line, 3, &recs[2], NULL) > 0);
  assert_non_null(strstr(line, "\"addr\":\"0x7fffffffe000\""));
  assert_non_null(strstr(line, "\"rip\":\"0x401021\""));
  assert_non_null(strstr(line, "\"error_code\":\"0x6\",\"access\":\"write\",\"mode\":\"user\","
                               "\"present\":false"));
  assert_non_null(
      strstr(line, "\"decision\":\"lazy\",\"populate\":\"zero\",\"frame\":\"0x2b000\""));
  assert_non_null(strstr(line, "\"insn\":null"));
  assert_true(trace_format_event(line, 4, &recs[3], NULL) > 0);
  assert_non_null(strstr(line, "\"region\":null"));
  assert_true(trace_format_event(line, 6, &recs[5], NULL) > 0);
  assert_non_null(strstr(line, "\"result\":null,\"errno\":12"));
  struct fs_trace_record bad = recs[0];
  bad.kind = 99;
  assert_int_equal(trace_format_event(line, 1, &bad, NULL), -1);
}

/* Reads every event and returns the final status, err filled. */
static enum trace_read_status drain(const char *path, char *err, size_t size, uint64_t *events) {
  struct trace_reader *r = trace_reader_open(path, err, size);
  assert_non_null(r);
  struct trace_event ev;
  enum trace_read_status st;
  *events = 0;
  while ((st = trace_reader_next(r, &ev, err, size)) == TRACE_READ_EVENT)
    (*events)++;
  trace_reader_close(r);
  return st;
}

static void test_truncated_without_summary(void **state) {
  (void)state;
  char *path = write_sample(0, TRACE_FORMAT_VERSION);
  char err[512];
  uint64_t events;
  assert_int_equal(drain(path, err, sizeof(err), &events), TRACE_READ_TRUNCATED);
  assert_int_equal(events, 9);
  assert_non_null(strstr(err, "line 11"));
  assert_non_null(strstr(err, "truncated"));
  unlink(path);
  free(path);
}

static void test_cut_mid_line(void **state) {
  (void)state;
  char *path = write_sample(0, TRACE_FORMAT_VERSION);
  FILE *f = fopen(path, "r");
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fclose(f);
  assert_int_equal(truncate(path, size - 10), 0); /* inside the last event */
  char err[512];
  uint64_t events;
  assert_int_equal(drain(path, err, sizeof(err), &events), TRACE_READ_TRUNCATED);
  assert_int_equal(events, 8);
  assert_non_null(strstr(err, "line 10"));
  assert_non_null(strstr(err, "incomplete"));
  unlink(path);
  free(path);
}

static void test_corrupted_line(void **state) {
  (void)state;
  char *path = write_sample(1, TRACE_FORMAT_VERSION);
  /* Damage line 4 in place: a JSON syntax error. */
  FILE *f = fopen(path, "r+");
  char line[TRACE_LINE_MAX];
  for (int i = 0; i < 3; i++)
    assert_non_null(fgets(line, sizeof(line), f));
  fseek(f, ftell(f), SEEK_SET);
  fputc('#', f);
  fclose(f);
  char err[512];
  uint64_t events;
  assert_int_equal(drain(path, err, sizeof(err), &events), TRACE_READ_ERROR);
  assert_int_equal(events, 2);
  assert_non_null(strstr(err, "line 4"));
  unlink(path);
  free(path);
}

static void test_bad_field(void **state) {
  (void)state;
  char *path = temp_path();
  FILE *out = fopen(path, "w");
  test_write_header(out);
  fputs("{\"type\":\"brk\",\"seq\":1,\"pid\":1,\"addr\":\"12\",\"result\":\"0x0\"}\n", out);
  fclose(out);
  char err[512];
  uint64_t events;
  assert_int_equal(drain(path, err, sizeof(err), &events), TRACE_READ_ERROR);
  assert_non_null(strstr(err, "line 2"));
  assert_non_null(strstr(err, "\"addr\" is not a hex string"));
  unlink(path);
  free(path);
}

static void test_wrong_version(void **state) {
  (void)state;
  char *path = write_sample(1, TRACE_FORMAT_VERSION + 1);
  char err[512];
  assert_null(trace_reader_open(path, err, sizeof(err)));
  assert_non_null(strstr(err, "line 1"));
  assert_non_null(strstr(err, "version"));
  unlink(path);
  free(path);
}

static void test_summary_count_checked(void **state) {
  (void)state;
  char *path = temp_path();
  FILE *out = fopen(path, "w");
  test_write_header(out);
  struct trace_summary s = {.events = 5, .outcome = "exited"};
  trace_write_summary(out, &s);
  fclose(out);
  char err[512];
  uint64_t events;
  assert_int_equal(drain(path, err, sizeof(err), &events), TRACE_READ_ERROR);
  assert_non_null(strstr(err, "line 2"));
  unlink(path);
  free(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_escaping),
      cmocka_unit_test(test_hex_fields),
      cmocka_unit_test(test_truncated_without_summary),
      cmocka_unit_test(test_cut_mid_line),
      cmocka_unit_test(test_corrupted_line),
      cmocka_unit_test(test_bad_field),
      cmocka_unit_test(test_wrong_version),
      cmocka_unit_test(test_summary_count_checked),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
