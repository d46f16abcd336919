/* A bare Unicorn engine in 64-bit long mode with the boot page tables, for
 * tests that drive the CPU without the whole machine. */
#ifndef FS_TEST_MACHINE_UNICORN_H
#define FS_TEST_MACHINE_UNICORN_H

#include <stdlib.h>
#include <sys/mman.h>

#include <unicorn/unicorn.h>

#include "boot.h"

struct bare_cpu {
  uc_engine *uc;
  struct guest_ram ram;
  struct boot_layout layout;
};

static inline int bare_cpu_open(struct bare_cpu *b, uint64_t ram_mib, uint64_t entry) {
  char err[128];
  b->ram.size = ram_mib << 20;
  b->ram.base = mmap(NULL, b->ram.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (b->ram.base == MAP_FAILED)
    return -1;
  if (uc_open(UC_ARCH_X86, UC_MODE_64, &b->uc) != UC_ERR_OK ||
      uc_ctl_set_cpu_model(b->uc, UC_CPU_X86_QEMU64) != UC_ERR_OK ||
      uc_mem_map_ptr(b->uc, 0, b->ram.size, UC_PROT_ALL, b->ram.base) != UC_ERR_OK)
    return -1;
  b->layout.entry = entry;
  if (boot_build_page_tables(&b->ram, &b->layout, err, sizeof err) != 0)
    return -1;
  return boot_set_registers(b->uc, &b->layout, err, sizeof err);
}

static inline void bare_cpu_close(struct bare_cpu *b) {
  uc_close(b->uc);
  munmap(b->ram.base, b->ram.size);
}

#endif
