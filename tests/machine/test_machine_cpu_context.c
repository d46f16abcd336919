/* Calibration of Unicorn's saved-context layout, its self-check, accessors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpu_context.h"
#include "test_machine_unicorn.h"

static const struct cpu_probe probe = {.rax = 0x1111222233334401ULL,
                                       .fs_base = 0x1111222233334402ULL,
                                       .gs_base = 0x1111222233334403ULL,
                                       .dr0 = 0x1111222233334404ULL,
                                       .dr3 = 0x1111222233334405ULL,
                                       .rip = 0x1111222233334406ULL,
                                       .rsp = 0x1111222233334407ULL,
                                       .cs = 0x08,
                                       .ss = 0x10,
                                       .cpl = 0};

/* A probe blob saved from a real engine in the boot state. */
static uint8_t *probe_blob(struct bare_cpu *cpu, size_t *size) {
  assert_int_equal(bare_cpu_open(cpu, 8, 0x100000), 0);
  const int regs[] = {UC_X86_REG_RAX, UC_X86_REG_FS_BASE, UC_X86_REG_GS_BASE, UC_X86_REG_DR0,
                      UC_X86_REG_DR3, UC_X86_REG_RIP,     UC_X86_REG_RSP};
  const uint64_t values[] = {probe.rax, probe.fs_base, probe.gs_base, probe.dr0,
                             probe.dr3, probe.rip,     probe.rsp};
  for (int i = 0; i < 7; i++)
    assert_int_equal(uc_reg_write(cpu->uc, regs[i], &values[i]), UC_ERR_OK);
  uc_context *ctx;
  assert_int_equal(uc_context_alloc(cpu->uc, &ctx), UC_ERR_OK);
  assert_int_equal(uc_context_save(cpu->uc, ctx), UC_ERR_OK);
  *size = uc_context_size(cpu->uc);
  uint8_t *copy = malloc(*size);
  memcpy(copy, ctx, *size);
  uc_context_free(ctx);
  return copy;
}

static void test_calibration_on_real_unicorn(void **state) {
  (void)state;
  struct bare_cpu cpu;
  size_t size;
  uint8_t *blob = probe_blob(&cpu, &size);
  struct cpu_layout l;
  char err[256] = "";
  if (cpu_layout_calibrate(blob, size, &probe, &l, err, sizeof err) != 0)
    fail_msg("%s", err);
  /* What the prototype measured on this library. */
  assert_int_equal(l.env, 20);
  assert_int_equal(l.eip - l.env, 128);
  assert_int_equal(l.hflags - l.env, 176);
  assert_int_equal(l.segs - l.env, 184);
  assert_int_equal(l.error_code - l.env, 5352);
  assert_int_equal(l.exception_is_int - l.env, 5356);
  assert_int_equal(l.old_exception - l.env, 5464);
  free(blob);
  bare_cpu_close(&cpu);
}

static void expect_refused(const uint8_t *blob, size_t size, const struct cpu_probe *p,
                           const char *reason) {
  struct cpu_layout l;
  char err[256] = "";
  assert_int_equal(cpu_layout_calibrate(blob, size, p, &l, err, sizeof err), -1);
  if (!strstr(err, reason))
    fail_msg("expected '%s' in '%s'", reason, err);
}

