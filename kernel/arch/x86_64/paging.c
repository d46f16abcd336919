/* x86-64 4-level paging (see <kernel/paging.h>); implements the page-table
 * half of <kernel/mm_env.h>. */
#include <string.h>
#include <faultsim/abi.h>
#include <kernel/cpu.h>
#include <kernel/errno.h>
#include <kernel/kaddr.h>
#include <kernel/log.h>
#include <kernel/paging.h>
#include <kernel/pmm.h>

#define ENTRIES     512
#define KERNEL_HALF 256

static struct pt_space kernel_space;
static struct pt_space *current;

static inline unsigned idx(vaddr_t va, int level) {
  return (va >> (12 + 9 * level)) & 511;
}
/* The direct map, inline: a call per level was a third of every walk. */
static inline uint64_t *table(paddr_t pa) {
  return phys_to_virt(pa);
}

void paging_init(void) {
  wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
  paddr_t pml4 = pmm_alloc_zeroed();
  if (!pml4)
    kpanic("paging: no frame for the kernel PML4");
  /* Reach the boot PML4 through the direct map: the identity map it holds is
   * about to disappear. */
  uint64_t *boot = table(read_cr3() & PTE_ADDR);
  memcpy(table(pml4) + KERNEL_HALF, boot + KERNEL_HALF, KERNEL_HALF * sizeof(uint64_t));
  kernel_space.pml4 = pml4;
  write_cr3(pml4);
  current = &kernel_space;
}

int pt_space_init(struct pt_space *pt) {
  paddr_t pml4 = pmm_alloc_zeroed();
  if (!pml4)
    return -ENOMEM;
  memcpy(table(pml4) + KERNEL_HALF, table(kernel_space.pml4) + KERNEL_HALF,
         KERNEL_HALF * sizeof(uint64_t));
  pt->pml4 = pml4;
  return 0;
}

void pt_space_activate(struct pt_space *pt) {
  if (!pt)
    pt = &kernel_space;
  current = pt;
  write_cr3(pt->pml4); /* flushes every non-global TLB entry */
}

static bool user_va(vaddr_t va) {
  return va < FS_USER_TOP;
}

/* Walk to the leaf table for va, creating missing tables when create is set.
 * If a table allocation fails, the tables this walk created are unlinked and
 * freed again, so a failed pt_map leaves the space exactly as it was. */
static uint64_t *walk(struct pt_space *pt, vaddr_t va, bool create) {
  uint64_t *created[3];
  int ncreated = 0;
  uint64_t *t = table(pt->pml4);
  for (int level = 3; level > 0; level--) {
    uint64_t *e = &t[idx(va, level)];
    if (!(*e & PTE_P)) {
      paddr_t pa = create ? pmm_alloc_zeroed() : 0;
      if (!pa) {
        while (ncreated-- > 0) {
          paddr_t tpa = *created[ncreated] & PTE_ADDR;
          *created[ncreated] = 0;
          frame_put(tpa);
        }
        return NULL;
      }
      /* Intermediate entries allow everything; the leaf decides. */
      *e = pa | PTE_P | PTE_W | PTE_U;
      created[ncreated++] = e;
    } else if (*e & PTE_PS) {
      kpanic("paging: huge page in a user walk at %#lx", va);
    }
    t = table(*e & PTE_ADDR);
  }
  return &t[idx(va, 0)];
}

/* The leaf PTE for va, or NULL if no table reaches it (no allocation). */
static uint64_t *pt_leaf(struct pt_space *pt, vaddr_t va) {
  return user_va(va) ? walk(pt, va, false) : NULL;
}

static uint64_t prot_bits(unsigned prot) {
  if (!(prot & (FS_PROT_READ | FS_PROT_WRITE | FS_PROT_EXEC)))
    return PTE_NONE;
  uint64_t bits = PTE_P | PTE_U;
  if (prot & FS_PROT_WRITE)
    bits |= PTE_W;
  if (!(prot & FS_PROT_EXEC))
    bits |= PTE_NX;
  return bits;
}

