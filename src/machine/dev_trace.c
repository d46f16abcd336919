/* FS_PORT_TRACE: the kernel sends the physical address of one struct
 * fs_trace_record.  The record is checked (its size field, and that all of
 * it lies in RAM) and handed to the consumer during the `out`, before the
 * kernel can reuse its buffer. */
#include <string.h>

#include "devices.h"
#include "machine_internal.h"
#include "pagewalk.h"

void trace_out(struct machine *m, uint32_t record_phys) {
  const uint64_t record_size = sizeof(struct fs_trace_record);
  if (record_phys >= m->ram.size || m->ram.size - record_phys < record_size) {
    serial_note(m, "[machine] trace record outside RAM ignored\n");
    return;
  }
  uint32_t declared_size;
  memcpy(&declared_size, m->ram.base + record_phys, sizeof(declared_size));
  if (declared_size != record_size) {
    serial_note(m, "[machine] trace record of the wrong size ignored (ABI mismatch?)\n");
    return;
  }
  if (m->cfg.on_trace)
    m->cfg.on_trace(m->cfg.trace_opaque, m->ram.base + record_phys, (size_t)record_size);
}

size_t machine_read_guest_virt(struct machine *m, uint64_t va, void *buf, size_t len) {
  /* Page by page, so bytes up to the first unmapped page are still returned:
   * an instruction near the end of the last mapped page decodes from them. */
  uint64_t cr3 = reg_read(m, UC_X86_REG_CR3);
  size_t done = 0;
  while (done < len) {
    uint64_t addr = va + done;
    size_t chunk = (size_t)(FS_PAGE_SIZE - (addr & (FS_PAGE_SIZE - 1)));
    if (chunk > len - done)
      chunk = len - done;
    if (guest_virt_read(&m->ram, cr3, addr, (uint8_t *)buf + done, chunk) != 0)
      break;
    done += chunk;
  }
  return done;
}
