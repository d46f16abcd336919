/* malloc/calloc/free on the kernel heap (see <stdlib.h>). */
#include <stdlib.h>
#include <kernel/kheap.h>

void *malloc(size_t size) {
  return kmalloc(size);
}

void *calloc(size_t n, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(n, size, &total))
    return NULL;
  return kzalloc(total);
}

void free(void *p) {
  kfree(p);
}
