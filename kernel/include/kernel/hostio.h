/* Output to the host's stdout/stderr through FS_PORT_HOSTIO. */
#ifndef KERNEL_HOSTIO_H
#define KERNEL_HOSTIO_H

#include <stdint.h>

/* Write n bytes from user address ubuf to host fd (1 or 2), in chunks
 * through a physically contiguous kernel bounce buffer.  Returns the bytes
 * written, or -EFAULT/-errno if nothing was written. */
int64_t hostio_write_user(uint32_t fd, uint64_t ubuf, uint64_t n);

#endif /* KERNEL_HOSTIO_H */
