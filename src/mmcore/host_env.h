/*
 * The host environment of the page-fault core: what kernel/mm links against
 * in unit tests, fuzz targets and offline replay instead of the kernel's
 * frame allocator, x86 page tables and initramfs VFS.  Deterministic: frames
 * come from a LIFO free list, failures are injected by allocation count.
 */
#ifndef FAULTSIM_MMCORE_HOST_ENV_H
#define FAULTSIM_MMCORE_HOST_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kernel/mm_env.h>

/* Physical address of the first frame (frame i lives at base + i * PAGE_SIZE). */
#define HOST_FRAME_BASE 0x100000ULL

/* ---- frame pool ---------------------------------------------------------- */
/* (Re)creates a pool of `frames` frames, all free; forgets failure injection.
 * Returns false when the host is out of memory. */
bool host_frames_init(size_t frames);
void host_frames_fini(void);
size_t host_frames_total(void);
size_t host_frames_free(void);
uint64_t host_frame_allocs(void);         /* attempts since init */
uint64_t host_frame_alloc_failures(void); /* failed attempts since init */
/* Fails the nth attempt from now (1 = the next one); 0 turns it off. */
void host_frames_fail_nth(uint64_t nth);
/* Fails every kth attempt from now; 0 turns it off. */
void host_frames_fail_every(uint64_t k);
bool host_frame_valid(paddr_t pa); /* an allocated frame of the pool */

/* ---- software page tables ------------------------------------------------ */
struct pt_space *host_pt_create(void);
void host_pt_destroy(struct pt_space *pt); /* the entries' frames are not put */
size_t host_pt_count(const struct pt_space *pt);
/* Fails the nth pt_map from now (1 = the next one); 0 turns it off. */
void host_pt_fail_map_nth(uint64_t nth);
/* Calls fn for every entry (any order). */
void host_pt_for_each(const struct pt_space *pt,
                      void (*fn)(void *ctx, vaddr_t va, paddr_t pa, unsigned prot), void *ctx);

/* ---- files from memory ---------------------------------------------------- */
/* The file keeps a private copy of data. */
struct vfs_file *host_file_create(const void *data, size_t size);
void host_file_destroy(struct vfs_file *f);
uint64_t host_file_reads(const struct vfs_file *f); /* vfs_file_read calls */

/* ---- log ------------------------------------------------------------------ */
/* klog_level starts at FS_LOG_WARN.  Lines go to stderr when echo is on, and
 * the last one is kept for tests. */
void host_log_echo(bool on);
const char *host_log_last(void);
unsigned long host_log_lines(void);
void host_log_reset(void);

#endif /* FAULTSIM_MMCORE_HOST_ENV_H */
