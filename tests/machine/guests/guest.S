/*
 * A tiny kernel speaking the faultsim ABI, for the machine's end-to-end tests.
 * It builds its own GDT, TSS, IDT and page tables, probes exceptions in ring 0
 * and ring 3 and prints one line per delivered event on COM1:
 *   V=<vector> E=<error code> C=<CR2 for #PF> P=<CPL of the interrupted code>
 * Every probe sets R15 to where the handler should resume.
 * Variants (assembled with --defsym): DF_TEST (unmapped RSP0 -> #DF on IST1),
 * TRIPLE_TEST (IST1 unmapped too -> triple fault), HALT_TEST (hlt, no exit),
 * BENCH_TEST (100000 quiet ring-3 #PF round trips).
 */
        .set KVMA, 0xffffffff80000000
        .set COM1, 0x3f8
        .set PORT_EXIT, 0x501
        .set PORT_HOSTIO, 0x502
        .set PORT_CLOCK_LO, 0x503
        .set UNMAPPED_STACK, 0xffff900000001000
        .set NVEC, 48

        .text
        .globl _start
_start:
        lea     boot_stack_top(%rip), %rsp
.ifdef HALT_TEST
        hlt
.endif
        /* EFER.NXE before any NX bit appears in a page table */
        mov     $0xc0000080, %ecx
        rdmsr
        or      $0x800, %eax
        wrmsr
        call    setup_paging
        call    setup_gdt_tss
        call    setup_idt
.ifdef DF_TEST
        jmp     df_test
.endif
.ifndef BENCH_TEST
        call    kernel_probes
.endif
        /* now enable syscall: SCE, STAR, LSTAR, FMASK */
        mov     $0xc0000080, %ecx
        rdmsr
        or      $1, %eax
        wrmsr
        mov     $0xc0000081, %ecx
        xor     %eax, %eax
        mov     $0x00180008, %edx          /* sysret base 0x18, syscall CS 0x08 */
        wrmsr
        mov     $0xc0000082, %ecx
        lea     syscall_entry(%rip), %rax
        mov     %rax, %rdx
        shr     $32, %rdx
        wrmsr
        mov     $0xc0000084, %ecx
        mov     $0x4700, %eax              /* IF TF DF NT */
        xor     %edx, %edx
        wrmsr
        /* clock and an unknown port */
        lea     s_t(%rip), %rsi
        call    puts
        mov     $PORT_CLOCK_LO, %dx
        in      %dx, %eax
        mov     %eax, %edi
        mov     $8, %ecx
        call    puthex
        lea     s_u(%rip), %rsi
        call    puts
        mov     $0x999, %dx
        in      %dx, %eax
        mov     %eax, %edi
        mov     $8, %ecx
        call    puthex
        mov     $'\n', %al
        call    putc
        jmp     enter_user

kernel_probes:
        mov     %rsp, %rbp                 /* the fetch probes leave a return address */
        lea     1f(%rip), %r15
        syscall                            /* SCE clear: #UD */
1:      lea     1f(%rip), %r15
        mov     0x403000, %rax             /* not present, supervisor read: 0 */
1:      lea     1f(%rip), %r15
        movq    $1, 0x402000               /* read-only page, WP: 3 */
1:      lea     1f(%rip), %r15
        mov     $0x405000, %rax
        call    *%rax                      /* NX fetch, supervisor: 0x11 */
1:      lea     1f(%rip), %r15
        ud2
1:      lea     1f(%rip), %r15
        xor     %ecx, %ecx
        div     %ecx
1:      xor     %r15d, %r15d
        mov     %rbp, %rsp
        ret

enter_user:
        pushq   $0x23
        pushq   $0x406ff0
        pushq   $0x202
        pushq   $0x2b
.ifdef BENCH_TEST
        pushq   $(user_bench - user_text + 0x400000)
.else
        pushq   $0x400000
.endif
        iretq

.ifdef DF_TEST
df_test:
        mov     $UNMAPPED_STACK, %rax
        mov     %rax, tss + 4              /* RSP0 unmapped: #PF delivery faults */
.ifdef TRIPLE_TEST
        mov     %rax, tss + 0x24           /* and so does #DF on IST1 */
