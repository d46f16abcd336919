/* Page-fault entry: read CR2, find the process, let handle_user_page_fault
 * decide, and act on the decision.
 *
 *   ring 3, resolved              -> retry the instruction
 *   ring 3, unresolved            -> SIGSEGV (SIGKILL when out of memory)
 *   ring 0 on a user address      -> resolve as for ring 3 (a copy_*_user
 *                                    touching a lazy page), else the
 *                                    exception-table fixup makes the copy
 *                                    return -EFAULT
 *   ring 0, anything else         -> kernel bug: panic with diagnostics */
#include <faultsim/abi.h>
#include <kernel/cpu.h>
#include <kernel/fault_stats.h>
#include <kernel/log.h>
#include <kernel/page_fault.h>
#include <kernel/signal.h>

struct fs_fault_stats fault_stats;

int handle_user_page_fault(struct process *p, uint64_t addr, uint32_t err, uint64_t rip) {
  /* No regions yet: nothing is populated on demand (exec maps eagerly), so
   * every fault is on an address the process may not touch this way.  The
   * region layer replaces this body with vm_region_handle_page_fault. */
  klog(FS_LOG_DEBUG, "pid %d: fault addr %#lx err %#x rip %#lx: invalid", p->pid, addr, err, rip);
  fault_stats.invalid_addresses++;
  return FS_DECISION_INVALID;
}

static _Noreturn void kernel_fault_panic(struct trap_frame *tf, uint64_t addr, const char *hint) {
  trap_dump(tf, addr);
  kpanic("page fault in kernel mode at rip %#lx addr %#lx err %#lx: %s", tf->rip, addr, tf->error,
         hint);
}

void page_fault_entry(struct trap_frame *tf) {
  uint64_t addr = read_cr2();
  uint32_t err = (uint32_t)tf->error;
  struct process *p = current_process();
  bool user = trap_from_user(tf);
  fault_stats.faults_total++;

  if (!user) {
    if (addr >= FS_USER_TOP)
      kernel_fault_panic(tf, addr, "kernel address (kernel bug)");
    fault_stats.kernel_mode_faults++;
    uint64_t fixup = extable_fixup(tf->rip);
    if (!fixup)
      kernel_fault_panic(tf, addr,
                         addr < PAGE_SIZE ? "NULL pointer dereference in the kernel"
                                          : "user address touched outside copy_*_user");
    if (p) {
      int d = handle_user_page_fault(p, addr, err, tf->rip);
      if (d == FS_DECISION_LAZY || d == FS_DECISION_SPURIOUS)
        return; /* the copy resumes where it stopped */
    }
    fault_stats.efault_fixups++;
    klog(FS_LOG_DEBUG, "uaccess: fault at %#lx -> -EFAULT", addr);
    tf->rip = fixup;
    return;
  }

  if (!p)
    kernel_fault_panic(tf, addr, "ring-3 fault with no current process");
  int d = addr < FS_USER_TOP ? handle_user_page_fault(p, addr, err, tf->rip) : FS_DECISION_INVALID;
  if (addr >= FS_USER_TOP)
    fault_stats.invalid_addresses++; /* kernel half: never a user region */
  switch (d) {
  case FS_DECISION_LAZY:
  case FS_DECISION_SPURIOUS:
    return;
  case FS_DECISION_OOM:
    signal_fatal(p, SIGKILL, tf->rip, addr);
  default:
    signal_fatal(p, SIGSEGV, tf->rip, addr);
  }
}
