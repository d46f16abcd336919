/* #PF error-code self-test (boot flag FS_BOOT_SELFTEST_PF).
 *
 * Provokes one page fault per case in a scratch address space and compares
 * the error code the CPU (the machine) delivered with the architectural value
 * (Intel SDM Vol. 3A, 4.7).  One log line per case, always printed:
 *   pf-selftest: <case> err=0x<hex> expected=0x<hex> ok|FAIL
 * then "pf-selftest: N passed, M failed".  A case also fails if CR2 is not
 * the address touched, or if no fault happened at all (err=0xffffffff).
 *
 * Ring-0 cases call a probe that saves RSP; the trap hook sends the faulting
 * probe to st_recover, which restores RSP and returns 1 to the caller.
 * Ring-3 cases iretq to a tiny snippet that does the access then `int3`; the
 * hook records the fault (or the int3: no fault) and jumps back to the test
 * with kctx_restore, abandoning the trap stack. */
#include <string.h>
#include <faultsim/abi.h>
#include <kernel/context.h>
#include <kernel/cpu.h>
#include <kernel/kprintf.h>
#include <kernel/log.h>
#include <kernel/paging.h>
#include <kernel/pmm.h>
#include <kernel/selftest_pf.h>
#include <kernel/serial.h>

bool selftest_pf_active;

#define ST_CODE  0x10000000ull /* user R+X: the snippets                    */
#define ST_RO    0x10001000ull /* user R, NX: write and fetch targets       */
#define ST_STACK 0x10002000ull /* user RW: the snippets' stack              */
#define ST_NP    0x10100000ull /* never mapped                              */
#define ST_SUPER FS_DIRECT_MAP /* kernel page: present, U=0                 */

#define NO_FAULT 0xffffffffull

/* Ring-0 probes: return 0 if the access completed, 1 if it faulted. */
uint64_t st_kread(uint64_t addr);
uint64_t st_kwrite(uint64_t addr);
uint64_t st_kfetch(uint64_t addr);
extern char st_recover[];
uint64_t st_saved_rsp;

__asm__(".text\n"
        ".globl st_kread, st_kwrite, st_kfetch, st_recover\n"
        "st_kread:\n"
        "  movq %rsp, st_saved_rsp(%rip)\n"
        "  movb (%rdi), %al\n"
        "  xorl %eax, %eax\n"
        "  ret\n"
        "st_kwrite:\n"
        "  movq %rsp, st_saved_rsp(%rip)\n"
        "  movb $0, (%rdi)\n"
        "  xorl %eax, %eax\n"
        "  ret\n"
        "st_kfetch:\n"
        "  movq %rsp, st_saved_rsp(%rip)\n"
        "  call *%rdi\n"
        "  xorl %eax, %eax\n"
        "  ret\n"
        "st_recover:\n"
        "  movq st_saved_rsp(%rip), %rsp\n"
        "  movl $1, %eax\n"
        "  ret\n");

/* Ring-3 snippets, position independent, each ends in int3 (vector 3, the
 * only DPL-3 gate). */
static const uint8_t snip_read[] = {0x8a, 0x07, 0xcc};        /* mov (%rdi),%al; int3   */
static const uint8_t snip_write[] = {0xc6, 0x07, 0x01, 0xcc}; /* movb $1,(%rdi); int3   */
static const uint8_t snip_fetch[] = {0xff, 0xe7, 0xcc};       /* jmp *%rdi; int3        */
#define OFF_READ  0
#define OFF_WRITE 16
#define OFF_FETCH 32

static struct kcontext st_ctx;
static uint64_t got_err, got_cr2;

bool selftest_pf_trap(struct trap_frame *tf) {
  if (tf->vector == T_PF) {
    got_err = tf->error;
    got_cr2 = read_cr2();
    if (trap_from_user(tf))
      kctx_restore(&st_ctx, 1);
    tf->rip = (uint64_t)(uintptr_t)st_recover;
    return true;
  }
  if (tf->vector == T_BP && trap_from_user(tf)) {
    got_err = NO_FAULT; /* the snippet finished: no fault happened */
    kctx_restore(&st_ctx, 2);
  }
  return false;
}

