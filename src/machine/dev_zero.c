/* FS_PORT_ZERO_FRAME: the kernel asks the host to clear a 4 KiB frame.  A
 * host write does not invalidate Unicorn's translated blocks (a guest write
 * would), so a frame that once held code must lose its blocks here, or a
 * later exec of the now-zero page could run the stale translation.  The
 * direct map (no NX, always present in the kernel half) names the frame for
 * uc_ctl_remove_cache, which translates a virtual address; a frame that never
 * held code has no blocks and costs one lookup. */
#include <string.h>

#include "devices.h"
#include "machine_internal.h"

void zero_frame_out(struct machine *m, uint32_t frame_phys) {
  uint64_t pa = frame_phys;
  if ((pa & (FS_PAGE_SIZE - 1)) || pa + FS_PAGE_SIZE > m->ram.size) {
    serial_note(m, "[machine] zero-frame request for a bad address ignored\n");
    return;
  }
  memset(m->ram.base + pa, 0, FS_PAGE_SIZE);
  uc_ctl_remove_cache(m->uc, FS_DIRECT_MAP + pa, FS_DIRECT_MAP + pa + FS_PAGE_SIZE);
}
