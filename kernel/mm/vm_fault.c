/*
 * The page-fault core.  vm_region_handle_page_fault classifies a fault in a
 * fixed order (address, loop, region, guard, rights, page state) and returns
 * exactly one decision; population is dispatched on the region's backing the
 * way Linux's handle_pte_fault does:
 *   anonymous (or past the file bytes)  -> do_anonymous_page
 *   file page that may be shared        -> do_file_read_page   (page cache)
 *   file page that must be private      -> do_file_private_copy
 *   write to a shared cache frame       -> break_cache_sharing (copy on write)
 */
#include <string.h>

#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/page_cache.h>
#include <kernel/vm_fault.h>

static const char *const decision_names[] = FS_DECISION_NAMES;
static const char *const region_type_names[] = FS_REGION_TYPE_NAMES;
static const char *const populate_names[] = FS_POPULATE_NAMES;

const char *vm_decision_name(enum fs_decision d) {
  return (unsigned)d < FS_DECISION_COUNT ? decision_names[d] : "?";
}

const char *vm_region_type_name(enum fs_region_type t) {
  return (unsigned)t < FS_REGION_TYPE_COUNT ? region_type_names[t] : "?";
}

const char *vm_populate_name(enum fs_populate p) {
  return (unsigned)p <= FS_POPULATE_CACHE ? populate_names[p] : "?";
}

bool vm_prot_allows(unsigned prot, unsigned access) {
  if (access == FS_PROT_READ)
    return (prot & (FS_PROT_READ | FS_PROT_WRITE | FS_PROT_EXEC)) != 0;
  return (prot & access) == access;
}

/* The access the fault was for: exactly one of FS_PROT_READ/WRITE/EXEC. */
static unsigned access_of(uint32_t error_code) {
  if (error_code & FS_PF_I)
    return FS_PROT_EXEC;
  if (error_code & FS_PF_W)
    return FS_PROT_WRITE;
  return FS_PROT_READ;
}

/* ---- which file page backs a region page -------------------------------- */
struct file_part {
  uint64_t offset; /* file offset of the page's first byte  */
  size_t bytes;    /* file bytes in the page; zeros follow  */
};

static bool file_part_of(const struct vm_region *r, uint64_t page, struct file_part *fp) {
  uint64_t delta = page - r->start;
  if (!r->file || delta >= r->file_length)
    return false;
  uint64_t left = r->file_length - delta;
  fp->offset = r->file_offset + delta;
  fp->bytes = left < PAGE_SIZE ? (size_t)left : (size_t)PAGE_SIZE;
  return true;
}

/* The cache frame holds the whole file page, zeros past EOF.  It can stand in
 * for the region page when the region shows the same bytes: shared mappings
 * always, private ones when the file part fills the page or runs to EOF. */
static bool cache_frame_fits(const struct vm_region *r, const struct file_part *fp) {
  if (fp->offset & (PAGE_SIZE - 1))
    return false;
  if (r->flags & VM_SHARED)
    return true;
  return fp->bytes == PAGE_SIZE || fp->offset + fp->bytes >= vfs_file_size(r->file);
}

unsigned vm_pte_prot(const struct vm_region *r, uint64_t page, paddr_t pa) {
  struct file_part fp;
  if (file_part_of(r, page, &fp) && !(fp.offset & (PAGE_SIZE - 1)) &&
      page_cache_peek(r->file, fp.offset) == pa)
    return r->prot & ~FS_PROT_WRITE;
  return r->prot;
}

/* ---- population ---------------------------------------------------------- */
static int map_new_frame(struct vm_space *vs, struct vm_region *r, uint64_t page, paddr_t pa,
                         unsigned prot) {
  if (pt_map(vs->pt, page, pa, prot) != 0) {
    frame_put(pa);
    return -ENOMEM;
  }
  r->resident++;
  return 0;
}

static int do_anonymous_page(struct vm_space *vs, struct vm_region *r, uint64_t page,
                             paddr_t *frame) {
  paddr_t pa = frame_alloc();
  if (!pa)
    return -ENOMEM;
  frame_zero(pa);
  *frame = pa;
  return map_new_frame(vs, r, page, pa, r->prot);
}

