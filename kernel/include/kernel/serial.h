/* The 16550 UART at FS_PORT_COM1: the kernel log's only output. */
#ifndef KERNEL_SERIAL_H
#define KERNEL_SERIAL_H

#include <stddef.h>

void serial_putc(char c);
void serial_write(const char *s, size_t n);

#endif /* KERNEL_SERIAL_H */
