/* Linux x86-64 system calls (see <kernel/syscall.h>).  Every argument comes
 * from an untrusted program: user pointers only go through copy_*_user,
 * lengths are range-checked before use, and anything unknown is -ENOSYS. */
#include <string.h>
#include <faultsim/abi.h>
#include <kernel/brk.h>
#include <kernel/cpu.h>
#include <kernel/errno.h>
#include <kernel/fault_stats.h>
#include <kernel/hostio.h>
#include <kernel/kheap.h>
#include <kernel/log.h>
#include <kernel/pmm.h>
#include <kernel/process.h>
#include <kernel/signal.h>
#include <kernel/syscall.h>
#include <kernel/uaccess.h>
#include <kernel/vfs.h>

#define O_ACCMODE   03
#define O_RDONLY    00
#define O_CREAT     0100
#define O_EXCL      0200
#define O_TRUNC     01000
#define O_DIRECTORY 0200000
#define AT_FDCWD    (-100)
#define SEEK_SET    0
#define SEEK_CUR    1
#define SEEK_END    2
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define IOV_MAX     1024
#define RW_MAX      0x7ffff000ull /* Linux's MAX_RW_COUNT */

/* File reads go through here: vfs_file_read copies into kernel memory only. */
static uint8_t read_bounce[4096];

static int64_t file_read(const struct vfs_file *f, uint64_t off, uint64_t ubuf, uint64_t n) {
  uint64_t done = 0;
  while (done < n) {
    size_t chunk = n - done < sizeof read_bounce ? n - done : sizeof read_bounce;
    size_t got = vfs_file_read(f, off + done, read_bounce, chunk);
    if (got == 0)
      break;
    if (copy_to_user(ubuf + done, read_bounce, got) != 0)
      return done ? (int64_t)done : -EFAULT;
    done += got;
  }
  return (int64_t)done;
}

/* A pseudo-file reads from what it rendered at open. */
static int64_t snapshot_read(const struct fd *d, uint64_t off, uint64_t ubuf, uint64_t n) {
  if (off >= d->snapshot_len)
    return 0;
  if (n > d->snapshot_len - off)
    n = d->snapshot_len - off;
  return copy_to_user(ubuf, d->snapshot + off, n) ? -EFAULT : (int64_t)n;
}

static int64_t fd_read(struct fd *d, uint64_t ubuf, uint64_t n, uint64_t off, bool advance) {
  if (!user_range_ok(ubuf, n))
    return -EFAULT;
  if (n > RW_MAX)
    n = RW_MAX;
  switch (d->kind) {
  case FD_CONSOLE:
    return 0; /* no input device: always end of file */
  case FD_DIR:
    return -EISDIR;
  case FD_FILE: {
    int64_t r = d->snapshot ? snapshot_read(d, off, ubuf, n) : file_read(d->file, off, ubuf, n);
    if (r > 0 && advance)
      d->offset += (uint64_t)r;
    return r;
  }
  default:
    return -EBADF;
  }
}

static int64_t fd_write(struct fd *d, uint64_t ubuf, uint64_t n) {
  if (d->kind != FD_CONSOLE || d->host_fd == 0)
    return -EBADF; /* files are read-only; fd 0 is input */
  if (!user_range_ok(ubuf, n))
    return -EFAULT;
  if (n > RW_MAX)
    n = RW_MAX;
  return hostio_write_user(d->host_fd, ubuf, n);
}

static int64_t sys_read(struct process *p, uint64_t fd, uint64_t ubuf, uint64_t n) {
  struct fd *d = process_fd(p, fd);
  return d ? fd_read(d, ubuf, n, d->offset, true) : -EBADF;
}

static int64_t sys_pread64(struct process *p, uint64_t fd, uint64_t ubuf, uint64_t n, int64_t off) {
  struct fd *d = process_fd(p, fd);
  if (!d)
    return -EBADF;
  if (d->kind != FD_FILE)
    return d->kind == FD_DIR ? -EISDIR : -ESPIPE;
  if (off < 0)
    return -EINVAL;
  return fd_read(d, ubuf, n, (uint64_t)off, false);
}

static int64_t sys_write(struct process *p, uint64_t fd, uint64_t ubuf, uint64_t n) {
  struct fd *d = process_fd(p, fd);
  return d ? fd_write(d, ubuf, n) : -EBADF;
}

struct iovec {
  uint64_t base, len;
};

