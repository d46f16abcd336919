/* The #PF error-code self-test (FS_BOOT_SELFTEST_PF). */
#ifndef KERNEL_SELFTEST_PF_H
#define KERNEL_SELFTEST_PF_H

#include <stdbool.h>
#include <kernel/trap.h>

extern bool selftest_pf_active;

/* Runs every case and logs one line each; returns the number of failures. */
int selftest_pf_run(void);
/* Called first by trap_dispatch while the test runs: true if it was the
 * test's fault and has been handled. */
bool selftest_pf_trap(struct trap_frame *tf);

#endif /* KERNEL_SELFTEST_PF_H */
