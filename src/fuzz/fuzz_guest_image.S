/*
 * Embeds the fuzz guest (guest/fuzz) so that faultsim fuzz works from any
 * directory; the build generates fuzz_guest_path.h with its path.
 */
#include "fuzz_guest_path.h"

  .section .rodata
  .balign 16
  .globl faultsim_fuzz_guest_start
  .hidden faultsim_fuzz_guest_start
  .type faultsim_fuzz_guest_start, @object
faultsim_fuzz_guest_start:
  .incbin FAULTSIM_FUZZ_GUEST_PATH
  .size faultsim_fuzz_guest_start, . - faultsim_fuzz_guest_start

  .globl faultsim_fuzz_guest_end
  .hidden faultsim_fuzz_guest_end
  .type faultsim_fuzz_guest_end, @object
faultsim_fuzz_guest_end:
  .size faultsim_fuzz_guest_end, 0

  .section .note.GNU-stack, "", @progbits
