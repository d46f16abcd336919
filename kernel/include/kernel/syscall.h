/* Linux x86-64 system calls.  syscall_entry.S builds a struct trap_frame
 * (vector TRAP_SYSCALL; number in rax, arguments in rdi, rsi, rdx, r10, r8,
 * r9) and calls syscall_dispatch, which stores the result (or -errno) in
 * tf->rax.  The frame is returned through with sysretq, or iretq if a handler
 * made it unsuitable for sysret. */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#include <stdint.h>
#include <kernel/trap.h>

void syscall_init(void);
void syscall_dispatch(struct trap_frame *tf);
/* "write", ... or NULL for numbers Linux x86-64 does not define. */
const char *syscall_name(uint64_t nr);

#endif /* KERNEL_SYSCALL_H */
