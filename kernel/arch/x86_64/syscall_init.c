/* SYSCALL/SYSRET set-up: EFER.SCE, and the MSRs that give the entry point and
 * segment selectors.  STAR[47:32] = kernel CS (SS = CS + 8); STAR[63:48] =
 * user CS32 base: sysretq loads CS = base + 16 (user CS64) and SS = base + 8
 * (user DS), both with RPL 3 — which is why the GDT has its order. */
#include <faultsim/abi.h>
#include <kernel/cpu.h>
#include <kernel/gdt.h>
#include <kernel/syscall.h>

_Static_assert(FS_SEL_USER_DS == 0x23 && FS_SEL_USER_CS == 0x2b && FS_USER_TOP == 0x800000000000ull,
               "syscall_entry.S repeats these values");

extern char syscall_entry[];
extern uint64_t syscall_kernel_rsp;

void syscall_init(void) {
  syscall_kernel_rsp = trap_stack_top();
  wrmsr(MSR_STAR, (uint64_t)FS_SEL_USER_CS32 << 48 | (uint64_t)FS_SEL_KERNEL_CS << 32);
  wrmsr(MSR_LSTAR, (uint64_t)(uintptr_t)syscall_entry);
  /* The kernel runs with interrupts off, single-step off, DF clear for the C
   * ABI and AC clear (no user access by accident if SMAP ever comes). */
  wrmsr(MSR_FMASK, RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC | RFLAGS_NT);
  wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}
