/* FS_PORT_HOSTIO: the kernel's write(2) to the host's stdout/stderr. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "devices.h"
#include "machine_internal.h"

#define HOSTIO_EBADF  (-9)
#define HOSTIO_EFAULT (-14)
#define HOSTIO_EIO    (-5)

static bool range_in_ram(const struct machine *m, uint64_t pa, uint64_t len) {
  return pa <= m->ram.size && len <= m->ram.size - pa;
}

void hostio_out(struct machine *m, uint32_t request_phys) {
  struct fs_hostio req;
  if (!range_in_ram(m, request_phys, sizeof req)) {
    serial_note(m, "[machine] hostio request outside RAM ignored\n");
    return;
  }
  memcpy(&req, m->ram.base + request_phys, sizeof req);
  int64_t result;
  FILE *stream = req.fd == 1 ? m->cfg.guest_stdout : req.fd == 2 ? m->cfg.guest_stderr : NULL;
  if (req.fd != 1 && req.fd != 2) {
    result = HOSTIO_EBADF;
  } else if (!range_in_ram(m, req.buf_phys, req.length)) {
    result = HOSTIO_EFAULT;
  } else if (!stream || req.length == 0) {
    result = req.length; /* no stream configured: discarded, as if written */
  } else {
    /* The other stream may hold buffered text written earlier: flush it
     * first so stdout and stderr interleave in guest order. */
    FILE *other = req.fd == 1 ? m->cfg.guest_stderr : m->cfg.guest_stdout;
    if (other && other != stream)
      fflush(other);
    size_t written = fwrite(m->ram.base + req.buf_phys, 1, req.length, stream);
    fflush(stream);
    result = written > 0 ? (int64_t)written : HOSTIO_EIO;
  }
  memcpy(m->ram.base + request_phys + offsetof(struct fs_hostio, result), &result, sizeof result);
}