/* readv/writev: one iovec at a time, stopping at the first short transfer. */
static int64_t sys_rwv(struct process *p, uint64_t fd, uint64_t uiov, uint64_t cnt, bool write) {
  struct fd *d = process_fd(p, fd);
  if (!d)
    return -EBADF;
  if (cnt > IOV_MAX)
    return -EINVAL;
  if (!user_range_ok(uiov, cnt * sizeof(struct iovec)))
    return -EFAULT;
  uint64_t total = 0;
  for (uint64_t i = 0; i < cnt; i++) { /* validate everything first, as Linux does */
    struct iovec v;
    if (copy_from_user(&v, uiov + i * sizeof v, sizeof v) != 0)
      return -EFAULT;
    if ((int64_t)v.len < 0 || (total += v.len) > RW_MAX)
      return -EINVAL;
  }
  int64_t done = 0;
  for (uint64_t i = 0; i < cnt; i++) {
    struct iovec v;
    if (copy_from_user(&v, uiov + i * sizeof v, sizeof v) != 0)
      return done ? done : -EFAULT;
    if (v.len == 0)
      continue;
    int64_t r = write ? fd_write(d, v.base, v.len) : fd_read(d, v.base, v.len, d->offset, true);
    if (r < 0)
      return done ? done : r;
    done += r;
    if ((uint64_t)r < v.len)
      break;
  }
  return done;
}

static int64_t sys_openat(struct process *p, int64_t dirfd, uint64_t upath, uint64_t flags) {
  /* Static: 12 KiB would not fit the trap stack; one CPU, no re-entry. */
  static char path[VFS_PATH_MAX], full[2 * VFS_PATH_MAX];
  long len = strncpy_from_user(path, upath, sizeof path);
  if (len < 0)
    return len;
  if (len == 0)
    return -ENOENT;
  const char *name = path;
  if (path[0] != '/' && (int32_t)dirfd != AT_FDCWD) {
    /* Relative to a directory fd (the cwd is always "/"). */
    struct fd *d = process_fd(p, (uint64_t)dirfd);
    if (!d)
      return -EBADF;
    if (d->kind != FD_DIR)
      return -ENOTDIR;
    size_t dl = strlen(d->file->path);
    memcpy(full, d->file->path, dl);
    full[dl] = '/';
    memcpy(full + dl + 1, path, (size_t)len + 1);
    name = full;
  }
  const struct vfs_file *f = vfs_lookup(name);
  bool wants_write = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
  if (!f)
    return (flags & O_CREAT) ? -EROFS : -ENOENT;
  if ((flags & O_CREAT) && (flags & O_EXCL))
    return -EEXIST;
  if (f->is_dir && wants_write)
    return -EISDIR;
  if (wants_write)
    return -EROFS; /* the initramfs is a read-only file system */
  if ((flags & O_DIRECTORY) && !f->is_dir)
    return -ENOTDIR;
  for (int fd = 0; fd < PROC_MAX_FDS; fd++) {
    if (p->fds[fd].kind == FD_NONE) {
      struct fd nd = {.kind = f->is_dir ? FD_DIR : FD_FILE, .file = f};
      if (f->render) {
        /* Rendered once, so reads in pieces see one consistent text. */
        if (!(nd.snapshot = kmalloc(VFS_PSEUDO_MAX)))
          return -ENOMEM;
        nd.snapshot_len = f->render(nd.snapshot, VFS_PSEUDO_MAX);
      }
      p->fds[fd] = nd;
      return fd;
    }
  }
  return -EMFILE;
}

static int64_t sys_close(struct process *p, uint64_t fd) {
  struct fd *d = process_fd(p, fd);
  if (!d)
    return -EBADF;
  kfree(d->snapshot);
  *d = (struct fd){0};
  return 0;
}

static int64_t sys_lseek(struct process *p, uint64_t fd, int64_t off, uint64_t whence) {
  struct fd *d = process_fd(p, fd);
  if (!d)
    return -EBADF;
  if (d->kind == FD_CONSOLE)
    return -ESPIPE;
  int64_t base;
  switch (whence) {
  case SEEK_SET:
    base = 0;
    break;
  case SEEK_CUR:
    base = (int64_t)d->offset;
    break;
  case SEEK_END:
    base = (int64_t)(d->snapshot ? d->snapshot_len : d->file->size);
    break;
  default:
    return -EINVAL;
  }
  int64_t pos;
  if (__builtin_add_overflow(base, off, &pos) || pos < 0)
    return -EINVAL;
  d->offset = (uint64_t)pos;
  return pos;
}

/* struct stat of Linux x86-64 (144 bytes). */
struct linux_stat {
  uint64_t st_dev, st_ino, st_nlink;
  uint32_t st_mode, st_uid, st_gid, pad0;
  uint64_t st_rdev;
  int64_t st_size, st_blksize, st_blocks;
  uint64_t st_atime_sec, st_atime_nsec, st_mtime_sec, st_mtime_nsec, st_ctime_sec, st_ctime_nsec;
  int64_t unused[3];
};
_Static_assert(sizeof(struct linux_stat) == 144, "Linux x86-64 struct stat");

#define S_IFCHR 0020000u

static int64_t sys_fstat(struct process *p, uint64_t fd, uint64_t ustat) {
  struct fd *d = process_fd(p, fd);
  if (!d)
    return -EBADF;
  struct linux_stat st = {.st_nlink = 1, .st_blksize = PAGE_SIZE};
  if (d->kind == FD_CONSOLE) {
    st.st_mode = S_IFCHR | 0620;
    st.st_rdev = (136ull << 8) | 0; /* a pty, as a terminal would be */
  } else {
    st.st_ino = d->file->ino;
    st.st_mode = d->file->mode;
    st.st_size = (int64_t)(d->snapshot ? 0 : d->file->size); /* /proc files: 0, as Linux */
    st.st_blocks = (st.st_size + 511) / 512;
  }
  return copy_to_user(ustat, &st, sizeof st) ? -EFAULT : 0;
}

