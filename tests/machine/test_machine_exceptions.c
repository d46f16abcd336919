/* IDT gate decoding, exception frames and the double-fault table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "exceptions.h"

static void make_gate(uint8_t raw[16], uint64_t offset, uint16_t sel, unsigned ist, unsigned type,
                      unsigned dpl, unsigned present) {
  uint64_t low = (offset & 0xffff) | ((uint64_t)sel << 16) | ((uint64_t)ist << 32) |
                 ((uint64_t)type << 40) | ((uint64_t)dpl << 45) | ((uint64_t)present << 47) |
                 ((offset & 0xffff0000ULL) << 32);
  uint64_t high = offset >> 32;
  memcpy(raw, &low, 8);
  memcpy(raw + 8, &high, 8);
}

static void test_gate_decode(void **state) {
  (void)state;
  uint8_t raw[16];
  struct idt_gate g;
  make_gate(raw, 0xffffffff80123456ULL, 0x08, 2, 0xe, 3, 1);
  assert_true(idt_gate_decode(raw, &g));
  assert_int_equal(g.offset, 0xffffffff80123456ULL);
  assert_int_equal(g.selector, 0x08);
  assert_int_equal(g.ist, 2);
  assert_int_equal(g.type, GATE_TYPE_INTERRUPT);
  assert_int_equal(g.dpl, 3);
  assert_true(g.present);
  make_gate(raw, 0x1234, 0x10, 0, 0xf, 0, 0);
  assert_true(idt_gate_decode(raw, &g));
  assert_int_equal(g.type, GATE_TYPE_TRAP);
  assert_false(g.present);
  assert_int_equal(g.dpl, 0);
  make_gate(raw, 0x1234, 0x10, 0, 0x6, 0, 1); /* 16-bit interrupt gate: invalid in IA-32e */
  assert_false(idt_gate_decode(raw, &g));
  /* Real bytes, as `as` would lay them out for offset 0xffffffff80100040, sel 8, 0x8e. */
  const uint8_t bytes[16] = {0x40, 0x00, 0x08, 0x00, 0x00, 0x8e, 0x10, 0x80,
                             0xff, 0xff, 0xff, 0xff, 0,    0,    0,    0};
  assert_true(idt_gate_decode(bytes, &g));
  assert_int_equal(g.offset, 0xffffffff80100040ULL);
}

static void test_error_code_vectors(void **state) {
  (void)state;
  const uint32_t with[] = {8, 10, 11, 12, 13, 14, 17, 21};
  for (size_t i = 0; i < sizeof with / sizeof with[0]; i++) {
    assert_true(vector_has_error_code(with[i], false));
    assert_false(vector_has_error_code(with[i], true));
  }
  const uint32_t without[] = {0, 1, 3, 6, 7, 9, 16, 18, 19, 20, 32, 128};
  for (size_t i = 0; i < sizeof without / sizeof without[0]; i++)
    assert_false(vector_has_error_code(without[i], false));
}

static void test_frame_ring3_to_rsp0_with_error(void **state) {
  (void)state;
  struct frame_request r = {.cpl = 3,
                            .new_cpl = 0,
                            .tss_rsp = 0xffff800000010008ULL,
                            .rsp = 0x7ffc1233,
                            .ss = 0x23,
                            .cs = 0x2b,
                            .rip = 0x401000,
                            .rflags = 0x246,
                            .has_error_code = true,
                            .error_code = 6};
  struct frame f;
  exception_frame_build(&r, &f);
  assert_int_equal(f.count, 6);
  assert_int_equal(f.rsp, 0xffff800000010000ULL - 48); /* aligned down to 16 first */
  const uint64_t want[6] = {6, 0x401000, 0x2b, 0x246, 0x7ffc1233, 0x23};
  assert_memory_equal(f.words, want, sizeof want);
}

static void test_frame_same_ring_and_ist(void **state) {
  (void)state;
  struct frame_request r = {.cpl = 0,
                            .new_cpl = 0,
                            .tss_rsp = 0xdead0000,
                            .rsp = 0xffff80000000fff8ULL,
                            .ss = 0x10,
                            .cs = 0x08,
                            .rip = 0xffffffff80100000ULL,
                            .rflags = 0x2};
  struct frame f;
  exception_frame_build(&r, &f);
  assert_int_equal(f.count, 5); /* no error code: #BP, #UD ... */
  assert_int_equal(f.rsp, 0xffff80000000fff0ULL - 40);
  assert_int_equal(f.words[0], 0xffffffff80100000ULL);
  assert_int_equal(f.words[3], 0xffff80000000fff8ULL); /* the unaligned original RSP */
  r.ist = 1;
  r.tss_ist = 0xffff800000020000ULL;
  r.has_error_code = true;
  r.error_code = 0;
  exception_frame_build(&r, &f);
  assert_int_equal(f.count, 6);
  assert_int_equal(f.rsp, 0xffff800000020000ULL - 48); /* IST even without a ring change */
  r.ist = 0;
  r.cpl = 3;
  r.tss_rsp = 0x1234567f;
  exception_frame_build(&r, &f);
  assert_int_equal(f.rsp, 0x12345670 - 48);
  assert_int_equal(f.rsp % 16, 0);
}

static void test_double_fault_table(void **state) {
  (void)state;
  assert_int_equal(exception_class(14, false), CLASS_PAGE_FAULT);
  assert_int_equal(exception_class(13, false), CLASS_CONTRIBUTORY);
  assert_int_equal(exception_class(0, false), CLASS_CONTRIBUTORY);
  assert_int_equal(exception_class(8, false), CLASS_DOUBLE_FAULT);
  assert_int_equal(exception_class(3, true), CLASS_BENIGN);
  assert_int_equal(exception_class(13, true), CLASS_BENIGN); /* int 13 is software */
  assert_int_equal(exception_combine(CLASS_BENIGN, CLASS_PAGE_FAULT), SECOND_SERIAL);
  assert_int_equal(exception_combine(CLASS_CONTRIBUTORY, CLASS_CONTRIBUTORY), SECOND_DOUBLE_FAULT);
  assert_int_equal(exception_combine(CLASS_CONTRIBUTORY, CLASS_PAGE_FAULT), SECOND_SERIAL);
  assert_int_equal(exception_combine(CLASS_PAGE_FAULT, CLASS_PAGE_FAULT), SECOND_DOUBLE_FAULT);
  assert_int_equal(exception_combine(CLASS_PAGE_FAULT, CLASS_CONTRIBUTORY), SECOND_DOUBLE_FAULT);
  assert_int_equal(exception_combine(CLASS_DOUBLE_FAULT, CLASS_CONTRIBUTORY), SECOND_TRIPLE_FAULT);
  assert_int_equal(exception_combine(CLASS_DOUBLE_FAULT, CLASS_PAGE_FAULT), SECOND_TRIPLE_FAULT);
  assert_int_equal(exception_combine(CLASS_DOUBLE_FAULT, CLASS_BENIGN), SECOND_SERIAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gate_decode),
      cmocka_unit_test(test_error_code_vectors),
      cmocka_unit_test(test_frame_ring3_to_rsp0_with_error),
      cmocka_unit_test(test_frame_same_ring_and_ist),
      cmocka_unit_test(test_double_fault_table),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
