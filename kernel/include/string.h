/* The kernel's own <string.h>: the subset of the C library's string functions
 * that kernel code (and the shared fault-core sources) may use.  Same names
 * and semantics as ISO C, so the fault core compiles unchanged on the host. */
#ifndef KERNEL_STRING_H
#define KERNEL_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
char *strrchr(const char *s, int c);
/* BSD: copies at most size-1 bytes, always terminates; returns strlen(src). */
size_t strlcpy(char *restrict dst, const char *restrict src, size_t size);

#endif /* KERNEL_STRING_H */