static void test_corrupted_blobs_are_refused(void **state) {
  (void)state;
  struct bare_cpu cpu;
  size_t size;
  uint8_t *blob = probe_blob(&cpu, &size);
  struct cpu_layout l;
  char err[256];
  assert_int_equal(cpu_layout_calibrate(blob, size, &probe, &l, err, sizeof err), 0);
  uint8_t *bad = malloc(size);

  expect_refused(blob, size - 8, &probe, "uc_context_size");

  memcpy(bad, blob, size);
  memset(bad + l.old_exception, 0, 4);
  expect_refused(bad, size, &probe, "old_exception");

  memcpy(bad, blob, size);
  bad[l.hflags + 1] &= (uint8_t)~0x40; /* LMA */
  expect_refused(bad, size, &probe, "LMA");

  memcpy(bad, blob, size);
  memcpy(bad + 200, &probe.rax, 8); /* a second RAX sentinel */
  expect_refused(bad, size, &probe, "RAX sentinel");

  memcpy(bad, blob, size);
  bad[l.eip] ^= 1;
  expect_refused(bad, size, &probe, "RIP");

  memcpy(bad, blob, size);
  memset(bad + l.segs + 5 * 24 + 8, 0, 8); /* GS base gone: segment layout shifted */
  expect_refused(bad, size, &probe, "GS_BASE");

  struct cpu_probe ring3 = probe;
  ring3.cpl = 3;
  expect_refused(blob, size, &ring3, "CPL");
  struct cpu_probe other_cs = probe;
  other_cs.cs = 0x2b;
  expect_refused(blob, size, &other_cs, "CS selector");
  free(bad);
  free(blob);
  bare_cpu_close(&cpu);
}

static void test_accessors_round_trip(void **state) {
  (void)state;
  struct bare_cpu cpu;
  assert_int_equal(bare_cpu_open(&cpu, 8, 0x100000), 0);
  struct cpu_context c;
  char err[256] = "";
  if (cpu_context_open(&c, cpu.uc, 0x08, 0x10, err, sizeof err) != 0)
    fail_msg("%s", err);
  assert_int_equal(cpu_context_save(&c), UC_ERR_OK);
  assert_int_equal(cpu_get_cpl(&c), 0);
  assert_int_equal(cpu_get_old_exception(&c), -1);
  assert_int_equal(cpu_get_rip(&c), 0x100000);
  cpu_set_rip(&c, 0xffffffff80101234ULL);
  cpu_set_gpr(&c, GPR_RSP, 0xffff800000123450ULL);
  cpu_set_cpl(&c, 3);
  struct seg_cache cs;
  assert_true(seg_cache_from_descriptor(0x00affb000000ffffULL, 0x2b, &cs));
  cpu_set_seg(&c, SEG_CS, &cs);
  assert_int_equal(cpu_context_restore(&c), UC_ERR_OK);
  uint64_t rip = 0, rsp = 0, cs_sel = 0;
  uc_reg_read(cpu.uc, UC_X86_REG_RIP, &rip);
  uc_reg_read(cpu.uc, UC_X86_REG_RSP, &rsp);
  uc_reg_read(cpu.uc, UC_X86_REG_CS, &cs_sel);
  assert_int_equal(rip, 0xffffffff80101234ULL);
  assert_int_equal(rsp, 0xffff800000123450ULL);
  assert_int_equal(cs_sel, 0x2b);
  assert_int_equal(cpu_context_save(&c), UC_ERR_OK);
  assert_int_equal(cpu_get_cpl(&c), 3);
  struct seg_cache back;
  cpu_get_seg(&c, SEG_CS, &back);
  assert_int_equal(back.flags, cs.flags);
  cpu_context_close(&c);
  bare_cpu_close(&cpu);
}

static void test_descriptor_to_cache(void **state) {
  (void)state;
  struct seg_cache s;
  assert_true(seg_cache_from_descriptor(0x00af9b000000ffffULL, 0x08, &s));
  assert_int_equal(s.base, 0);
  assert_int_equal(s.limit, 0xffffffff);
  assert_int_equal(s.flags, 0x00af9b00);
  assert_int_equal((s.flags >> 13) & 3, 0);
  assert_true(seg_cache_from_descriptor(0x12cff3563456789aULL, 0x23, &s));
  assert_int_equal(s.base, 0x12563456);
  assert_int_equal((s.flags >> 13) & 3, 3);
  assert_false(seg_cache_from_descriptor(0x00af1b000000ffffULL, 0x08, &s)); /* not present */
  assert_false(seg_cache_from_descriptor(0x0000890000000067ULL, 0x30, &s)); /* a TSS */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_calibration_on_real_unicorn),
      cmocka_unit_test(test_corrupted_blobs_are_refused),
      cmocka_unit_test(test_accessors_round_trip),
      cmocka_unit_test(test_descriptor_to_cache),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
