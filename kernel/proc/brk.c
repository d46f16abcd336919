/* brk(2), mmap(2), munmap(2), mprotect(2), madvise(2) (see <kernel/brk.h>):
 * argument checks that need the process (the fd), then the fault core;
 * madvise stops after its argument checks (a no-op, unlike Linux's
 * MADV_DONTNEED). */
#include <faultsim/abi.h>
#include <kernel/brk.h>
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/trace.h>
#include <kernel/vm_map.h>

uint64_t sys_brk(struct process *p, uint64_t want) {
  uint64_t got = vm_brk(p->vm, want);
  TRACE(trace_emit_call(p->pid, FS_TRACE_BRK, want, 0, 0, (int64_t)got, 0, 0, NULL));
  return got;
}

/* The file a non-anonymous mapping reads: -EBADF for a bad fd, -ENODEV for
 * things that have no pages to map (console, directories, pseudo-files). */
static int mmap_file_of(struct process *p, uint64_t fd, const struct vfs_file **out) {
  const struct fd *d = process_fd(p, fd);
  if (!d)
    return -EBADF;
  if (d->kind != FD_FILE || d->file->render)
    return -ENODEV;
  *out = d->file;
  return 0;
}

int64_t sys_mmap(struct process *p, uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags,
                 uint64_t fd, uint64_t off) {
  const struct vfs_file *file = NULL;
  int64_t r;
  uint64_t at = 0;
  /* Linux's order: the offset's alignment, then the fd, then the rest. */
  if (off & (PAGE_SIZE - 1))
    r = -EINVAL;
  else if (!(flags & VM_MAP_ANONYMOUS) && (r = mmap_file_of(p, fd, &file)) != 0)
    ;
  else if (prot > 0xffffffffu || flags > 0xffffffffu)
    r = -EINVAL;
  else
    r = vm_mmap(p->vm, addr, len, (unsigned)prot, (unsigned)flags, file, off, &at);
  if (r == 0)
    r = (int64_t)at;
  TRACE(trace_emit_call(p->pid, FS_TRACE_MMAP, addr, len, off, r, (uint32_t)prot, (uint32_t)flags,
                        file));
  return r;
}

int64_t sys_munmap(struct process *p, uint64_t addr, uint64_t len) {
  int64_t r = vm_munmap(p->vm, addr, len);
  TRACE(trace_emit_call(p->pid, FS_TRACE_MUNMAP, addr, len, 0, r, 0, 0, NULL));
  return r;
}

int64_t sys_mprotect(struct process *p, uint64_t addr, uint64_t len, uint64_t prot) {
  int64_t r = prot > 0xffffffffu ? -EINVAL : vm_mprotect(p->vm, addr, len, (unsigned)prot);
  TRACE(trace_emit_call(p->pid, FS_TRACE_MPROTECT, addr, len, 0, r, (uint32_t)prot, 0, NULL));
  return r;
}

int64_t sys_madvise(struct process *p, uint64_t addr, uint64_t len, uint64_t advice) {
  (void)p;
  (void)advice;
  /* Linux's argument checks: an unaligned start, or a length that wraps
   * once rounded up, is -EINVAL. */
  uint64_t rounded = PAGE_ROUND_UP(len);
  if ((addr & (PAGE_SIZE - 1)) || (len && !rounded) || addr + rounded < addr)
    return -EINVAL;
  /* Then nothing: every advice is accepted and ignored (see <kernel/brk.h>). */
  return 0;
}
