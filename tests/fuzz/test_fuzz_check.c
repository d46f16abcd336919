/*
 * The in-machine fuzzer's comparator (src/fuzz/fuzz_check.c) must notice a
 * wrong decision, a wrong call result, a wrong value and a wrong counter:
 * record one real run of the fuzz guest, check that it passes untouched, then
 * tamper with one thing at a time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fuzz_check.h"
#include "fuzz_gen.h"
#include "fuzz_text.h"
#include "fuzz_machine.h"
#include "kernel_image.h"

struct recorded {
  struct fuzz_program prog;
  struct fuzz_observed obs;
  struct fs_trace_record *records;
  uint8_t *out, *err;
  const struct fuzz_check_files *files;
  struct fuzz_machine *fm;
  struct kernel_image kernel;
};

static struct recorded *rec;

/* A program that maps, faults, reads, writes and calls mprotect, fixed. */
static void build_program(struct fuzz_program *p) {
  memset(p, 0, sizeof *p);
  p->header = (struct fz_header){FZ_MAGIC, FZ_VERSION, 5, 0};
  p->ops[0] = (struct fz_op){
      .kind = FZ_OP_MMAP, .file = 3, .dest = 0, .prot = 3, .flags = 0x02, .len = 3 * 4096};
  p->ops[1] = (struct fz_op){.kind = FZ_OP_READ, .base = FZ_BASE_SLOT, .slot = 0, .addr = 4097};
  p->ops[2] = (struct fz_op){
      .kind = FZ_OP_WRITE, .base = FZ_BASE_SLOT, .slot = 0, .addr = 5, .value = 0x42};
  p->ops[3] = (struct fz_op){
      .kind = FZ_OP_MPROTECT, .base = FZ_BASE_SLOT, .slot = 0, .len = 4096, .prot = 1};
  p->ops[4] = (struct fz_op){.kind = FZ_OP_WRITE,
                             .base = FZ_BASE_SLOT,
                             .slot = 0,
                             .addr = 7,
                             .value = 0x43}; /* protection: SIGSEGV */
}

static int setup(void **state) {
  (void)state;
  char err[512];
  rec = calloc(1, sizeof *rec);
  if (kernel_image_load(NULL, &rec->kernel, err, sizeof err) != 0) {
    fprintf(stderr, "%s\n", err);
    return -1;
  }
  rec->fm = fuzz_machine_new(16, rec->kernel.elf, rec->kernel.size, err, sizeof err);
  if (!rec->fm) {
    fprintf(stderr, "%s\n", err);
    return -1;
  }
  build_program(&rec->prog);
  struct fuzz_run run;
  if (fuzz_machine_run(rec->fm, &rec->prog, false, &run, err, sizeof err) != 0)
    return -1;
  rec->obs = run.obs;
  rec->records = malloc(run.obs.record_count * sizeof *rec->records);
  rec->out = malloc(run.obs.out_size + 1);
  rec->err = malloc(run.obs.err_size + 1);
  memcpy(rec->records, run.obs.records, run.obs.record_count * sizeof *rec->records);
  memcpy(rec->out, run.obs.out, run.obs.out_size);
  if (run.obs.err_size) /* NULL while the guest wrote nothing there */
    memcpy(rec->err, run.obs.err, run.obs.err_size);
  rec->files = fuzz_machine_files(rec->fm);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  fuzz_machine_free(rec->fm);
  kernel_image_free(&rec->kernel);
  free(rec->records);
  free(rec->out);
  free(rec->err);
  free(rec);
  return 0;
}

/* A private copy of the run to tamper with. */
struct copy {
  struct fuzz_observed obs;
  struct fs_trace_record *records;
  uint8_t *out;
};

static void copy_run(struct copy *c) {
  c->obs = rec->obs;
  c->records = malloc(rec->obs.record_count * sizeof *c->records);
  memcpy(c->records, rec->records, rec->obs.record_count * sizeof *c->records);
  c->out = malloc(rec->obs.out_size + 1);
  memcpy(c->out, rec->out, rec->obs.out_size);
  c->obs.records = c->records;
  c->obs.out = c->out;
  c->obs.err = rec->err;
}

