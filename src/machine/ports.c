/* I/O-port dispatch from UC_HOOK_INSN (IN/OUT).  All work happens inside the
 * callback: RIP seen from here is stale (the start of the block). */
#include "devices.h"
#include "machine_internal.h"

static void on_out(uc_engine *uc, uint32_t port, int size, uint32_t value, void *opaque) {
  struct machine *m = opaque;
  (void)uc;
  (void)size;
  if (port >= FS_PORT_COM1 && port < FS_PORT_COM1 + 8) {
    serial_out(m, (uint16_t)(port - FS_PORT_COM1), (uint8_t)value);
    return;
  }
  switch (port) {
  case FS_PORT_EXIT:
    exit_out(m, value);
    break;
  case FS_PORT_HOSTIO:
    hostio_out(m, value);
    break;
  case FS_PORT_REPORT:
    report_out(m, value);
    break;
  case FS_PORT_TRACE:
    trace_out(m, value);
    break;
  case FS_PORT_ZERO_FRAME:
    zero_frame_out(m, value);
    break;
  case FS_PORT_SNAPSHOT:
    snapshot_out(m);
    break;
  default:
    if (!m->run.unknown_port_noted && m->cfg.log_level >= FS_LOG_DEBUG)
      serial_note(m, "[machine] write to an unknown I/O port ignored\n");
    m->run.unknown_port_noted = true;
    break;
  }
}

static uint32_t on_in(uc_engine *uc, uint32_t port, int size, void *opaque) {
  struct machine *m = opaque;
  (void)uc;
  (void)size;
  if (port >= FS_PORT_COM1 && port < FS_PORT_COM1 + 8)
    return serial_in(m, (uint16_t)(port - FS_PORT_COM1));
  if (port == FS_PORT_CLOCK_LO || port == FS_PORT_CLOCK_HI)
    return clock_in(m, (uint16_t)port);
  return 0xffffffffu; /* nothing there: the bus floats high */
}

int ports_install(struct machine *m) {
  uc_hook out_hook, in_hook;
  if (uc_hook_add(m->uc, &out_hook, UC_HOOK_INSN, (void *)on_out, m, 1, 0, UC_X86_INS_OUT) !=
      UC_ERR_OK)
    return -1;
  if (uc_hook_add(m->uc, &in_hook, UC_HOOK_INSN, (void *)on_in, m, 1, 0, UC_X86_INS_IN) !=
      UC_ERR_OK)
    return -1;
  return 0;
}
