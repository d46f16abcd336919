/*
 * Direct boot: the host loads the kernel ELF's PT_LOAD segments into physical
 * memory, writes the boot info, argv/envp and the initramfs, builds boot page
 * tables and a boot GDT, and sets the registers of a 64-bit ring-0 CPU at the
 * kernel's entry point.  Everything but boot_set_registers is pure over RAM.
 */
#ifndef FS_MACHINE_BOOT_H
#define FS_MACHINE_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include <unicorn/unicorn.h>

#include "machine.h"
#include "pagewalk.h"

#define BOOT_GDT_PHYS    0x6000ULL /* after the argument area, before the page tables */
#define BOOT_GDT_ENTRIES 3
/* The kernel VMA window ends at 2^64: only the first 2 GiB of RAM fit. */
#define BOOT_KERNEL_MAP_MAX (2ULL << 30)

struct boot_layout {
  uint64_t entry;
  uint64_t kernel_start; /* page-aligned physical bounds of the image */
  uint64_t kernel_end;
  uint64_t initramfs_phys;
  uint64_t initramfs_end;
  uint64_t page_tables_end; /* [FS_BOOT_PT_PHYS, page_tables_end) */
  uint64_t cr3;
};

/* Loads the kernel ELF into RAM.  Returns 0 or -1 with err. */
int boot_load_kernel(const struct guest_ram *ram, const void *elf, size_t elf_size,
                     struct boot_layout *layout, char *err, size_t err_size);

/* Builds the boot page tables (identity, direct map, kernel VMA; 2 MiB pages)
 * and sets layout->cr3 and layout->page_tables_end. */
int boot_build_page_tables(const struct guest_ram *ram, struct boot_layout *layout, char *err,
                           size_t err_size);

/* Whole memory image: kernel, initramfs, page tables, GDT, boot info, args. */
int boot_prepare_memory(const struct guest_ram *ram, const struct machine_config *cfg,
                        struct boot_layout *layout, char *err, size_t err_size);

/* The 64-bit ring-0 register state at the kernel's entry point. */
int boot_set_registers(uc_engine *uc, const struct boot_layout *layout, char *err, size_t err_size);

#endif
