/* The kernel's fault counters (struct fs_fault_stats of <faultsim/abi.h>),
 * sent to the host in the final report.
 *
 * Who counts what: the page-fault entry (arch/x86_64/page_fault.c) counts
 * faults_total, kernel_mode_faults and efault_fixups; the decision counters
 * (lazy_by_type, file_pages_read, page_cache_hits, guard_hits,
 * protection_violations, invalid_addresses, oom_kills, spurious) belong to
 * whoever decides: handle_user_page_fault and what it calls. */
#ifndef KERNEL_FAULT_STATS_H
#define KERNEL_FAULT_STATS_H

#include <faultsim/abi.h>

extern struct fs_fault_stats fault_stats;

#endif /* KERNEL_FAULT_STATS_H */
