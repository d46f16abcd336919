#include "icount.h"

#include <stdlib.h>
#include <string.h>

#define ICOUNT_CACHE_ENTRIES 16384u
#define ICOUNT_WAYS          4u /* entries per set: hot blocks that hash alike coexist */
#define PAGE_MASK_4K         0xfffULL
#define NO_IO                UINT32_MAX
#define ICOUNT_TLB_ENTRIES   256u

/* IN, OUT, INS and OUTS in every encoding, after legacy and REX prefixes. */
static bool is_port_io(const uint8_t *p, size_t len) {
  size_t i = x86_skip_prefixes(p, len, NULL);
  if (i >= len)
    return false;
  uint8_t op = p[i];
  return (op >= 0xe4 && op <= 0xe7) || (op >= 0xec && op <= 0xef) || (op >= 0x6c && op <= 0x6f);
}

/* Writes CR0/CR3/CR4 (0F 22 /r), INVLPG (0F 01 /7, memory operand) or
 * INVPCID (66 0F 38 82): the instructions after which cached translations
 * may be wrong. */
static bool changes_translation(const uint8_t *p, size_t len) {
  size_t i = x86_skip_prefixes(p, len, NULL);
  if (i + 1 >= len || p[i] != 0x0f)
    return false;
  uint8_t op = p[i + 1];
  if (op == 0x22)
    return true;  /* mov to CRn */
  if (op == 0x01) /* INVLPG; /7 with a register operand is SWAPGS/RDTSCP */
    return i + 2 < len && (p[i + 2] & 0x38) == 0x38 && (p[i + 2] & 0xc0) != 0xc0;
  return op == 0x38 && i + 2 < len && p[i + 2] == 0x82; /* INVPCID */
}

struct icount_tlb_entry {
  uint64_t vpage, ppage; /* page-aligned addresses */
  uint64_t generation;
};

/* A decoded block.  Keyed by virtual address and size, validated on every use
 * against the physical frames it came from and an exact copy of its bytes: the
 * kernel loads user code with ordinary guest writes and recycles frames and
 * page tables, so neither the virtual address nor CR3 identify code. */
struct icount_block {
  uint64_t vaddr;
  uint64_t paddr_first; /* physical address of the first byte */
  uint64_t paddr_last;  /* physical address of the last byte */
  uint32_t size;
  uint32_t insns;
  uint32_t io_index; /* first port-I/O instruction, NO_IO when none */
  bool changes_translation;
  uint8_t *bytes;    /* size bytes, then the offsets */
  uint16_t *offsets; /* start of each instruction, relative to vaddr */
};

int icount_init(struct icount *ic, uc_engine *uc, const struct guest_ram *ram, csh capstone) {
  memset(ic, 0, sizeof *ic);
  ic->uc = uc;
  ic->ram = ram;
  ic->capstone = capstone;
  ic->table = calloc(ICOUNT_CACHE_ENTRIES, sizeof *ic->table);
  ic->mask = ICOUNT_CACHE_ENTRIES - 1;
  ic->tlb = calloc(ICOUNT_TLB_ENTRIES, sizeof *ic->tlb);
  ic->tlb_generation = 1;
  ic->translations_stale = true;
  /* One decode buffer for every miss: a failed allocation there would
   * cache a block of no instructions and lose its count silently. */
  ic->insn = cs_malloc(capstone);
  return ic->table && ic->tlb && ic->insn ? 0 : -1;
}

void icount_destroy(struct icount *ic) {
  if (ic->table)
    for (uint64_t i = 0; i <= ic->mask; i++)
      free(ic->table[i].offsets);
  free(ic->table);
  ic->table = NULL;
  free(ic->tlb);
  ic->tlb = NULL;
  if (ic->insn)
    cs_free(ic->insn, 1);
  ic->insn = NULL;
}

/* The helpers below run on every executed block: keep them inline. */
#define HOT static inline __attribute__((always_inline))