.endif
        lea     user_df - user_text + 0x400000, %rax
        pushq   $0x23
        pushq   $0x406ff0
        pushq   $0x202
        pushq   $0x2b
        push    %rax
        iretq
.endif

setup_paging:
        mov     %cr3, %rax                 /* boot tables: identity-mapped */
        mov     256*8(%rax), %rdx
        mov     %rdx, pml4 + 256*8
        mov     511*8(%rax), %rdx
        mov     %rdx, pml4 + 511*8
        mov     $(pdpt - KVMA + 7), %eax
        mov     %rax, pml4
        mov     $(pd - KVMA + 7), %eax
        mov     %rax, pdpt
        mov     $(pt - KVMA + 7), %eax
        mov     %rax, pd + 2*8
        mov     $(user_text - KVMA + 5), %eax   /* 0x400000 user code, read-only */
        mov     %rax, pt + 0*8
        mov     $(pg_data - KVMA + 7), %eax     /* 0x401000 user data */
        mov     %rax, pt + 1*8
        mov     $(pg_ro - KVMA + 5), %eax       /* 0x402000 user read-only */
        mov     %rax, pt + 2*8
        movq    $0, pt + 3*8                    /* 0x403000 not present */
        mov     $(pg_sup - KVMA + 3), %eax      /* 0x404000 supervisor only */
        mov     %rax, pt + 4*8
        mov     $(pg_nx - KVMA + 7), %eax       /* 0x405000 user, no-execute */
        bts     $63, %rax
        mov     %rax, pt + 5*8
        mov     $(pg_stack - KVMA + 7), %eax    /* 0x406000 user stack */
        mov     %rax, pt + 6*8
        movb    $0xc3, pg_nx                    /* a ret, never reached */
        movb    $0xc3, pg_sup
        mov     $(pml4 - KVMA), %eax
        mov     %rax, %cr3
        ret

setup_gdt_tss:
        lea     tss(%rip), %rax
        lea     kstack_top(%rip), %rdx
        mov     %rdx, tss + 4                   /* RSP0 */
        lea     df_stack_top(%rip), %rdx
        mov     %rdx, tss + 0x24                /* IST1 */
        movw    $104, tss + 0x66                /* I/O map base beyond the limit */
        /* 64-bit available TSS descriptor at 0x30 */
        mov     %rax, %rdx
        and     $0xffffff, %edx
        shl     $16, %rdx
        or      $103, %rdx
        mov     $0x89, %ecx
        shl     $40, %rcx
        or      %rcx, %rdx
        mov     %rax, %rcx
        shr     $24, %rcx
        and     $0xff, %ecx
        shl     $56, %rcx
        or      %rcx, %rdx
        mov     %rdx, gdt + 0x30
        mov     %rax, %rdx
        shr     $32, %rdx
        mov     %rdx, gdt + 0x38
        lgdt    gdtr(%rip)
        mov     $0x30, %ax
        ltr     %ax
        ret

setup_idt:
        lea     idt(%rip), %rdi
        lea     stubs(%rip), %rsi
        xor     %ecx, %ecx
1:      mov     %rsi, %rax
        mov     %eax, %edx
        and     $0xffff, %edx
        or      $0x80000, %rdx                  /* selector 0x08 */
        mov     %rax, %r8
        shr     $16, %r8
        and     $0xffff, %r8d
        shl     $48, %r8
        or      %r8, %rdx
        mov     $0x8e, %r8d                     /* present, DPL 0, interrupt gate */
        cmp     $3, %ecx
        jne     2f
        mov     $0xee, %r8d                     /* int3: DPL 3 */
2:      shl     $40, %r8
        or      %r8, %rdx
        cmp     $8, %ecx
        jne     3f
        bts     $32, %rdx                       /* #DF on IST1 */
3:      mov     %rdx, (%rdi)
        shr     $32, %rax
        mov     %rax, 8(%rdi)
        add     $16, %rdi
        add     $16, %rsi
        inc     %ecx
        cmp     $NVEC, %ecx
        jb      1b
        lidt    idtr(%rip)
        ret

        .macro  stub v
        .balign 16
        .if (\v == 8) || ((\v >= 10) && (\v <= 14)) || (\v == 17) || (\v == 21)
        .else
        pushq   $0
        .endif
        pushq   $\v
        jmp     common
        .endm

        .balign 16
