#include "cpu_context.h"

#include <stdio.h>
#include <string.h>

/* Field positions inside CPUX86State (QEMU 5 as built into Unicorn 2.1.1),
 * relative to the anchors the sentinels locate.  The sentinels find the
 * anchors; these relations are then verified by the self-check. */
#define ENV_EIP_FROM_REGS       128 /* after regs[16] */
#define ENV_HFLAGS_FROM_SEGS    8   /* hflags, hflags2 precede segs[] */
#define SEG_CACHE_SIZE          24
#define SEG_BASE_IN_CACHE       8
#define ERROR_CODE_BEFORE_DR0   16 /* error_code, exception_is_int, exception_next_eip */
#define OLD_EXCEPTION_AFTER_DR0 96 /* dr[8], then four breakpoint pointers */

static int find_unique_u64(const uint8_t *blob, size_t size, uint64_t value, size_t *offset) {
  int found = 0;
  for (size_t i = 0; i + 8 <= size; i += 4) {
    if (memcmp(blob + i, &value, 8) == 0) {
      *offset = i;
      found++;
    }
  }
  return found;
}

static uint64_t load_u64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}
static uint32_t load_u32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

#define FAIL(...)                                                                                  \
  do {                                                                                             \
    snprintf(err, err_size, "CPU context calibration: " __VA_ARGS__);                              \
    return -1;                                                                                     \
  } while (0)

int cpu_layout_calibrate(const uint8_t *blob, size_t size, const struct cpu_probe *probe,
                         struct cpu_layout *out, char *err, size_t err_size) {
  struct cpu_layout l = {0};
  size_t rax = 0, fs_base = 0, dr0 = 0;
  if (size != CPU_EXPECTED_CONTEXT_SIZE)
    FAIL("uc_context_size is %zu, expected %u: not the Unicorn 2.1.1 we were built for", size,
         CPU_EXPECTED_CONTEXT_SIZE);
  if (find_unique_u64(blob, size, probe->rax, &rax) != 1)
    FAIL("RAX sentinel not found exactly once");
  if (find_unique_u64(blob, size, probe->fs_base, &fs_base) != 1)
    FAIL("FS_BASE sentinel not found exactly once");
  if (find_unique_u64(blob, size, probe->dr0, &dr0) != 1)
    FAIL("DR0 sentinel not found exactly once");

  l.env = rax;
  l.regs = rax;
  l.eip = rax + ENV_EIP_FROM_REGS;
  l.segs = fs_base - SEG_BASE_IN_CACHE - SEG_FS * SEG_CACHE_SIZE;
  l.hflags = l.segs - ENV_HFLAGS_FROM_SEGS;
  l.dr0 = dr0;
  l.error_code = dr0 - ERROR_CODE_BEFORE_DR0;
  l.exception_is_int = l.error_code + 4;
  l.old_exception = dr0 + OLD_EXCEPTION_AFTER_DR0;

  if (l.env != CPU_EXPECTED_ENV_OFFSET)
    FAIL("CPU state starts at blob offset %zu, expected %u", l.env, CPU_EXPECTED_ENV_OFFSET);
  if (l.segs <= l.eip || l.old_exception + 4 > size || l.dr0 <= l.segs)
    FAIL("derived offsets are out of order");
  /* Independent checks: each one would catch a shifted field. */
  if (load_u64(blob + l.regs + GPR_RSP * 8) != probe->rsp)
    FAIL("RSP not at regs[4]");
  if (load_u64(blob + l.eip) != probe->rip)
    FAIL("RIP not at the expected offset");
  if (load_u64(blob + l.segs + SEG_GS * SEG_CACHE_SIZE + SEG_BASE_IN_CACHE) != probe->gs_base)
    FAIL("GS_BASE not where the segment-cache layout puts it");
  if (load_u64(blob + l.dr0 + 3 * 8) != probe->dr3)
    FAIL("DR3 not at dr[3]");
  if ((load_u32(blob + l.segs + SEG_CS * SEG_CACHE_SIZE) & 0xffff) != probe->cs)
    FAIL("CS selector not in segs[CS]");
  if ((load_u32(blob + l.segs + SEG_SS * SEG_CACHE_SIZE) & 0xffff) != probe->ss)
    FAIL("SS selector not in segs[SS]");
  uint32_t hflags = load_u32(blob + l.hflags);
  if (!(hflags & HFLAG_LMA) || !(hflags & HFLAG_CS64))
    FAIL("hflags %#x lacks LMA/CS64: not where expected or not in long mode", hflags);
  if ((int)(hflags & HFLAG_CPL_MASK) != probe->cpl)
    FAIL("CPL in hflags is %u, expected %d", hflags & HFLAG_CPL_MASK, probe->cpl);
  if ((int32_t)load_u32(blob + l.old_exception) != -1)
    FAIL("old_exception is %d, expected -1", (int32_t)load_u32(blob + l.old_exception));
  if (load_u32(blob + l.exception_is_int) != 0 || load_u32(blob + l.error_code) != 0)
    FAIL("error_code/exception_is_int not zero on a fresh engine");
  *out = l;
  return 0;
}

bool seg_cache_from_descriptor(uint64_t descriptor, uint16_t selector, struct seg_cache *out) {
  uint32_t low = (uint32_t)descriptor, high = (uint32_t)(descriptor >> 32);
  const uint32_t present = 1u << 15, code_or_data = 1u << 12, granularity = 1u << 23;
  if (!(high & present) || !(high & code_or_data))
    return false;
  uint32_t limit = (low & 0xffff) | (high & 0x000f0000);
  if (high & granularity)
    limit = (limit << 12) | 0xfff;
  out->selector = selector;
  out->base = (low >> 16) | ((uint64_t)(high & 0xff) << 16) | (high & 0xff000000u);
  out->limit = limit;
  /* QEMU keeps the high dword as flags and marks the descriptor accessed. */
  out->flags = high | (1u << 8);
  return true;
}

