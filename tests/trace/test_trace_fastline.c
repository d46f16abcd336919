/* Unit tests of the reader's fast path (trace_fastline.c): it accepts the
 * writer's exact event lines and gives the same event as the general cJSON
 * decoder; everything else (other key orders, whitespace, escapes, numbers
 * out of its exact range, damage) it declines, and the reader then gives the
 * general decoder's result or error.  The general decoder is reached by
 * feeding the reader a variant of a line that the fast path declines.
 *
 * Argument: the golden traces directory (every line of every golden trace is
 * checked both ways). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "trace_fastline.h"
#include "trace_reader.h"
#include "trace_test_util.h"

static const char *golden_dir;

static char *temp_path(void) {
  char *path = strdup("/tmp/faultsim_trace_fastline_XXXXXX");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  return path;
}

static void clear_event(struct trace_event *ev) {
  memset(ev, 0, sizeof(*ev));
}

/* The reader's verdict on one event line (after a valid header). */
struct verdict {
  enum trace_read_status status;
  struct trace_event ev;
  char err[512];
};

static void read_line_via_reader(const char *line, int fast, struct verdict *v) {
  char *path = temp_path();
  FILE *out = fopen(path, "w");
  assert_non_null(out);
  test_write_header(out);
  fputs(line, out);
  fputc('\n', out);
  fclose(out);
  char err[512];
  struct trace_reader *r = trace_reader_open(path, err, sizeof(err));
  assert_non_null(r);
  trace_reader_set_fast(r, fast);
  memset(v, 0, sizeof(*v));
  v->status = trace_reader_next(r, &v->ev, v->err, sizeof(v->err));
  v->ev.text = NULL; /* points into the reader */
  trace_reader_close(r);
  unlink(path);
  free(path);
}

static void assert_same_event(const struct trace_event *a, const struct trace_event *b) {
  assert_int_equal(a->seq, b->seq);
  assert_memory_equal(&a->record, &b->record, sizeof(a->record));
  assert_int_equal(a->have_insn, b->have_insn);
  assert_string_equal(a->insn, b->insn);
}

/* A variant the fast path declines but that means the same: a space after
 * the opening brace. */
static char *spaced(const char *line) {
  size_t n = strlen(line);
  char *v = malloc(n + 2);
  assert_non_null(v);
  v[0] = '{';
  v[1] = ' ';
  memcpy(v + 2, line + 1, n); /* NUL included */
  return v;
}

/* line (no newline) must be taken by the fast path, and give what the
 * general decoder gives for its spaced variant, in both modes. */
static void check_fast_equals_general(const char *line) {
  for (int fast = 0; fast <= 1; fast++) {
    struct trace_event direct;
    clear_event(&direct);
    assert_int_equal(trace_fastline_decode(line, strlen(line), &direct, fast), 1);

    struct verdict via_fast, via_general;
    read_line_via_reader(line, fast, &via_fast);
    assert_int_equal(via_fast.status, TRACE_READ_EVENT);
    assert_same_event(&direct, &via_fast.ev);

    char *variant = spaced(line);
    struct trace_event declined;
    clear_event(&declined);
    assert_int_equal(trace_fastline_decode(variant, strlen(variant), &declined, fast), 0);
    read_line_via_reader(variant, fast, &via_general);
    free(variant);
    assert_int_equal(via_general.status, TRACE_READ_EVENT);
    assert_same_event(&via_fast.ev, &via_general.ev);
  }
}

/* line must be declined by the fast path; the reader's verdict is returned. */
static void check_declined(const char *line, int fast, struct verdict *v) {
  struct trace_event ev;
  clear_event(&ev);
  assert_int_equal(trace_fastline_decode(line, strlen(line), &ev, fast), 0);
  read_line_via_reader(line, fast, v);
}

static void format_line(char *line, uint64_t seq, const struct fs_trace_record *rec,
                        const char *insn) {
  int n = trace_format_event(line, seq, rec, insn);
  assert_true(n > 0);
  line[n - 1] = '\0'; /* drop the newline */
}

