/* The kernel's own <stdlib.h>: allocation only, backed by the kernel heap
 * (<kernel/kheap.h>, objects up to KHEAP_MAX bytes), so sources shared with
 * host builds may allocate with the usual names. */
#ifndef KERNEL_STDLIB_H
#define KERNEL_STDLIB_H

#include <stddef.h>

void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void free(void *p);

#endif /* KERNEL_STDLIB_H */
