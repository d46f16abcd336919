/* brk(2) with an eagerly mapped heap (see <kernel/brk.h>). */
#include <string.h>
#include <faultsim/abi.h>
#include <kernel/brk.h>
#include <kernel/log.h>
#include <kernel/pmm.h>

void brk_init(struct process *p, uint64_t image_end) {
  p->brk_start = p->brk = PAGE_ROUND_UP(image_end);
  /* The heap must stay clear of the stack and its guard gap. */
  uint64_t guard = p->stack_guard_pages;
  if (guard > p->stack_bottom / PAGE_SIZE)
    guard = p->stack_bottom / PAGE_SIZE;
  uint64_t ceiling = p->stack_bottom - guard * PAGE_SIZE;
  p->brk_limit = p->brk_start + BRK_MAX_BYTES;
  if (p->brk_limit > ceiling || p->brk_limit < p->brk_start)
    p->brk_limit = ceiling > p->brk_start ? ceiling : p->brk_start;
}

static void unmap_page(struct process *p, uint64_t va) {
  paddr_t pa;
  if (pt_lookup(&p->pt, va, &pa, NULL)) {
    pt_unmap(&p->pt, va);
    frame_put(pa);
  }
}

uint64_t sys_brk(struct process *p, uint64_t want) {
  if (want < p->brk_start || want > p->brk_limit)
    return p->brk;
  uint64_t old_end = PAGE_ROUND_UP(p->brk), new_end = PAGE_ROUND_UP(want);
  for (uint64_t va = old_end; va < new_end; va += PAGE_SIZE) {
    paddr_t pa = pmm_alloc_zeroed();
    if (!pa || pt_map(&p->pt, va, pa, FS_PROT_READ | FS_PROT_WRITE) != 0) {
      if (pa)
        frame_put(pa);
      for (uint64_t undo = old_end; undo < va; undo += PAGE_SIZE)
        unmap_page(p, undo);
      klog(FS_LOG_INFO, "pid %d: brk to %#lx refused: out of memory", p->pid, want);
      return p->brk;
    }
  }
  for (uint64_t va = new_end; va < old_end; va += PAGE_SIZE)
    unmap_page(p, va);
  p->brk = want;
  return p->brk;
}
