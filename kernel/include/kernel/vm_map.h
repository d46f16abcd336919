/*
 * Address-space changes: the cores of brk, mmap, munmap and mprotect (the
 * syscall layer copies the arguments and calls these), and the exec layout
 * the ELF loader builds.  Every call takes vs->lock.  Errors are negative
 * Linux errno values.  The results below are the core's; in the kernel, a
 * call during which a frame allocation failed ends with the process
 * OOM-killed instead (syscall_dispatch), so the out-of-memory results only
 * reach host callers.
 */
#ifndef KERNEL_VM_MAP_H
#define KERNEL_VM_MAP_H

#include <stddef.h>
#include <stdint.h>

#include <kernel/mm_env.h>
#include <kernel/vm_region.h>
#include <kernel/vm_space.h>

/* mmap flags: Linux x86-64 values. */
#define VM_MAP_SHARED          0x01u
#define VM_MAP_PRIVATE         0x02u
#define VM_MAP_SHARED_VALIDATE 0x03u
#define VM_MAP_TYPE_MASK       0x0fu
#define VM_MAP_FIXED           0x10u
#define VM_MAP_ANONYMOUS       0x20u
#define VM_MAP_GROWSDOWN       0x100u
#define VM_MAP_DENYWRITE       0x800u
#define VM_MAP_EXECUTABLE      0x1000u
#define VM_MAP_LOCKED          0x2000u
#define VM_MAP_NORESERVE       0x4000u
#define VM_MAP_POPULATE        0x8000u
#define VM_MAP_NONBLOCK        0x10000u
#define VM_MAP_STACK           0x20000u
#define VM_MAP_HUGETLB         0x40000u
#define VM_MAP_FIXED_NOREPLACE 0x100000u

/* Not in <kernel/errno.h>: returned for MAP_SHARED_VALIDATE with an unknown flag. */
#define VM_EOPNOTSUPP 95

/* brk(2): returns the new break, or the current one when new_brk is below
 * brk_start, beyond brk_limit, would collide with another region, or the
 * node allocation fails (the kernel kills then, see above).  Shrinking
 * unmaps and frees the pages. */
uint64_t vm_brk(struct vm_space *vs, uint64_t new_brk);

/* mmap(2): on success 0 and *result = the mapping's address.
 *   MAP_PRIVATE (anonymous or file), MAP_SHARED anonymous (same as private:
 *   there is no fork yet), MAP_SHARED file read-only (maps the page-cache
 *   frames; PROT_WRITE gives -EACCES: backing files are read-only).
 *   MAP_FIXED replaces what was there; MAP_FIXED_NOREPLACE gives -EEXIST.
 *   A hint is used when the range is free, else top-down first fit below
 *   mmap_base.  Guard regions are never reused (MAP_FIXED over one: -ENOMEM).
 *   MAP_POPULATE prefaults (failures ignored here, as Linux;
 *   the kernel still OOM-kills after the call, see above).
 *   -EINVAL: len 0, unaligned offset, unaligned MAP_FIXED address, no/unknown
 *   mapping type, bad prot bits.  -ENOMEM: no gap, past FS_USER_TOP, or no
 *   memory for the region.  -EPERM: MAP_FIXED below VM_USER_MIN.  -EBADF:
 *   file mapping without a file.  -EOVERFLOW: offset + len overflows. */
int vm_mmap(struct vm_space *vs, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
            const struct vfs_file *file, uint64_t offset, uint64_t *result);

/* munmap(2): unmaps [addr, addr+len), splitting regions cut by either end.
 * Guard regions are left in place.  0, -EINVAL (unaligned, len 0, past the
 * top) or -ENOMEM (a split found no memory: nothing changed). */
int vm_munmap(struct vm_space *vs, uint64_t addr, uint64_t len);

/* mprotect(2): 0, -EINVAL (unaligned addr, bad prot bits), -ENOMEM (the range
 * is not entirely mapped -- holes or guard regions -- or a split found no
 * memory: nothing changed), -EACCES (write on a shared file mapping).
 * Present pages get their new rights at once. */
int vm_mprotect(struct vm_space *vs, uint64_t addr, uint64_t len, unsigned prot);

/* Adds one region [start, end) (page aligned) of the given type; a VM_EAGER
 * region is populated at once.  0, -EINVAL, -EEXIST (overlap) or -ENOMEM. */
int vm_space_add_region(struct vm_space *vs, enum vm_region_type type, uint64_t start, uint64_t end,
                        unsigned prot, unsigned flags, const struct vfs_file *file,
                        uint64_t file_offset, uint64_t file_length);

/* One PT_LOAD of the executable. */
struct vm_exec_segment {
  uint64_t vaddr;
  uint64_t memsz;
  uint64_t file_offset;
  uint64_t filesz;
  unsigned prot; /* FS_PROT_* from p_flags */
};

struct vm_exec_image {
  const struct vfs_file *file;
  const struct vm_exec_segment *segments;
  size_t segment_count;
  uint64_t stack_max;         /* 0: VM_STACK_MAX_DEFAULT                  */
  uint64_t stack_guard_pages; /* the machine's setting (VM_STACK_GUARD_PAGES_DEFAULT) */
};

/* Lays out a fresh space for an executable: per PT_LOAD a file-backed region
 * (TEXT if executable, else DATA) up to the page holding the end of its file
 * bytes, then a BSS region for the rest of memsz; the heap (brk_start = page
 * after the highest segment), the heap guard, the mmap area and its guard,
 * the stack guard and the stack.  Returns 0, -EINVAL (a segment is malformed,
 * reaches outside the file, overlaps or shares a page with another, or lies
 * so high that the heap's VM_HEAP_MAX_SIZE and guard do not fit below
 * mmap_base; the stack or its guard is too large) or -ENOMEM.  On failure the
 * space holds a partial layout: destroy it. */
int vm_space_layout_exec(struct vm_space *vs, const struct vm_exec_image *img);
/* The same; on -EINVAL, *why (if why is not NULL) names the reason. */
int vm_space_layout_exec_why(struct vm_space *vs, const struct vm_exec_image *img,
                             const char **why);

#endif /* KERNEL_VM_MAP_H */
