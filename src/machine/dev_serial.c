/* 16550-style UART at FS_PORT_COM1: only what a polling transmitter needs. */
#include <string.h>

#include "devices.h"
#include "machine_internal.h"

#define UART_THR 0 /* transmit holding register (DLAB = 0) */
#define UART_LCR 3
#define UART_LSR 5
#define LCR_DLAB 0x80u
#define LSR_IDLE 0x60u /* THR empty, transmitter empty */

static void log_append(struct machine *m, char c) {
  struct serial_log *s = &m->serial;
  if (!s->text)
    return;
  if (s->length + 1 >= SERIAL_LOG_CAPACITY) {
    /* Keep the newer half: the tail is what explains a failure. */
    size_t keep = SERIAL_LOG_CAPACITY / 2;
    memmove(s->text, s->text + s->length - keep, keep);
    s->length = keep;
  }
  s->text[s->length++] = c;
  s->text[s->length] = '\0';
  if (m->cfg.kernel_log) {
    fputc(c, m->cfg.kernel_log);
    if (c == '\n')
      fflush(m->cfg.kernel_log);
  }
}

void serial_out(struct machine *m, uint16_t offset, uint8_t value) {
  if (offset == UART_LCR)
    m->run.serial_divisor_latch = (value & LCR_DLAB) != 0;
  else if (offset == UART_THR && !m->run.serial_divisor_latch)
    log_append(m, (char)value);
}

uint32_t serial_in(struct machine *m, uint16_t offset) {
  (void)m;
  return offset == UART_LSR ? LSR_IDLE : 0;
}

void serial_note(struct machine *m, const char *text) {
  for (const char *p = text; *p; p++)
    log_append(m, *p);
}
