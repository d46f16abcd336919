/* Physical frame allocator (see <kernel/pmm.h>). */
#include <stdbool.h>
#include <string.h>
#include <faultsim/abi.h>
#include <kernel/cpu.h>
#include <kernel/kaddr.h>
#include <kernel/log.h>
#include <kernel/pmm.h>

extern char __kernel_start[], __kernel_end[];

/* Free list: the first 8 bytes of each free frame hold the next free frame's
 * physical address (0 ends the list; frame 0 is never usable).  Frames never
 * allocated yet are not on it: a cursor hands them out in ascending order
 * after the list is empty, which is the order a list built at boot would
 * give, without writing to (and so making the host populate) all of RAM at
 * boot. */
static paddr_t free_head;
static struct { uint64_t lo, hi; } fresh[FS_BOOT_MEM_RANGES_MAX];
static unsigned fresh_count, fresh_index;
static uint64_t fresh_pa;
static const struct fs_boot_info *boot_info;
static paddr_t table_pa;
static uint64_t table_bytes;
static uint64_t free_count;
static uint64_t total_count;

/* refcount[pa / PAGE_SIZE] for every frame below max_pa; 0 = free/unmanaged. */
static uint32_t *refcount;
static uint64_t max_pa;

static uint64_t attempts, failures;
static bool inject_armed;
static uint64_t inject_seq, inject_nth, inject_every;

void *frame_ptr(paddr_t pa) {
  return phys_to_virt(pa);
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen) {
  return a < b + blen && b < a + alen;
}

/* Belt and braces over the memory map: never hand out page 0, the boot info
 * and argument pages, the kernel image or the initramfs even if the map
 * wrongly calls them usable. */
static bool frame_forbidden(const struct fs_boot_info *bi, paddr_t pa) {
  uint64_t kstart = image_phys(__kernel_start);
  uint64_t kend = image_phys(__kernel_end);
  return pa < FS_BOOT_ARGS_PHYS + FS_BOOT_ARGS_MAX ||
         overlaps(pa, PAGE_SIZE, kstart, kend - kstart) ||
         overlaps(pa, PAGE_SIZE, bi->initramfs_phys, bi->initramfs_size);
}

/* A usable range clipped to whole pages inside RAM; false if nothing is left. */
static bool usable_range(const struct fs_boot_info *bi, unsigned i, uint64_t *lo, uint64_t *hi) {
  const struct fs_mem_range *r = &bi->mem[i];
  if (r->type != FS_MEM_USABLE || r->length == 0 || r->base + r->length < r->base)
    return false;
  uint64_t end = r->base + r->length;
  if (end > bi->ram_bytes)
    end = bi->ram_bytes;
  *lo = PAGE_ROUND_UP(r->base);
  *hi = PAGE_ROUND_DOWN(end);
  return *lo < *hi;
}

static void free_push(paddr_t pa) {
  *(paddr_t *)frame_ptr(pa) = free_head;
  free_head = pa;
  free_count++;
}