static int do_file_read_page(struct vm_space *vs, struct vm_region *r, uint64_t page,
                             const struct file_part *fp, paddr_t *frame, bool *hit) {
  paddr_t pa;
  if (page_cache_get(r->file, fp->offset, &pa, hit) != 0)
    return -ENOMEM;
  if (*hit)
    vs->stats->page_cache_hits++;
  else
    vs->stats->file_pages_read++;
  *frame = pa;
  return map_new_frame(vs, r, page, pa, r->prot & ~FS_PROT_WRITE);
}

/* A private page: file bytes then zeros.  The bytes come from the cache
 * frame when the page is already cached (only ever read here), else
 * straight from the file; this path never fills the cache, so an uncached
 * page is read from the file again by each private copy. */
static int do_file_private_copy(struct vm_space *vs, struct vm_region *r, uint64_t page,
                                const struct file_part *fp, paddr_t *frame, bool *from_cache) {
  paddr_t pa = frame_alloc();
  if (!pa)
    return -ENOMEM;
  unsigned char *dst = frame_ptr(pa);
  paddr_t cached = (fp->offset & (PAGE_SIZE - 1)) ? 0 : page_cache_peek(r->file, fp->offset);
  size_t got;
  if (cached) {
    memcpy(dst, frame_ptr(cached), fp->bytes);
    got = fp->bytes;
    vs->stats->page_cache_hits++;
  } else {
    got = vfs_file_read(r->file, fp->offset, dst, fp->bytes);
    vs->stats->file_pages_read++;
  }
  memset(dst + got, 0, PAGE_SIZE - got);
  *from_cache = cached != 0;
  *frame = pa;
  return map_new_frame(vs, r, page, pa, r->prot);
}

int vm_populate_page(struct vm_space *vs, struct vm_region *r, uint64_t page,
                     enum fs_populate *kind, paddr_t *frame) {
  struct file_part fp;
  bool from_cache = false;
  int err;
  if (!file_part_of(r, page, &fp)) {
    *kind = FS_POPULATE_ZERO;
    return do_anonymous_page(vs, r, page, frame);
  }
  bool private_copy = (r->prot & FS_PROT_WRITE) || !cache_frame_fits(r, &fp);
  if (private_copy)
    err = do_file_private_copy(vs, r, page, &fp, frame, &from_cache);
  else
    err = do_file_read_page(vs, r, page, &fp, frame, &from_cache);
  *kind = from_cache ? FS_POPULATE_CACHE : FS_POPULATE_FILE;
  return err;
}

/* Write to a page that maps a page-cache frame read-only while the region is
 * (now) writable and private: give it its own copy, leave the cache intact. */
static int break_cache_sharing(struct vm_space *vs, struct vm_region *r, uint64_t page,
                               paddr_t shared, paddr_t *frame) {
  paddr_t pa = frame_alloc();
  if (!pa)
    return -ENOMEM;
  memcpy(frame_ptr(pa), frame_ptr(shared), PAGE_SIZE);
  if (pt_map(vs->pt, page, pa, r->prot) != 0) {
    frame_put(pa);
    return -ENOMEM;
  }
  frame_put(shared); /* the mapping's reference; the cache keeps its own */
  vs->stats->page_cache_hits++;
  *frame = pa;
  return 0;
}

/* ---- classification ------------------------------------------------------ */
static enum fs_decision fail_decision(struct vm_fault_result *res, enum fs_decision d,
                                      int si_code) {
  res->decision = d;
  res->signal = d == FS_DECISION_OOM ? VM_SIGKILL : VM_SIGSEGV;
  res->si_code = si_code;
  return d;
}

/* The guard is a stack's when a grows-down region starts right at its end. */
static bool guard_below_stack(const struct vm_space *vs, const struct vm_region *guard) {
  const struct vm_region *above = vm_region_next(&vs->regions, guard);
  return above && above->start == guard->end && (above->flags & VM_GROWS_DOWN);
}

