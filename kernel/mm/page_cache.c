/*
 * The global page cache: a fixed array of hash buckets, each a singly linked
 * chain of (file, page offset) -> frame entries.  Entries live in a node pool
 * carved from frames, so the cache needs no heap.
 */
#include <string.h>

#include <kernel/errno.h>
#include <kernel/page_cache.h>
#include <kernel/vm_space.h>

#define PAGE_CACHE_BUCKETS 4096u /* power of two */

struct page_cache_entry {
  struct page_cache_entry *next;
  const struct vfs_file *file;
  uint64_t page_offset;
  paddr_t frame;
};

static struct page_cache_entry *buckets[PAGE_CACHE_BUCKETS];
/* What vm_node_pool_init would set up, as a static initializer: no
 * first-use check on the fill path. */
_Static_assert(sizeof(struct page_cache_entry) % 8 == 0, "node pool sizes are multiples of 8");
static struct vm_node_pool entry_pool = {.node_size = sizeof(struct page_cache_entry)};
static struct vm_lock cache_lock;
static struct page_cache_stats stats;

static unsigned bucket_of(const struct vfs_file *f, uint64_t page_offset) {
  uint64_t key = (uint64_t)(uintptr_t)f ^ (page_offset / PAGE_SIZE) * 0x9e3779b97f4a7c15ULL;
  key ^= key >> 29;
  key *= 0xbf58476d1ce4e5b9ULL;
  key ^= key >> 32;
  return (unsigned)key & (PAGE_CACHE_BUCKETS - 1);
}

static struct page_cache_entry *lookup(const struct vfs_file *f, uint64_t page_offset) {
  for (struct page_cache_entry *e = buckets[bucket_of(f, page_offset)]; e; e = e->next)
    if (e->file == f && e->page_offset == page_offset)
      return e;
  return NULL;
}

static int fill_and_insert(const struct vfs_file *f, uint64_t page_offset, paddr_t *frame) {
  paddr_t pa = frame_alloc();
  if (!pa)
    return -ENOMEM;
  struct page_cache_entry *e = vm_node_alloc(&entry_pool);
  if (!e) {
    frame_put(pa);
    return -ENOMEM;
  }
  unsigned char *bytes = frame_ptr(pa);
  size_t got = vfs_file_read(f, page_offset, bytes, PAGE_SIZE);
  memset(bytes + got, 0, PAGE_SIZE - got); /* past EOF reads as zero */
  e->file = f;
  e->page_offset = page_offset;
  e->frame = pa;
  unsigned b = bucket_of(f, page_offset);
  e->next = buckets[b];
  buckets[b] = e;
  stats.pages_read++;
  stats.pages++;
  *frame = pa;
  return 0;
}

int page_cache_get(const struct vfs_file *f, uint64_t page_offset, paddr_t *frame, bool *hit) {
  vm_lock_acquire(&cache_lock);
  struct page_cache_entry *e = lookup(f, page_offset);
  int err = 0;
  paddr_t pa;
  if (e) {
    pa = e->frame;
    stats.hits++;
    *hit = true;
  } else {
    err = fill_and_insert(f, page_offset, &pa);
    *hit = false;
  }
  if (!err) {
    frame_get(pa); /* the caller's reference; the cache keeps its own */
    *frame = pa;
  }
  vm_lock_release(&cache_lock);
  return err;
}

paddr_t page_cache_peek(const struct vfs_file *f, uint64_t page_offset) {
  vm_lock_acquire(&cache_lock);
  struct page_cache_entry *e = lookup(f, page_offset);
  paddr_t pa = e ? e->frame : 0;
  vm_lock_release(&cache_lock);
  return pa;
}

/* Drops entries matching f (every entry when f is NULL). */
static void drop_matching(const struct vfs_file *f) {
  for (unsigned b = 0; b < PAGE_CACHE_BUCKETS; b++) {
    struct page_cache_entry **link = &buckets[b];
    while (*link) {
      struct page_cache_entry *e = *link;
      if (f && e->file != f) {
        link = &e->next;
        continue;
      }
      *link = e->next;
      frame_put(e->frame);
      vm_node_free(&entry_pool, e);
      stats.pages--;
    }
  }
}

void page_cache_drop_file(const struct vfs_file *f) {
  if (!f)
    return;
  vm_lock_acquire(&cache_lock);
  drop_matching(f);
  vm_lock_release(&cache_lock);
}

void page_cache_clear(void) {
  vm_lock_acquire(&cache_lock);
  drop_matching(NULL);
  vm_node_pool_release(&entry_pool);
  vm_lock_release(&cache_lock);
}

void page_cache_get_stats(struct page_cache_stats *out) {
  vm_lock_acquire(&cache_lock);
  *out = stats;
  vm_lock_release(&cache_lock);
}