/* Sentinels: distinct, with no zero bytes, unlikely anywhere in a fresh CPU. */
static const struct cpu_probe calibration_probe = {
    .rax = 0x5a17c0de11223301ULL,
    .fs_base = 0x5a17c0de11223302ULL,
    .gs_base = 0x5a17c0de11223303ULL,
    .dr0 = 0x5a17c0de11223304ULL,
    .dr3 = 0x5a17c0de11223305ULL,
    .rip = 0x5a17c0de11223306ULL,
    .rsp = 0x5a17c0de11223307ULL,
};

int cpu_context_open(struct cpu_context *c, uc_engine *uc, uint16_t cs, uint16_t ss, char *err,
                     size_t err_size) {
  static const int regs[] = {UC_X86_REG_RAX, UC_X86_REG_FS_BASE, UC_X86_REG_GS_BASE, UC_X86_REG_DR0,
                             UC_X86_REG_DR3, UC_X86_REG_RIP,     UC_X86_REG_RSP};
  enum { NREGS = sizeof regs / sizeof regs[0] };
  struct cpu_probe probe = calibration_probe;
  uint64_t saved[NREGS];
  const uint64_t values[NREGS] = {probe.rax, probe.fs_base, probe.gs_base, probe.dr0,
                                  probe.dr3, probe.rip,     probe.rsp};
  memset(c, 0, sizeof *c);
  c->uc = uc;
  probe.cs = cs;
  probe.ss = ss;
  probe.cpl = 0;
  if (uc_context_alloc(uc, &c->saved) != UC_ERR_OK) {
    snprintf(err, err_size, "CPU context calibration: uc_context_alloc failed");
    return -1;
  }
  for (int i = 0; i < NREGS; i++)
    uc_reg_read(uc, regs[i], &saved[i]);
  for (int i = 0; i < NREGS; i++)
    uc_reg_write(uc, regs[i], &values[i]);
  uc_err e = uc_context_save(uc, c->saved);
  for (int i = 0; i < NREGS; i++)
    uc_reg_write(uc, regs[i], &saved[i]);
  if (e != UC_ERR_OK) {
    snprintf(err, err_size, "CPU context calibration: uc_context_save: %s", uc_strerror(e));
    cpu_context_close(c);
    return -1;
  }
  if (cpu_layout_calibrate((const uint8_t *)c->saved, uc_context_size(uc), &probe, &c->layout, err,
                           err_size) != 0) {
    cpu_context_close(c);
    return -1;
  }
  c->blob = (uint8_t *)c->saved;
  return 0;
}

void cpu_context_close(struct cpu_context *c) {
  if (c->saved)
    uc_context_free(c->saved);
  c->saved = NULL;
  c->blob = NULL;
}

int cpu_get_cpl(const struct cpu_context *c) {
  return (int)(load_u32(c->blob + c->layout.hflags) & HFLAG_CPL_MASK);
}

void cpu_set_cpl(struct cpu_context *c, int cpl) {
  uint32_t hflags = load_u32(c->blob + c->layout.hflags);
  hflags = (hflags & ~HFLAG_CPL_MASK) | ((uint32_t)cpl & HFLAG_CPL_MASK);
  memcpy(c->blob + c->layout.hflags, &hflags, 4);
}

void cpu_get_seg(const struct cpu_context *c, int index, struct seg_cache *out) {
  const uint8_t *p = c->blob + c->layout.segs + (size_t)index * SEG_CACHE_SIZE;
  out->selector = load_u32(p);
  out->base = load_u64(p + 8);
  out->limit = load_u32(p + 16);
  out->flags = load_u32(p + 20);
}

void cpu_set_seg(struct cpu_context *c, int index, const struct seg_cache *cache) {
  uint8_t *p = c->blob + c->layout.segs + (size_t)index * SEG_CACHE_SIZE;
  memcpy(p, &cache->selector, 4);
  memcpy(p + 8, &cache->base, 8);
  memcpy(p + 16, &cache->limit, 4);
  memcpy(p + 20, &cache->flags, 4);
}

uint32_t cpu_get_error_code(const struct cpu_context *c) {
  return load_u32(c->blob + c->layout.error_code);
}

bool cpu_get_is_int(const struct cpu_context *c) {
  return load_u32(c->blob + c->layout.exception_is_int) != 0;
}

int cpu_get_old_exception(const struct cpu_context *c) {
  return (int32_t)load_u32(c->blob + c->layout.old_exception);
}

void cpu_reset_old_exception(struct cpu_context *c) {
  int32_t none = -1;
  memcpy(c->blob + c->layout.old_exception, &none, 4);
}

uint64_t cpu_get_rip(const struct cpu_context *c) {
  return load_u64(c->blob + c->layout.eip);
}

void cpu_set_rip(struct cpu_context *c, uint64_t rip) {
  memcpy(c->blob + c->layout.eip, &rip, 8);
}

uint64_t cpu_get_gpr(const struct cpu_context *c, int index) {
  return load_u64(c->blob + c->layout.regs + (size_t)index * 8);
}

void cpu_set_gpr(struct cpu_context *c, int index, uint64_t value) {
  memcpy(c->blob + c->layout.regs + (size_t)index * 8, &value, 8);
}
