/*
 * The page-fault core: one decision per fault, returned to one caller (the
 * #PF trap handler), which acts on it: retry the instruction (lazy,
 * spurious), send SIGSEGV (guard, protection, invalid) or SIGKILL (oom).
 * See docs/architecture/page_fault_handler.md for the decision table.
 */
#ifndef KERNEL_VM_FAULT_H
#define KERNEL_VM_FAULT_H

#include <stdbool.h>
#include <stdint.h>

#include <faultsim/abi.h>
#include <kernel/mm_env.h>
#include <kernel/vm_space.h>

/* Linux signal numbers and SIGSEGV si_code values. */
#define VM_SIGKILL     9
#define VM_SIGSEGV     11
#define VM_SEGV_MAPERR 1 /* no mapping at the address        */
#define VM_SEGV_ACCERR 2 /* mapping forbids the access        */

struct vm_fault_result {
  enum fs_decision decision;
  /* The region holding the address (a copy: the caller may log or trace it
   * after the space changed).  region_type is FS_REGION_NONE when there is
   * none, and the rest is then 0. */
  enum fs_region_type region_type;
  uint64_t region_start;
  uint64_t region_end;
  unsigned region_prot;
  unsigned region_flags;              /* VM_LAZY, VM_GROWS_DOWN, ... */
  const struct vfs_file *region_file; /* its backing, NULL: anonymous */
  uint64_t region_file_offset;
  uint64_t region_file_length;
  enum fs_populate populate; /* lazy: how the page was filled */
  paddr_t frame;             /* lazy/spurious: the frame now mapped */
  int signal;                /* 0 (retry), VM_SIGSEGV or VM_SIGKILL */
  int si_code;               /* VM_SEGV_* for SIGSEGV, else 0       */
  bool stack_overflow;       /* guard: it lies directly below a stack:
                                log "stack overflow at ADDR"          */
  bool fault_loop;           /* protection because of a fault loop  */
};

/* Classifies and handles one fault at addr (CR2) with x86 error_code (FS_PF_*)
 * raised by the instruction at rip.  Takes vs->lock.  out may be NULL. */
enum fs_decision vm_region_handle_page_fault(struct vm_space *vs, uint64_t addr,
                                             uint32_t error_code, uint64_t rip,
                                             struct vm_fault_result *out);

/* Makes the page at addr present as a kernel-mode read or write fault would
 * (the same decision and counters, no fault-loop tracking) and returns its
 * frame: 0, -EFAULT (the access is not allowed there) or -ENOMEM.  The
 * kernel itself does not use it: copy_*_user and the ELF loader's stack
 * writes take real ring-0 faults, which page_fault.c traces (a fault
 * decided here would be counted without a trace record; see exec_load).
 * Host tests and fuzz targets call it. */
int vm_space_user_page(struct vm_space *vs, uint64_t addr, bool write, paddr_t *frame);

const char *vm_decision_name(enum fs_decision d);
const char *vm_region_type_name(enum fs_region_type t);
const char *vm_populate_name(enum fs_populate p);

#endif /* KERNEL_VM_FAULT_H */