HOT bool translate(struct icount *ic, uint64_t vaddr, uint64_t *paddr) {
  uint64_t vpage = vaddr & ~PAGE_MASK_4K;
  struct icount_tlb_entry *e = &ic->tlb[(vaddr >> 12) & (ICOUNT_TLB_ENTRIES - 1)];
  if (e->generation != ic->tlb_generation || e->vpage != vpage) {
    uint64_t phys;
    if (!page_translate(ic->ram, ic->cr3, vpage, &phys))
      return false;
    *e = (struct icount_tlb_entry){.vpage = vpage, .ppage = phys, .generation = ic->tlb_generation};
  }
  *paddr = e->ppage + (vaddr & PAGE_MASK_4K);
  return true;
}

/* Where the block's first and last bytes are.  The hook runs on every block
 * executed, so the last byte costs a second lookup only when the block
 * crosses into another page. */
HOT bool locate_block(struct icount *ic, uint64_t vaddr, uint32_t size, uint64_t *first,
                      uint64_t *last) {
  if (!translate(ic, vaddr, first))
    return false;
  if ((vaddr & PAGE_MASK_4K) + size <= 4096) {
    *last = *first + size - 1;
    return true;
  }
  return translate(ic, vaddr + size - 1, last);
}

/* Equal bytes, 8 at a time: blocks are short and a libc call per block
 * cost more than the comparison. */
HOT bool same_bytes(const uint8_t *a, const uint8_t *b, uint32_t n) {
  for (; n >= 8; a += 8, b += 8, n -= 8) {
    uint64_t x, y;
    memcpy(&x, a, 8);
    memcpy(&y, b, 8);
    if (x != y)
      return false;
  }
  for (; n; a++, b++, n--)
    if (*a != *b)
      return false;
  return true;
}

/* The block's bytes lie in at most two pages (QEMU never lets a block span
 * more): the head from the first byte's frame, the rest from the last's. */
HOT bool block_matches(const struct icount *ic, const struct icount_block *b, uint64_t first,
                       uint64_t last) {
  if (b->paddr_first != first || b->paddr_last != last)
    return false;
  uint32_t head = (uint32_t)(4096 - (b->vaddr & PAGE_MASK_4K));
  if (head >= b->size)
    return same_bytes(ic->ram->base + first, b->bytes, b->size);
  return same_bytes(ic->ram->base + first, b->bytes, head) &&
         same_bytes(ic->ram->base + (last - (b->size - head - 1)), b->bytes + head, b->size - head);
}

/* Copies the block's bytes from where block_matches will look for them. */
static void block_copy(const struct icount *ic, uint8_t *dst, uint64_t vaddr, uint32_t size,
                       uint64_t first, uint64_t last) {
  uint32_t head = (uint32_t)(4096 - (vaddr & PAGE_MASK_4K));
  if (head >= size) {
    memcpy(dst, ic->ram->base + first, size);
    return;
  }
  memcpy(dst, ic->ram->base + first, head);
  memcpy(dst + head, ic->ram->base + (last - (size - head - 1)), size - head);
}

static bool block_fill(struct icount *ic, struct icount_block *b, uint64_t vaddr, uint32_t size,
                       uint64_t first, uint64_t last) {
  free(b->offsets);
  memset(b, 0, sizeof *b);
  /* One allocation: the offsets first (alignment), then the bytes. */
  b->offsets = malloc((size_t)size * sizeof(uint16_t) + size);
  if (!b->offsets)
    return false;
  b->bytes = (uint8_t *)(b->offsets + size);
  block_copy(ic, b->bytes, vaddr, size, first, last);
  const uint8_t *code = b->bytes;
  size_t left = size;
  uint64_t address = vaddr;
  uint32_t n = 0;
  while (left) {
    size_t before = left;
    if (!cs_disasm_iter(ic->capstone, &code, &left, &address, ic->insn)) {
      /* Capstone does not know it but QEMU executed it: count one
       * instruction for the rest of the block rather than lose it. */
      b->offsets[n++] = (uint16_t)(size - before);
      break;
    }
    b->offsets[n++] = (uint16_t)(size - before);
  }
  b->io_index = NO_IO;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t end = i + 1 < n ? b->offsets[i + 1] : size;
    if (b->io_index == NO_IO && is_port_io(b->bytes + b->offsets[i], end - b->offsets[i]))
      b->io_index = i;
    if (changes_translation(b->bytes + b->offsets[i], end - b->offsets[i]))
      b->changes_translation = true;
  }
  b->vaddr = vaddr;
  b->size = size;
  b->insns = n;
  b->paddr_first = first;
  b->paddr_last = last;
  ic->misses++;
  return true;
}

