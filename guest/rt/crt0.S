/*
 * Process entry for faultsim's own guest programs (no libc).
 *
 * At _start the SysV x86-64 ABI guarantees: %rsp points at argc, followed by
 * argv[0..argc-1], NULL, envp[...], NULL, then the auxiliary vector.  %rdx
 * may hold a function for atexit (unused: we have no atexit).  We hand
 * main(argc, argv, envp) exactly that and turn its return value into
 * exit_group, so a workload's exit status is main's return value.
 */
#define SYS_exit_group 231

	.text
	.globl	_start
	.type	_start, @function
_start:
	/* Outermost frame: a zero %rbp ends debugger backtraces here. */
	xorl	%ebp, %ebp
	movq	(%rsp), %rdi		/* argc */
	leaq	8(%rsp), %rsi		/* argv */
	leaq	16(%rsp,%rdi,8), %rdx	/* envp: past argv's NULL terminator */
	/* The ABI promises 16-byte alignment at entry, but the kernel under
	 * test is exactly what we do not trust: realign before the call. */
	andq	$-16, %rsp
	call	main
	movl	%eax, %edi
	movl	$SYS_exit_group, %eax
	syscall
	/* exit_group never returns; trap loudly if the kernel gets it wrong. */
	ud2
	.size	_start, . - _start

	/* No executable stack: without this note ld would assume one. */
	.section .note.GNU-stack, "", @progbits
