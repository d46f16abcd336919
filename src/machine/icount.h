/*
 * Exact guest instruction count without a per-instruction hook: a block hook
 * adds each translation block's instruction count (decoded once with Capstone
 * and cached), and an exception that interrupts a block takes back the
 * instructions that did not retire.
 */
#ifndef FS_MACHINE_ICOUNT_H
#define FS_MACHINE_ICOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include <capstone/capstone.h>
#include <unicorn/unicorn.h>

#include "pagewalk.h"
#include "x86_insn.h"

struct icount_block;

struct icount {
  uint64_t count;
  uc_engine *uc;
  const struct guest_ram *ram;
  csh capstone;
  cs_insn *insn;              /* the decode buffer */
  struct icount_block *table; /* set-associative cache of decoded blocks */
  uint64_t mask;
  unsigned next_victim; /* round-robin replacement within a set */
  /* Code translations (virtual page -> physical page) and CR3, kept between
   * blocks the way a TLB keeps them: valid until the guest writes a control
   * register or executes INVLPG/INVPCID (it must, after changing a mapping),
   * or the host runs the CPU again (it may have changed anything). */
  struct icount_tlb_entry *tlb;
  uint64_t tlb_generation; /* entries of other generations are empty */
  uint64_t cr3;
  bool translations_stale;            /* re-read CR3 and start a new generation first */
  const struct icount_block *current; /* block whose count was added last */
  uint64_t misses;                    /* decodes (statistics, tests) */
  /* Port-I/O guard: asked at every block that contains IN/OUT/INS/OUTS; when
   * it answers true the block is not executed (nor counted), emulation stops
   * and stopped_at_io is set for the run loop. */
  bool (*io_guard)(void *opaque);
  void *io_guard_opaque;
  bool stopped_at_io;
};

/* Where the current block's first port-I/O instruction is.  The bytes are a
 * copy: running the CPU again (as the guard does before it looks at them)
 * may refill, and free, the cached block they came from. */
struct icount_io_site {
  uint64_t block_start;
  uint32_t block_size;
  uint32_t insns_before; /* instructions of the block ahead of it */
  uint64_t rip;
  uint8_t bytes[X86_MAX_INSN_LENGTH]; /* its first bytes (all of a valid one) */
  uint32_t length;
};
bool icount_current_io_site(const struct icount *ic, struct icount_io_site *site);

int icount_init(struct icount *ic, uc_engine *uc, const struct guest_ram *ram, csh capstone);
void icount_destroy(struct icount *ic);

/* The host is about to run the CPU (uc_emu_start): forget CR3 and the cached
 * code translations, as anything may have changed since the last block. */
static inline void icount_forget_translations(struct icount *ic) {
  ic->translations_stale = true;
}

/* Installs the UC_HOOK_BLOCK counter. */
int icount_install(struct icount *ic);

/* An exception was raised with the CPU at rip: instructions of the current
 * block at or after rip did not retire.  Idempotent per block. */
void icount_exception_at(struct icount *ic, uint64_t rip);

/* The instruction that raised a trap-like event (int n) did not retire after
 * all (its delivery faulted). */
static inline void icount_retract(struct icount *ic, uint64_t n) {
  ic->count -= n;
}

/* The block hook, exposed for tests that drive Unicorn themselves. */
void icount_on_block(uc_engine *uc, uint64_t address, uint32_t size, void *opaque);

#endif
