/*
 * Access to the parts of the CPU state Unicorn 2.1.1 does not expose: CPL,
 * segment descriptor caches, the exception error code, exception_is_int and
 * old_exception.  They live in QEMU's CPUX86State inside the uc_context blob.
 * Their offsets are found at start-up by calibration (sentinel values written
 * to known registers and searched in a saved blob), then self-checked; the
 * machine refuses to run when anything disagrees.
 */
#ifndef FS_MACHINE_CPU_CONTEXT_H
#define FS_MACHINE_CPU_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <unicorn/unicorn.h>

/* What the library we tested against looks like; anything else is refused. */
#define CPU_EXPECTED_CONTEXT_SIZE 5552u
#define CPU_EXPECTED_ENV_OFFSET   20u

/* QEMU segment register indices inside env->segs[]. */
enum { SEG_ES = 0, SEG_CS = 1, SEG_SS = 2, SEG_DS = 3, SEG_FS = 4, SEG_GS = 5 };

/* QEMU hflags bits we rely on. */
#define HFLAG_CPL_MASK 0x3u
#define HFLAG_LMA      (1u << 14)
#define HFLAG_CS64     (1u << 15)

/* Offsets of fields, relative to the start of the blob. */
struct cpu_layout {
  size_t env;
  size_t regs; /* regs[16], RAX first */
  size_t eip;
  size_t hflags;
  size_t segs; /* SegmentCache segs[6], 24 bytes each */
  size_t error_code;
  size_t exception_is_int;
  size_t old_exception;
  size_t dr0;
};

/* Values the Unicorn-driven part wrote before saving the probe blob. */
struct cpu_probe {
  uint64_t rax, fs_base, gs_base, dr0, dr3, rip, rsp;
  uint16_t cs, ss;
  int cpl;
};

/* Mirror of QEMU's SegmentCache. */
struct seg_cache {
  uint32_t selector;
  uint64_t base;
  uint32_t limit;
  uint32_t flags; /* the descriptor's high dword, as QEMU keeps it */
};

/* Derives the layout from a probe blob and self-checks it.  Pure.  Returns 0,
 * or -1 with a reason in err. */
int cpu_layout_calibrate(const uint8_t *blob, size_t size, const struct cpu_probe *probe,
                         struct cpu_layout *out, char *err, size_t err_size);

/* Decodes an 8-byte GDT code/data descriptor into a cache.  Pure.  Returns
 * false for a system descriptor or a not-present one. */
bool seg_cache_from_descriptor(uint64_t descriptor, uint16_t selector, struct seg_cache *out);

struct cpu_context {
  uc_engine *uc;
  uc_context *saved;
  uint8_t *blob;
  struct cpu_layout layout;
};

/* Calibrates against the live engine (which must already be in 64-bit long
 * mode at CPL 0 with the given CS/SS selectors) and allocates the one context
 * the machine reuses for every delivery. */
int cpu_context_open(struct cpu_context *c, uc_engine *uc, uint16_t cs, uint16_t ss, char *err,
                     size_t err_size);
void cpu_context_close(struct cpu_context *c);

static inline uc_err cpu_context_save(struct cpu_context *c) {
  return uc_context_save(c->uc, c->saved);
}
static inline uc_err cpu_context_restore(struct cpu_context *c) {
  return uc_context_restore(c->uc, c->saved);
}

/* Accessors over the saved blob (call cpu_context_save first, restore after
 * any change). */
int cpu_get_cpl(const struct cpu_context *c);
void cpu_set_cpl(struct cpu_context *c, int cpl);
void cpu_get_seg(const struct cpu_context *c, int index, struct seg_cache *out);
void cpu_set_seg(struct cpu_context *c, int index, const struct seg_cache *cache);
uint32_t cpu_get_error_code(const struct cpu_context *c);
bool cpu_get_is_int(const struct cpu_context *c);
int cpu_get_old_exception(const struct cpu_context *c);
void cpu_reset_old_exception(struct cpu_context *c);
uint64_t cpu_get_rip(const struct cpu_context *c);
void cpu_set_rip(struct cpu_context *c, uint64_t rip);
uint64_t cpu_get_gpr(const struct cpu_context *c, int index); /* 0 = RAX ... 15 = R15 */
void cpu_set_gpr(struct cpu_context *c, int index, uint64_t value);
#define GPR_RSP 4

#endif
