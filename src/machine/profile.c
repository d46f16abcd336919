/*
 * The #PF instruction profiler (machine_profile.h).  A UC_HOOK_CODE over the
 * kernel half only: user code runs without a callback, and machines made
 * without profile_pf never install it.
 */
#include "profile.h"

#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine_internal.h"
#include "machine_profile.h"

#define STACK_MAX  64
#define CACHE_SIZE 4096u /* direct-mapped: instruction address -> symbol */
#define NO_PHASE   (-1)

struct symbol {
  uint64_t start, end;
  char *name;
  int phase; /* NO_PHASE, or enum machine_profile_phase */
  uint64_t insns;
};

struct profile {
  struct symbol *syms; /* sorted by start */
  size_t count;
  uint64_t isr14, iretq;
  struct {
    uint64_t addr;
    int32_t sym;
  } cache[CACHE_SIZE];
  int active; /* nesting depth of #PF handlers being counted */
  int32_t stack[STACK_MAX];
  int depth;
  struct machine_profile totals;
};

static const struct {
  const char *name;
  enum machine_profile_phase phase;
} phase_table[] = {
    {"vm_region_handle_page_fault", PROFILE_CLASSIFY},
    {"handle_locked", PROFILE_CLASSIFY},
    {"vm_populate_page", PROFILE_CLASSIFY},
    {"vm_region_find", PROFILE_CLASSIFY},
    {"pt_lookup", PROFILE_CLASSIFY},
    {"vm_pte_prot", PROFILE_CLASSIFY},
    {"vm_prot_allows", PROFILE_CLASSIFY},
    {"page_cache_peek", PROFILE_CLASSIFY},
    {"vm_lock_acquire", PROFILE_CLASSIFY},
    {"vm_lock_release", PROFILE_CLASSIFY},
    {"vfs_file_size", PROFILE_CLASSIFY},
    {"frame_alloc", PROFILE_ALLOC},
    {"frame_get", PROFILE_ALLOC},
    {"pmm_alloc_zeroed", PROFILE_ALLOC},
    {"page_cache_get", PROFILE_ALLOC},
    {"frame_zero", PROFILE_ZERO},
    {"memset", PROFILE_ZERO},
    {"memcpy", PROFILE_ZERO},
    {"vfs_file_read", PROFILE_ZERO},
    {"pt_map", PROFILE_MAP},
    {"pt_protect", PROFILE_MAP},
};

static const char *const phase_names[PROFILE_PHASE_COUNT] = {
    [PROFILE_ENTRY] = "entry/exit", [PROFILE_CLASSIFY] = "classification",
    [PROFILE_ALLOC] = "allocation", [PROFILE_ZERO] = "zeroing",
    [PROFILE_MAP] = "mapping",
};

const char *machine_profile_phase_name(enum machine_profile_phase phase) {
  return (unsigned)phase < PROFILE_PHASE_COUNT ? phase_names[phase] : "?";
}

static int phase_of_name(const char *name) {
  for (size_t i = 0; i < sizeof phase_table / sizeof phase_table[0]; i++)
    if (strcmp(phase_table[i].name, name) == 0)
      return (int)phase_table[i].phase;
  return NO_PHASE;
}

static int by_start(const void *a, const void *b) {
  const struct symbol *x = a, *y = b;
  return x->start < y->start ? -1 : x->start > y->start;
}

static void free_symbols(struct profile *p) {
  for (size_t i = 0; i < p->count; i++)
    free(p->syms[i].name);
  free(p->syms);
  p->syms = NULL;
  p->count = 0;
}

/* Code symbols (functions and assembly labels) of every executable section;
 * a label's extent runs to the next symbol. */
