/* Polled 16550 output: wait for "transmit holding register empty" (LSR bit
 * 5), then write THR.  No interrupts, no FIFO setup: the machine's UART is
 * always ready, and a real one would be too at this rate. */
#include <faultsim/abi.h>
#include <kernel/cpu.h>
#include <kernel/serial.h>

#define UART_THR 0
#define UART_LSR 5
#define LSR_THRE 0x20

void serial_putc(char c) {
  /* Bounded wait: a UART that never becomes ready must not hang the kernel
   * silently forever; dropping a byte is the lesser harm. */
  for (int spins = 0; spins < 100000; spins++)
    if (inb(FS_PORT_COM1 + UART_LSR) & LSR_THRE)
      break;
  outb(FS_PORT_COM1 + UART_THR, (uint8_t)c);
}

void serial_write(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    serial_putc(s[i]);
}
