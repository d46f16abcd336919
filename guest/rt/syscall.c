/*
 * Raw Linux x86-64 syscalls: number in %rax, arguments in %rdi %rsi %rdx %r10
 * %r8 %r9, result in %rax; the syscall instruction clobbers %rcx (return RIP)
 * and %r11 (RFLAGS).  "memory" is clobbered because the kernel reads and
 * writes user buffers behind the compiler's back.
 */
#include "rt.h"

long rt_syscall0(long nr) {
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(nr) : "rcx", "r11", "memory");
  return ret;
}

long rt_syscall1(long nr, long a1) {
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a1) : "rcx", "r11", "memory");
  return ret;
}

long rt_syscall3(long nr, long a1, long a2, long a3) {
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a1), "S"(a2), "d"(a3)
                   : "rcx", "r11", "memory");
  return ret;
}

long rt_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
  long ret;
  register long r10 __asm__("r10") = a4;
  register long r8 __asm__("r8") = a5;
  register long r9 __asm__("r9") = a6;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}

long rt_read(int fd, void *buf, size_t count) {
  return rt_syscall3(RT_SYS_read, fd, (long)buf, (long)count);
}

long rt_write(int fd, const void *buf, size_t count) {
  return rt_syscall3(RT_SYS_write, fd, (long)buf, (long)count);
}

long rt_writev(int fd, const struct rt_iovec *iov, int iovcnt) {
  return rt_syscall3(RT_SYS_writev, fd, (long)iov, iovcnt);
}

long rt_open(const char *path, int flags, int mode) {
  return rt_syscall3(RT_SYS_open, (long)path, flags, mode);
}

long rt_openat(int dirfd, const char *path, int flags, int mode) {
  return rt_syscall6(RT_SYS_openat, dirfd, (long)path, flags, mode, 0, 0);
}

long rt_close(int fd) {
  return rt_syscall1(RT_SYS_close, fd);
}

long rt_mmap(void *addr, size_t length, int prot, int flags, int fd, long offset) {
  return rt_syscall6(RT_SYS_mmap, (long)addr, (long)length, prot, flags, fd, offset);
}

long rt_munmap(void *addr, size_t length) {
  return rt_syscall3(RT_SYS_munmap, (long)addr, (long)length, 0);
}

long rt_mprotect(void *addr, size_t length, int prot) {
  return rt_syscall3(RT_SYS_mprotect, (long)addr, (long)length, prot);
}

long rt_madvise(void *addr, size_t length, int advice) {
  return rt_syscall3(RT_SYS_madvise, (long)addr, (long)length, advice);
}

long rt_brk(void *addr) {
  return rt_syscall1(RT_SYS_brk, (long)addr);
}

long rt_getpid(void) {
  return rt_syscall0(RT_SYS_getpid);
}

_Noreturn void rt_exit_group(int status) {
  rt_syscall1(RT_SYS_exit_group, status);
  /* Unreachable unless the kernel is broken: make that a crash, not UB. */
  __builtin_trap();
}