static int read_symbols(struct profile *p, Elf *elf) {
  Elf_Scn *scn = NULL;
  size_t cap = 0;
  while ((scn = elf_nextscn(elf, scn)) != NULL) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
      continue;
    Elf_Data *data = elf_getdata(scn, NULL);
    size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
    for (size_t i = 0; data && i < n; i++) {
      GElf_Sym s;
      if (!gelf_getsym(data, (int)i, &s) || s.st_shndx == SHN_UNDEF || s.st_shndx >= SHN_LORESERVE)
        continue;
      int type = GELF_ST_TYPE(s.st_info);
      if (type != STT_FUNC && type != STT_NOTYPE)
        continue;
      Elf_Scn *owner = elf_getscn(elf, s.st_shndx);
      GElf_Shdr osh;
      if (!owner || !gelf_getshdr(owner, &osh) || !(osh.sh_flags & SHF_EXECINSTR))
        continue;
      const char *name = elf_strptr(elf, sh.sh_link, s.st_name);
      if (!name || !name[0] || name[0] == '.')
        continue;
      if (p->count == cap) {
        cap = cap ? cap * 2 : 256;
        struct symbol *grown = realloc(p->syms, cap * sizeof *grown);
        if (!grown)
          return -1;
        p->syms = grown;
      }
      /* gcc's clones (walk.isra.0, rebalance.cold) take their parent's phase. */
      char base[64];
      snprintf(base, sizeof base, "%s", name);
      base[strcspn(base, ".")] = '\0';
      p->syms[p->count] = (struct symbol){.start = s.st_value,
                                          .end = s.st_value + s.st_size,
                                          .name = strdup(name),
                                          .phase = phase_of_name(base)};
      if (!p->syms[p->count].name)
        return -1;
      p->count++;
    }
  }
  qsort(p->syms, p->count, sizeof *p->syms, by_start);
  for (size_t i = 0; i < p->count; i++)
    if (p->syms[i].end == p->syms[i].start)
      p->syms[i].end = i + 1 < p->count ? p->syms[i + 1].start : p->syms[i].start + 1;
  return 0;
}

static const struct symbol *find_named(const struct profile *p, const char *name) {
  for (size_t i = 0; i < p->count; i++)
    if (strcmp(p->syms[i].name, name) == 0)
      return &p->syms[i];
  return NULL;
}

/* The iretq (48 cf) that ends trap_restore, found in the section's bytes. */
static uint64_t find_iretq(Elf *elf, uint64_t from, uint64_t to) {
  Elf_Scn *scn = NULL;
  while ((scn = elf_nextscn(elf, scn)) != NULL) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS || from < sh.sh_addr ||
        from >= sh.sh_addr + sh.sh_size)
      continue;
    Elf_Data *data = elf_getdata(scn, NULL);
    if (!data || !data->d_buf)
      return 0;
    const uint8_t *bytes = data->d_buf;
    for (uint64_t a = from; a + 1 < to && a + 1 < sh.sh_addr + data->d_size; a++)
      if (bytes[a - sh.sh_addr] == 0x48 && bytes[a - sh.sh_addr + 1] == 0xcf)
        return a;
    return 0;
  }
  return 0;
}

static int32_t symbol_at(struct profile *p, uint64_t addr) {
  unsigned slot = (unsigned)((addr ^ (addr >> 12)) & (CACHE_SIZE - 1));
  if (p->cache[slot].addr == addr)
    return p->cache[slot].sym;
  size_t lo = 0, hi = p->count;
  while (lo < hi) { /* first symbol starting above addr */
    size_t mid = (lo + hi) / 2;
    if (p->syms[mid].start <= addr)
      lo = mid + 1;
    else
      hi = mid;
  }
  int32_t sym = lo > 0 && addr < p->syms[lo - 1].end ? (int32_t)(lo - 1) : -1;
  p->cache[slot].addr = addr;
  p->cache[slot].sym = sym;
  return sym;
}

/* Keeps the shadow call stack in step: entering a function at its first
 * byte pushes it (call or tail jump); anything else returns to a caller. */
static void track(struct profile *p, int32_t sym, uint64_t addr) {
  if (p->depth > 0 && p->stack[p->depth - 1] == sym)
    return;
  if (sym >= 0 && addr == p->syms[sym].start) {
    if (p->depth == STACK_MAX) {
      memmove(p->stack, p->stack + 1, (STACK_MAX - 1) * sizeof p->stack[0]);
      p->depth--;
    }
    p->stack[p->depth++] = sym;
    return;
  }
  while (p->depth > 0 && p->stack[p->depth - 1] != sym)
    p->depth--;
  if (p->depth == 0)
    p->stack[p->depth++] = sym;
}

