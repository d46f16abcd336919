/* Size-class kernel heap (see <kernel/kheap.h>).
 *
 * Each heap frame is a "slab": a header, then equal blocks of one size
 * class.  The frame is reached through the direct map, so a block's slab is
 * found by rounding its address down to the page.  Slabs with free blocks sit
 * on their class's list; a slab whose blocks are all free is returned to the
 * frame allocator at once. */
#include <stdint.h>
#include <string.h>
#include <kernel/kheap.h>
#include <kernel/log.h>
#include <kernel/pmm.h>

#define SLAB_MAGIC 0x6b736c6162ull /* "kslab" */

struct slab {
  uint64_t magic;
  struct slab *next, *prev; /* class list of slabs with a free block */
  void *free;               /* free blocks, linked through their first word */
  uint32_t cls;
  uint32_t nfree;
  uint64_t pad; /* header is 48 bytes: blocks stay 16-byte aligned */
};

_Static_assert(sizeof(struct slab) % 16 == 0, "slab header keeps 16-byte alignment");

static const uint32_t class_size[] = {16, 32, 64, 128, 256, 512, 1008, 2016, 4048};
#define NCLASS (sizeof class_size / sizeof class_size[0])
_Static_assert(KHEAP_MAX <= 4048, "largest class must hold KHEAP_MAX");

static struct slab *partial[NCLASS];

static uint32_t capacity(uint32_t cls) {
  return (uint32_t)((PAGE_SIZE - sizeof(struct slab)) / class_size[cls]);
}

static void list_remove(struct slab *s) {
  if (s->prev)
    s->prev->next = s->next;
  else
    partial[s->cls] = s->next;
  if (s->next)
    s->next->prev = s->prev;
  s->next = s->prev = NULL;
}

static void list_push(struct slab *s) {
  s->prev = NULL;
  s->next = partial[s->cls];
  if (s->next)
    s->next->prev = s;
  partial[s->cls] = s;
}

static struct slab *slab_new(uint32_t cls) {
  paddr_t pa = frame_alloc();
  if (!pa)
    return NULL;
  struct slab *s = frame_ptr(pa);
  s->magic = SLAB_MAGIC;
  s->cls = cls;
  s->nfree = capacity(cls);
  s->free = NULL;
  char *base = (char *)s + sizeof *s;
  for (uint32_t i = s->nfree; i-- > 0;) { /* lowest block first */
    void **blk = (void **)(base + (size_t)i * class_size[cls]);
    *blk = s->free;
    s->free = blk;
  }
  list_push(s);
  return s;
}

void *kmalloc(size_t size) {
  if (size == 0 || size > KHEAP_MAX)
    return NULL;
  uint32_t cls = 0;
  while (class_size[cls] < size)
    cls++;
  struct slab *s = partial[cls];
  if (!s && !(s = slab_new(cls)))
    return NULL;
  void **blk = s->free;
  s->free = *blk;
  if (--s->nfree == 0)
    list_remove(s);
  return blk;
}

void *kzalloc(size_t size) {
  void *p = kmalloc(size);
  if (p)
    memset(p, 0, size);
  return p;
}

void kfree(void *p) {
  if (!p)
    return;
  struct slab *s = (struct slab *)((uintptr_t)p & ~(uintptr_t)(PAGE_SIZE - 1));
  uintptr_t off = (uintptr_t)p - (uintptr_t)s - sizeof *s;
  if (s->magic != SLAB_MAGIC || s->cls >= NCLASS || off % class_size[s->cls] ||
      off / class_size[s->cls] >= capacity(s->cls))
    kpanic("kfree: %p is not a heap block", p);
  if (s->nfree == 0)
    list_push(s);
  *(void **)p = s->free;
  s->free = p;
  if (++s->nfree == capacity(s->cls)) {
    list_remove(s);
    s->magic = 0;
    frame_put((uintptr_t)s - FS_DIRECT_MAP);
  }
}
