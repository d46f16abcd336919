/* Kernel heap: small objects (up to KHEAP_MAX bytes) carved from single
 * frames, grouped by size class.  A frame goes back to the frame allocator as
 * soon as its last object is freed, so the heap holds no frames a process
 * left behind.  Returns NULL when no frame is available. */
#ifndef KERNEL_KHEAP_H
#define KERNEL_KHEAP_H

#include <stddef.h>

#define KHEAP_MAX 4032

void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);

#endif /* KERNEL_KHEAP_H */
