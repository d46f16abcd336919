/* Access to user memory from the kernel.  A user pointer is checked for range
 * (entirely below FS_USER_TOP, no wrap-around) and then touched only inside
 * usercopy.S, whose faults are resolved by the page-fault entry or turned into
 * -EFAULT (never a panic). */
#ifndef KERNEL_UACCESS_H
#define KERNEL_UACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <faultsim/abi.h>

static inline bool user_range_ok(uint64_t addr, uint64_t len) {
  return addr <= FS_USER_TOP && len <= FS_USER_TOP - addr;
}

long copy_from_user(void *dst, uint64_t usrc, size_t n); /* 0 or -EFAULT */
long copy_to_user(uint64_t udst, const void *src, size_t n);
long clear_user(uint64_t udst, size_t n);
/* Copies a NUL-terminated string of at most max-1 bytes: its length, or
 * -EFAULT, or -ENAMETOOLONG when no NUL is found within max bytes. */
long strncpy_from_user(char *dst, uint64_t usrc, size_t max);

#endif /* KERNEL_UACCESS_H */