static int current_phase(const struct profile *p) {
  for (int i = p->depth - 1; i >= 0; i--) {
    int32_t s = p->stack[i];
    if (s >= 0 && p->syms[s].phase != NO_PHASE)
      return p->syms[s].phase;
  }
  return PROFILE_ENTRY;
}

static void on_code(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque) {
  struct profile *p = opaque;
  (void)uc;
  (void)size;
  if (addr == p->isr14) {
    if (p->active++ == 0)
      p->depth = 0;
  }
  if (!p->active)
    return;
  int32_t sym = symbol_at(p, addr);
  track(p, sym, addr);
  if (sym >= 0)
    p->syms[sym].insns++;
  p->totals.insns++;
  p->totals.phase_insns[current_phase(p)]++;
  if (addr == p->iretq) {
    p->active--;
    p->totals.pf_handled++;
  }
}

int profile_install(struct machine *m, char *err, size_t err_size) {
  struct profile *p = calloc(1, sizeof *p);
  char *copy = malloc(m->cfg.kernel_elf_size ? m->cfg.kernel_elf_size : 1);
  Elf *elf = NULL;
  if (!p || !copy) {
    snprintf(err, err_size, "profile: out of memory");
    goto fail;
  }
  for (unsigned i = 0; i < CACHE_SIZE; i++)
    p->cache[i].addr = UINT64_MAX;
  memcpy(copy, m->cfg.kernel_elf, m->cfg.kernel_elf_size);
  elf_version(EV_CURRENT);
  elf = elf_memory(copy, m->cfg.kernel_elf_size);
  if (!elf || read_symbols(p, elf) != 0) {
    snprintf(err, err_size, "profile: cannot read the kernel's symbols");
    goto fail;
  }
  const struct symbol *isr14 = find_named(p, "isr14"), *restore = find_named(p, "trap_restore");
  if (isr14)
    p->isr14 = isr14->start;
  if (restore)
    p->iretq = find_iretq(elf, restore->start, restore->start + 256);
  if (!isr14 || !p->iretq) {
    snprintf(err, err_size, "profile: the kernel has no isr14 or trap_restore ... iretq");
    goto fail;
  }
  elf_end(elf);
  elf = NULL;
  free(copy);
  copy = NULL;
  uc_hook hook;
  if (uc_hook_add(m->uc, &hook, UC_HOOK_CODE, (void *)on_code, p, FS_KERNEL_VMA, UINT64_MAX) !=
      UC_ERR_OK) {
    snprintf(err, err_size, "profile: cannot install the code hook");
    goto fail;
  }
  m->profile = p;
  return 0;
fail:
  if (elf)
    elf_end(elf);
  free(copy);
  if (p)
    free_symbols(p);
  free(p);
  return -1;
}

void profile_free(struct machine *m) {
  if (!m->profile)
    return;
  free_symbols(m->profile);
  free(m->profile);
  m->profile = NULL;
}

static int by_insns(const void *a, const void *b) {
  const struct machine_profile_fn *x = a, *y = b;
  return x->insns > y->insns ? -1 : x->insns < y->insns;
}

int machine_profile_get(const struct machine *m, struct machine_profile *out) {
  const struct profile *p = m->profile;
  if (!p)
    return -1;
  *out = p->totals;
  out->fn_count = 0;
  for (size_t i = 0; i < p->count; i++) {
    if (!p->syms[i].insns)
      continue;
    struct machine_profile_fn fn = {.insns = p->syms[i].insns};
    snprintf(fn.name, sizeof fn.name, "%s", p->syms[i].name);
    if (out->fn_count < MACHINE_PROFILE_TOP) {
      out->fns[out->fn_count++] = fn;
      qsort(out->fns, out->fn_count, sizeof fn, by_insns);
    } else if (fn.insns > out->fns[MACHINE_PROFILE_TOP - 1].insns) {
      out->fns[MACHINE_PROFILE_TOP - 1] = fn;
      qsort(out->fns, out->fn_count, sizeof fn, by_insns);
    }
  }
  return 0;
}
