/* Host I/O (see <kernel/hostio.h>): the machine reads a struct fs_hostio at
 * the physical address we `out`, performs the write, and fills in .result
 * before the instruction completes.  Kernel statics live in the image, whose
 * physical address is its virtual address minus FS_KERNEL_VMA. */
#include <faultsim/abi.h>
#include <kernel/cpu.h>
#include <kernel/errno.h>
#include <kernel/hostio.h>
#include <kernel/kaddr.h>
#include <kernel/uaccess.h>

#define BOUNCE_SIZE 4096

static uint8_t bounce[BOUNCE_SIZE] __attribute__((aligned(4096)));
static struct fs_hostio req __attribute__((aligned(64)));

static int64_t send(uint32_t fd, uint32_t len) {
  req.fd = fd;
  req.length = len;
  req.buf_phys = image_phys(bounce);
  req.result = -EIO; /* what we report if the host does not answer */
  outl(FS_PORT_HOSTIO, (uint32_t)image_phys(&req));
  __asm__ volatile("" ::: "memory"); /* the host wrote req.result */
  return req.result;
}

int64_t hostio_write_user(uint32_t fd, uint64_t ubuf, uint64_t n) {
  if (!user_range_ok(ubuf, n))
    return -EFAULT;
  uint64_t done = 0;
  while (done < n) {
    uint32_t chunk = n - done < BOUNCE_SIZE ? (uint32_t)(n - done) : BOUNCE_SIZE;
    if (copy_from_user(bounce, ubuf + done, chunk) != 0)
      return done ? (int64_t)done : -EFAULT;
    int64_t r = send(fd, chunk);
    if (r < 0)
      return done ? (int64_t)done : r;
    if ((uint64_t)r > chunk) /* a host claiming more than we sent */
      r = chunk;
    done += (uint64_t)r;
    if ((uint64_t)r < chunk) /* short write: stop like write(2) would */
      break;
  }
  return (int64_t)done;
}