void pmm_init(const struct fs_boot_info *bi) {
  unsigned n = bi->mem_range_count;
  if (n > FS_BOOT_MEM_RANGES_MAX)
    n = FS_BOOT_MEM_RANGES_MAX;
  uint64_t lo, hi;
  for (unsigned i = 0; i < n; i++)
    if (usable_range(bi, i, &lo, &hi) && hi > max_pa)
      max_pa = hi;
  if (max_pa == 0)
    kpanic("pmm: the memory map has no usable RAM");

  /* The refcount array lives in the first usable range big enough for it;
   * those frames are simply never added to the free list. */
  table_bytes = PAGE_ROUND_UP(max_pa / PAGE_SIZE * sizeof(uint32_t));
  table_pa = 0;
  for (unsigned i = 0; i < n && !table_pa; i++) {
    if (!usable_range(bi, i, &lo, &hi))
      continue;
    for (uint64_t pa = lo; pa + table_bytes <= hi; pa += PAGE_SIZE) {
      bool ok = true;
      for (uint64_t q = pa; q < pa + table_bytes && ok; q += PAGE_SIZE)
        ok = !frame_forbidden(bi, q);
      if (ok) {
        table_pa = pa;
        break;
      }
    }
  }
  if (!table_pa)
    kpanic("pmm: no room for %lu bytes of frame reference counts", table_bytes);
  refcount = frame_ptr(table_pa);
  memset(refcount, 0, table_bytes);

  /* Count the frames the cursor will hand out, in ascending address order. */
  boot_info = bi;
  for (unsigned k = 0; k < n; k++) {
    if (!usable_range(bi, k, &lo, &hi))
      continue;
    fresh[fresh_count].lo = lo;
    fresh[fresh_count++].hi = hi;
    for (uint64_t pa = lo; pa < hi; pa += PAGE_SIZE)
      if (!overlaps(pa, PAGE_SIZE, table_pa, table_bytes) && !frame_forbidden(bi, pa))
        free_count++;
  }
  fresh_pa = fresh_count ? fresh[0].lo : 0;
  total_count = free_count;
  klog(FS_LOG_INFO, "pmm: %lu frames (%lu KiB) free, refcounts at %#lx", free_count, free_count * 4,
       table_pa);
}

void pmm_arm_failure_injection(uint64_t nth, uint64_t every) {
  inject_armed = nth || every;
  inject_seq = 0;
  inject_nth = nth;
  inject_every = every;
}

static bool injected_failure(void) {
  if (!inject_armed)
    return false;
  inject_seq++;
  return (inject_nth && inject_seq == inject_nth) ||
         (inject_every && inject_seq % inject_every == 0);
}

/* The next never-allocated frame; free_count says one is left. */
static paddr_t fresh_frame(void) {
  while (fresh_index < fresh_count) {
    while (fresh_pa < fresh[fresh_index].hi) {
      paddr_t pa = fresh_pa;
      fresh_pa += PAGE_SIZE;
      if (!overlaps(pa, PAGE_SIZE, table_pa, table_bytes) && !frame_forbidden(boot_info, pa))
        return pa;
    }
    if (++fresh_index < fresh_count)
      fresh_pa = fresh[fresh_index].lo;
  }
  kpanic("pmm: free count and frames disagree");
}

paddr_t frame_alloc(void) {
  attempts++;
  if (injected_failure() || !free_count) {
    failures++;
    klog(FS_LOG_DEBUG, "pmm: frame allocation %lu fails (%s)", attempts,
         free_count ? "injected" : "out of memory");
    return 0;
  }
  paddr_t pa = free_head;
  if (pa)
    free_head = *(paddr_t *)frame_ptr(pa);
  else
    pa = fresh_frame();
  free_count--;
  refcount[pa / PAGE_SIZE] = 1;
  return pa;
}

static uint32_t *ref_of(paddr_t pa, const char *what) {
  if ((pa & (PAGE_SIZE - 1)) || pa == 0 || pa >= max_pa)
    kpanic("pmm: %s of bad frame %#lx", what, pa);
  return &refcount[pa / PAGE_SIZE];
}

void frame_get(paddr_t pa) {
  uint32_t *r = ref_of(pa, "frame_get");
  if (*r == 0 || *r == UINT32_MAX)
    kpanic("pmm: frame_get of %s frame %#lx", *r ? "saturated" : "free", pa);
  (*r)++;
}

void frame_put(paddr_t pa) {
  uint32_t *r = ref_of(pa, "frame_put");
  if (*r == 0)
    kpanic("pmm: frame_put of free frame %#lx (double free)", pa);
  if (--*r == 0)
    free_push(pa);
}

unsigned frame_refcount(paddr_t pa) {
  return *ref_of(pa, "frame_refcount");
}

paddr_t pmm_alloc_zeroed(void) {
  paddr_t pa = frame_alloc();
  if (pa)
    frame_zero(pa);
  return pa;
}

uint64_t pmm_free_count(void) {
  return free_count;
}
uint64_t pmm_total_count(void) {
  return total_count;
}
uint64_t pmm_alloc_attempts(void) {
  return attempts;
}
uint64_t pmm_alloc_failures(void) {
  return failures;
}
