/* A user process: one address space, a file-descriptor table, a program
 * break and an exit status.  There is one CPU and one process at a time;
 * kmain creates it, runs it until it exits or is killed, then destroys it. */
#ifndef KERNEL_PROCESS_H
#define KERNEL_PROCESS_H

#include <stdbool.h>
#include <stdint.h>
#include <kernel/context.h>
#include <kernel/paging.h>
#include <kernel/trap.h>
#include <kernel/vfs.h>

#define PROC_MAX_FDS 32

enum fd_kind { FD_NONE = 0, FD_CONSOLE, FD_FILE, FD_DIR };

struct fd {
  enum fd_kind kind;
  const struct vfs_file *file; /* FD_FILE, FD_DIR */
  uint64_t offset;
  uint32_t host_fd; /* FD_CONSOLE: where writes go (1 stdout, 2 stderr; 0: none) */
  /* A pseudo-file's contents, rendered at open (kmalloc'd; freed at close). */
  char *snapshot;
  uint64_t snapshot_len;
};

struct vm_space;

struct process {
  int pid;
  char name[64];
  struct pt_space pt;
  struct fd fds[PROC_MAX_FDS];

  uint64_t stack_guard_pages; /* from boot info: the guard below the stack */

  /* Where the exec left user state, and what ring 3 starts with. */
  struct trap_frame entry;
  uint64_t fs_base;

  /* The regions of the address space (the fault core); brk, the stack and
   * every mapping live there.  Its page table is `pt`. */
  struct vm_space *vm;

  bool running;       /* in process_run: a fatal fault may end it at once */
  uint32_t exit_kind; /* FS_EXIT_NORMAL or FS_EXIT_SIGNALED */
  uint32_t exit_code; /* status 0..255 or the signal number  */
};

/* p's open descriptor fd, or NULL when fd is out of range or not open. */
static inline struct fd *process_fd(struct process *p, uint64_t fd) {
  return fd < PROC_MAX_FDS && p->fds[fd].kind != FD_NONE ? &p->fds[fd] : NULL;
}

/* The process whose address space is loaded, or NULL in the kernel's own. */
struct process *current_process(void);

/* A process with pid, empty address space and the console on 0, 1, 2;
 * NULL when out of memory. */
struct process *process_alloc(void);
/* Returns every frame: page tables, user pages, the struct itself. */
void process_free(struct process *p);

/* Make p's address space the current one (NULL: the kernel's), so that
 * copy_*_user and the page-fault entry work on it (exec uses this before p
 * runs).  Returns the previous current process. */
struct process *process_switch(struct process *p);

/* Run p in ring 3 from p->entry until it exits or is killed; returns then. */
void process_run(struct process *p);
/* End the current process (from a syscall or a fatal trap); never returns. */
_Noreturn void process_exit(struct process *p, uint32_t kind, uint32_t code);

#endif /* KERNEL_PROCESS_H */