static void expect_mismatch(struct copy *c, const char *needle) {
  char why[1024];
  assert_int_equal(fuzz_check(&rec->prog, rec->files, &c->obs, why, sizeof why), 1);
  if (!strstr(why, needle))
    fail_msg("mismatch report '%s' lacks '%s'", why, needle);
  free(c->records);
  free(c->out);
}

/* The n-th record of a kind (n from 0), or NULL. */
static struct fs_trace_record *nth(struct copy *c, uint32_t kind, int n) {
  for (size_t i = 0; i < c->obs.record_count; i++)
    if (c->records[i].kind == kind && n-- == 0)
      return &c->records[i];
  return NULL;
}

static void test_untouched_run_passes(void **state) {
  (void)state;
  char why[1024];
  int r = fuzz_check(&rec->prog, rec->files, &rec->obs, why, sizeof why);
  if (r != 0)
    fail_msg("%s", why);
  assert_int_equal(rec->obs.end, FUZZ_END_SIGNALED);
  assert_int_equal(rec->obs.code, 11);
}

static void test_wrong_decision(void **state) {
  (void)state;
  struct copy c;
  copy_run(&c);
  struct fs_trace_record *f = nth(&c, FS_TRACE_FAULT, 0);
  assert_non_null(f);
  f->u.fault.decision =
      f->u.fault.decision == FS_DECISION_LAZY ? FS_DECISION_SPURIOUS : FS_DECISION_LAZY;
  expect_mismatch(&c, "fault at");
}

static void test_wrong_populate(void **state) {
  (void)state;
  struct copy c;
  copy_run(&c);
  struct fs_trace_record *f = nth(&c, FS_TRACE_FAULT, 2);
  assert_non_null(f);
  f->u.fault.populate ^= 1;
  expect_mismatch(&c, "populate");
}

static void test_wrong_mmap_result(void **state) {
  (void)state;
  struct copy c;
  copy_run(&c);
  struct fs_trace_record *m = nth(&c, FS_TRACE_MMAP, 0);
  assert_non_null(m);
  m->u.call.result += 4096;
  expect_mismatch(&c, "mmap(");
}

static void test_wrong_value_read(void **state) {
  (void)state;
  struct copy c;
  copy_run(&c);
  /* Log records: start, op 0 (mmap), op 1 (read): flip the byte read. */
  struct fz_log l;
  memcpy(&l, c.out + 2 * sizeof l, sizeof l);
  assert_int_equal(l.kind, FZ_OP_READ);
  l.value ^= 0x10;
  memcpy(c.out + 2 * sizeof l, &l, sizeof l);
  expect_mismatch(&c, "expected byte");
}

static void test_wrong_exit(void **state) {
  (void)state;
  struct copy c;
  copy_run(&c);
  struct fs_trace_record *e = nth(&c, FS_TRACE_EXIT, 0);
  assert_non_null(e);
  e->u.exit.code = 9;
  expect_mismatch(&c, "signal 9");
}

static void test_wrong_counter(void **state) {
  (void)state;
  struct copy c;
  copy_run(&c);
  c.obs.report.stats.spurious++;
  expect_mismatch(&c, "counter spurious");
}

static void test_frame_leak(void **state) {
  (void)state;
  struct copy c;
  copy_run(&c);
  c.obs.report.frames_free_exit--;
  expect_mismatch(&c, "leaked");
}

static void test_missing_record(void **state) {
  (void)state;
  struct copy c;
  copy_run(&c);
  /* Drop the last fault (the fatal one): the guest then died for nothing. */
  struct fs_trace_record *exit_rec = nth(&c, FS_TRACE_EXIT, 0);
  size_t i = (size_t)(exit_rec - c.records);
  assert_true(i > 0 && c.records[i - 1].kind == FS_TRACE_FAULT);
  c.records[i - 1] = c.records[i];
  c.obs.record_count--;
  expect_mismatch(&c, "without a fatal fault");
}

