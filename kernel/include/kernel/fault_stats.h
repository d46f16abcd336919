/* The kernel's fault counters (struct fs_fault_stats of <faultsim/abi.h>),
 * sent to the host in the final report.
 *
 * Who counts what (each event once): the fault core (mm/vm_fault.c) counts
 * every fault it decides -- faults_total, kernel_mode_faults and the
 * decision counters (lazy_by_type, file_pages_read, page_cache_hits,
 * guard_hits, protection_violations, invalid_addresses, oom_kills,
 * spurious).  The page-fault entry (arch/x86_64/page_fault.c) counts only
 * faults that never reach the core, and efault_fixups.  OOM kills that are
 * no fault decision (a failed allocation in a syscall or during exec) are
 * counted where the kill is decided (syscall.c, main.c). */
#ifndef KERNEL_FAULT_STATS_H
#define KERNEL_FAULT_STATS_H

#include <faultsim/abi.h>

extern struct fs_fault_stats fault_stats;

#endif /* KERNEL_FAULT_STATS_H */
