/*
 * Kernel context save/restore (setjmp/longjmp for the kernel): kmain saves
 * its context before entering a process, and the process's exit (a syscall or
 * a fatal signal, on the trap stack) jumps back to it.  Only callee-saved
 * registers, RSP and the return address matter across a call.
 *
 * struct kcontext { rbx, rbp, r12, r13, r14, r15, rsp, rip } (8 words).
 */
        .text
        .code64
/* int kctx_save(struct kcontext *c): 0 now, the value given to kctx_restore later. */
        .globl kctx_save
kctx_save:
        movq    %rbx, 0(%rdi)
        movq    %rbp, 8(%rdi)
        movq    %r12, 16(%rdi)
        movq    %r13, 24(%rdi)
        movq    %r14, 32(%rdi)
        movq    %r15, 40(%rdi)
        leaq    8(%rsp), %rax                   /* RSP after our return */
        movq    %rax, 48(%rdi)
        movq    (%rsp), %rax                    /* our return address */
        movq    %rax, 56(%rdi)
        xorl    %eax, %eax
        ret

/* _Noreturn void kctx_restore(const struct kcontext *c, int value) */
        .globl kctx_restore
kctx_restore:
        movq    0(%rdi), %rbx
        movq    8(%rdi), %rbp
        movq    16(%rdi), %r12
        movq    24(%rdi), %r13
        movq    32(%rdi), %r14
        movq    40(%rdi), %r15
        movq    48(%rdi), %rsp
        movl    %esi, %eax
        testl   %eax, %eax
        jnz     1f
        incl    %eax                            /* never return 0 twice */
1:      jmp     *56(%rdi)

        .section .note.GNU-stack, "", @progbits
