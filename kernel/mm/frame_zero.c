/* frame_zero (see <kernel/mm_env.h>), in a file of its own so that a test
 * kernel can be linked with a planted bug in its place (tests/fuzz). */
#include <faultsim/abi.h>
#include <kernel/cpu.h>
#include <kernel/mm_env.h>

/* The machine clears it (FS_PORT_ZERO_FRAME): on the emulated CPU every
 * iteration of a rep stos is a block dispatch, 4096 of them per frame.  All
 * RAM lies below 4 GiB, so the address fits the port's 32 bits. */
void frame_zero(paddr_t pa) {
  outl(FS_PORT_ZERO_FRAME, (uint32_t)pa);
}