static void test_program_parse_rejects_garbage(void **state) {
  (void)state;
  struct fuzz_program *p = malloc(sizeof *p);
  char err[256];
  uint8_t junk[100] = {1, 2, 3};
  assert_int_equal(fuzz_program_parse(junk, sizeof junk, p, err, sizeof err), -1);
  assert_int_equal(fuzz_program_parse(junk, 3, p, err, sizeof err), -1);
  fuzz_generate(1, 7, p);
  size_t size = fuzz_program_size(p);
  uint8_t *bytes = malloc(size);
  memcpy(bytes, p, size);
  assert_int_equal(fuzz_program_parse(bytes, size, p, err, sizeof err), 0);
  assert_int_equal(fuzz_program_parse(bytes, size - 1, p, err, sizeof err), -1);
  bytes[sizeof(struct fz_header)] = 99; /* op 0's kind */
  assert_int_equal(fuzz_program_parse(bytes, size, p, err, sizeof err), -1);
  free(bytes);
  free(p);
}

/* Text is how reproducers are kept: every generated program survives the
 * round trip byte for byte, and a bad line is refused with its number. */
static void test_program_text_round_trip(void **state) {
  (void)state;
  struct fuzz_program *a = malloc(sizeof *a), *b = malloc(sizeof *b);
  char err[256];
  for (uint64_t i = 0; i < 200; i++) {
    fuzz_generate(11, i, a);
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_int_equal(fuzz_program_write_text(out, a), 0);
    fclose(out);
    assert_int_equal(fuzz_program_load(text, size, b, err, sizeof err), 0);
    assert_int_equal(fuzz_program_size(b), fuzz_program_size(a));
    assert_memory_equal(a, b, fuzz_program_size(a));
    free(text);
  }
  static const char *const bad[] = {
      "",
      "faultsim-fuzz-program 2\n",
      "faultsim-fuzz-program 1\nfly abs 0 anon 0 0x3 0x22 0x0 0x1000 0x0 0x0\n",
      "faultsim-fuzz-program 1\nmmap abs 0 anon 0 0x3 0x22 0x0 0x1000 0x0\n",
      "faultsim-fuzz-program 1\nmmap abs 0 9 0 0x3 0x22 0x0 0x1000 0x0 0x0\n",
      "faultsim-fuzz-program 1\nmmap abs 256 anon 0 0x3 0x22 0x0 0x1000 0x0 0x0\n",
      "faultsim-fuzz-program 1\nmmap abs 0 anon 0 0x3 0x22 -1 0x1000 0x0 0x0\n",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal(fuzz_program_load(bad[i], strlen(bad[i]), b, err, sizeof err), -1);
  const char *third = "faultsim-fuzz-program 1\n# comment\n\nbrk abs 0 anon 0 0 0 0 0 0 x\n";
  assert_int_equal(fuzz_program_load(third, strlen(third), b, err, sizeof err), -1);
  assert_non_null(strstr(err, "line 4"));
  free(a);
  free(b);
}

static void test_generation_is_a_function_of_seed_and_iteration(void **state) {
  (void)state;
  struct fuzz_program *a = malloc(sizeof *a), *b = malloc(sizeof *b);
  fuzz_generate(5, 123, a);
  fuzz_generate(1, 0, b);
  fuzz_generate(5, 123, b);
  assert_memory_equal(a, b, fuzz_program_size(a));
  fuzz_generate(5, 124, b);
  assert_true(fuzz_program_size(a) != fuzz_program_size(b) ||
              memcmp(a, b, fuzz_program_size(a)) != 0);
  free(a);
  free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_untouched_run_passes),
      cmocka_unit_test(test_wrong_decision),
      cmocka_unit_test(test_wrong_populate),
      cmocka_unit_test(test_wrong_mmap_result),
      cmocka_unit_test(test_wrong_value_read),
      cmocka_unit_test(test_wrong_exit),
      cmocka_unit_test(test_wrong_counter),
      cmocka_unit_test(test_frame_leak),
      cmocka_unit_test(test_missing_record),
      cmocka_unit_test(test_program_parse_rejects_garbage),
      cmocka_unit_test(test_program_text_round_trip),
      cmocka_unit_test(test_generation_is_a_function_of_seed_and_iteration),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
