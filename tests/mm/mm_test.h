/* Shared fixture for the tests/mm CMocka suites: a host frame pool, one
 * address space on a software page table, and helpers to fault and peek. */
#ifndef TESTS_MM_MM_TEST_H
#define TESTS_MM_MM_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "host_env.h"
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/page_cache.h>
#include <kernel/vm_fault.h>
#include <kernel/vm_map.h>
#include <kernel/vm_space.h>

#define PF_USER_READ  (FS_PF_U)
#define PF_USER_WRITE (FS_PF_U | FS_PF_W)
#define PF_USER_EXEC  (FS_PF_U | FS_PF_I)

struct mm_fixture {
  struct pt_space *pt;
  struct vm_space *vs;
  struct fs_fault_stats stats;
  uint64_t rip; /* every fault gets a fresh rip unless a test wants a loop */
};

static inline void mm_fixture_init(struct mm_fixture *fx, size_t frames) {
  memset(fx, 0, sizeof(*fx));
  assert_true(host_frames_init(frames));
  fx->pt = host_pt_create();
  assert_non_null(fx->pt);
  fx->vs = vm_space_create(fx->pt, &fx->stats);
  assert_non_null(fx->vs);
  fx->rip = 0x401000;
  klog_level = FS_LOG_WARN;
}

/* Tears everything down and checks that no frame leaked. */
static inline void mm_fixture_fini(struct mm_fixture *fx) {
  if (fx->vs)
    vm_space_destroy(fx->vs);
  fx->vs = NULL;
  page_cache_clear();
  assert_int_equal(host_pt_count(fx->pt), 0);
  host_pt_destroy(fx->pt);
  assert_int_equal(host_frames_free(), host_frames_total());
  host_frames_fini();
}

static inline enum fs_decision mm_fault(struct mm_fixture *fx, uint64_t addr, uint32_t ec,
                                        struct vm_fault_result *res) {
  struct vm_fault_result local;
  return vm_region_handle_page_fault(fx->vs, addr, ec, fx->rip++, res ? res : &local);
}

/* The frame mapped at addr (0 if none) and its rights. */
static inline paddr_t mm_mapped(struct mm_fixture *fx, uint64_t addr, unsigned *prot) {
  paddr_t pa;
  unsigned p;
  if (!pt_lookup(fx->pt, PAGE_ROUND_DOWN(addr), &pa, &p))
    return 0;
  if (prot)
    *prot = p;
  return pa;
}

static inline unsigned char *mm_bytes(struct mm_fixture *fx, uint64_t addr) {
  paddr_t pa = mm_mapped(fx, addr, NULL);
  assert_true(pa != 0);
  return (unsigned char *)frame_ptr(pa) + (addr & (PAGE_SIZE - 1));
}

/* A file of `size` bytes whose byte i is pattern_byte(i) (never 0). */
static inline unsigned char pattern_byte(uint64_t i) {
  return (unsigned char)(1 + (i * 7 + i / 4096) % 251);
}

static inline struct vfs_file *mm_pattern_file(size_t size) {
  unsigned char *buf = malloc(size ? size : 1);
  assert_non_null(buf);
  for (size_t i = 0; i < size; i++)
    buf[i] = pattern_byte(i);
  struct vfs_file *f = host_file_create(buf, size);
  free(buf);
  assert_non_null(f);
  return f;
}

#endif /* TESTS_MM_MM_TEST_H */
