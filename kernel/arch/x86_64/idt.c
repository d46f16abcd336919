/* The IDT: vectors 0..31 point at the isr.S stubs.  All are interrupt gates
 * (IF cleared on entry) with DPL 0, except #BP (int3) with DPL 3 so a user
 * `int3` becomes SIGTRAP rather than #GP; #DF switches to its IST stack.
 * Every other vector is absent: `int n` from ring 3 then raises #GP. */
#include <stdint.h>
#include <faultsim/abi.h>
#include <kernel/gdt.h>
#include <kernel/trap.h>

struct gate {
  uint16_t off_lo;
  uint16_t sel;
  uint8_t ist;
  uint8_t type; /* P | DPL | 0 | 0xE (64-bit interrupt gate) */
  uint16_t off_mid;
  uint32_t off_hi;
  uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct gate) == 16, "IDT gate is 16 bytes");

static struct gate idt[256] __attribute__((aligned(16)));
extern const uint64_t isr_stubs[32];

static void set_gate(unsigned vec, uint64_t handler, unsigned dpl, unsigned ist) {
  idt[vec] = (struct gate){
      .off_lo = (uint16_t)handler,
      .sel = FS_SEL_KERNEL_CS,
      .ist = (uint8_t)ist,
      .type = (uint8_t)(0x80 | dpl << 5 | 0xe),
      .off_mid = (uint16_t)(handler >> 16),
      .off_hi = (uint32_t)(handler >> 32),
      .reserved = 0,
  };
}

void idt_init(void) {
  for (unsigned v = 0; v < 32; v++)
    set_gate(v, isr_stubs[v], v == T_BP ? 3 : 0, v == T_DF ? IST_DOUBLE_FAULT : 0);
  struct {
    uint16_t limit;
    uint64_t base;
  } __attribute__((packed)) idtr = {sizeof idt - 1, (uint64_t)(uintptr_t)idt};
  __asm__ volatile("lidt %0" ::"m"(idtr) : "memory");
}
