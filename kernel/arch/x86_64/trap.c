/* Exception dispatch.  Faults from ring 3 become signals for the process;
 * faults from ring 0 are kernel bugs (panic with everything we know), except
 * page faults on user addresses inside copy_*_user (page_fault.c). */
#include <faultsim/abi.h>
#include <kernel/cpu.h>
#include <kernel/gdt.h>
#include <kernel/kprintf.h>
#include <kernel/log.h>
#include <kernel/page_fault.h>
#include <kernel/process.h>
#include <kernel/selftest_pf.h>
#include <kernel/signal.h>
#include <kernel/tsc.h>

/* syscall_entry.S addresses the frame with these. */
_Static_assert(__builtin_offsetof(struct trap_frame, rip) == TF_RIP, "trap frame layout");
_Static_assert(__builtin_offsetof(struct trap_frame, cs) == TF_CS, "trap frame layout");
_Static_assert(__builtin_offsetof(struct trap_frame, rflags) == TF_RFLAGS, "trap frame layout");
_Static_assert(__builtin_offsetof(struct trap_frame, rsp) == TF_RSP, "trap frame layout");
_Static_assert(__builtin_offsetof(struct trap_frame, ss) == TF_SS, "trap frame layout");
_Static_assert(sizeof(struct trap_frame) == TF_SS + 8, "the frame ends with the iretq frame");

static const char *const names[32] = {"#DE divide error",
                                      "#DB debug",
                                      "NMI",
                                      "#BP breakpoint",
                                      "#OF overflow",
                                      "#BR bound range",
                                      "#UD invalid opcode",
                                      "#NM device not available",
                                      "#DF double fault",
                                      "coprocessor segment overrun",
                                      "#TS invalid TSS",
                                      "#NP segment not present",
                                      "#SS stack fault",
                                      "#GP general protection",
                                      "#PF page fault",
                                      "reserved 15",
                                      "#MF x87 error",
                                      "#AC alignment check",
                                      "#MC machine check",
                                      "#XM SIMD error",
                                      "#VE virtualization",
                                      "#CP control protection",
                                      "reserved 22",
                                      "reserved 23",
                                      "reserved 24",
                                      "reserved 25",
                                      "reserved 26",
                                      "reserved 27",
                                      "reserved 28",
                                      "reserved 29",
                                      "reserved 30",
                                      "reserved 31"};

const char *trap_name(uint64_t vector) {
  if (vector < 32)
    return names[vector];
  return vector == TRAP_SYSCALL ? "syscall" : "unknown";
}

/* Copy the frame to the top of the trap stack (where ring-3 traps land
 * anyway, so nothing live is there) and iretq into it. */
_Noreturn void user_enter(const struct trap_frame *tf) {
  struct trap_frame *k = (struct trap_frame *)(uintptr_t)(trap_stack_top() - sizeof *tf);
  *k = *tf;
  trap_return(k);
}

struct extable_entry {
  uint64_t insn, fixup;
};
extern const struct extable_entry __extable_start[], __extable_end[];

uint64_t extable_fixup(uint64_t rip) {
  for (const struct extable_entry *e = __extable_start; e < __extable_end; e++)
    if (e->insn == rip)
      return e->fixup;
  return 0;
}

void trap_dump(const struct trap_frame *tf, uint64_t cr2) {
  klog_write(FS_LOG_ERROR, "trap: vector %lu (%s) error %#lx from ring %lu", tf->vector,
             trap_name(tf->vector), tf->error, tf->cs & 3);
  if (tf->vector == T_PF)
    klog_write(
        FS_LOG_ERROR, "  #PF error: %s %s %s%s", tf->error & FS_PF_P ? "protection" : "not-present",
        tf->error & FS_PF_I   ? "fetch"
        : tf->error & FS_PF_W ? "write"
                              : "read",
        tf->error & FS_PF_U ? "user" : "supervisor", tf->error & FS_PF_RSVD ? " reserved-bit" : "");
  else if (tf->error &&
           (tf->vector == T_GP || tf->vector == T_NP || tf->vector == T_SS || tf->vector == T_TS))
    klog_write(FS_LOG_ERROR, "  selector error: index %#lx %s%s", tf->error >> 3,
               tf->error & 2   ? "IDT"
               : tf->error & 4 ? "LDT"
                               : "GDT",
               tf->error & 1 ? " external" : "");
  klog_write(FS_LOG_ERROR, "  rip %016lx cs %04lx rflags %016lx", tf->rip, tf->cs, tf->rflags);
  klog_write(FS_LOG_ERROR, "  rsp %016lx ss %04lx cr2 %016lx cr3 %016lx", tf->rsp, tf->ss, cr2,
             read_cr3());
  klog_write(FS_LOG_ERROR, "  rax %016lx rbx %016lx rcx %016lx rdx %016lx", tf->rax, tf->rbx,
             tf->rcx, tf->rdx);
  klog_write(FS_LOG_ERROR, "  rsi %016lx rdi %016lx rbp %016lx r8  %016lx", tf->rsi, tf->rdi,
             tf->rbp, tf->r8);
  klog_write(FS_LOG_ERROR, "  r9  %016lx r10 %016lx r11 %016lx r12 %016lx", tf->r9, tf->r10,
             tf->r11, tf->r12);
  klog_write(FS_LOG_ERROR, "  r13 %016lx r14 %016lx r15 %016lx", tf->r13, tf->r14, tf->r15);
}

static const char *kernel_hint(const struct trap_frame *tf) {
  switch (tf->vector) {
  case T_DF:
    return "double fault: probably a kernel stack overflow or a fault while delivering one";
  case T_GP:
    return "general protection in the kernel: bad selector, non-canonical address or MSR";
  case T_UD:
    return "invalid opcode in the kernel: corrupted code or a bad jump";
  case T_DE:
    return "division by zero in the kernel";
  default:
    return "unexpected exception in the kernel";
  }
}

/* Which signal a ring-3 exception raises (Linux's choices). */
static int user_signal(uint64_t vector) {
  switch (vector) {
  case T_DE:
  case T_MF:
  case T_XM:
    return SIGFPE;
  case T_UD:
  case T_NM:
    return SIGILL;
  case T_BP:
  case T_DB:
    return SIGTRAP;
  case T_AC:
    return SIGBUS;
  default: /* #GP, #SS, #NP, #TS, #OF, #BR, ... */
    return SIGSEGV;
  }
}

void trap_dispatch(struct trap_frame *tf) {
  if (selftest_pf_active && selftest_pf_trap(tf))
    return;

  if (tf->vector == T_PF) {
    page_fault_entry(tf);
    return;
  }

  if (!trap_from_user(tf)) {
    trap_dump(tf, read_cr2());
    kpanic("%s at rip %#lx: %s", trap_name(tf->vector), tf->rip, kernel_hint(tf));
  }

  struct process *p = current_process();
  if (!p) {
    trap_dump(tf, read_cr2());
    kpanic("%s from ring 3 with no current process", trap_name(tf->vector));
  }
  if (tf->vector == T_GP && tsc_emulate(tf))
    return;
  klog(FS_LOG_DEBUG, "pid %d: %s error %#lx at rip %#lx", p->pid, trap_name(tf->vector), tf->error,
       tf->rip);
  signal_fatal(p, user_signal(tf->vector), tf->rip, 0);
}
