/* FS_PORT_CLOCK_LO/HI: the guest instruction count as virtual time.  The
 * count includes the whole translation block of the `in` (RIP is stale in the
 * hook): deterministic, and exact to within that block. */
#include "devices.h"
#include "machine_internal.h"

uint32_t clock_in(struct machine *m, uint16_t port) {
  if (port == FS_PORT_CLOCK_LO) {
    m->run.clock_latch = m->icount.count;
    return (uint32_t)m->run.clock_latch;
  }
  return (uint32_t)(m->run.clock_latch >> 32);
}
