/*
 * Kernel entry.  The machine jumps here in 64-bit ring 0 with the boot page
 * tables (identity + direct map + kernel image map), interrupts off,
 * RSP = 0 and RDI = physical address of struct fs_boot_info.
 */
        .section .text.entry, "ax"
        .code64
        .globl _start
_start:
        cli
        cld
        /* A stack first: RSP = 0 from the machine is not one. */
        leaq    boot_stack_top(%rip), %rsp
        movq    %rdi, %r12              /* boot info survives the BSS clear */

        /* The machine zeroes memsz > filesz on load; clear BSS again anyway
         * so a loader that did not cannot leak stale bytes into behaviour.
         * The boot stack is in BSS too; nothing has been pushed yet. */
        leaq    __bss_start(%rip), %rdi
        leaq    __bss_end(%rip), %rcx
        subq    %rdi, %rcx
        xorl    %eax, %eax
        rep stosb

        movq    %r12, %rdi
        xorl    %ebp, %ebp              /* terminates frame-pointer walks */
        call    kmain
1:      cli
        hlt
        jmp     1b

        .section .bss
        .balign 16
        .globl boot_stack_bottom, boot_stack_top
boot_stack_bottom:
        .skip   32768
boot_stack_top:

        .section .note.GNU-stack, "", @progbits
