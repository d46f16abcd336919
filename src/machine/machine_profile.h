/*
 * Benchmark-only instruction profile of the kernel's page-fault handler
 * (machine_config.profile_pf).  Every guest instruction executed from the
 * first instruction of the #PF IDT stub (isr14) to the iretq that ends it is
 * counted exactly and attributed to the kernel function containing it (the
 * kernel ELF's symbol table) and to a phase:
 *
 *   classify  vm_region_handle_page_fault (the fault core's decision, with
 *             what gcc inlined into it), vm_populate_page's dispatch,
 *             vm_region_find, pt_lookup, vm_pte_prot, page_cache_peek,
 *             the space lock
 *   alloc     frame_alloc, pmm_alloc_zeroed, page_cache_get
 *   zero      frame_zero (the host clears the frame), memset, memcpy
 *   map       pt_map and what it calls (the walk), pt_protect
 *   entry     everything else: the IDT stub, the register save/restore,
 *             trap_dispatch, page_fault_entry, handle_user_page_fault
 *
 * An instruction belongs to the phase of the innermost function on the
 * (shadow) call stack that has one: the table walk under pt_map is mapping,
 * a page table's memset under pt_map's pmm_alloc_zeroed is zeroing.
 * Normal runs never install the hook.
 */
#ifndef FAULTSIM_MACHINE_PROFILE_H
#define FAULTSIM_MACHINE_PROFILE_H

#include <stdint.h>

#include "machine.h"

enum machine_profile_phase {
  PROFILE_ENTRY,
  PROFILE_CLASSIFY,
  PROFILE_ALLOC,
  PROFILE_ZERO,
  PROFILE_MAP,
  PROFILE_PHASE_COUNT,
};

#define MACHINE_PROFILE_TOP 24

struct machine_profile_fn {
  char name[48];
  uint64_t insns;
};

struct machine_profile {
  uint64_t pf_handled; /* #PF handlers that reached their iretq */
  uint64_t insns;      /* instructions in them, all phases */
  uint64_t phase_insns[PROFILE_PHASE_COUNT];
  unsigned fn_count; /* the functions with the most instructions, descending */
  struct machine_profile_fn fns[MACHINE_PROFILE_TOP];
};

/* 0 and the profile so far, or -1 when the machine was made without
 * profile_pf. */
int machine_profile_get(const struct machine *m, struct machine_profile *out);

const char *machine_profile_phase_name(enum machine_profile_phase phase);

#endif
