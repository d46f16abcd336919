/* Kernel context save/restore (context.S): setjmp/longjmp for the kernel.
 * kmain's side of process_run is saved here; a process's exit jumps back. */
#ifndef KERNEL_CONTEXT_H
#define KERNEL_CONTEXT_H

#include <stdint.h>

struct kcontext {
  uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip;
};

int kctx_save(struct kcontext *c) __attribute__((returns_twice));
_Noreturn void kctx_restore(const struct kcontext *c, int value);

#endif /* KERNEL_CONTEXT_H */
