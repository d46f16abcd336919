#include "boot.h"

#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine_internal.h"

#define PAGE_2M       (2ULL << 20)
#define GIB           (1ULL << 30)
#define BOOT_PT_FLAGS (PTE_P | PTE_W | PTE_A | PTE_D)

#define FAIL(...)                                                                                  \
  do {                                                                                             \
    snprintf(err, err_size, __VA_ARGS__);                                                          \
    goto fail;                                                                                     \
  } while (0)

static uint64_t page_up(uint64_t v) {
  return (v + FS_PAGE_SIZE - 1) & ~(FS_PAGE_SIZE - 1);
}
static uint64_t page_down(uint64_t v) {
  return v & ~(FS_PAGE_SIZE - 1);
}

int boot_load_kernel(const struct guest_ram *ram, const void *image, size_t image_size,
                     struct boot_layout *layout, char *err, size_t err_size) {
  Elf *elf = NULL;
  /* libelf wants a mutable buffer; never hand it the caller's. */
  char *copy = malloc(image_size ? image_size : 1);
  int ok = -1;
  if (!copy)
    FAIL("kernel: out of memory");
  memcpy(copy, image, image_size);
  if (elf_version(EV_CURRENT) == EV_NONE)
    FAIL("kernel: libelf initialisation failed");
  elf = elf_memory(copy, image_size);
  if (!elf || elf_kind(elf) != ELF_K_ELF)
    FAIL("kernel: not an ELF file");
  if (gelf_getclass(elf) != ELFCLASS64)
    FAIL("kernel: not ELF64");
  GElf_Ehdr eh;
  if (!gelf_getehdr(elf, &eh))
    FAIL("kernel: unreadable ELF header");
  if (eh.e_machine != EM_X86_64)
    FAIL("kernel: not x86-64 (e_machine %u)", eh.e_machine);
  if (eh.e_type != ET_EXEC)
    FAIL("kernel: not an executable (e_type %u)", eh.e_type);
  size_t phnum;
  if (elf_getphdrnum(elf, &phnum) != 0)
    FAIL("kernel: unreadable program headers");

  uint64_t lo = UINT64_MAX, hi = 0;
  bool entry_inside = false;
  for (size_t i = 0; i < phnum; i++) {
    GElf_Phdr ph;
    if (!gelf_getphdr(elf, (int)i, &ph))
      FAIL("kernel: unreadable program header %zu", i);
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
      continue;
    if (ph.p_filesz > ph.p_memsz)
      FAIL("kernel: segment %zu has p_filesz > p_memsz", i);
    if (ph.p_offset > image_size || ph.p_filesz > image_size - ph.p_offset)
      FAIL("kernel: segment %zu extends past the end of the file", i);
    if (ph.p_paddr < FS_KERNEL_PHYS || ph.p_paddr > ram->size ||
        ph.p_memsz > ram->size - ph.p_paddr)
      FAIL("kernel: segment %zu [%#llx, +%#llx) is outside RAM above %#llx", i,
           (unsigned long long)ph.p_paddr, (unsigned long long)ph.p_memsz,
           (unsigned long long)FS_KERNEL_PHYS);
    memcpy(ram->base + ph.p_paddr, copy + ph.p_offset, ph.p_filesz);
    memset(ram->base + ph.p_paddr + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
    if (ph.p_paddr < lo)
      lo = ph.p_paddr;
    if (ph.p_paddr + ph.p_memsz > hi)
      hi = ph.p_paddr + ph.p_memsz;
    if (eh.e_entry >= ph.p_vaddr && eh.e_entry - ph.p_vaddr < ph.p_memsz)
      entry_inside = true;
  }
  if (hi == 0)
    FAIL("kernel: no loadable segment");
  if (!entry_inside)
    FAIL("kernel: entry point %#llx is not inside a loadable segment",
         (unsigned long long)eh.e_entry);
  layout->entry = eh.e_entry;
  layout->kernel_start = page_down(lo);
  layout->kernel_end = page_up(hi);
  ok = 0;
fail:
  if (elf)
    elf_end(elf);
  free(copy);
  return ok;
}

static void put_entry(const struct guest_ram *ram, uint64_t table, unsigned index, uint64_t value) {
  memcpy(ram->base + table + (uint64_t)index * 8, &value, 8);
}

int boot_build_page_tables(const struct guest_ram *ram, struct boot_layout *layout, char *err,
                           size_t err_size) {
  uint64_t next = FS_BOOT_PT_PHYS;
  uint64_t gib_count = (ram->size + GIB - 1) / GIB;
  uint64_t kernel_gib = (ram->size < BOOT_KERNEL_MAP_MAX ? ram->size : BOOT_KERNEL_MAP_MAX);
  kernel_gib = (kernel_gib + GIB - 1) / GIB;
  /* PML4 + 3 PDPTs + a PD per GiB for each of the three mappings: separate
   * tables, so the kernel may tear one mapping down without touching another. */
  uint64_t pages = 1 + 3 + 2 * gib_count + kernel_gib;
  if (ram->size > (uint64_t)FS_RAM_MAX_MIB << 20)
    FAIL("boot page tables: RAM larger than %d MiB", FS_RAM_MAX_MIB);
  if (FS_BOOT_PT_PHYS + pages * FS_PAGE_SIZE > FS_KERNEL_PHYS)
    FAIL("boot page tables do not fit below the kernel");
  memset(ram->base + FS_BOOT_PT_PHYS, 0, pages * FS_PAGE_SIZE);

  uint64_t pml4 = next;
  next += FS_PAGE_SIZE;
  struct {
    uint64_t vbase;
    uint64_t gibs;
  } maps[3] = {{0, gib_count}, {FS_DIRECT_MAP, gib_count}, {FS_KERNEL_VMA, kernel_gib}};
  for (int i = 0; i < 3; i++) {
    uint64_t pdpt = next;
    next += FS_PAGE_SIZE;
    unsigned pml4_index = (unsigned)((maps[i].vbase >> 39) & 511);
    unsigned pdpt_first = (unsigned)((maps[i].vbase >> 30) & 511);
    put_entry(ram, pml4, pml4_index, pdpt | BOOT_PT_FLAGS);
    for (uint64_t g = 0; g < maps[i].gibs; g++) {
      uint64_t pd = next;
      next += FS_PAGE_SIZE;
      put_entry(ram, pdpt, pdpt_first + (unsigned)g, pd | BOOT_PT_FLAGS);
      for (unsigned j = 0; j < 512; j++) {
        uint64_t pa = g * GIB + j * PAGE_2M;
        if (pa >= ram->size)
          break;
        put_entry(ram, pd, j, pa | BOOT_PT_FLAGS | PTE_PS);
      }
    }
  }
  layout->cr3 = pml4;
  layout->page_tables_end = next;
  return 0;
fail:
  return -1;
}

static void write_gdt(const struct guest_ram *ram) {
  /* null, 64-bit kernel code (FS_SEL_KERNEL_CS), kernel data (FS_SEL_KERNEL_DS) */
  const uint64_t gdt[BOOT_GDT_ENTRIES] = {0, 0x00af9b000000ffffULL, 0x00cf93000000ffffULL};
  memcpy(ram->base + BOOT_GDT_PHYS, gdt, sizeof gdt);
}

static void add_range(struct fs_boot_info *info, uint64_t base, uint64_t end, uint32_t type) {
  if (end <= base || info->mem_range_count >= FS_BOOT_MEM_RANGES_MAX)
    return;
  struct fs_mem_range *r = &info->mem[info->mem_range_count++];
  r->base = base;
  r->length = end - base;
  r->type = type;
}

static int write_args(const struct guest_ram *ram, const struct machine_config *cfg,
                      struct fs_boot_info *info, char *err, size_t err_size) {
  uint64_t used = 0;
  for (int list = 0; list < 2; list++) {
    int count = list == 0 ? cfg->argc : cfg->envc;
    char *const *strings = list == 0 ? cfg->argv : cfg->envp;
    for (int i = 0; i < count; i++) {
      size_t n = strlen(strings[i]) + 1;
      if (n > FS_BOOT_ARGS_MAX - used) {
        snprintf(err, err_size, "arguments and environment exceed %llu bytes",
                 (unsigned long long)FS_BOOT_ARGS_MAX);
        return -1;
      }
      memcpy(ram->base + FS_BOOT_ARGS_PHYS + used, strings[i], n);
      used += n;
    }
  }
  info->args_phys = FS_BOOT_ARGS_PHYS;
  info->args_size = used;
  info->argc = (uint32_t)(cfg->argc > 0 ? cfg->argc : 0);
  info->envc = (uint32_t)(cfg->envc > 0 ? cfg->envc : 0);
  return 0;
}

int boot_prepare_memory(const struct guest_ram *ram, const struct machine_config *cfg,
                        struct boot_layout *layout, char *err, size_t err_size) {
  _Static_assert(sizeof(struct fs_boot_info) <= FS_PAGE_SIZE, "boot info must fit its page");
  _Static_assert(BOOT_GDT_PHYS >= FS_BOOT_ARGS_PHYS + FS_BOOT_ARGS_MAX, "GDT overlaps args");
  _Static_assert(BOOT_GDT_PHYS + BOOT_GDT_ENTRIES * 8 <= FS_BOOT_PT_PHYS, "GDT overlaps tables");
  memset(layout, 0, sizeof *layout);
  if (cfg->argc < 0 || cfg->envc < 0 || (cfg->argc && !cfg->argv) || (cfg->envc && !cfg->envp)) {
    snprintf(err, err_size, "invalid argv/envp");
    return -1;
  }
  if (boot_load_kernel(ram, cfg->kernel_elf, cfg->kernel_elf_size, layout, err, err_size) != 0)
    return -1;
  if (boot_build_page_tables(ram, layout, err, err_size) != 0)
    return -1;
  layout->initramfs_phys = layout->kernel_end;
  if (cfg->initramfs_size > ram->size - layout->initramfs_phys) {
    snprintf(err, err_size, "initramfs (%zu bytes) does not fit in RAM after the kernel",
             cfg->initramfs_size);
    return -1;
  }
  if (cfg->initramfs_size)
    memcpy(ram->base + layout->initramfs_phys, cfg->initramfs, cfg->initramfs_size);
  layout->initramfs_end = page_up(layout->initramfs_phys + cfg->initramfs_size);
  write_gdt(ram);

  struct fs_boot_info *info = calloc(1, sizeof *info);
  if (!info) {
    snprintf(err, err_size, "out of memory");
    return -1;
  }
  info->magic = FS_BOOT_MAGIC;
  info->version = FS_BOOT_INFO_VERSION;
  info->flags = cfg->boot_flags;
  info->ram_bytes = ram->size;
  info->log_level = (uint32_t)cfg->log_level;
  info->stack_guard_pages = cfg->stack_guard_pages;
  info->fail_alloc_nth = cfg->fail_alloc_nth;
  info->fail_alloc_every = cfg->fail_alloc_every;
  if (cfg->cmdline)
    snprintf(info->cmdline, sizeof info->cmdline, "%s", cfg->cmdline);
  if (write_args(ram, cfg, info, err, err_size) != 0) {
    free(info);
    return -1;
  }
  info->initramfs_phys = cfg->initramfs_size ? layout->initramfs_phys : 0;
  info->initramfs_size = cfg->initramfs_size;
  add_range(info, 0, FS_PAGE_SIZE, FS_MEM_RESERVED);
  add_range(info, FS_BOOT_INFO_PHYS, page_up(layout->page_tables_end), FS_MEM_BOOT);
  add_range(info, page_up(layout->page_tables_end), layout->kernel_start, FS_MEM_USABLE);
  add_range(info, layout->kernel_start, layout->kernel_end, FS_MEM_KERNEL);
  add_range(info, layout->initramfs_phys, layout->initramfs_end, FS_MEM_INITRAMFS);
  add_range(info, layout->initramfs_end, ram->size, FS_MEM_USABLE);
  memcpy(ram->base + FS_BOOT_INFO_PHYS, info, sizeof *info);
  free(info);
  return 0;
}

int boot_set_registers(uc_engine *uc, const struct boot_layout *layout, char *err,
                       size_t err_size) {
  const uint64_t cr4 = (1ULL << 5) | (1ULL << 9) | (1ULL << 10); /* PAE OSFXSR OSXMMEXCPT */
  const uint64_t cr0 = (1ULL << 0) | (1ULL << 1) | (1ULL << 5) | (1ULL << 16) | (1ULL << 31);
  const uint64_t rflags = 0x2, zero = 0, boot_info = FS_BOOT_INFO_PHYS;
  uint64_t cs = FS_SEL_KERNEL_CS, ds = FS_SEL_KERNEL_DS;
  uc_x86_mmr gdtr = {.base = FS_DIRECT_MAP + BOOT_GDT_PHYS, .limit = BOOT_GDT_ENTRIES * 8 - 1};
  uc_x86_mmr idtr = {.base = 0, .limit = 0};
  uc_err e = UC_ERR_OK;
  /* Order matters: PAE before CR3 (else QEMU takes 32-bit paging), CR0.PG
   * last.  CR2 is never written: in 2.1.1 that also overwrites CR3. */
  struct {
    int reg;
    const void *value;
  } writes[] = {
      {UC_X86_REG_CR4, &cr4},
      {UC_X86_REG_CR3, &layout->cr3},
      {UC_X86_REG_CR0, &cr0},
      {UC_X86_REG_GDTR, &gdtr},
      {UC_X86_REG_IDTR, &idtr},
      {UC_X86_REG_CS, &cs},
      {UC_X86_REG_SS, &ds},
      {UC_X86_REG_DS, &ds},
      {UC_X86_REG_ES, &ds},
      {UC_X86_REG_FS, &zero},
      {UC_X86_REG_GS, &zero},
      {UC_X86_REG_RFLAGS, &rflags},
      {UC_X86_REG_RIP, &layout->entry},
      {UC_X86_REG_RDI, &boot_info},
      {UC_X86_REG_RSP, &zero},
  };
  for (size_t i = 0; i < sizeof writes / sizeof writes[0] && e == UC_ERR_OK; i++)
    e = uc_reg_write(uc, writes[i].reg, writes[i].value);
  if (e == UC_ERR_OK && msr_write(uc, MSR_EFER, EFER_LME | EFER_LMA) != 0)
    e = UC_ERR_EXCEPTION;
  if (e != UC_ERR_OK) {
    snprintf(err, err_size, "boot: setting the CPU registers failed: %s", uc_strerror(e));
    return -1;
  }
  return 0;
}
