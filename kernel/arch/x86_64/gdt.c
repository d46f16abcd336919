/* GDT and TSS (see <kernel/gdt.h>). */
#include <stdint.h>
#include <string.h>
#include <faultsim/abi.h>
#include <kernel/gdt.h>

struct tss {
  uint32_t reserved0;
  uint64_t rsp[3];
  uint64_t reserved1;
  uint64_t ist[7];
  uint64_t reserved2;
  uint16_t reserved3;
  uint16_t iomap_base;
} __attribute__((packed));

_Static_assert(sizeof(struct tss) == 104, "TSS is 104 bytes");

/* Descriptors in the order syscall/sysret dictate (STAR in syscall.c):
 * kernel CS, kernel DS = CS + 8; user CS32 placeholder, user DS = +8,
 * user CS64 = +16.  Flags: G, L (64-bit code) or D/B, P, DPL, S, type. */
static uint64_t gdt[8] __attribute__((aligned(16))) = {
    0,                     /* 0x00 null                     */
    0x00af9a000000ffffull, /* 0x08 kernel code, 64-bit      */
    0x00cf92000000ffffull, /* 0x10 kernel data              */
    0x00cffa000000ffffull, /* 0x18 user code, 32-bit (unused, sysret base) */
    0x00cff2000000ffffull, /* 0x20 user data                */
    0x00affa000000ffffull, /* 0x28 user code, 64-bit        */
    0,                     /* 0x30 TSS, low half (filled in) */
    0,                     /* 0x38 TSS, high half           */
};

static struct tss tss __attribute__((aligned(16)));

/* Ring-3 traps and syscalls start on this stack; nested kernel-mode faults
 * (a #PF in copy_from_user) push onto whatever kernel stack is current. */
static uint8_t trap_stack[16384] __attribute__((aligned(16)));
/* #DF runs here so a kernel stack overflow still reaches the panic path. */
static uint8_t df_stack[8192] __attribute__((aligned(16)));

uint64_t trap_stack_top(void) {
  return (uint64_t)(uintptr_t)(trap_stack + sizeof trap_stack);
}

void gdt_init(void) {
  memset(&tss, 0, sizeof tss);
  tss.rsp[0] = trap_stack_top();
  tss.ist[IST_DOUBLE_FAULT - 1] = (uint64_t)(uintptr_t)(df_stack + sizeof df_stack);
  /* I/O map base past the limit: no bitmap, so ring 3 (IOPL 0) may not use
   * any port. */
  tss.iomap_base = sizeof tss;

  uint64_t base = (uint64_t)(uintptr_t)&tss, limit = sizeof tss - 1;
  gdt[FS_SEL_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
                        ((limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
  gdt[FS_SEL_TSS / 8 + 1] = base >> 32;

  struct {
    uint16_t limit;
    uint64_t base;
  } __attribute__((packed)) gdtr = {sizeof gdt - 1, (uint64_t)(uintptr_t)gdt};

  __asm__ volatile("lgdt %0\n\t"
                   "mov %w1, %%ds\n\t"
                   "mov %w1, %%es\n\t"
                   "mov %w1, %%ss\n\t"
                   "xor %%eax, %%eax\n\t"
                   "mov %%eax, %%fs\n\t"
                   "mov %%eax, %%gs\n\t"
                   /* A far return is the way to reload CS in long mode. */
                   "pushq %2\n\t"
                   "leaq 1f(%%rip), %%rax\n\t"
                   "pushq %%rax\n\t"
                   "lretq\n"
                   "1:\n\t"
                   "ltr %w3"
                   :
                   : "m"(gdtr), "r"((uint64_t)FS_SEL_KERNEL_DS), "i"(FS_SEL_KERNEL_CS),
                     "r"((uint32_t)FS_SEL_TSS)
                   : "rax", "memory");
}
