/* FS_PORT_TRACE: reserved for trace records.  The record format (and so its
 * size) is defined by the traces work; until then the consumer gets a
 * pointer to the record in RAM and a size of 0. */
#include "devices.h"
#include "machine_internal.h"

void trace_out(struct machine *m, uint32_t record_phys) {
  if (record_phys >= m->ram.size) {
    serial_note(m, "[machine] trace record outside RAM ignored\n");
    return;
  }
  if (m->cfg.on_trace)
    m->cfg.on_trace(m->cfg.trace_opaque, m->ram.base + record_phys, 0);
}
