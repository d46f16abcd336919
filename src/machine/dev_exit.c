/* FS_PORT_EXIT: the kernel's last word; it halts right after. */
#include "devices.h"
#include "machine_internal.h"

void exit_out(struct machine *m, uint32_t value) {
  if (m->run.stop != STOP_NONE)
    return;
  m->run.exit_value = value;
  m->run.stop = STOP_EXIT;
  uc_emu_stop(m->uc);
}
