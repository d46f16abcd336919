/*
 * A reference model of the page-fault handler and of brk/mmap/munmap/mprotect,
 * written independently of kernel/mm: a flat array of regions, a flat array
 * of mapped pages with their expected bytes, a counter of free frames and a
 * set of (file, offset) page-cache keys.  Everything is a linear scan, so it
 * is slow and obviously right; fuzzers run it in lock step with the real core
 * and compare after every operation.
 *
 * It shares nothing with the handler but <faultsim/abi.h> (decisions, region
 * types, populate kinds, FS_PROT_*, FS_PF_*).  Flags, errno values and layout
 * constants are the documented ones (docs/architecture/page_fault_handler.md),
 * restated here.  Where the core deliberately differs from Linux the oracle
 * follows the documentation (see docs/fuzzing.md, "Oracle semantics").
 *
 * Not thread safe; one oracle per modelled address space.  The page cache is
 * modelled per oracle (the real one is global: run one space at a time).
 */
#ifndef FAULTSIM_TESTS_ORACLE_H
#define FAULTSIM_TESTS_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <faultsim/abi.h>

/* ---- constants (documented values, restated) ---------------------------- */
#define ORACLE_PAGE              4096ULL
#define ORACLE_USER_MIN          0x10000ULL
#define ORACLE_STACK_TOP         0x7ffffffff000ULL
#define ORACLE_STACK_MAX_DEFAULT (8ULL << 20)
#define ORACLE_STACK_GUARD_PAGES 256ULL
#define ORACLE_HEAP_MAX          (4ULL << 30)
#define ORACLE_HEAP_GUARD        (1ULL << 20)
#define ORACLE_MMAP_GUARD        (1ULL << 20)
#define ORACLE_MMAP_BASE_DEFAULT                                                                   \
  (ORACLE_STACK_TOP - ORACLE_STACK_MAX_DEFAULT - ORACLE_STACK_GUARD_PAGES * ORACLE_PAGE -          \
   ORACLE_MMAP_GUARD)
#define ORACLE_LOOP_LIMIT 4u

/* Region flags (the values of the region model's VM_* flags). */
#define ORACLE_RF_EAGER      0x1u
#define ORACLE_RF_GROWS_DOWN 0x2u
#define ORACLE_RF_GROWS_UP   0x4u
#define ORACLE_RF_SHARED     0x8u

/* mmap flags: Linux x86-64 values. */
#define ORACLE_MAP_SHARED          0x01u
#define ORACLE_MAP_PRIVATE         0x02u
#define ORACLE_MAP_SHARED_VALIDATE 0x03u
#define ORACLE_MAP_TYPE_MASK       0x0fu
#define ORACLE_MAP_FIXED           0x10u
#define ORACLE_MAP_ANONYMOUS       0x20u
#define ORACLE_MAP_GROWSDOWN       0x100u
#define ORACLE_MAP_DENYWRITE       0x800u
#define ORACLE_MAP_EXECUTABLE      0x1000u
#define ORACLE_MAP_LOCKED          0x2000u
#define ORACLE_MAP_NORESERVE       0x4000u
#define ORACLE_MAP_POPULATE        0x8000u
#define ORACLE_MAP_NONBLOCK        0x10000u
#define ORACLE_MAP_STACK           0x20000u
#define ORACLE_MAP_HUGETLB         0x40000u
#define ORACLE_MAP_FIXED_NOREPLACE 0x100000u

/* Linux errno values; calls return them negated. */
#define ORACLE_EPERM      1
#define ORACLE_EBADF      9
#define ORACLE_ENOMEM     12
#define ORACLE_EACCES     13
#define ORACLE_EFAULT     14
#define ORACLE_EEXIST     17
#define ORACLE_EINVAL     22
#define ORACLE_EOVERFLOW  75
#define ORACLE_EOPNOTSUPP 95

#define ORACLE_NO_FILE (-1)

/* ---- configuration ------------------------------------------------------ */
/* The bookkeeping the core allocates from the same frame pool, so that the
 * oracle can tell exactly when a fault or a call runs out of frames. */
struct oracle_config {
  size_t frames_free;            /* free frames when the oracle starts (empty space) */
  size_t region_nodes_per_slab;  /* region nodes one bookkeeping frame holds  */
  size_t cache_entries_per_slab; /* page-cache entries one frame holds        */
};

struct oracle;

