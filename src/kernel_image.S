/*
 * Embeds the kernel ELF so that `faultsim run` works from any directory.
 * The build generates kernel_image_path.h with the path of the kernel target's
 * output, and reassembles this file whenever that output changes.
 */
#include "kernel_image_path.h"

  .section .rodata
  .balign 16
  .globl faultsim_kernel_elf_start
  .hidden faultsim_kernel_elf_start
  .type faultsim_kernel_elf_start, @object
faultsim_kernel_elf_start:
  .incbin FAULTSIM_KERNEL_ELF_PATH
  .size faultsim_kernel_elf_start, . - faultsim_kernel_elf_start

  .globl faultsim_kernel_elf_end
  .hidden faultsim_kernel_elf_end
  .type faultsim_kernel_elf_end, @object
faultsim_kernel_elf_end:
  .size faultsim_kernel_elf_end, 0

  /* No executable stack for the whole binary. */
  .section .note.GNU-stack, "", @progbits
