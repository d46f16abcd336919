/*
 * Address-space lifetime and the small pieces of bookkeeping memory the core
 * needs: the lock, and a node pool that carves fixed-size nodes out of frames
 * so the core stays heap-free in the kernel and in host builds alike.
 */
#include <string.h>

#include <kernel/log.h>
#include <kernel/vm_space.h>

void vm_lock_init(struct vm_lock *l) {
  l->held = 0;
}

void vm_lock_acquire(struct vm_lock *l) {
  /* One CPU: a held lock can only be ours, and spinning would never end. */
  if (__atomic_exchange_n(&l->held, 1, __ATOMIC_ACQUIRE))
    kpanic("vm: lock %p taken twice", (void *)l);
}

void vm_lock_release(struct vm_lock *l) {
  __atomic_store_n(&l->held, 0, __ATOMIC_RELEASE);
}

/* ---- node pool ----------------------------------------------------------
 * A slab is one frame: its first word links the slab list, nodes follow. */
#define SLAB_HEADER 16u

void vm_node_pool_init(struct vm_node_pool *p, size_t node_size) {
  p->node_size = (node_size + 7u) & ~(size_t)7u;
  p->free_list = NULL;
  p->slabs = 0;
  p->slab_count = 0;
  p->live = 0;
}

void *vm_node_alloc(struct vm_node_pool *p) {
  if (!p->free_list) {
    paddr_t slab = frame_alloc();
    if (!slab)
      return NULL;
    unsigned char *base = frame_ptr(slab);
    *(paddr_t *)base = p->slabs;
    p->slabs = slab;
    p->slab_count++;
    for (size_t off = SLAB_HEADER; off + p->node_size <= PAGE_SIZE; off += p->node_size) {
      *(void **)(base + off) = p->free_list;
      p->free_list = base + off;
    }
  }
  void *node = p->free_list;
  p->free_list = *(void **)node;
  p->live++;
  memset(node, 0, p->node_size);
  return node;
}

void vm_node_free(struct vm_node_pool *p, void *node) {
  *(void **)node = p->free_list;
  p->free_list = node;
  p->live--;
}

void vm_node_pool_release(struct vm_node_pool *p) {
  if (p->live)
    kpanic("vm: node pool released with %zu live nodes", p->live);
  while (p->slabs) {
    paddr_t slab = p->slabs;
    p->slabs = *(paddr_t *)frame_ptr(slab);
    frame_put(slab);
  }
  p->slab_count = 0;
  p->free_list = NULL;
}

/* ---- regions ------------------------------------------------------------ */
struct vm_region *vm_space_new_region(struct vm_space *vs) {
  return vm_node_alloc(&vs->region_nodes);
}

void vm_space_free_region(struct vm_space *vs, struct vm_region *r) {
  vm_node_free(&vs->region_nodes, r);
}

static void unmap_one(void *ctx, vaddr_t va, paddr_t pa) {
  pt_unmap(ctx, va);
  frame_put(pa);
}

void vm_space_unmap_pages(struct vm_space *vs, struct vm_region *r, uint64_t lo, uint64_t hi) {
  if (!r->resident)
    return; /* never populated: nothing to walk */
  pt_for_each_mapped(vs->pt, lo, hi, unmap_one, vs->pt);
}

/* ---- lifetime ----------------------------------------------------------- */
void vm_space_init(struct vm_space *vs, struct pt_space *pt, struct fs_fault_stats *stats) {
  memset(vs, 0, sizeof(*vs));
  vm_lock_init(&vs->lock);
  vm_region_set_init(&vs->regions);
  vm_node_pool_init(&vs->region_nodes, sizeof(struct vm_region));
  vs->pt = pt;
  vs->stats = stats ? stats : &vs->own_stats;
  /* Usable before an exec layout: mmap works, brk refuses (limit 0). */
  vs->mmap_base = vs->mmap_cursor = VM_MMAP_BASE_DEFAULT;
  vs->mmap_floor = VM_USER_MIN;
}

void vm_space_fini(struct vm_space *vs) {
  vm_lock_acquire(&vs->lock);
  struct vm_region *r;
  while ((r = vs->regions.root) != NULL) {
    vm_space_unmap_pages(vs, r, r->start, r->end);
    vm_region_remove(&vs->regions, r);
    vm_space_free_region(vs, r);
  }
  vm_node_pool_release(&vs->region_nodes);
  vm_lock_release(&vs->lock);
}

struct vm_space *vm_space_create(struct pt_space *pt, struct fs_fault_stats *stats) {
  _Static_assert(sizeof(struct vm_space) <= PAGE_SIZE, "vm_space must fit one frame");
  paddr_t frame = frame_alloc();
  if (!frame)
    return NULL;
  struct vm_space *vs = frame_ptr(frame);
  vm_space_init(vs, pt, stats);
  vs->self_frame = frame;
  return vs;
}

void vm_space_destroy(struct vm_space *vs) {
  paddr_t frame = vs->self_frame;
  vm_space_fini(vs);
  if (frame)
    frame_put(frame);
}
