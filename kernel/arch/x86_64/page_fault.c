/* Page-fault entry: read CR2, find the process, let the fault core decide
 * (vm_region_handle_page_fault on the process's vm_space), and act on the
 * decision.
 *
 *   ring 3                        -> the core decides: lazy/spurious retry
 *                                    the instruction; guard, protection,
 *                                    invalid -> SIGSEGV (si_code from the
 *                                    core); oom -> SIGKILL
 *   ring 0 on a user address,     -> the same decision (a copy_*_user
 *   inside copy_*_user               touching a lazy page resumes); else
 *                                    the exception-table fixup makes the
 *                                    copy return -EFAULT, except oom, which
 *                                    kills a running process
 *   ring 0, anything else         -> kernel bug: panic with diagnostics
 *
 * Counting: the core counts every fault it decides (faults_total,
 * kernel_mode_faults, the decision counters); this entry counts only the
 * faults that never reach it (kernel bugs, a copy with no process) and
 * efault_fixups. */
#include <faultsim/abi.h>
#include <kernel/cpu.h>
#include <kernel/fault_stats.h>
#include <kernel/log.h>
#include <kernel/page_fault.h>
#include <kernel/signal.h>
#include <kernel/trace.h>
#include <kernel/vm_fault.h>

_Static_assert(VM_SIGKILL == SIGKILL && VM_SIGSEGV == SIGSEGV, "the core's signal numbers");

struct fs_fault_stats fault_stats;

static const char *si_code_name(int si_code) {
  return si_code == VM_SEGV_ACCERR ? "SEGV_ACCERR" : "SEGV_MAPERR";
}

int handle_user_page_fault(struct process *p, uint64_t addr, uint32_t err, uint64_t rip,
                           struct vm_fault_result *res) {
  enum fs_decision d = vm_region_handle_page_fault(p->vm, addr, err, rip, res);
  TRACE(trace_emit_fault(p->pid, rip, addr, err, res));
  if (d == FS_DECISION_GUARD)
    klog(FS_LOG_INFO, "pid %d: %s at %#lx (rip %#lx)", p->pid,
         res->stack_overflow ? "stack overflow" : "guard page hit", addr, rip);
  return d;
}

static _Noreturn void kernel_fault_panic(struct trap_frame *tf, uint64_t addr, const char *hint) {
  trap_dump(tf, addr);
  struct process *p = current_process();
  if (p)
    klog_write(FS_LOG_ERROR, "  current process: pid %d (%s)", p->pid, p->name);
  kpanic("page fault in kernel mode at rip %#lx addr %#lx err %#lx: %s", tf->rip, addr, tf->error,
         hint);
}

/* The process dies of the core's decision (neither lazy nor spurious), with
 * the signal and si_code the core chose for it. */
static _Noreturn void fatal_decision(struct process *p, const struct vm_fault_result *res,
                                     uint64_t rip, uint64_t addr) {
  if (res->signal == VM_SIGKILL) {
    klog(FS_LOG_INFO, "pid %d: out of memory at %#lx: killed", p->pid, addr);
    signal_fatal(p, SIGKILL, rip, addr);
  }
  signal_fault(p, res->signal, si_code_name(res->si_code), rip, addr);
}

static void kernel_mode_fault(struct trap_frame *tf, struct process *p, uint64_t addr,
                              uint32_t err) {
  if (addr >= FS_USER_TOP) {
    fault_stats.faults_total++;
    kernel_fault_panic(tf, addr, "kernel address (kernel bug)");
  }
  uint64_t fixup = extable_fixup(tf->rip);
  if (!fixup) {
    fault_stats.faults_total++;
    fault_stats.kernel_mode_faults++;
    kernel_fault_panic(tf, addr,
                       addr < PAGE_SIZE ? "NULL pointer dereference in the kernel"
                                        : "user address touched outside copy_*_user");
  }
  int d = FS_DECISION_INVALID;
  if (p) {
    struct vm_fault_result res;
    d = handle_user_page_fault(p, addr, err, tf->rip, &res);
    if (d == FS_DECISION_LAZY || d == FS_DECISION_SPURIOUS)
      return; /* the copy resumes where it stopped */
    /* Out of memory while the program runs: the OOM killer ends it (the
     * syscall holds no lock and only static buffers).  During exec, which
     * writes the new stack with these faults (elf_loader.c says why), the
     * copy fails instead and exec reports the OOM. */
    if (d == FS_DECISION_OOM && p->running)
      fatal_decision(p, &res, tf->rip, addr);
  } else {
    fault_stats.faults_total++; /* no space to ask: never reached the core */
    fault_stats.kernel_mode_faults++;
  }
  fault_stats.efault_fixups++;
  klog(FS_LOG_DEBUG, "uaccess: fault at %#lx (%s) -> -EFAULT", addr, vm_decision_name(d));
  tf->rip = fixup;
}

void page_fault_entry(struct trap_frame *tf) {
  uint64_t addr = read_cr2();
  uint32_t err = (uint32_t)tf->error;
  struct process *p = current_process();

  if (!trap_from_user(tf)) {
    kernel_mode_fault(tf, p, addr, err);
    return;
  }
  if (!p) {
    fault_stats.faults_total++;
    kernel_fault_panic(tf, addr, "ring-3 fault with no current process");
  }
  /* Kernel-half addresses too: the core calls them invalid (SEGV_MAPERR). */
  struct vm_fault_result res;
  int d = handle_user_page_fault(p, addr, err, tf->rip, &res);
  if (d == FS_DECISION_LAZY || d == FS_DECISION_SPURIOUS)
    return;
  fatal_decision(p, &res, tf->rip, addr);
}
