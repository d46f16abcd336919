/* Process lifetime (see <kernel/process.h>). */
#include <string.h>
#include <faultsim/abi.h>
#include <kernel/cpu.h>
#include <kernel/fault_stats.h>
#include <kernel/gdt.h>
#include <kernel/kheap.h>
#include <kernel/log.h>
#include <kernel/process.h>
#include <kernel/trace.h>
#include <kernel/vm_space.h>

_Static_assert(sizeof(struct process) <= KHEAP_MAX, "struct process comes from kmalloc");

static struct process *cur;
static int next_pid = 1;
/* kmain's context inside process_run, resumed when the process ends. */
static struct kcontext run_ctx;

struct process *current_process(void) {
  return cur;
}

struct process *process_switch(struct process *p) {
  struct process *prev = cur;
  cur = p;
  pt_space_activate(p ? &p->pt : NULL);
  return prev;
}

struct process *process_alloc(void) {
  struct process *p = kzalloc(sizeof *p);
  if (!p)
    return NULL;
  if (pt_space_init(&p->pt) != 0) {
    kfree(p);
    return NULL;
  }
  /* Counters are kernel-wide: the space counts into fault_stats. */
  p->vm = vm_space_create(&p->pt, &fault_stats);
  if (!p->vm) {
    pt_space_destroy(&p->pt);
    kfree(p);
    return NULL;
  }
  p->pid = next_pid++;
  p->vm->pid = p->pid;
  p->fds[0] = (struct fd){.kind = FD_CONSOLE, .host_fd = 0};
  p->fds[1] = (struct fd){.kind = FD_CONSOLE, .host_fd = 1};
  p->fds[2] = (struct fd){.kind = FD_CONSOLE, .host_fd = 2};
  return p;
}

void process_free(struct process *p) {
  if (!p)
    return;
  if (cur == p)
    process_switch(NULL);
  for (int fd = 0; fd < PROC_MAX_FDS; fd++)
    kfree(p->fds[fd].snapshot);
  /* Regions first (they put their frames), then the tables themselves. */
  if (p->vm)
    vm_space_destroy(p->vm);
  pt_space_destroy(&p->pt);
  kfree(p);
}

void process_run(struct process *p) {
  process_switch(p);
  wrmsr(MSR_FS_BASE, p->fs_base);
  p->running = true;
  if (kctx_save(&run_ctx) == 0)
    user_enter(&p->entry);
  /* Back from process_exit: the process is finished. */
  p->running = false;
  wrmsr(MSR_FS_BASE, 0);
  process_switch(NULL);
}

_Noreturn void process_exit(struct process *p, uint32_t kind, uint32_t code) {
  if (!p->running)
    kpanic("process_exit: pid %d is not running", p->pid);
  p->exit_kind = kind;
  p->exit_code = code & 0xff;
  klog(FS_LOG_INFO, "pid %d: %s %u", p->pid, kind == FS_EXIT_NORMAL ? "exit" : "killed by signal",
       p->exit_code);
  TRACE(trace_emit_exit(p->pid, kind, p->exit_code));
  kctx_restore(&run_ctx, 1);
}
