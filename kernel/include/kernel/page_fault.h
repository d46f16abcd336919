/* The page-fault entry point (arch/x86_64/page_fault.c). */
#ifndef KERNEL_PAGE_FAULT_H
#define KERNEL_PAGE_FAULT_H

#include <stdint.h>
#include <kernel/process.h>
#include <kernel/trap.h>
#include <kernel/vm_fault.h>

/* #PF from trap_dispatch: resolve, fix up, signal or panic. */
void page_fault_entry(struct trap_frame *tf);

/* The seam for the fault core: decide about a fault at a user address
 * of process p, from ring 3 or from the kernel touching
 * user memory in copy_*_user; *res gets the core's result (its signal and
 * si_code for the fatal decisions).  Returns an enum fs_decision:
 *   FS_DECISION_LAZY, FS_DECISION_SPURIOUS   resolved: retry the access
 *   FS_DECISION_GUARD, _PROTECTION, _INVALID SIGSEGV (or -EFAULT in a copy)
 *   FS_DECISION_OOM                          SIGKILL (or -EFAULT in a copy
 *                                            during exec)
 * Calls vm_region_handle_page_fault on p->vm, traces the decision and logs
 * guard hits ("stack overflow at ADDR" / "guard page hit at ADDR"); the core
 * itself logs fault loops. */
int handle_user_page_fault(struct process *p, uint64_t addr, uint32_t err, uint64_t rip,
                           struct vm_fault_result *res);

#endif /* KERNEL_PAGE_FAULT_H */
