/* The kernel half's two fixed mappings (see <faultsim/abi.h>): all of RAM at
 * FS_DIRECT_MAP + physical, and the kernel image at FS_KERNEL_VMA + physical.
 * The host is handed physical addresses (ports), the kernel reaches frames
 * and boot data through the direct map. */
#ifndef KERNEL_KADDR_H
#define KERNEL_KADDR_H

#include <stdint.h>
#include <faultsim/abi.h>

/* Physical address pa through the direct map. */
static inline void *phys_to_virt(uint64_t pa) {
  return (void *)(uintptr_t)(FS_DIRECT_MAP + pa);
}

/* Physical address of p, which lies in the kernel image (a static). */
static inline uint64_t image_phys(const void *p) {
  return (uint64_t)(uintptr_t)p - FS_KERNEL_VMA;
}

#endif /* KERNEL_KADDR_H */
