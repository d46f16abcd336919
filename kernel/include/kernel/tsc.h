/* Virtual time: the guest instruction count from the machine's clock ports. */
#ifndef KERNEL_TSC_H
#define KERNEL_TSC_H

#include <stdbool.h>
#include <stdint.h>
#include <kernel/trap.h>

uint64_t virtual_clock(void);
/* On a ring-3 #GP: if the instruction at RIP is rdtsc/rdtscp (faulting
 * because of CR4.TSD), emulate it from the virtual clock and step over it. */
bool tsc_emulate(struct trap_frame *tf);

#endif /* KERNEL_TSC_H */