void icount_on_block(uc_engine *uc, uint64_t address, uint32_t size, void *opaque) {
  struct icount *ic = opaque;
  uint64_t first, last;
  if (size == 0) {
    ic->current = NULL;
    return;
  }
  if (ic->translations_stale) {
    uc_reg_read(uc, UC_X86_REG_CR3, &ic->cr3);
    ic->tlb_generation++;
    ic->translations_stale = false;
  }
  if (!locate_block(ic, address, size, &first, &last)) {
    ic->current = NULL; /* cannot happen for code QEMU just fetched */
    return;
  }
  /* Set-associative: with one entry per hash, pairs of hot blocks of the #PF
   * path evicted each other on every fault (a Capstone decode each time).
   * Multiplicative hashing, as kernel blocks share their high address bits. */
  uint64_t hash = (address ^ ((uint64_t)size << 48)) * 0x9e3779b97f4a7c15ULL;
  struct icount_block *set = &ic->table[(hash >> 32) & ic->mask & ~(uint64_t)(ICOUNT_WAYS - 1)];
  struct icount_block *b = NULL;
  for (unsigned way = 0; way < ICOUNT_WAYS && !b; way++)
    if (set[way].bytes && set[way].vaddr == address && set[way].size == size)
      b = &set[way];
  bool hit = b && block_matches(ic, b, first, last);
  if (!b) {
    /* Replace the ways in turn (deterministic, and counts never depend on
     * what is cached anyway). */
    b = &set[ic->next_victim++ % ICOUNT_WAYS];
  }
  if (!hit && !block_fill(ic, b, address, size, first, last)) {
    ic->current = NULL;
    return;
  }
  ic->current = b;
  /* Takes effect at the next block, after this one has run. */
  if (b->changes_translation)
    ic->translations_stale = true;
  if (b->io_index != NO_IO && ic->io_guard && ic->io_guard(ic->io_guard_opaque)) {
    /* Stopping from a block hook leaves the block unexecuted. */
    ic->stopped_at_io = true;
    uc_emu_stop(uc);
    return;
  }
  ic->count += b->insns;
}

bool icount_current_io_site(const struct icount *ic, struct icount_io_site *site) {
  const struct icount_block *b = ic->current;
  if (!b || b->io_index == NO_IO)
    return false;
  uint32_t i = b->io_index;
  uint32_t end = i + 1 < b->insns ? b->offsets[i + 1] : b->size;
  site->block_start = b->vaddr;
  site->block_size = b->size;
  site->insns_before = i;
  site->rip = b->vaddr + b->offsets[i];
  site->length = end - b->offsets[i];
  /* Only an undecodable tail can be longer than an instruction may be. */
  memcpy(site->bytes, b->bytes + b->offsets[i],
         site->length < sizeof site->bytes ? site->length : sizeof site->bytes);
  return true;
}

void icount_exception_at(struct icount *ic, uint64_t rip) {
  const struct icount_block *b = ic->current;
  ic->current = NULL;
  if (!b || rip < b->vaddr || rip >= b->vaddr + b->size)
    return; /* at or past the block's end: everything in it retired */
  uint64_t offset = rip - b->vaddr;
  uint32_t retired = 0;
  while (retired < b->insns && b->offsets[retired] < offset)
    retired++;
  ic->count -= b->insns - retired;
}

int icount_install(struct icount *ic) {
  uc_hook hook;
  return uc_hook_add(ic->uc, &hook, UC_HOOK_BLOCK, (void *)icount_on_block, ic, 1, 0) == UC_ERR_OK
             ? 0
             : -1;
}