stubs:
        .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23
        stub    \v
        .endr
        .irp v, 24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
        stub    \v
        .endr

common:
.ifdef BENCH_TEST
        mov     %r15, 16(%rsp)                  /* quiet: resume, nothing printed */
        add     $16, %rsp
        iretq
.endif
        push    %rax
        push    %rcx
        push    %rdx
        push    %rsi
        push    %rdi
        /* vector 40(%rsp), error 48, RIP 56, CS 64, RFLAGS 72, RSP 80, SS 88 */
        lea     s_v(%rip), %rsi
        call    puts
        mov     40(%rsp), %rdi
        mov     $2, %ecx
        call    puthex
        lea     s_e(%rip), %rsi
        call    puts
        mov     48(%rsp), %rdi
        mov     $4, %ecx
        call    puthex
        lea     s_c(%rip), %rsi
        call    puts
        xor     %edi, %edi
        cmpq    $14, 40(%rsp)
        jne     1f
        mov     %cr2, %rdi
1:      mov     $8, %ecx
        call    puthex
        lea     s_p(%rip), %rsi
        call    puts
        mov     64(%rsp), %rdi
        and     $3, %edi
        mov     $1, %ecx
        call    puthex
        mov     $'\n', %al
        call    putc
        cmpq    $8, 40(%rsp)
        je      exit_ok
        test    %r15, %r15
        jz      panic
        mov     %r15, 56(%rsp)
        pop     %rdi
        pop     %rsi
        pop     %rdx
        pop     %rcx
        pop     %rax
        add     $16, %rsp
        iretq

syscall_entry:
        cmp     $60, %eax
        je      do_exit
        push    %rcx
        push    %r11
        push    %rax
        lea     s_s(%rip), %rsi
        call    puts
        mov     (%rsp), %rdi
        mov     $4, %ecx
        call    puthex
        lea     s_r(%rip), %rsi
        call    puts
        xor     %edi, %edi
        cmp     16(%rsp), %r14                  /* RCX = the next RIP */
        sete    %dil
        mov     $1, %ecx
        call    puthex
        lea     s_k(%rip), %rsi
        call    puts
        mov     %cs, %edi
        mov     $4, %ecx
        call    puthex
        lea     s_f(%rip), %rsi
        call    puts
        pushfq
        pop     %rdi
        shr     $9, %rdi
        and     $1, %edi
        mov     $1, %ecx
        call    puthex
        lea     s_i(%rip), %rsi                 /* R11 kept user RFLAGS.IF */
        call    puts
        mov     8(%rsp), %rdi
        shr     $9, %rdi
        and     $1, %edi
        mov     $1, %ecx
        call    puthex
        mov     $'\n', %al
        call    putc
        pop     %rax
        pop     %r11
        pop     %rcx
        sysretq

do_exit:
        movl    $1, hostio
        movl    $(msg_end - msg), hostio + 4
        movq    $(msg - KVMA), hostio + 8
        mov     $(hostio - KVMA), %eax
        mov     $PORT_HOSTIO, %dx
        out     %eax, %dx
        lea     s_h(%rip), %rsi
        call    puts
        mov     hostio + 16, %rdi
        mov     $4, %ecx
        call    puthex
        movl    $5, hostio                      /* bad fd: -EBADF */
        mov     $(hostio - KVMA), %eax
        mov     $PORT_HOSTIO, %dx
        out     %eax, %dx
        mov     $' ', %al
        call    putc
        mov     hostio + 16, %rdi
        mov     $4, %ecx
        call    puthex
        mov     $'\n', %al
        call    putc
exit_ok:
        mov     $PORT_EXIT, %dx
        mov     $42, %eax                       /* FS_EXIT_VALUE(NORMAL, 42) */
        out     %eax, %dx
        hlt

panic:
        lea     s_panic(%rip), %rsi
        call    puts
        mov     $PORT_EXIT, %dx
        mov     $0x200, %eax                    /* FS_EXIT_VALUE(PANIC, 0) */
        out     %eax, %dx
        hlt

/* putc(al) */
putc:
        push    %rdx
        mov     $COM1, %dx
        out     %al, %dx
        pop     %rdx
        ret

/* puts(rsi) */
puts:
        push    %rax
1:      lodsb
        test    %al, %al
        jz      2f
        call    putc
        jmp     1b
