/* Segments and the TSS: the FS_SEL_* layout of <faultsim/abi.h>.  The TSS
 * gives ring-3 traps their kernel stack (RSP0, also used by syscall entry) and
 * #DF its own known-good stack (IST1). */
#ifndef KERNEL_GDT_H
#define KERNEL_GDT_H

#include <stdint.h>

#define IST_DOUBLE_FAULT 1

void gdt_init(void);
/* Top of the kernel stack that traps and syscalls from ring 3 start on. */
uint64_t trap_stack_top(void);

#endif /* KERNEL_GDT_H */
