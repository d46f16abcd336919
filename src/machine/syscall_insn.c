/*
 * `syscall` is hook-only in Unicorn 2.1.1: the hook fires (even with EFER.SCE
 * clear), Unicorn performs none of the instruction's semantics, and it adds
 * the instruction length (2) to RIP after the hook returns.  `sysretq` is
 * native and needs no help.
 */
#include <stdio.h>

#include "exceptions.h"
#include "machine_internal.h"

#define SYSCALL_LENGTH 2

/* SYSCALL loads fixed descriptor caches, not the GDT's (SDM Vol. 2B). */
#define SYSCALL_CS_FLAGS 0x00a09b00u /* G L P S code R A, DPL 0 */
#define SYSCALL_SS_FLAGS 0x00c09300u /* G B P S data W A, DPL 0 */

void syscall_on_insn(uc_engine *uc, void *opaque) {
  struct machine *m = opaque;
  if (m->run.stop != STOP_NONE)
    return;
  uint64_t rip = 0, rflags = 0;
  uc_reg_read(uc, UC_X86_REG_RIP, &rip); /* the syscall itself: synced before the hook */
  uc_reg_read(uc, UC_X86_REG_RFLAGS, &rflags);
  uint64_t efer = msr_read(uc, MSR_EFER);
  if (!(efer & EFER_SCE)) {
    if (cpu_context_save(&m->cpu) != UC_ERR_OK) {
      machine_stop_with(m, STOP_ERROR, "uc_context_save failed in the syscall hook");
      return;
    }
    icount_exception_at(&m->icount, rip);
    /* #UD at the syscall; compensate for the +2 Unicorn applies afterwards. */
    exceptions_raise(m, VEC_UD, false, 0, rip, -SYSCALL_LENGTH);
    return;
  }
  uint64_t star = msr_read(uc, MSR_STAR), lstar = msr_read(uc, MSR_LSTAR);
  uint64_t fmask = msr_read(uc, MSR_FMASK);
  uint64_t next = rip + SYSCALL_LENGTH;
  uc_reg_write(uc, UC_X86_REG_RCX, &next);
  uc_reg_write(uc, UC_X86_REG_R11, &rflags);
  if (cpu_context_save(&m->cpu) != UC_ERR_OK) {
    machine_stop_with(m, STOP_ERROR, "uc_context_save failed in the syscall hook");
    return;
  }
  uint16_t kernel_cs = (uint16_t)((star >> 32) & 0xfffc);
  struct seg_cache cs = {
      .selector = kernel_cs, .base = 0, .limit = 0xffffffff, .flags = SYSCALL_CS_FLAGS};
  struct seg_cache ss = {.selector = (uint16_t)(kernel_cs + 8),
                         .base = 0,
                         .limit = 0xffffffff,
                         .flags = SYSCALL_SS_FLAGS};
  cpu_set_seg(&m->cpu, SEG_CS, &cs);
  cpu_set_seg(&m->cpu, SEG_SS, &ss);
  cpu_set_cpl(&m->cpu, 0);
  cpu_set_rip(&m->cpu, lstar - SYSCALL_LENGTH);
  cpu_context_restore(&m->cpu);
  uint64_t new_rflags = (rflags & ~fmask & ~RFLAGS_RF) | 0x2;
  uc_reg_write(uc, UC_X86_REG_RFLAGS, &new_rflags);
}