2:      pop     %rax
        ret

/* puthex(rdi = value, ecx = digits) */
puthex:
        push    %rax
        push    %rcx
1:      dec     %ecx
        mov     %rdi, %rax
        shl     $2, %ecx
        shr     %cl, %rax
        shr     $2, %ecx
        and     $15, %eax
        lea     hexdigits(%rip), %rdx
        mov     (%rdx,%rax), %al
        call    putc
        test    %ecx, %ecx
        jnz     1b
        pop     %rcx
        pop     %rax
        ret

/* Ring-3 code, run at 0x400000: position-independent. */
        .section .user, "ax"
user_text:
        lea     1f(%rip), %r15
        mov     0x403000, %rax                  /* 4: user read, not present */
1:      lea     1f(%rip), %r15
        movq    $1, 0x403000                    /* 6: user write, not present */
1:      lea     1f(%rip), %r15
        mov     $0x403000, %rax
        call    *%rax                           /* 0x14: user fetch, not present */
1:      lea     1f(%rip), %r15
        movq    $1, 0x402000                    /* 7: user write, read-only */
1:      lea     1f(%rip), %r15
        mov     0x404000, %rax                  /* 5: user read, supervisor page */
1:      lea     1f(%rip), %r15
        movq    $1, 0x404000                    /* 7: user write, supervisor page */
1:      lea     1f(%rip), %r15
        mov     $0x404000, %rax
        call    *%rax                           /* 0x15: user fetch, supervisor page */
1:      lea     1f(%rip), %r15
        mov     $0x405000, %rax
        call    *%rax                           /* 0x15: user fetch, NX */
1:      lea     1f(%rip), %r15
        int3                                    /* DPL-3 gate: #BP */
1:      lea     1f(%rip), %r15
        int     $0x20                           /* DPL-0 gate: #GP(0x102) */
1:      mov     0x401000, %rax                  /* mapped: no fault */
        lea     1f(%rip), %r14
        mov     $0x1234, %eax
        syscall
1:      mov     $60, %eax
        syscall
        ud2
user_bench:
        mov     $100000, %ebx                   /* ring-3 #PF round trips */
1:      lea     2f(%rip), %r15
        mov     0x403000, %rax
2:      dec     %ebx
        jnz     1b
        mov     $60, %eax
        syscall
user_df:
        mov     0x403000, %rax                  /* #PF with RSP0 unmapped */
        ud2

        .data
gdt:
        .quad   0
        .quad   0x00af9b000000ffff              /* 0x08 kernel code */
        .quad   0x00cf93000000ffff              /* 0x10 kernel data */
        .quad   0x00cffb000000ffff              /* 0x18 user code32 */
        .quad   0x00cff3000000ffff              /* 0x20 user data */
        .quad   0x00affb000000ffff              /* 0x28 user code64 */
        .quad   0, 0                            /* 0x30 TSS */
gdt_end:
        .balign 8
gdtr:   .word   gdt_end - gdt - 1
        .quad   gdt
        .balign 8
idtr:   .word   NVEC * 16 - 1
        .quad   idt
hexdigits: .ascii "0123456789abcdef"
s_v:    .asciz  "V="
s_e:    .asciz  " E="
s_c:    .asciz  " C="
s_p:    .asciz  " P="
s_s:    .asciz  "S="
s_r:    .asciz  " R="
s_k:    .asciz  " K="
s_f:    .asciz  " F="
s_i:    .asciz  " I="
s_h:    .asciz  "H="
s_t:    .asciz  "T="
s_u:    .asciz  " U="
s_panic: .asciz "PANIC\n"
msg:    .ascii  "hello from ring 3\n"
msg_end:

        .bss
        .balign 4096
pml4:   .skip   4096
pdpt:   .skip   4096
pd:     .skip   4096
pt:     .skip   4096
pg_data: .skip  4096
pg_ro:  .skip   4096
pg_sup: .skip   4096
pg_nx:  .skip   4096
pg_stack: .skip 4096
idt:    .skip   NVEC * 16
        .balign 16
tss:    .skip   104
        .balign 16
hostio: .skip   24
        .balign 16
        .skip   16384
boot_stack_top:
        .skip   16384
kstack_top:
        .skip   8192
df_stack_top:
