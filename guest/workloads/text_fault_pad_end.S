/*
 * text_fault: closes far_function's page.  Starting at the next page
 * boundary pushes everything linked after it (the runtime, which main calls
 * before far_function) out of far_function's page, so that page is first
 * touched by the call to far_function itself.
 */
	.text
	.p2align 12, 0xcc
	.globl	text_fault_padding_end
text_fault_padding_end:
	int3

	.section .note.GNU-stack, "", @progbits
