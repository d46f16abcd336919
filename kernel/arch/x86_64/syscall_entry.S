/*
 * SYSCALL entry (MSR_LSTAR).  The CPU left RCX = user RIP, R11 = user RFLAGS,
 * CS/SS kernel, RFLAGS masked by MSR_FMASK (IF, TF, DF, AC clear), and RSP
 * still the user's.  We switch to the kernel stack, build the same
 * struct trap_frame the exception path builds (vector TRAP_SYSCALL), call
 * syscall_dispatch(frame), and go back with sysretq when the frame allows it.
 *
 * Per-CPU scratch: syscall_user_rsp and syscall_kernel_rsp are plain statics
 * because there is exactly one CPU and interrupts stay off between entry and
 * the push of the user RSP.  An SMP kernel would keep them in a per-CPU block
 * reached with swapgs (MSR_KERNEL_GS_BASE) instead.
 */
#include <kernel/trap.h>

/* <faultsim/abi.h> is C only: its values, checked by syscall_init.c. */
#define FS_SEL_USER_DS 0x23
#define FS_SEL_USER_CS 0x2b
#define FS_USER_TOP 0x0000800000000000

        .text
        .code64
        .globl syscall_entry
syscall_entry:
        movq    %rsp, syscall_user_rsp(%rip)
        movq    syscall_kernel_rsp(%rip), %rsp
        pushq   $FS_SEL_USER_DS                 /* ss     */
        pushq   syscall_user_rsp(%rip)          /* rsp    */
        pushq   %r11                            /* rflags */
        pushq   $FS_SEL_USER_CS                 /* cs     */
        pushq   %rcx                            /* rip    */
        pushq   $0                              /* error  */
        pushq   $TRAP_SYSCALL                   /* vector */
        pushq   %rax
        pushq   %rbx
        pushq   %rcx
        pushq   %rdx
        pushq   %rsi
        pushq   %rdi
        pushq   %rbp
        pushq   %r8
        pushq   %r9
        pushq   %r10
        pushq   %r11
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        movq    %rsp, %rdi
        movq    %rsp, %rbx
        andq    $-16, %rsp
        call    syscall_dispatch
        movq    %rbx, %rsp

        /* sysretq loads RIP from RCX: a non-canonical RCX would #GP in ring
         * 0 on Intel, with the user's RSP already loaded.  Only a canonical
         * user RIP with the standard user selectors goes back by sysretq;
         * anything else (a frame a handler rewrote) takes iretq. */
        movq    TF_RIP(%rsp), %rcx
        movabsq $FS_USER_TOP, %rax
        cmpq    %rax, %rcx
        jae     1f
        cmpq    $FS_SEL_USER_CS, TF_CS(%rsp)
        jne     1f
        cmpq    $FS_SEL_USER_DS, TF_SS(%rsp)
        jne     1f

        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %r11                            /* replaced below */
        popq    %r10
        popq    %r9
        popq    %r8
        popq    %rbp
        popq    %rdi
        popq    %rsi
        popq    %rdx
        popq    %rcx                            /* replaced below */
        popq    %rbx
        popq    %rax
        addq    $16, %rsp                       /* vector, error: now at rip */
        movq    0(%rsp), %rcx                   /* rip    */
        movq    (TF_RFLAGS - TF_RIP)(%rsp), %r11
        movq    (TF_RSP - TF_RIP)(%rsp), %rsp
        sysretq
1:      jmp     trap_restore

        .section .bss
        .balign 8
        .globl syscall_user_rsp, syscall_kernel_rsp
syscall_user_rsp:
        .quad   0
syscall_kernel_rsp:
        .quad   0

        .section .note.GNU-stack, "", @progbits
