/*
 * The page cache: one frame per (backing file, page offset), global to the
 * kernel, so a second mapping or a second process finds the page warm.  The
 * cache holds one reference on each frame; every mapping of it holds another.
 * Frames are released only by page_cache_drop_file / page_cache_clear (no
 * eviction: backing files are a small initramfs).  Lookups are O(1): a hash
 * table with a fixed number of buckets.  Entries come from a node pool carved
 * from frames, returned by page_cache_clear.
 */
#ifndef KERNEL_PAGE_CACHE_H
#define KERNEL_PAGE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kernel/mm_env.h>

struct page_cache_stats {
  uint64_t hits;       /* lookups that found the page          */
  uint64_t pages_read; /* pages filled from a backing file     */
  uint64_t pages;      /* pages held now                       */
};

/* The frame caching file page `page_offset` (a multiple of PAGE_SIZE), with a
 * new reference for the caller, filled from the file on a miss (bytes past
 * EOF are zero).  *hit tells which.  0 or -ENOMEM (no frame). */
int page_cache_get(const struct vfs_file *f, uint64_t page_offset, paddr_t *frame, bool *hit);
/* The cached frame or 0, taking no reference and counting nothing. */
paddr_t page_cache_peek(const struct vfs_file *f, uint64_t page_offset);

/* Drops the cache's reference on every page of f (a frame still mapped
 * somewhere lives on until its last mapping goes). */
void page_cache_drop_file(const struct vfs_file *f);
/* Drops every page and returns the entry pool's frames. */
void page_cache_clear(void);

void page_cache_get_stats(struct page_cache_stats *out);

#endif /* KERNEL_PAGE_CACHE_H */
