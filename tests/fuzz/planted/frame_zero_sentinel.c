/* A planted kernel bug for the fuzz harness's own test: frame_zero clears
 * the frame, then an off-by-one sentinel store leaves 0xff in its last byte.
 * Page tables survive it (that byte only holds NX and ignored bits, and a
 * present entry is always written whole), but every fresh anonymous page
 * ends in 0xff where the oracle expects a zero.  Linked only into the test
 * kernel kernel_planted_sentinel, in place of kernel/mm/frame_zero.c. */
#include <faultsim/abi.h>
#include <kernel/cpu.h>
#include <kernel/mm_env.h>

void frame_zero(paddr_t pa) {
  outl(FS_PORT_ZERO_FRAME, (uint32_t)pa);
  ((volatile uint8_t *)frame_ptr(pa))[PAGE_SIZE - 1] = 0xff;
}
