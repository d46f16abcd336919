/* printf-style formatting into a buffer or the console.  Supported: %d %i %u
 * %x %X %o %p %s %c %%, length modifiers hh h l ll z t j, field width (also *),
 * precision for %s and integers, flags '-', '0', '+', ' ', '#'. */
#ifndef KERNEL_KPRINTF_H
#define KERNEL_KPRINTF_H

#include <stdarg.h>
#include <stddef.h>

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Straight to the console, with no log prefix. */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* KERNEL_KPRINTF_H */