struct oracle *oracle_create(const struct oracle_config *cfg); /* NULL: out of memory */
void oracle_destroy(struct oracle *o);

/* A read-only backing file (the oracle copies the bytes).  Returns its id
 * (0, 1, ...), or ORACLE_NO_FILE when out of memory. */
int oracle_add_file(struct oracle *o, const void *data, size_t size);

/* ---- layout calls: same arguments and results as the core's --------------
 * file is an id from oracle_add_file or ORACLE_NO_FILE. */
int oracle_add_region(struct oracle *o, enum fs_region_type type, uint64_t start, uint64_t end,
                      unsigned prot, unsigned flags, int file, uint64_t file_offset,
                      uint64_t file_length);

struct oracle_segment {
  uint64_t vaddr, memsz, file_offset, filesz;
  unsigned prot;
};
int oracle_layout_exec(struct oracle *o, int file, const struct oracle_segment *segs, size_t n,
                       uint64_t stack_max, uint64_t stack_guard_pages);

int oracle_mmap(struct oracle *o, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
                int file, uint64_t offset, uint64_t *result);
int oracle_munmap(struct oracle *o, uint64_t addr, uint64_t len);
int oracle_mprotect(struct oracle *o, uint64_t addr, uint64_t len, unsigned prot);
uint64_t oracle_brk(struct oracle *o, uint64_t new_brk);

/* ---- faults ---------------------------------------------------------------- */
struct oracle_fault {
  enum fs_decision decision;
  enum fs_region_type region_type; /* FS_REGION_NONE before a region is looked up */
  enum fs_populate populate;
  bool stack_overflow;
  bool fault_loop;
};
/* One #PF at addr with x86 error code error_code (FS_PF_*) from rip. */
enum fs_decision oracle_fault(struct oracle *o, uint64_t addr, uint32_t error_code, uint64_t rip,
                              struct oracle_fault *out);
/* The kernel touching user memory (copy_to_user and friends): 0, -EFAULT or -ENOMEM. */
int oracle_user_page(struct oracle *o, uint64_t addr, bool write);
/* The retried store after a write fault: addr's page must be mapped writable.
 * Returns false (and changes nothing) when it is not. */
bool oracle_store(struct oracle *o, uint64_t addr, uint8_t value);

/* ---- frames not owned by the space (the test's ballast) ------------------ */
size_t oracle_frames_take(struct oracle *o, size_t n); /* how many it could take */
void oracle_frames_give(struct oracle *o, size_t n);

/* ---- the model's state ------------------------------------------------------ */
struct oracle_region {
  uint64_t start, end;
  enum fs_region_type type;
  unsigned prot;  /* FS_PROT_* */
  unsigned flags; /* ORACLE_RF_* */
  int file;       /* ORACLE_NO_FILE: anonymous (then offset and length are 0) */
  uint64_t file_offset, file_length;
};
size_t oracle_region_count(const struct oracle *o);
const struct oracle_region *oracle_region_at(const struct oracle *o, size_t i); /* ascending */
const struct oracle_region *oracle_region_find(const struct oracle *o, uint64_t addr);

struct oracle_page {
  uint64_t va;
  unsigned prot;             /* the entry's rights */
  bool cache;                /* maps the page-cache frame of (file, offset) */
  const unsigned char *data; /* ORACLE_PAGE bytes it must hold */
};
size_t oracle_page_count(const struct oracle *o);
const struct oracle_page *oracle_page_at(const struct oracle *o, size_t i); /* any order */
const struct oracle_page *oracle_page_find(const struct oracle *o, uint64_t va);

struct oracle_state {
  size_t frames_free;
  size_t region_slabs; /* bookkeeping frames of the region node pool */
  size_t cache_pages;  /* page-cache entries (each holds one frame)  */
  size_t cache_slabs;  /* bookkeeping frames of the page-cache pool  */
  uint64_t brk_start, brk_current, brk_limit;
  uint64_t mmap_base, mmap_floor;
  struct fs_fault_stats stats; /* what the core's counters must read */
};
void oracle_get_state(const struct oracle *o, struct oracle_state *out);
/* Whether (file, page-aligned offset) is in the modelled page cache. */
bool oracle_cached(const struct oracle *o, int file, uint64_t offset);
/* The i-th modelled cache entry (i < cache_pages); false past the end. */
bool oracle_cache_entry(const struct oracle *o, size_t i, int *file, uint64_t *offset);

#endif /* FAULTSIM_TESTS_ORACLE_H */