static unsigned pte_prot(uint64_t pte) {
  if (!(pte & PTE_P))
    return 0;
  /* x86 cannot make a present page unreadable. */
  unsigned prot = FS_PROT_READ;
  if (pte & PTE_W)
    prot |= FS_PROT_WRITE;
  if (!(pte & PTE_NX))
    prot |= FS_PROT_EXEC;
  return prot;
}

static inline bool pte_mapped(uint64_t pte) {
  return pte & (PTE_P | PTE_NONE);
}

static void flush(struct pt_space *pt, vaddr_t va) {
  if (pt == current)
    invlpg(va);
}

int pt_map(struct pt_space *pt, vaddr_t va, paddr_t pa, unsigned prot) {
  va = PAGE_ROUND_DOWN(va);
  if (!user_va(va) || (pa & ~PTE_ADDR))
    kpanic("pt_map: bad mapping %#lx -> %#lx", va, pa);
  uint64_t *e = walk(pt, va, true);
  if (!e)
    return -ENOMEM;
  *e = pa | prot_bits(prot);
  flush(pt, va);
  return 0;
}

bool pt_lookup(struct pt_space *pt, vaddr_t va, paddr_t *pa, unsigned *prot) {
  uint64_t *e = pt_leaf(pt, PAGE_ROUND_DOWN(va));
  if (!e || !pte_mapped(*e))
    return false;
  if (pa)
    *pa = *e & PTE_ADDR;
  if (prot)
    *prot = pte_prot(*e);
  return true;
}

void pt_unmap(struct pt_space *pt, vaddr_t va) {
  va = PAGE_ROUND_DOWN(va);
  uint64_t *e = pt_leaf(pt, va);
  if (!e || !pte_mapped(*e))
    return;
  *e = 0;
  flush(pt, va);
}

void pt_protect(struct pt_space *pt, vaddr_t va, unsigned prot) {
  va = PAGE_ROUND_DOWN(va);
  uint64_t *e = pt_leaf(pt, va);
  if (!e || !pte_mapped(*e))
    return;
  *e = (*e & PTE_ADDR) | prot_bits(prot);
  flush(pt, va);
}

void pt_for_each_mapped(struct pt_space *pt, vaddr_t lo, vaddr_t hi, pt_visit_fn fn, void *ctx) {
  vaddr_t va = PAGE_ROUND_DOWN(lo);
  if (hi > FS_USER_TOP)
    hi = FS_USER_TOP;
  while (va < hi) {
    /* Descend as far as tables exist; a missing one skips everything it
     * would have covered. */
    uint64_t *t = table(pt->pml4);
    int level = 3;
    for (; level > 0; level--) {
      uint64_t e = t[idx(va, level)];
      if (!(e & PTE_P))
        break;
      if (e & PTE_PS)
        kpanic("paging: huge page in a user walk at %#lx", va);
      t = table(e & PTE_ADDR);
    }
    if (level > 0) {
      uint64_t span = 1ULL << (12 + 9 * level);
      va = (va & ~(span - 1)) + span;
      continue;
    }
    /* One leaf table: up to its last entry or hi, whichever comes first. */
    do {
      uint64_t pte = t[idx(va, 0)];
      if (pte_mapped(pte))
        fn(ctx, va, pte & PTE_ADDR);
      va += PAGE_SIZE;
    } while (va < hi && idx(va, 0) != 0);
  }
}

/* Free a table at `level` (2 = PDPT ... 0 = PT) and everything below it. */
static void free_table(paddr_t pa, int level) {
  uint64_t *t = table(pa);
  for (unsigned i = 0; i < ENTRIES; i++) {
    uint64_t e = t[i];
    if (level == 0) {
      if (pte_mapped(e))
        frame_put(e & PTE_ADDR);
    } else if (e & PTE_P) {
      free_table(e & PTE_ADDR, level - 1);
    }
  }
  frame_put(pa);
}

void pt_space_destroy(struct pt_space *pt) {
  if (!pt->pml4)
    return;
  if (pt == current)
    pt_space_activate(NULL);
  uint64_t *t = table(pt->pml4);
  for (unsigned i = 0; i < KERNEL_HALF; i++)
    if (t[i] & PTE_P)
      free_table(t[i] & PTE_ADDR, 2);
  frame_put(pt->pml4);
  pt->pml4 = 0;
}
