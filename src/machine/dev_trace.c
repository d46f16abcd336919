/* FS_PORT_TRACE: the kernel sends the physical address of one struct
 * fs_trace_record.  The record is checked (its size field, and that all of
 * it lies in RAM) and handed to the consumer during the `out`, before the
 * kernel can reuse its buffer. */
#include <string.h>

#include "devices.h"
#include "machine_internal.h"

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
