/*
 * text_fault padding: 64 KiB of int3 in .text between main and
 * far_function (see text_fault.c).  int3 rather than zeros so a stray jump
 * into the padding traps instead of sliding along.
 */
	.text
	.globl	text_fault_padding
text_fault_padding:
	.fill	65536, 1, 0xcc

	.section .note.GNU-stack, "", @progbits