static int64_t sys_arch_prctl(struct process *p, uint64_t code, uint64_t addr) {
  switch (code) {
  case ARCH_SET_FS:
    if (addr >= FS_USER_TOP)
      return -EPERM;
    p->fs_base = addr;
    wrmsr(MSR_FS_BASE, addr);
    return 0;
  case ARCH_GET_FS:
    return copy_to_user(addr, &p->fs_base, sizeof p->fs_base) ? -EFAULT : 0;
  default:
    return -EINVAL;
  }
}

/* The kernel has nothing to reclaim, so a frame allocation that failed
 * during a system call (a region node, a page table, a kernel buffer) means
 * memory is exhausted, and the OOM killer's victim is the only process --
 * as Linux, whose small kernel allocations do not fail but invoke the OOM
 * killer.  Counted once here: no fault decision counted this one. */
static _Noreturn void oom_kill(struct process *p, uint64_t nr) {
  const char *name = syscall_name(nr);
  klog(FS_LOG_INFO, "pid %d: out of memory in syscall %lu (%s): killed", p->pid, nr,
       name ? name : "unknown");
  fault_stats.oom_kills++;
  signal_fatal(p, SIGKILL, 0, 0);
}

/* Out-of-memory policy: any frame allocation that fails while a call runs
 * kills the process when the call returns, whatever the call made of the
 * failure.  So the fault core's documented soft results never reach the
 * program: vm_brk's "old break when out of memory", vm_mmap's -ENOMEM for a
 * missing region node and its ignored MAP_POPULATE failures, an -ENOMEM
 * from munmap/mprotect splits or openat's snapshot buffer.  (A copy_*_user
 * fault that finds no frame kills at once, in page_fault.c.) */
void syscall_dispatch(struct trap_frame *tf) {
  struct process *p = current_process();
  if (!p)
    kpanic("syscall with no current process (rip %#lx)", tf->rip);
  uint64_t nr = tf->rax, a0 = tf->rdi, a1 = tf->rsi, a2 = tf->rdx, a3 = tf->r10;
  uint64_t failures = pmm_alloc_failures();
  int64_t r;
  switch (nr) {
  case 0:
    r = sys_read(p, a0, a1, a2);
    break;
  case 1:
    r = sys_write(p, a0, a1, a2);
    break;
  case 2:
    r = sys_openat(p, AT_FDCWD, a0, a1);
    break;
  case 3:
    r = sys_close(p, a0);
    break;
  case 5:
    r = sys_fstat(p, a0, a1);
    break;
  case 8:
    r = sys_lseek(p, a0, (int64_t)a1, a2);
    break;
  case 9:
    r = sys_mmap(p, a0, a1, a2, a3, tf->r8, tf->r9);
    break;
  case 10:
    r = sys_mprotect(p, a0, a1, a2);
    break;
  case 11:
    r = sys_munmap(p, a0, a1);
    break;
  case 12:
    r = (int64_t)sys_brk(p, a0);
    break;
  case 28:
    r = sys_madvise(p, a0, a1, a2);
    break;
  case 16:
    r = process_fd(p, a0) ? -ENOTTY : -EBADF;
    break;
  case 17:
    r = sys_pread64(p, a0, a1, a2, (int64_t)a3);
    break;
  case 19:
    r = sys_rwv(p, a0, a1, a2, false);
    break;
  case 20:
    r = sys_rwv(p, a0, a1, a2, true);
    break;
  case 39:  /* getpid */
  case 186: /* gettid: one thread, tid == pid */
    r = p->pid;
    break;
  case 60:  /* exit */
  case 231: /* exit_group: one thread, same thing */
    process_exit(p, FS_EXIT_NORMAL, (uint32_t)a0 & 0xff);
  case 102: /* getuid */
  case 104: /* getgid */
  case 107: /* geteuid */
  case 108: /* getegid */
    r = 0;  /* everything runs as root */
    break;
  case 110: /* getppid: nobody */
    r = 0;
    break;
  case 158:
    r = sys_arch_prctl(p, a0, a1);
    break;
  case 218: /* set_tid_address: no clear_child_tid use without threads */
    r = p->pid;
    break;
  case 257:
    r = sys_openat(p, (int64_t)a0, a1, a2);
    break;
  default: {
    const char *name = syscall_name(nr);
    klog(FS_LOG_INFO, "pid %d: syscall %lu (%s) not implemented: ENOSYS", p->pid, nr,
         name ? name : "unknown");
    r = -ENOSYS;
    break;
  }
  }
  if (pmm_alloc_failures() != failures)
    oom_kill(p, nr);
  tf->rax = (uint64_t)r;
}
