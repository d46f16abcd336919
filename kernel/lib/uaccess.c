/* Range-checked user copies on top of usercopy.S (see <kernel/uaccess.h>). */
#include <kernel/errno.h>
#include <kernel/mm_env.h>
#include <kernel/uaccess.h>

long copy_user_raw(void *dst, const void *src, size_t n);
long clear_user_raw(void *dst, size_t n);

long copy_from_user(void *dst, uint64_t usrc, size_t n) {
  if (!user_range_ok(usrc, n))
    return -EFAULT;
  return n ? copy_user_raw(dst, (const void *)(uintptr_t)usrc, n) : 0;
}

long copy_to_user(uint64_t udst, const void *src, size_t n) {
  if (!user_range_ok(udst, n))
    return -EFAULT;
  return n ? copy_user_raw((void *)(uintptr_t)udst, src, n) : 0;
}

long clear_user(uint64_t udst, size_t n) {
  if (!user_range_ok(udst, n))
    return -EFAULT;
  return n ? clear_user_raw((void *)(uintptr_t)udst, n) : 0;
}

long strncpy_from_user(char *dst, uint64_t usrc, size_t max) {
  size_t len = 0;
  while (len < max) {
    /* Never read past the page holding the next byte: the string may end
     * just before an unmapped page. */
    uint64_t addr = usrc + len;
    size_t chunk = PAGE_SIZE - (addr & (PAGE_SIZE - 1));
    if (chunk > max - len)
      chunk = max - len;
    if (copy_from_user(dst + len, addr, chunk) != 0)
      return -EFAULT;
    for (size_t i = 0; i < chunk; i++)
      if (dst[len + i] == 0)
        return (long)(len + i);
    len += chunk;
  }
  if (max)
    dst[max - 1] = 0;
  return -ENAMETOOLONG;
}
