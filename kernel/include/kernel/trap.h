/* The register snapshot every kernel entry (exception or syscall) builds on
 * the kernel stack.  The last five words are the hardware iretq frame, so the
 * same frame can be returned through with iretq from either entry path.
 * Assembly includes this file too, for the offsets and TRAP_SYSCALL only. */
#ifndef KERNEL_TRAP_H
#define KERNEL_TRAP_H

/* Offsets into struct trap_frame used by syscall_entry.S (isr.S builds the
 * frame by pushes alone); trap.c checks them against the struct. */
#define TF_RIP    136
#define TF_CS     144
#define TF_RFLAGS 152
#define TF_RSP    160
#define TF_SS     168

#define TRAP_SYSCALL 0x100 /* the vector syscall_entry.S stores */

#ifndef __ASSEMBLER__

#include <stdbool.h>
#include <stdint.h>

struct trap_frame {
  uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
  uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
  uint64_t vector; /* 0..31, or TRAP_SYSCALL                         */
  uint64_t error;  /* CPU error code, 0 where the CPU pushes none      */
  uint64_t rip, cs, rflags, rsp, ss;
};

enum {
  T_DE = 0,
  T_DB = 1,
  T_NMI = 2,
  T_BP = 3,
  T_OF = 4,
  T_BR = 5,
  T_UD = 6,
  T_NM = 7,
  T_DF = 8,
  T_TS = 10,
  T_NP = 11,
  T_SS = 12,
  T_GP = 13,
  T_PF = 14,
  T_MF = 16,
  T_AC = 17,
  T_MC = 18,
  T_XM = 19,
  T_VE = 20,
  T_CP = 21,
};

static inline bool trap_from_user(const struct trap_frame *tf) {
  return (tf->cs & 3) == 3;
}

void idt_init(void);
void trap_dispatch(struct trap_frame *tf);                 /* called from isr.S */
void trap_dump(const struct trap_frame *tf, uint64_t cr2); /* registers to the log */
const char *trap_name(uint64_t vector);

/* Enter ring 3 (or resume anything) with exactly the registers in tf. */
_Noreturn void trap_return(const struct trap_frame *tf);
/* Enter ring 3 with tf, starting on a fresh trap stack. */
_Noreturn void user_enter(const struct trap_frame *tf);

/* Exception-table fixups for the user-copy routines: the resume address for
 * a fault at rip, or 0 when rip is not a fixup-protected instruction. */
uint64_t extable_fixup(uint64_t rip);

#endif /* !__ASSEMBLER__ */

#endif /* KERNEL_TRAP_H */
