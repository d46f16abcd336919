/*
 * Port-I/O privilege (SDM Vol. 1, 19.5).  Unicorn stubs out QEMU's check, so a
 * ring-3 program could otherwise reach the exit and host-I/O devices.  The
 * machine enforces it itself: the instruction-count block hook stops before
 * any block that holds IN/OUT/INS/OUTS while CPL > IOPL (a block stopped from
 * its hook does not run), and io_guard_resolve() then runs the block exactly
 * up to that instruction and raises #GP(0) there, unless the TSS I/O
 * permission bitmap allows the ports, in which case it executes it.
 * Checking inside the I/O hook is too late: RIP is stale there and the rest of
 * the translated block would still run.
 */
#include "io_guard.h"

#include "exceptions.h"
#include "machine_internal.h"
#include "x86_insn.h"

#define TSS_IOMAP_BASE_OFFSET 0x66
#define TSS_MIN_LIMIT         103

static bool privileged_enough(struct machine *m) {
  return (reg_read(m, UC_X86_REG_CS) & 3) <= ((reg_read(m, UC_X86_REG_EFLAGS) >> 12) & 3);
}

static bool io_guard_wants_stop(void *opaque) {
  struct machine *m = opaque;
  return !m->io_stepping && !privileged_enough(m);
}

void io_guard_install(struct machine *m) {
  m->icount.io_guard = io_guard_wants_stop;
  m->icount.io_guard_opaque = m;
}

/* The ports an I/O instruction touches: imm8 forms name the port, the others
 * take DX; the width is a byte for the even opcodes, else 2 or 4 bytes. */
static void io_operands(struct machine *m, const struct icount_io_site *site, uint32_t *port,
                        unsigned *size) {
  const uint8_t *p = site->bytes;
  uint32_t len = site->length < sizeof site->bytes ? site->length : sizeof site->bytes;
  bool opsize16;
  size_t i = x86_skip_prefixes(p, len, &opsize16);
  uint8_t op = i < len ? p[i] : 0;
  bool imm = op >= 0xe4 && op <= 0xe7;
  *port = imm && i + 1 < len ? p[i + 1] : (uint32_t)(reg_read(m, UC_X86_REG_DX) & 0xffff);
  *size = (op & 1) == 0 ? 1 : opsize16 ? 2 : 4;
}

static bool bitmap_allows(struct machine *m, uint32_t port, unsigned size) {
  uc_x86_mmr tr = {0};
  uc_reg_read(m->uc, UC_X86_REG_TR, &tr);
  uint64_t cr3 = reg_read(m, UC_X86_REG_CR3);
  uint16_t iomap = 0, bits = 0;
  if (tr.limit < TSS_MIN_LIMIT ||
      guest_virt_read(&m->ram, cr3, tr.base + TSS_IOMAP_BASE_OFFSET, &iomap, 2) != 0)
    return false;
  uint32_t offset = (uint32_t)iomap + (port >> 3);
  if (offset + 1 > tr.limit || guest_virt_read(&m->ram, cr3, tr.base + offset, &bits, 2) != 0)
    return false;
  return ((bits >> (port & 7)) & ((1u << size) - 1)) == 0;
}

/* Runs exactly `count` instructions from rip.  Blocks translated earlier
 * ignore an instruction count, hence the cache removal first. */
static void step(struct machine *m, uint64_t rip, uint64_t cache_end, size_t count) {
  uc_ctl_remove_cache(m->uc, rip, cache_end);
  m->io_stepping = true;
  icount_forget_translations(&m->icount);
  uc_emu_start(m->uc, rip, 0, 0, count);
  m->io_stepping = false;
}

void io_guard_resolve(struct machine *m) {
  m->icount.stopped_at_io = false;
  struct icount_io_site site;
  if (!icount_current_io_site(&m->icount, &site)) {
    machine_stop_with(m, STOP_ERROR, "port-I/O guard stopped at a block it cannot decode");
    return;
  }
  uint64_t block_end = site.block_start + site.block_size;
  if (site.insns_before > 0) {
    step(m, site.block_start, block_end, site.insns_before);
    if (m->run.stop != STOP_NONE || reg_read(m, UC_X86_REG_RIP) != site.rip)
      return; /* something else happened first (a fault was delivered) */
    icount_exception_at(&m->icount, site.rip);
  }
  uint32_t port;
  unsigned size;
  io_operands(m, &site, &port, &size);
  if (bitmap_allows(m, port, size)) {
    step(m, site.rip, site.rip + site.length, 1);
    if (m->run.stop == STOP_NONE)
      icount_exception_at(&m->icount, reg_read(m, UC_X86_REG_RIP));
    return;
  }
  if (cpu_context_save(&m->cpu) != UC_ERR_OK) {
    machine_stop_with(m, STOP_ERROR, "uc_context_save failed in the port-I/O guard");
    return;
  }
  exceptions_raise(m, VEC_GP, true, 0, site.rip, 0);
}
