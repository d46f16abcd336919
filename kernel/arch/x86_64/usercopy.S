/*
 * Copies between kernel and user memory.  The one instruction that touches
 * user memory is listed in the exception table (__extable): when it faults
 * in ring 0, trap.c first lets the page-fault entry try to resolve the fault
 * (a lazily populated page: then the copy simply resumes, rep movsb having
 * kept its progress in RCX/RSI/RDI), and otherwise resumes at the fixup,
 * which returns -EFAULT.  A user pointer can therefore never panic the kernel.
 *
 * Callers (uaccess.c) have already checked that the user range lies below
 * FS_USER_TOP without wrapping, so the kernel's own memory is never a target.
 */
        .text
        .code64

/* long copy_user_raw(void *dst, const void *src, size_t n): 0 or -EFAULT */
        .globl copy_user_raw
copy_user_raw:
        movq    %rdx, %rcx
.Lcopy:
        rep movsb
        xorl    %eax, %eax
        ret
.Lcopy_fixup:
        movq    $-14, %rax                      /* -EFAULT */
        ret

/* long clear_user_raw(void *dst, size_t n): 0 or -EFAULT */
        .globl clear_user_raw
clear_user_raw:
        movq    %rsi, %rcx
        xorl    %eax, %eax
.Lclear:
        rep stosb
        ret
.Lclear_fixup:
        movq    $-14, %rax
        ret

        .section .extable, "a"
        .balign 8
        .quad   .Lcopy, .Lcopy_fixup
        .quad   .Lclear, .Lclear_fixup

        .section .note.GNU-stack, "", @progbits
