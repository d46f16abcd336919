/* Exact instruction counting with the block hook, on a real Unicorn. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "icount.h"
#include "test_machine_unicorn.h"

#define CODE_PHYS 0x100000ULL
#define CODE_VA   (FS_KERNEL_VMA + CODE_PHYS)

/* mov $1000,%edi; xor %edx,%edx; then 7 instructions x 1000; then
 * nop; nop; mov 0x40000000,%rax (not mapped with 8 MiB of RAM); nop; nop; hlt */
static const uint8_t loop_then_fault[] = {
    0xbf, 0xe8, 0x03, 0x00, 0x00, 0x31, 0xd2, 0x48, 0x89, 0xd0, 0x48, 0x83, 0xc0, 0x01, 0x48,
    0x89, 0xc2, 0x48, 0xff, 0xc1, 0x48, 0x81, 0xe1, 0xff, 0x1f, 0x00, 0x00, 0x48, 0xff, 0xcf,
    0x75, 0xe7, 0x90, 0x90, 0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x00, 0x40, 0x90, 0x90, 0xf4};
#define LOOP_ONLY_LENGTH 32 /* up to and including jnz */

struct rig {
  struct bare_cpu cpu;
  struct icount ic;
  csh cs;
  uint32_t last_vector;
  int interrupts;
};

static void on_intr(uc_engine *uc, uint32_t vector, void *opaque) {
  struct rig *r = opaque;
  uint64_t rip = 0;
  uc_reg_read(uc, UC_X86_REG_RIP, &rip);
  icount_exception_at(&r->ic, rip);
  r->last_vector = vector;
  r->interrupts++;
  uc_emu_stop(uc);
}

static void rig_open(struct rig *r, const uint8_t *code, size_t size) {
  memset(r, 0, sizeof *r);
  assert_int_equal(bare_cpu_open(&r->cpu, 8, CODE_VA), 0);
  memcpy(r->cpu.ram.base + CODE_PHYS, code, size);
  assert_int_equal(cs_open(CS_ARCH_X86, CS_MODE_64, &r->cs), CS_ERR_OK);
  assert_int_equal(icount_init(&r->ic, r->cpu.uc, &r->cpu.ram, r->cs), 0);
  assert_int_equal(icount_install(&r->ic), 0);
  uc_hook h;
  assert_int_equal(uc_hook_add(r->cpu.uc, &h, UC_HOOK_INTR, (void *)on_intr, r, 1, 0), UC_ERR_OK);
}

static void rig_run(struct rig *r, uint64_t start) {
  assert_int_equal(uc_emu_start(r->cpu.uc, start, 0, 0, 0), UC_ERR_OK);
}

static void rig_close(struct rig *r) {
  icount_destroy(&r->ic);
  cs_close(&r->cs);
  bare_cpu_close(&r->cpu);
}

static void test_loop_is_exact(void **state) {
  (void)state;
  struct rig r;
  uint8_t code[LOOP_ONLY_LENGTH + 1];
  memcpy(code, loop_then_fault, LOOP_ONLY_LENGTH);
  code[LOOP_ONLY_LENGTH] = 0xf4; /* hlt */
  rig_open(&r, code, sizeof code);
  rig_run(&r, CODE_VA);
  assert_int_equal(r.interrupts, 0);
  assert_int_equal(r.ic.count, 2 + 7 * 1000 + 1);
  rig_close(&r);
}

static void test_fault_inside_a_block(void **state) {
  (void)state;
  struct rig r;
  rig_open(&r, loop_then_fault, sizeof loop_then_fault);
  rig_run(&r, CODE_VA);
  assert_int_equal(r.interrupts, 1);
  assert_int_equal(r.last_vector, 14);
  /* The loop, then two nops retired; the faulting mov and the rest did not. */
  assert_int_equal(r.ic.count, 2 + 7 * 1000 + 2);
  rig_close(&r);
}

static void test_software_interrupt_retires(void **state) {
  (void)state;
  const uint8_t code[] = {0x90, 0xcc, 0x90, 0xf4}; /* nop; int3; nop; hlt */
  struct rig r;
  rig_open(&r, code, sizeof code);
  rig_run(&r, CODE_VA);
  assert_int_equal(r.last_vector, 3);
  assert_int_equal(r.ic.count, 2);
  rig_close(&r);
}

static void test_changed_code_is_decoded_again(void **state) {
  (void)state;
  const uint8_t four[] = {0x90, 0x90, 0x90, 0xf4};  /* 4 instructions */
  const uint8_t three[] = {0x66, 0x90, 0x90, 0xf4}; /* same size, 3 instructions */
  struct rig r;
  rig_open(&r, four, sizeof four);
  rig_run(&r, CODE_VA);
  assert_int_equal(r.ic.count, 4);
  rig_run(&r, CODE_VA);
  assert_int_equal(r.ic.count, 8);
  assert_int_equal(r.ic.misses, 1); /* the second run hit the cache */
  memcpy(r.cpu.ram.base + CODE_PHYS, three, sizeof three);
  uc_ctl_flush_tb(r.cpu.uc); /* host write: Unicorn needs telling, the count does not */
  rig_run(&r, CODE_VA);
  assert_int_equal(r.ic.count, 11);
  assert_int_equal(r.ic.misses, 2);
  /* The same bytes reached through another virtual address are their own block. */
  rig_run(&r, CODE_PHYS);
  assert_int_equal(r.ic.count, 14);
  rig_close(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_loop_is_exact),
      cmocka_unit_test(test_fault_inside_a_block),
      cmocka_unit_test(test_software_interrupt_retires),
      cmocka_unit_test(test_changed_code_is_decoded_again),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
