/* kmain: bring the machine up, run one program, report, exit.
 *
 * Order matters: the log first (so everything after can complain), then the
 * CPU tables (so a fault is diagnosed rather than a triple fault), then
 * memory, then the initramfs, then the program. */
#include <string.h>
#include <faultsim/abi.h>
#include <kernel/cpu.h>
#include <kernel/errno.h>
#include <kernel/exec.h>
#include <kernel/fault_stats.h>
#include <kernel/gdt.h>
#include <kernel/kaddr.h>
#include <kernel/log.h>
#include <kernel/paging.h>
#include <kernel/pmm.h>
#include <kernel/page_cache.h>
#include <kernel/procfs.h>
#include <kernel/process.h>
#include <kernel/selftest_pf.h>
#include <kernel/signal.h>
#include <kernel/syscall.h>
#include <kernel/trace.h>
#include <kernel/trap.h>
#include <kernel/vfs.h>

_Noreturn void kmain(uint64_t boot_info_phys);

static const char *arg_ptrs[EXEC_MAX_STRINGS + 1];
static struct fs_kernel_report report;

/* argv then envp: argc + envc NUL-terminated strings in [args, args+size). */
static void parse_args(const struct fs_boot_info *bi) {
  uint64_t size = bi->args_size < FS_BOOT_ARGS_MAX ? bi->args_size : FS_BOOT_ARGS_MAX;
  uint64_t n = (uint64_t)bi->argc + bi->envc;
  if (n > EXEC_MAX_STRINGS)
    kpanic("boot: %lu argument strings, at most %d supported", n, EXEC_MAX_STRINGS);
  const char *s = phys_to_virt(bi->args_phys), *end = s + size;
  for (uint64_t i = 0; i < n; i++) {
    size_t len = strnlen(s, (size_t)(end - s));
    if (s + len >= end)
      kpanic("boot: argument string %lu is not terminated inside args_size", i);
    arg_ptrs[i] = s;
    s += len + 1;
  }
  arg_ptrs[n] = NULL;
}

static _Noreturn void finish(uint32_t kind, uint32_t code) {
  report.magic = FS_REPORT_MAGIC;
  report.frames_total = pmm_total_count();
  report.frames_free_exit = pmm_free_count();
  report.frame_allocs = pmm_alloc_attempts();
  report.frame_alloc_failures = pmm_alloc_failures();
  report.stats = fault_stats;
  if (report.frames_free_exit != report.frames_free_boot)
    klog(FS_LOG_WARN, "frames leaked: %ld (free at boot %lu, at exit %lu)",
         (int64_t)(report.frames_free_boot - report.frames_free_exit), report.frames_free_boot,
         report.frames_free_exit);
  outl(FS_PORT_REPORT, (uint32_t)image_phys(&report));
  outl(FS_PORT_EXIT, FS_EXIT_VALUE(kind, code));
  halt_forever();
}

/* No memory to even start the program: the OOM killer ends it before it
 * runs (as Linux kills a process that runs out during execve).  Counted here
 * unless a fault decision (oom) already counted it. */
static void oom_before_start(int pid, uint64_t ooms_before, uint32_t *kind, uint32_t *code) {
  if (fault_stats.oom_kills == ooms_before)
    fault_stats.oom_kills++;
  *kind = FS_EXIT_SIGNALED;
  *code = SIGKILL;
  TRACE(trace_emit_exit(pid, *kind, *code));
}

/* Create process 1 from argv[0], run it, tear it down.  Sets kind/code. */
static void run_program(const struct fs_boot_info *bi, uint32_t *kind, uint32_t *code) {
  uint64_t ooms = fault_stats.oom_kills;
  *kind = FS_EXIT_NORMAL;
  const char *path = bi->argc ? arg_ptrs[0] : NULL;
  if (!path) {
    klog(FS_LOG_ERROR, "exec: no program given");
    *code = 127;
    return;
  }
  const struct vfs_file *f = vfs_lookup(path);
  if (!f) {
    klog(FS_LOG_ERROR, "exec: %s: not found", path);
    *code = 127;
    return;
  }
  struct process *p = process_alloc();
  if (!p) {
    klog(FS_LOG_ERROR, "exec: %s: out of memory: killed", path);
    oom_before_start(0, ooms, kind, code);
    return;
  }
  strlcpy(p->name, path, sizeof p->name);
  p->stack_guard_pages = bi->stack_guard_pages;
  const char *why = "unknown";
  int err = exec_load(p, f, bi->argc, arg_ptrs, bi->envc, arg_ptrs + bi->argc, &why);
  if (err == -ENOMEM) {
    klog(FS_LOG_ERROR, "exec: %s: %s: killed", path, why);
    oom_before_start(p->pid, ooms, kind, code);
    process_free(p);
    return;
  }
  if (err) {
    klog(FS_LOG_ERROR, "exec: %s: %s", path, why);
    process_free(p);
    *code = 126;
    return;
  }
  klog(FS_LOG_INFO, "pid %d: %s entry %#lx rsp %#lx", p->pid, path, p->entry.rip, p->entry.rsp);
  process_run(p);
  *kind = p->exit_kind;
  *code = p->exit_code;
  process_free(p);
}

_Noreturn void kmain(uint64_t boot_info_phys) {
  const struct fs_boot_info *bi = phys_to_virt(boot_info_phys);
  if (bi->magic != FS_BOOT_MAGIC)
    kpanic("boot: bad boot info magic %#lx at %#lx", bi->magic, boot_info_phys);
  if (bi->version != FS_BOOT_INFO_VERSION)
    kpanic("boot: boot info version %u, kernel speaks %u", bi->version, FS_BOOT_INFO_VERSION);
  klog_level = bi->log_level <= FS_LOG_DEBUG ? (int)bi->log_level : FS_LOG_DEBUG;

  gdt_init();
  idt_init();
  syscall_init();
  /* Ring-3 rdtsc/rdtscp fault (#GP) and are answered from virtual time. */
  write_cr4(read_cr4() | CR4_TSD);
  klog(FS_LOG_INFO, "faultsim kernel: %lu MiB RAM, cmdline: %.200s", bi->ram_bytes >> 20,
       bi->cmdline);

  pmm_init(bi);
  paging_init();
  vfs_init(bi->initramfs_phys, bi->initramfs_size);
  procfs_init();
  parse_args(bi);
  trace_init(bi->flags & FS_BOOT_TRACE);

  if (bi->flags & FS_BOOT_SELFTEST_PF)
    selftest_pf_run();

  if (bi->flags & FS_BOOT_SNAPSHOT) {
    /* The host acts with the CPU stopped (an I/O callback sees a stale RIP):
     * the port marks the point, the hlt ends the host's run there. */
    outl(FS_PORT_SNAPSHOT, 0);
    hlt();
  }

  report.frames_free_boot = pmm_free_count();
  uint64_t allocs_before = pmm_alloc_attempts();
  pmm_arm_failure_injection(bi->fail_alloc_nth, bi->fail_alloc_every);
  uint32_t kind, code;
  run_program(bi, &kind, &code);
  pmm_arm_failure_injection(0, 0);
  report.frame_allocs_run = pmm_alloc_attempts() - allocs_before;
  /* The page cache outlives processes; with the last one gone its frames
   * go back too, so free-at-exit can equal free-at-boot. */
  page_cache_clear();
  finish(kind, code);
}
