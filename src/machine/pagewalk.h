/*
 * Software x86-64 4-level page walk over the guest's RAM buffer.  The host
 * needs it because uc_mem_read/uc_mem_write take physical addresses in
 * Unicorn 2.1.1: the IDT, TSS, kernel stack and code bytes are reached through
 * the guest's own page tables.  Pure functions: no Unicorn here.
 */
#ifndef FS_MACHINE_PAGEWALK_H
#define FS_MACHINE_PAGEWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PTE_P    0x001ULL
#define PTE_W    0x002ULL
#define PTE_U    0x004ULL
#define PTE_A    0x020ULL
#define PTE_D    0x040ULL
#define PTE_PS   0x080ULL
#define PTE_NX   (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

struct guest_ram {
  uint8_t *base;
  uint64_t size;
};

enum walk_status {
  WALK_OK = 0,
  WALK_NOT_PRESENT,  /* an entry at `level` has P = 0 */
  WALK_RESERVED,     /* PS set where the architecture reserves it */
  WALK_NONCANONICAL, /* bits 63:47 are not a sign extension */
  WALK_OUTSIDE_RAM,  /* a table or the final frame lies outside RAM */
};

struct walk_result {
  enum walk_status status;
  int level;          /* 4 = PML4 ... 1 = PT: where the walk ended */
  uint64_t phys;      /* valid when status == WALK_OK */
  uint64_t page_size; /* 4 KiB, 2 MiB or 1 GiB */
  bool user;          /* U/S set at every level */
  bool writable;      /* R/W set at every level */
  bool nx;            /* XD set at some level (meaningful only with EFER.NXE) */
  /* What the walk read, by level from 4 down to `level`, to show it (the
   * debugger's `monitor pt`): each table's physical address, and its entry
   * unless the table lies outside RAM. */
  uint64_t table[5];
  uint64_t entry[5];
};

void page_walk(const struct guest_ram *ram, uint64_t cr3, uint64_t vaddr, struct walk_result *out);

/* Only the physical address of vaddr (true when it is mapped, inside RAM):
 * what page_walk finds, without the rights and the reason for a failure it
 * records for diagnosis.  The instruction counter calls it on every miss of
 * its translation cache, the guest-virtual copies on every page. */
bool page_translate(const struct guest_ram *ram, uint64_t cr3, uint64_t vaddr, uint64_t *phys);

/* Supervisor reads of guest-virtual memory, page by page, up to the first
 * byte not mapped to RAM: returns the bytes copied (an instruction at the end
 * of the last mapped page still decodes from them). */
size_t guest_virt_read_prefix(const struct guest_ram *ram, uint64_t cr3, uint64_t vaddr, void *buf,
                              size_t len);

/* All of it or failure: 0, or -1 if any byte is not mapped to RAM (nothing is
 * copied past the first hole). */
int guest_virt_read(const struct guest_ram *ram, uint64_t cr3, uint64_t vaddr, void *buf,
                    size_t len);

/* Supervisor writes with CR0.WP semantics when `honour_wp` (every level must
 * be writable).  All pages are checked before any byte is written, so a
 * failed write leaves memory untouched. */
int guest_virt_write(const struct guest_ram *ram, uint64_t cr3, uint64_t vaddr, const void *buf,
                     size_t len, bool honour_wp);

static inline bool vaddr_is_canonical(uint64_t vaddr) {
  uint64_t top = vaddr >> 47;
  return top == 0 || top == 0x1ffff;
}

#endif