static struct fs_trace_record blank(uint32_t kind) {
  struct fs_trace_record r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  r.kind = kind;
  r.pid = 7;
  return r;
}

static void test_every_kind(void **state) {
  (void)state;
  char line[TRACE_LINE_MAX];
  struct fs_trace_record r = blank(FS_TRACE_FAULT);
  r.u.fault = (struct fs_trace_fault){
      .rip = 0xffffffff80101988,
      .addr = 0x7fffffffeff0,
      .frame = 0x27000,
      .error_code = FS_PF_W,
      .decision = FS_DECISION_LAZY,
      .populate = FS_POPULATE_ZERO,
      .region = {0x7fffff7ff000, 0x7ffffffff000, 0x10, 0x20, FS_REGION_STACK, 3, 2, 9},
  };
  format_line(line, 1, &r, "rep movsb byte ptr [rdi], byte ptr [rsi]");
  check_fast_equals_general(line);
  format_line(line, 2, &r, NULL); /* "insn":null */
  check_fast_equals_general(line);
  r.u.fault.region = (struct fs_trace_region){0};
  r.u.fault.decision = FS_DECISION_INVALID;
  r.u.fault.populate = FS_POPULATE_NONE;
  r.u.fault.error_code = FS_PF_U | FS_PF_P | FS_PF_I;
  format_line(line, 3, &r, "xor ebp, ebp"); /* "region":null, exec, present */
  check_fast_equals_general(line);
  /* An instruction longer than the event's buffer is cut the same way. */
  char long_insn[400];
  memset(long_insn, 'a', sizeof(long_insn) - 1);
  long_insn[sizeof(long_insn) - 1] = '\0';
  format_line(line, 4, &r, long_insn);
  check_fast_equals_general(line);

  r = blank(FS_TRACE_EXEC);
  r.u.exec.entry = 0x4010a5;
  r.u.exec.file_id = 2;
  r.u.exec.region_count = 7;
  strcpy(r.u.exec.path, "/bin/munmap_touch");
  format_line(line, 5, &r, NULL);
  check_fast_equals_general(line);
  memset(r.u.exec.path, 'p', FS_TRACE_PATH_MAX - 1); /* the longest path */
  format_line(line, 5, &r, NULL);
  check_fast_equals_general(line);

  r = test_region_record(7, FS_REGION_MMAP_FILE, 0x400000, 0x401000, FS_PROT_READ, 0x8, 4, 0x1000,
                         0x120);
  format_line(line, 6, &r, NULL);
  check_fast_equals_general(line);

  r = blank(FS_TRACE_BRK);
  r.u.call.addr = 0x405000;
  r.u.call.result = 0x405000;
  format_line(line, 7, &r, NULL);
  check_fast_equals_general(line);
  r.u.call.result = -12;
  format_line(line, 7, &r, NULL);
  check_fast_equals_general(line);

  r = blank(FS_TRACE_MMAP);
  r.u.call = (struct fs_trace_layout_call){0x1000, 0x4000, 0x2000, 0x7fffff5fb000, 5, 0x22, 3, 0};
  format_line(line, 8, &r, NULL);
  check_fast_equals_general(line);
  r.u.call.result = -22;
  format_line(line, 8, &r, NULL);
  check_fast_equals_general(line);

  r = blank(FS_TRACE_MUNMAP);
  r.u.call.addr = 0x7fffff5fb000;
  r.u.call.length = 0x4000;
  format_line(line, 9, &r, NULL);
  check_fast_equals_general(line);

  r = blank(FS_TRACE_MPROTECT);
  r.u.call.addr = 0x7fffff5fb000;
  r.u.call.length = 0x1000;
  r.u.call.prot = FS_PROT_READ | FS_PROT_WRITE | FS_PROT_EXEC;
  r.u.call.result = -1;
  format_line(line, 10, &r, NULL);
  check_fast_equals_general(line);

  r = blank(FS_TRACE_EXIT);
  r.u.exit.kind = FS_EXIT_SIGNALED;
  r.u.exit.code = 11;
  format_line(line, 11, &r, NULL);
  check_fast_equals_general(line);
  r.u.exit.kind = FS_EXIT_NORMAL;
  r.u.exit.code = 0;
  format_line(line, 11, &r, NULL);
  check_fast_equals_general(line);
}

