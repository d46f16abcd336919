/*
 * faultsim guest runtime: the smallest libc substitute the workloads need.
 *
 * Every syscall wrapper returns the raw kernel result: a value >= 0 on
 * success or -errno (the workloads test kernel behaviour, so they must see
 * exactly what the kernel returned; there is no errno variable).  mmap and
 * brk return addresses as long; use rt_is_err() to tell errors apart.
 *
 * Output: rt_printf formats into a stack buffer and write()s it before
 * returning, so a line printed just before a deliberate crash is never lost
 * in a buffer.
 */
#ifndef FAULTSIM_GUEST_RT_H
#define FAULTSIM_GUEST_RT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define RT_PAGE_SIZE 4096UL

/* Linux x86-64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
#define RT_SYS_read       0
#define RT_SYS_write      1
#define RT_SYS_open       2
#define RT_SYS_close      3
#define RT_SYS_mmap       9
#define RT_SYS_mprotect   10
#define RT_SYS_munmap     11
#define RT_SYS_brk        12
#define RT_SYS_writev     20
#define RT_SYS_madvise    28
#define RT_SYS_getpid     39
#define RT_SYS_exit_group 231
#define RT_SYS_openat     257

/* Values from the Linux uapi headers (asm-generic/mman-common.h, fcntl.h,
 * errno-base.h). */
#define RT_PROT_NONE     0x0
#define RT_PROT_READ     0x1
#define RT_PROT_WRITE    0x2
#define RT_PROT_EXEC     0x4
#define RT_MAP_SHARED    0x01
#define RT_MAP_PRIVATE   0x02
#define RT_MAP_FIXED     0x10
#define RT_MAP_ANONYMOUS 0x20
#define RT_MAP_NORESERVE 0x4000
#define RT_MADV_DONTNEED 4
#define RT_O_RDONLY      0
#define RT_AT_FDCWD      (-100)
#define RT_ENOENT        2
#define RT_EBADF         9
#define RT_ENOMEM        12
#define RT_EFAULT        14
#define RT_EINVAL        22

struct rt_iovec {
  void *iov_base;
  size_t iov_len;
};

/* Raw syscalls. */
long rt_syscall0(long nr);
long rt_syscall1(long nr, long a1);
long rt_syscall3(long nr, long a1, long a2, long a3);
long rt_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

long rt_read(int fd, void *buf, size_t count);
long rt_write(int fd, const void *buf, size_t count);
long rt_writev(int fd, const struct rt_iovec *iov, int iovcnt);
long rt_open(const char *path, int flags, int mode);
long rt_openat(int dirfd, const char *path, int flags, int mode);
long rt_close(int fd);
long rt_mmap(void *addr, size_t length, int prot, int flags, int fd, long offset);
long rt_munmap(void *addr, size_t length);
long rt_mprotect(void *addr, size_t length, int prot);
long rt_madvise(void *addr, size_t length, int advice);
/* The raw brk syscall: returns the new break, or the old one on failure
 * (brk(0) queries it).  Not the libc brk()/sbrk() contract. */
long rt_brk(void *addr);
long rt_getpid(void);
_Noreturn void rt_exit_group(int status);

/* True for the -4095..-1 range the kernel uses for errors. */
static inline int rt_is_err(long ret) {
  return (unsigned long)ret > -4096UL;
}

/* FNV-1a, one byte at a time: the workloads' checksums.  A multiply-and-add
 * sum would be weak here: periodic test patterns cancel out of its low bits. */
#define RT_HASH_INIT 0xcbf29ce484222325UL
static inline unsigned long rt_hash_byte(unsigned long h, unsigned char b) {
  return (h ^ b) * 0x100000001b3UL;
}

/* Strings and memory.  gcc may emit calls to the four mem* functions on its
 * own (struct copies, loop idioms), so they carry their standard names. */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t rt_strlen(const char *s);
int rt_strcmp(const char *a, const char *b);
int rt_strncmp(const char *a, const char *b, size_t n);
/* Parses an optional '-' and decimal digits (or 0x-prefixed hex); returns 0
 * and stores the value, or -1 if anything else is in the string. */
int rt_parse_long(const char *s, long *out);

/* Formatted output: %d %i %u %x %X %p %s %c %%, with the l/ll/z length
 * modifiers, a '0' or '-' flag and a decimal field width. */
int rt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int rt_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int rt_dprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes all of buf (retrying short writes); returns 0 or -errno. */
long rt_write_all(int fd, const void *buf, size_t count);

/* Prints "FAIL: <message>" on stdout (the tests compare stdout, so the
 * failure shows up in the diff) and exits with status 1. */
_Noreturn void rt_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define RT_CHECK(cond)                                                                             \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      rt_fail("%s:%d: %s", __FILE__, __LINE__, #cond);                                             \
  } while (0)

#endif /* FAULTSIM_GUEST_RT_H */