static void run_user(uint64_t off, uint64_t addr) {
  struct trap_frame tf;
  memset(&tf, 0, sizeof tf);
  tf.rip = ST_CODE + off;
  tf.cs = FS_SEL_USER_CS;
  tf.rflags = 0x2; /* IF clear: nothing may interrupt the snippet */
  tf.rsp = ST_STACK + PAGE_SIZE - 16;
  tf.ss = FS_SEL_USER_DS;
  tf.rdi = addr;
  if (kctx_save(&st_ctx) == 0)
    user_enter(&tf);
}

static void run_kernel(uint64_t (*probe)(uint64_t), uint64_t addr) {
  if (probe(addr) == 0)
    got_err = NO_FAULT;
}

static int passed, failed;

static void check(const char *name, uint64_t addr, uint64_t expected) {
  bool ok = got_err == expected && got_cr2 == addr;
  klog_write(FS_LOG_INFO, "pf-selftest: %s err=0x%lx expected=0x%lx %s", name, got_err, expected,
             ok ? "ok" : "FAIL");
  if (ok)
    passed++;
  else
    failed++;
}

static bool map_page(struct pt_space *pt, uint64_t va, unsigned prot, const void *a, size_t an,
                     const void *b, size_t bn, const void *c, size_t cn) {
  paddr_t pa = pmm_alloc_zeroed();
  if (!pa)
    return false;
  uint8_t *page = frame_ptr(pa);
  memset(page, 0xcc, PAGE_SIZE); /* int3 everywhere else */
  memcpy(page + OFF_READ, a, an);
  memcpy(page + OFF_WRITE, b, bn);
  memcpy(page + OFF_FETCH, c, cn);
  if (pt_map(pt, va, pa, prot) != 0) {
    frame_put(pa);
    return false;
  }
  return true;
}

int selftest_pf_run(void) {
  struct pt_space st;
  passed = failed = 0;
  if (pt_space_init(&st) != 0 ||
      !map_page(&st, ST_CODE, FS_PROT_READ | FS_PROT_EXEC, snip_read, sizeof snip_read, snip_write,
                sizeof snip_write, snip_fetch, sizeof snip_fetch) ||
      !map_page(&st, ST_RO, FS_PROT_READ, "", 0, "", 0, "", 0) ||
      !map_page(&st, ST_STACK, FS_PROT_READ | FS_PROT_WRITE, "", 0, "", 0, "", 0)) {
    klog_write(FS_LOG_ERROR, "pf-selftest: out of memory");
    pt_space_destroy(&st);
    return 1;
  }
  pt_space_activate(&st);
  selftest_pf_active = true;

  struct {
    const char *name;
    bool user;
    uint64_t (*probe)(uint64_t);
    uint64_t off, addr, expected;
  } cases[] = {
      {"supervisor-read-not-present", false, st_kread, 0, ST_NP, 0x0},
      {"supervisor-write-not-present", false, st_kwrite, 0, ST_NP, 0x2},
      {"supervisor-fetch-not-present", false, st_kfetch, 0, ST_NP, 0x10},
      {"supervisor-write-read-only", false, st_kwrite, 0, ST_RO, 0x3},
      {"supervisor-fetch-nx", false, st_kfetch, 0, ST_RO, 0x11},
      {"user-read-not-present", true, NULL, OFF_READ, ST_NP, 0x4},
      {"user-write-not-present", true, NULL, OFF_WRITE, ST_NP, 0x6},
      {"user-fetch-not-present", true, NULL, OFF_FETCH, ST_NP, 0x14},
      {"user-read-supervisor", true, NULL, OFF_READ, ST_SUPER, 0x5},
      {"user-write-read-only", true, NULL, OFF_WRITE, ST_RO, 0x7},
      {"user-fetch-nx", true, NULL, OFF_FETCH, ST_RO, 0x15},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    got_err = NO_FAULT;
    got_cr2 = 0;
    if (cases[i].user)
      run_user(cases[i].off, cases[i].addr);
    else
      run_kernel(cases[i].probe, cases[i].addr);
    check(cases[i].name, cases[i].addr, cases[i].expected);
  }

  selftest_pf_active = false;
  pt_space_activate(NULL);
  pt_space_destroy(&st);
  klog_write(FS_LOG_INFO, "pf-selftest: %d passed, %d failed", passed, failed);
  return failed;
}