/* Extremes of every number the fast path takes. */
static void test_number_limits(void **state) {
  (void)state;
  char line[TRACE_LINE_MAX];
  struct fs_trace_record r = blank(FS_TRACE_MMAP);
  r.pid = UINT32_MAX;
  r.u.call = (struct fs_trace_layout_call){UINT64_MAX, 0,          UINT64_MAX, INT64_MAX,
                                           0,          UINT32_MAX, UINT32_MAX, 0};
  format_line(line, 999999999999999ULL, &r, NULL); /* 15 digits: the most taken */
  check_fast_equals_general(line);
  r.u.call.result = -(int64_t)999999999999999LL;
  format_line(line, 1, &r, NULL);
  check_fast_equals_general(line);
  /* "result" above 2^63 reads back as a negative number either way. */
  const char *high = "{\"type\":\"munmap\",\"seq\":1,\"pid\":0,\"addr\":\"0x0\",\"length\":\"0x0\","
                     "\"result\":\"0xffffffffffffffff\"}";
  check_fast_equals_general(high);
}

struct equivalent {
  const char *variant;   /* declined by the fast path, same meaning */
  const char *canonical; /* the writer's form */
};

/* Lines that mean the same as a canonical one: the general decoder must give
 * the same event as the fast path gives for the canonical line. */
