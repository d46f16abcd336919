#include "pagewalk.h"

#include <string.h>

static bool read_entry(const struct guest_ram *ram, uint64_t table, unsigned index,
                       uint64_t *entry) {
  uint64_t pa = table + (uint64_t)index * 8;
  if (table >= ram->size || pa + 8 > ram->size)
    return false;
  memcpy(entry, ram->base + pa, 8);
  return true;
}

void page_walk(const struct guest_ram *ram, uint64_t cr3, uint64_t vaddr, struct walk_result *out) {
  memset(out, 0, sizeof *out);
  out->user = true;
  out->writable = true;
  if (!vaddr_is_canonical(vaddr)) {
    out->status = WALK_NONCANONICAL;
    out->level = 4;
    return;
  }
  uint64_t table = cr3 & PTE_ADDR;
  for (int level = 4; level >= 1; level--) {
    unsigned shift = 12 + 9 * (unsigned)(level - 1);
    uint64_t entry;
    out->level = level;
    out->table[level] = table;
    if (!read_entry(ram, table, (unsigned)((vaddr >> shift) & 511), &entry)) {
      out->status = WALK_OUTSIDE_RAM;
      return;
    }
    out->entry[level] = entry;
    if (!(entry & PTE_P)) {
      out->status = WALK_NOT_PRESENT;
      return;
    }
    out->user = out->user && (entry & PTE_U);
    out->writable = out->writable && (entry & PTE_W);
    out->nx = out->nx || (entry & PTE_NX);
    bool large = level > 1 && (entry & PTE_PS);
    if (large && level == 4) {
      out->status = WALK_RESERVED;
      return;
    }
    if (large || level == 1) {
      uint64_t page_size = 1ULL << shift;
      uint64_t frame = entry & PTE_ADDR & ~(page_size - 1);
      out->page_size = page_size;
      out->phys = frame + (vaddr & (page_size - 1));
      out->status = out->phys < ram->size ? WALK_OK : WALK_OUTSIDE_RAM;
      return;
    }
    table = entry & PTE_ADDR;
  }
}

bool page_translate(const struct guest_ram *ram, uint64_t cr3, uint64_t vaddr, uint64_t *phys) {
  if (!vaddr_is_canonical(vaddr))
    return false;
  uint64_t table = cr3 & PTE_ADDR;
  for (unsigned shift = 39;; shift -= 9) {
    uint64_t entry;
    if (!read_entry(ram, table, (unsigned)((vaddr >> shift) & 511), &entry) || !(entry & PTE_P))
      return false;
    if (shift == 12 || (entry & PTE_PS)) {
      if (shift == 39)
        return false; /* PS is reserved in a PML4 entry */
      uint64_t offset_mask = (1ULL << shift) - 1;
      *phys = (entry & PTE_ADDR & ~offset_mask) + (vaddr & offset_mask);
      return *phys < ram->size;
    }
    table = entry & PTE_ADDR;
  }
}

/* Bytes from vaddr to the end of its 4 KiB page: the unit every copy uses,
 * whatever the page size, so one code path serves all three sizes. */
static size_t chunk_len(uint64_t vaddr, size_t remaining) {
  size_t in_page = 4096 - (size_t)(vaddr & 4095);
  return in_page < remaining ? in_page : remaining;
}

size_t guest_virt_read_prefix(const struct guest_ram *ram, uint64_t cr3, uint64_t vaddr, void *buf,
                              size_t len) {
  uint8_t *dst = buf;
  size_t done = 0;
  while (done < len) {
    uint64_t phys;
    size_t n = chunk_len(vaddr + done, len - done);
    if (!page_translate(ram, cr3, vaddr + done, &phys) || phys + n > ram->size)
      break;
    memcpy(dst + done, ram->base + phys, n);
    done += n;
  }
  return done;
}

int guest_virt_read(const struct guest_ram *ram, uint64_t cr3, uint64_t vaddr, void *buf,
                    size_t len) {
  return guest_virt_read_prefix(ram, cr3, vaddr, buf, len) == len ? 0 : -1;
}

/* Where a chunk of a write goes, if it may be written there. */
static bool chunk_target(const struct guest_ram *ram, uint64_t cr3, uint64_t vaddr, size_t n,
                         bool honour_wp, uint64_t *phys) {
  if (!honour_wp)
    return page_translate(ram, cr3, vaddr, phys) && *phys + n <= ram->size;
  struct walk_result w;
  page_walk(ram, cr3, vaddr, &w);
  *phys = w.phys;
  return w.status == WALK_OK && w.phys + n <= ram->size && w.writable;
}

/* Chunks whose physical address the validation pass keeps for the copy: an
 * exception frame (at most 48 bytes) needs two; only longer writes (the
 * debugger's) translate the rest a second time. */
#define WRITE_KEPT_CHUNKS 4

int guest_virt_write(const struct guest_ram *ram, uint64_t cr3, uint64_t vaddr, const void *buf,
                     size_t len, bool honour_wp) {
  /* Validate first so that a failed push never leaves half a frame behind. */
  uint64_t kept[WRITE_KEPT_CHUNKS];
  size_t chunk = 0;
  for (uint64_t va = vaddr, left = len; left; chunk++) {
    uint64_t phys;
    size_t n = chunk_len(va, left);
    if (!chunk_target(ram, cr3, va, n, honour_wp, &phys))
      return -1;
    if (chunk < WRITE_KEPT_CHUNKS)
      kept[chunk] = phys;
    va += n;
    left -= n;
  }
  const uint8_t *src = buf;
  for (chunk = 0; len; chunk++) {
    uint64_t phys = 0;
    size_t n = chunk_len(vaddr, len);
    if (chunk < WRITE_KEPT_CHUNKS)
      phys = kept[chunk];
    else
      page_translate(ram, cr3, vaddr, &phys); /* validated above */
    memcpy(ram->base + phys, src, n);
    src += n;
    vaddr += n;
    len -= n;
  }
  return 0;
}