/* Counts (rip, addr) repeats right after a decision that promised a retry. */
static bool fault_loops(struct vm_space *vs, uint64_t addr, uint64_t rip) {
  struct vm_fault_loop *l = &vs->loop;
  if (l->armed && l->rip == rip && l->addr == addr)
    l->repeats++;
  else
    l->repeats = 0;
  l->rip = rip;
  l->addr = addr;
  return l->repeats > VM_FAULT_LOOP_LIMIT;
}

static enum fs_decision classify(struct vm_space *vs, uint64_t addr, uint32_t error_code,
                                 uint64_t rip, struct vm_fault_result *res) {
  if (addr >= FS_USER_TOP)
    return fail_decision(res, FS_DECISION_INVALID, VM_SEGV_MAPERR);
  if (fault_loops(vs, addr, rip)) {
    res->fault_loop = true;
    klog(FS_LOG_ERROR, "pf pid=%d: fault loop at rip=0x%llx addr=0x%llx (%u retries)", vs->pid,
         (unsigned long long)rip, (unsigned long long)addr, vs->loop.repeats);
    vs->loop.repeats = 0;
    return fail_decision(res, FS_DECISION_PROTECTION, VM_SEGV_ACCERR);
  }
  if (error_code & FS_PF_RSVD) {
    /* A corrupt page-table entry: never retry into it. */
    klog(FS_LOG_ERROR, "pf pid=%d: reserved bit set in the entry for 0x%llx", vs->pid,
         (unsigned long long)addr);
    return fail_decision(res, FS_DECISION_PROTECTION, VM_SEGV_ACCERR);
  }

  struct vm_region *r = vm_region_find(&vs->regions, addr);
  if (!r)
    return fail_decision(res, FS_DECISION_INVALID, VM_SEGV_MAPERR);
  res->region_type = (enum fs_region_type)r->type;
  res->region_start = r->start;
  res->region_end = r->end;
  res->region_prot = r->prot;
  res->region_flags = r->flags;
  res->region_file = r->file;
  res->region_file_offset = r->file_offset;
  res->region_file_length = r->file_length;

  if (r->type == VM_REGION_GUARD) {
    res->stack_overflow = guard_below_stack(vs, r);
    return fail_decision(res, FS_DECISION_GUARD, VM_SEGV_MAPERR);
  }
  unsigned access = access_of(error_code);
  if (!vm_prot_allows(r->prot, access))
    return fail_decision(res, FS_DECISION_PROTECTION, VM_SEGV_ACCERR);

  uint64_t page = PAGE_ROUND_DOWN(addr);
  paddr_t pa;
  unsigned pte_prot;
  if (pt_lookup(vs->pt, page, &pa, &pte_prot)) {
    res->frame = pa;
    if (vm_prot_allows(pte_prot, access)) {
      res->decision = FS_DECISION_SPURIOUS; /* raced, or a stale TLB entry */
      return res->decision;
    }
    unsigned want = vm_pte_prot(r, page, pa);
    if (access == FS_PROT_WRITE && !(want & FS_PROT_WRITE)) {
      /* The region allows the write but the frame is the page cache's. */
      if (break_cache_sharing(vs, r, page, pa, &res->frame) != 0)
        return fail_decision(res, FS_DECISION_OOM, 0);
      res->populate = FS_POPULATE_CACHE;
      res->decision = FS_DECISION_LAZY;
      return res->decision;
    }
    pt_protect(vs->pt, page, want); /* the entry lagged behind the region */
    res->decision = FS_DECISION_SPURIOUS;
    return res->decision;
  }

  if (vm_populate_page(vs, r, page, &res->populate, &res->frame) != 0) {
    res->populate = FS_POPULATE_NONE;
    res->frame = 0;
    return fail_decision(res, FS_DECISION_OOM, 0);
  }
  res->decision = FS_DECISION_LAZY;
  return res->decision;
}

static void count(struct vm_space *vs, const struct vm_fault_result *res) {
  struct fs_fault_stats *s = vs->stats;
  switch (res->decision) {
  case FS_DECISION_LAZY:
    s->lazy_by_type[res->region_type]++;
    break;
  case FS_DECISION_SPURIOUS:
    s->spurious++;
    break;
  case FS_DECISION_GUARD:
    s->guard_hits++;
    break;
  case FS_DECISION_PROTECTION:
    s->protection_violations++;
    break;
  case FS_DECISION_INVALID:
    s->invalid_addresses++;
    break;
  case FS_DECISION_OOM:
    s->oom_kills++;
    break;
  default:
    break;
  }
}