static void test_variants_fall_back(void **state) {
  (void)state;
  static const struct equivalent cases[] = {
      /* keys in another order */
      {"{\"seq\":3,\"type\":\"brk\",\"pid\":1,\"result\":\"0x5000\",\"addr\":\"0x5000\"}",
       "{\"type\":\"brk\",\"seq\":3,\"pid\":1,\"addr\":\"0x5000\",\"result\":\"0x5000\"}"},
      /* whitespace */
      {"{\"type\": \"brk\", \"seq\": 3, \"pid\": 1, \"addr\": \"0x5000\", \"result\": \"0x5000\"} ",
       "{\"type\":\"brk\",\"seq\":3,\"pid\":1,\"addr\":\"0x5000\",\"result\":\"0x5000\"}"},
      /* upper-case hex digits and leading zeros */
      {"{\"type\":\"brk\",\"seq\":3,\"pid\":1,\"addr\":\"0x00005ABC\",\"result\":\"0x5000\"}",
       "{\"type\":\"brk\",\"seq\":3,\"pid\":1,\"addr\":\"0x5abc\",\"result\":\"0x5000\"}"},
      /* 17 hex digits with a leading zero: still 64 bits */
      {"{\"type\":\"brk\",\"seq\":3,\"pid\":1,\"addr\":\"0x0ffffffffffffffff\",\"result\":\"0x0\"}",
       "{\"type\":\"brk\",\"seq\":3,\"pid\":1,\"addr\":\"0xffffffffffffffff\",\"result\":\"0x0\"}"},
      /* 2^53 needs 16 digits: exact as a double, so the general decoder takes it */
      {"{\"type\":\"exit\",\"seq\":9007199254740992,\"pid\":1,\"how\":\"exited\",\"status\":0}",
       NULL},
      /* leading zeros, and numbers written as a fraction or an exponent */
      {"{\"type\":\"exit\",\"seq\":03,\"pid\":1,\"how\":\"exited\",\"status\":0}",
       "{\"type\":\"exit\",\"seq\":3,\"pid\":1,\"how\":\"exited\",\"status\":0}"},
      {"{\"type\":\"exit\",\"seq\":3,\"pid\":1.0,\"how\":\"exited\",\"status\":1e1}",
       "{\"type\":\"exit\",\"seq\":3,\"pid\":1,\"how\":\"exited\",\"status\":10}"},
      /* escapes in strings */
      {"{\"type\":\"fault\",\"seq\":3,\"pid\":1,\"rip\":\"0x1\",\"addr\":\"0x2\","
       "\"error_code\":\"0x4\",\"access\":\"read\",\"mode\":\"user\",\"present\":false,"
       "\"region\":null,\"decision\":\"invalid\",\"populate\":\"none\",\"frame\":\"0x0\","
       "\"insn\":\"mov \\\"a\\\\b\\u0041\"}",
       NULL},
      {"{\"type\":\"exec\",\"seq\":1,\"pid\":1,\"path\":\"\\/bin\\/x\",\"entry\":\"0x401000\","
       "\"file_id\":2,\"region_count\":0}",
       "{\"type\":\"exec\",\"seq\":1,\"pid\":1,\"path\":\"/bin/x\",\"entry\":\"0x401000\","
       "\"file_id\":2,\"region_count\":0}"},
      /* non-ASCII (UTF-8) in a string */
      {"{\"type\":\"exec\",\"seq\":1,\"pid\":1,\"path\":\"/bin/caf\xc3\xa9\",\"entry\":\"0x1\","
       "\"file_id\":2,\"region_count\":0}",
       NULL},
      /* keys the general decoder does not read may hold anything */
      {"{\"type\":\"fault\",\"seq\":3,\"pid\":1,\"rip\":\"0x1\",\"addr\":\"0x2\","
       "\"error_code\":\"0x4\",\"access\":\"sideways\",\"mode\":7,\"present\":\"no\","
       "\"region\":null,\"decision\":\"invalid\",\"populate\":\"none\",\"frame\":\"0x0\","
       "\"insn\":null}",
       "{\"type\":\"fault\",\"seq\":3,\"pid\":1,\"rip\":\"0x1\",\"addr\":\"0x2\","
       "\"error_code\":\"0x4\",\"access\":\"read\",\"mode\":\"user\",\"present\":false,"
       "\"region\":null,\"decision\":\"invalid\",\"populate\":\"none\",\"frame\":\"0x0\","
       "\"insn\":null}"},
      /* an extra key, and trailing bytes after the object (cJSON ignores them) */
      {"{\"type\":\"brk\",\"seq\":3,\"pid\":1,\"addr\":\"0x5000\",\"result\":\"0x5000\",\"x\":1}",
       "{\"type\":\"brk\",\"seq\":3,\"pid\":1,\"addr\":\"0x5000\",\"result\":\"0x5000\"}"},
      {"{\"type\":\"brk\",\"seq\":3,\"pid\":1,\"addr\":\"0x5000\",\"result\":\"0x5000\"}\r",
       "{\"type\":\"brk\",\"seq\":3,\"pid\":1,\"addr\":\"0x5000\",\"result\":\"0x5000\"}"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    for (int fast = 0; fast <= 1; fast++) {
      struct verdict general;
      check_declined(cases[i].variant, fast, &general);
      if (general.status != TRACE_READ_EVENT)
        fail_msg("case %zu: %s", i, general.err);
      if (cases[i].canonical == NULL)
        continue;
      struct trace_event canonical;
      clear_event(&canonical);
      assert_int_equal(
          trace_fastline_decode(cases[i].canonical, strlen(cases[i].canonical), &canonical, fast),
          1);
      assert_same_event(&canonical, &general.ev);
    }
  }
  /* The two without a canonical form decode to what they say. */
  struct verdict v;
  check_declined(cases[4].variant, 0, &v);
  assert_int_equal(v.ev.seq, 9007199254740992ULL);
  check_declined(cases[7].variant, 0, &v);
  assert_string_equal(v.ev.insn, "mov \"a\\bA");
  check_declined(cases[9].variant, 0, &v);
  assert_string_equal(v.ev.record.u.exec.path, "/bin/caf\xc3\xa9");
}

struct bad_line {
  const char *line;
  const char *error; /* the general decoder's words, after "line 2: " */
};

/* Damaged lines: declined by the fast path, rejected by the general decoder
 * with its message. */
static void test_malformed_lines(void **state) {
  (void)state;
  static const struct bad_line cases[] = {
      {"{\"type\":\"brk\",\"seq\":99999999999999999999,\"pid\":1,\"addr\":\"0x5000\","
       "\"result\":\"0x5000\"}",
       "\"seq\" is not a non-negative integer"},
      {"{\"type\":\"brk\",\"seq\":9007199254740994,\"pid\":1,\"addr\":\"0x5000\","
       "\"result\":\"0x5000\"}",
       "\"seq\" is not a non-negative integer"},
      {"{\"type\":\"brk\",\"seq\":-1,\"pid\":1,\"addr\":\"0x5000\",\"result\":\"0x5000\"}",
       "\"seq\" is not a non-negative integer"},
      {"{\"type\":\"brk\",\"seq\":1,\"pid\":1,\"addr\":\"0x10000000000000000\","
       "\"result\":\"0x5000\"}",
       "\"addr\" is not a hex string"},
      {"{\"type\":\"brk\",\"seq\":1,\"pid\":1,\"addr\":\"0x\",\"result\":\"0x5000\"}",
       "\"addr\" is not a hex string"},
      {"{\"type\":\"brk\",\"seq\":1,\"pid\":1,\"addr\":\"0x12g\",\"result\":\"0x5000\"}",
       "\"addr\" is not a hex string"},
      {"{\"type\":\"brk\",\"seq\":1,\"pid\":1,\"addr\":4096,\"result\":\"0x5000\"}",
       "\"addr\" is not a hex string"},
      {"{\"type\":\"brk\",\"seq\":1,\"pid\":1,\"result\":\"0x5000\"}", "missing \"addr\""},
      {"{\"type\":\"brk\",\"seq\":1,\"pid\":1,\"addr\":\"0x5000\",\"result\":\"0x5000\"",
       "not valid JSON"},
      {"{\"type\":\"brk\",\"seq\":1,\"pid\":1,\"addr\":\"0x50\x01\",\"result\":\"0x5000\"}",
       "\"addr\" is not a hex string"},
      {"{\"type\":\"brk\",\"seq\":1,\"pid\":1,\"addr\":\"0x5000\",\"result\":null}",
       "missing \"errno\""},
      {"{\"type\":\"fork\",\"seq\":1,\"pid\":1}", "unknown record type \"fork\""},
      {"{\"type\":\"mmap\",\"seq\":1,\"pid\":1,\"addr\":\"0x0\",\"length\":\"0x1000\","
       "\"prot\":\"rwz\",\"flags\":\"0x22\",\"file_id\":0,\"offset\":\"0x0\",\"result\":\"0x0\"}",
       "\"prot\" is not a protection like \"rw-\""},
      {"{\"type\":\"exit\",\"seq\":1,\"pid\":1,\"how\":\"vanished\",\"status\":0}",
       "\"how\" has an unknown value \"vanished\""},
      {"{\"type\":\"fault\",\"seq\":3,\"pid\":1,\"rip\":\"0x1\",\"addr\":\"0x2\","
       "\"error_code\":\"0x4\",\"access\":\"read\",\"mode\":\"user\",\"present\":false,"
       "\"region\":null,\"decision\":\"maybe\",\"populate\":\"none\",\"frame\":\"0x0\","
       "\"insn\":null}",
       "\"decision\" has an unknown value \"maybe\""},
      {"{\"type\":\"fault\",\"seq\":3,\"pid\":1,\"rip\":\"0x1\",\"addr\":\"0x2\","
       "\"error_code\":\"0x4\",\"access\":\"read\",\"mode\":\"user\",\"present\":false,"
       "\"region\":7,\"decision\":\"invalid\",\"populate\":\"none\",\"frame\":\"0x0\","
       "\"insn\":null}",
       "\"region\" is not an object"},
      {"{\"type\":\"exec\",\"seq\":1,\"pid\":1,"
       "\"path\":\"/bin/0123456789012345678901234567890123456789012345678901234567890\","
       "\"entry\":\"0x1\",\"file_id\":2,\"region_count\":0}",
       "\"path\" is longer than 63 bytes"},
      {"[1,2]", "not a JSON object"},
      {"", "not valid JSON"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    for (int fast = 0; fast <= 1; fast++) {
      struct verdict v;
      check_declined(cases[i].line, fast, &v);
      if (v.status != TRACE_READ_ERROR || strstr(v.err, "line 2: ") != v.err ||
          strstr(v.err, cases[i].error) == NULL)
        fail_msg("case %zu (fast %d): status %d, \"%s\"", i, fast, v.status, v.err);
    }
  }
}

/* Every proper prefix of a canonical line is declined (the scanner never
 * reads past the end it is given). */
static void test_prefixes_declined(void **state) {
  (void)state;
  char line[TRACE_LINE_MAX];
  struct fs_trace_record r = blank(FS_TRACE_FAULT);
  r.u.fault.rip = 0x401000;
  r.u.fault.addr = 0x402000;
  r.u.fault.region = (struct fs_trace_region){0x402000, 0x403000, 0, 0x10, FS_REGION_DATA, 1, 0, 2};
  format_line(line, 12, &r, "movzx eax, byte ptr [rdx]");
  size_t n = strlen(line);
  for (size_t cut = 0; cut < n; cut++) {
    char *copy = malloc(cut ? cut : 1); /* exactly cut bytes: ASan sees any overread */
    assert_non_null(copy);
    memcpy(copy, line, cut);
    struct trace_event ev;
    clear_event(&ev);
    assert_int_equal(trace_fastline_decode(copy, cut, &ev, 0), 0);
    free(copy);
  }
  struct trace_event ev;
  clear_event(&ev);
  assert_int_equal(trace_fastline_decode(line, n, &ev, 0), 1);
}

/* Lines across the reader's buffer refills, and one line far longer than
 * its buffer: all read, in place, with the right line numbers. */
static void test_long_and_many_lines(void **state) {
  (void)state;
  char *path = temp_path();
  FILE *out = fopen(path, "w");
  assert_non_null(out);
  test_write_header(out);
  struct fs_trace_record r = blank(FS_TRACE_FAULT);
  r.u.fault.decision = FS_DECISION_INVALID;
  const uint64_t events = 20000;
  for (uint64_t i = 1; i <= events; i++) {
    r.u.fault.addr = i << 12;
    test_write_event(out, i, &r, "mov byte ptr [rax], 1");
  }
  /* 3 MiB of instruction text on one line (read, and cut to the buffer) */
  size_t big = 3u << 20;
  fprintf(out,
          "{\"type\":\"fault\",\"seq\":%llu,\"pid\":7,\"rip\":\"0x0\",\"addr\":\"0x1\","
          "\"error_code\":\"0x4\",\"access\":\"read\",\"mode\":\"user\",\"present\":false,"
          "\"region\":null,\"decision\":\"invalid\",\"populate\":\"none\",\"frame\":\"0x0\","
          "\"insn\":\"",
          (unsigned long long)events + 1);
  for (size_t i = 0; i < big; i++)
    fputc('x', out);
  fputs("\"}\n", out);
  struct trace_summary s = {.events = events + 1, .outcome = "exited"};
  trace_write_summary(out, &s);
  fclose(out);

  char err[512];
  struct trace_reader *rd = trace_reader_open(path, err, sizeof(err));
  assert_non_null(rd);
  struct trace_event ev;
  for (uint64_t i = 1; i <= events; i++) {
    assert_int_equal(trace_reader_next(rd, &ev, err, sizeof(err)), TRACE_READ_EVENT);
    assert_int_equal(ev.seq, i);
    assert_int_equal(ev.line, i + 1);
    assert_int_equal(ev.record.u.fault.addr, i << 12);
    assert_string_equal(ev.insn, "mov byte ptr [rax], 1");
  }
  assert_int_equal(trace_reader_next(rd, &ev, err, sizeof(err)), TRACE_READ_EVENT);
  assert_int_equal(ev.seq, events + 1);
  assert_true(strlen(ev.text) > big); /* the whole line is there */
  assert_int_equal(strlen(ev.insn), sizeof(ev.insn) - 1);
  assert_int_equal(trace_reader_next(rd, &ev, err, sizeof(err)), TRACE_READ_END);
  trace_reader_close(rd);
  unlink(path);
  free(path);
}

/* Reads every event of path; the events are returned in *out (count *n). */
static enum trace_read_status read_all(const char *path, int fast, struct trace_event **out,
                                       size_t *n, char *err, size_t err_size) {
  struct trace_reader *r = trace_reader_open(path, err, err_size);
  assert_non_null(r);
  trace_reader_set_fast(r, fast);
  size_t cap = 64;
  *out = malloc(cap * sizeof(**out));
  *n = 0;
  enum trace_read_status st;
  struct trace_event ev;
  while ((st = trace_reader_next(r, &ev, err, err_size)) == TRACE_READ_EVENT) {
    if (*n == cap)
      *out = realloc(*out, (cap *= 2) * sizeof(**out));
    assert_non_null(*out);
    ev.text = NULL;
    (*out)[(*n)++] = ev;
  }
  trace_reader_close(r);
  return st;
}

/* Every golden trace reads the same through the fast path as through the
 * general decoder (its event lines spaced so the fast path declines them). */
static void test_golden_traces(void **state) {
  (void)state;
  DIR *dir = opendir(golden_dir);
  assert_non_null(dir);
  struct dirent *entry;
  int traces = 0;
  while ((entry = readdir(dir)) != NULL) {
    size_t len = strlen(entry->d_name);
    if (len < 7 || strcmp(entry->d_name + len - 6, ".jsonl") != 0)
      continue;
    char golden[4096];
    snprintf(golden, sizeof(golden), "%s/%s", golden_dir, entry->d_name);
    char *variant = temp_path();
    FILE *in = fopen(golden, "r"), *out = fopen(variant, "w");
    assert_non_null(in);
    assert_non_null(out);
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    for (int first = 1; (got = getline(&line, &cap, in)) > 0; first = 0) {
      if (!first && strncmp(line, "{\"type\":\"summary\"", 17) != 0) {
        struct trace_event ev;
        clear_event(&ev);
        size_t length = (size_t)got - (line[got - 1] == '\n');
        /* Only escapes and non-ASCII text are the general decoder's. */
        int plain = strchr(line, '\\') == NULL;
        for (const char *p = line; *p; p++)
          plain &= (unsigned char)*p < 0x80;
        if (plain && trace_fastline_decode(line, length, &ev, 0) != 1)
          fail_msg("%s: the fast path declines %s", golden, line);
        char *spaced_line = spaced(line);
        fputs(spaced_line, out);
        free(spaced_line);
      } else {
        fputs(line, out);
      }
    }
    free(line);
    fclose(in);
    fclose(out);
    for (int fast = 0; fast <= 1; fast++) {
      struct trace_event *a, *b;
      size_t na, nb;
      char err_a[512], err_b[512];
      assert_int_equal(read_all(golden, fast, &a, &na, err_a, sizeof(err_a)), TRACE_READ_END);
      assert_int_equal(read_all(variant, fast, &b, &nb, err_b, sizeof(err_b)), TRACE_READ_END);
      assert_int_equal(na, nb);
      for (size_t i = 0; i < na; i++) {
        assert_int_equal(a[i].line, b[i].line);
        assert_same_event(&a[i], &b[i]);
      }
      free(a);
      free(b);
    }
    unlink(variant);
    free(variant);
    traces++;
  }
  closedir(dir);
  assert_true(traces > 0);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s GOLDEN_TRACES_DIR\n", argv[0]);
    return 2;
  }
  golden_dir = argv[1];
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_kind),         cmocka_unit_test(test_number_limits),
      cmocka_unit_test(test_variants_fall_back), cmocka_unit_test(test_malformed_lines),
      cmocka_unit_test(test_prefixes_declined),  cmocka_unit_test(test_long_and_many_lines),
      cmocka_unit_test(test_golden_traces),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