static const char *access_name(uint32_t error_code) {
  switch (access_of(error_code)) {
  case FS_PROT_EXEC:
    return "exec";
  case FS_PROT_WRITE:
    return "write";
  default:
    return "read";
  }
}

static void prot_string(unsigned prot, char out[4]) {
  out[0] = prot & FS_PROT_READ ? 'r' : '-';
  out[1] = prot & FS_PROT_WRITE ? 'w' : '-';
  out[2] = prot & FS_PROT_EXEC ? 'x' : '-';
  out[3] = '\0';
}

static void log_decision(const struct vm_space *vs, uint64_t addr, uint32_t error_code,
                         uint64_t rip, const struct vm_fault_result *res) {
  char prot[4];
  prot_string(res->region_prot, prot);
  klog_write(FS_LOG_DEBUG,
             "pf pid=%d rip=0x%llx addr=0x%llx %s %s %s region=%s[0x%llx-0x%llx) %s -> %s "
             "populate=%s frame=0x%llx",
             vs->pid, (unsigned long long)rip, (unsigned long long)addr, access_name(error_code),
             error_code & FS_PF_U ? "user" : "kernel",
             error_code & FS_PF_P ? "present" : "not-present",
             vm_region_type_name(res->region_type), (unsigned long long)res->region_start,
             (unsigned long long)res->region_end, prot, vm_decision_name(res->decision),
             vm_populate_name(res->populate), (unsigned long long)res->frame);
}

static enum fs_decision handle_locked(struct vm_space *vs, uint64_t addr, uint32_t error_code,
                                      uint64_t rip, struct vm_fault_result *res) {
  /* An assignment, not memset: gcc stores it inline, while the kernel's
   * memset is a rep stosb, one emulated block dispatch per byte. */
  *res = (struct vm_fault_result){.region_type = FS_REGION_NONE};
  vs->stats->faults_total++;
  if (!(error_code & FS_PF_U) && addr < FS_USER_TOP)
    vs->stats->kernel_mode_faults++;
  enum fs_decision d = classify(vs, addr, error_code, rip, res);
  vs->loop.armed = d == FS_DECISION_LAZY || d == FS_DECISION_SPURIOUS;
  count(vs, res);
  if (FS_LOG_DEBUG <= klog_level)
    log_decision(vs, addr, error_code, rip, res);
  return d;
}

enum fs_decision vm_region_handle_page_fault(struct vm_space *vs, uint64_t addr,
                                             uint32_t error_code, uint64_t rip,
                                             struct vm_fault_result *out) {
  struct vm_fault_result local;
  struct vm_fault_result *res = out ? out : &local;
  vm_lock_acquire(&vs->lock);
  enum fs_decision d = handle_locked(vs, addr, error_code, rip, res);
  vm_lock_release(&vs->lock);
  return d;
}

int vm_space_user_page(struct vm_space *vs, uint64_t addr, bool write, paddr_t *frame) {
  struct vm_fault_result res;
  vm_lock_acquire(&vs->lock);
  uint64_t page = PAGE_ROUND_DOWN(addr);
  paddr_t pa;
  unsigned prot;
  int err = 0;
  /* Present with the rights: no fault, nothing counted. */
  if (addr < FS_USER_TOP && pt_lookup(vs->pt, page, &pa, &prot) &&
      vm_prot_allows(prot, write ? FS_PROT_WRITE : FS_PROT_READ)) {
    *frame = pa;
    vm_lock_release(&vs->lock);
    return 0;
  }
  enum fs_decision d = handle_locked(vs, addr, write ? FS_PF_W : 0, 0, &res);
  vs->loop.armed = false; /* the kernel does not re-execute: no loop to track */
  if (d == FS_DECISION_LAZY || d == FS_DECISION_SPURIOUS)
    *frame = res.frame;
  else
    err = d == FS_DECISION_OOM ? -ENOMEM : -EFAULT;
  vm_lock_release(&vs->lock);
  return err;
}
