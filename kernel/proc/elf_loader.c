/* ELF64 loader and initial stack.
 *
 * LOADER RULES (mirrored by the host's checker; change both together).  A
 * file is refused (exec fails, status 126) unless:
 *   1. it is at least 64 bytes (one ELF64 header);
 *   2. e_ident: "\x7fELF", ELFCLASS64, ELFDATA2LSB, EV_CURRENT;
 *   3. e_type is ET_EXEC (ET_DYN, static-pie included, is refused);
 *   4. e_machine is EM_X86_64;
 *   5. e_phentsize is 56 and 1 <= e_phnum <= 64;
 *   6. the program-header table lies inside the file (no overflow);
 *   7. there is no PT_INTERP (static programs only);
 *   8. there is at least one PT_LOAD with p_memsz > 0 (empty ones are ignored);
 *   9. every PT_LOAD: p_filesz <= p_memsz; p_offset + p_filesz <= file size
 *      (no overflow); p_offset % 4096 == p_vaddr % 4096;
 *      p_vaddr >= 0x10000; p_vaddr + p_memsz does not wrap and is
 *      <= 0x7fffc0000000 (the top GiB of user space holds the stack);
 *  10. no two PT_LOADs overlap (as [p_vaddr, p_vaddr + p_memsz)); they may
 *      share a page, which then gets the union of their permissions;
 *  11. e_entry lies inside a PT_LOAD with PF_X.
 * Segments are mapped with their own permissions: R always (x86 cannot
 * withhold read), W if PF_W, executable only if PF_X (NX otherwise).
 *
 * Initial stack (SysV x86-64 ABI), top at USER_STACK_TOP, USER_STACK_PAGES
 * mapped: from the top, the 16 AT_RANDOM bytes, the argv and envp strings,
 * then 16-byte aligned: argc, argv[], NULL, envp[], NULL, auxv pairs,
 * AT_NULL; RSP points at argc. */
#include <string.h>
#include <faultsim/abi.h>
#include <kernel/brk.h>
#include <kernel/errno.h>
#include <kernel/exec.h>
#include <kernel/log.h>
#include <kernel/pmm.h>
#include <kernel/uaccess.h>

#define ET_EXEC   2
#define EM_X86_64 62
#define PT_LOAD   1
#define PT_INTERP 3
#define PT_PHDR   6
#define PF_X      1
#define PF_W      2
#define PF_R      4

#define AT_NULL   0
#define AT_PHDR   3
#define AT_PHENT  4
#define AT_PHNUM  5
#define AT_PAGESZ 6
#define AT_ENTRY  9
#define AT_UID    11
#define AT_EUID   12
#define AT_GID    13
#define AT_EGID   14
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_EXECFN 31

struct elf64_ehdr {
  uint8_t ident[16];
  uint16_t type, machine;
  uint32_t version;
  uint64_t entry, phoff, shoff;
  uint32_t flags;
  uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
  uint32_t type, flags;
  uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header");

struct image {
  struct elf64_ehdr eh;
  struct elf64_phdr ph[EXEC_MAX_PHNUM];
  uint64_t phdr_vaddr; /* AT_PHDR */
  uint64_t end;        /* highest p_vaddr + p_memsz */
};

/* Rules 1-11 above; fills img.  Returns 0 or -ENOEXEC with *why. */
static int validate(const struct vfs_file *f, struct image *img, const char **why) {
  uint64_t size = vfs_file_size(f);
  struct elf64_ehdr *eh = &img->eh;
  if (size < sizeof *eh || vfs_file_read(f, 0, eh, sizeof *eh) != sizeof *eh)
    return *why = "file too small for an ELF header", -ENOEXEC;
  if (memcmp(eh->ident,
             "\x7f"
             "ELF",
             4) != 0)
    return *why = "not an ELF file", -ENOEXEC;
  if (eh->ident[4] != 2)
    return *why = "not a 64-bit ELF", -ENOEXEC;
  if (eh->ident[5] != 1)
    return *why = "not little-endian", -ENOEXEC;
  if (eh->ident[6] != 1)
    return *why = "bad ELF version", -ENOEXEC;
  if (eh->type != ET_EXEC)
    return *why = "not a static executable (ET_EXEC)", -ENOEXEC;
  if (eh->machine != EM_X86_64)
    return *why = "not an x86-64 program", -ENOEXEC;
  if (eh->phentsize != sizeof(struct elf64_phdr))
    return *why = "bad program header size", -ENOEXEC;
  if (eh->phnum == 0 || eh->phnum > EXEC_MAX_PHNUM)
    return *why = "bad program header count", -ENOEXEC;
  uint64_t phbytes = (uint64_t)eh->phnum * sizeof(struct elf64_phdr);
  if (eh->phoff > size || phbytes > size - eh->phoff)
    return *why = "program headers outside the file", -ENOEXEC;
  if (vfs_file_read(f, eh->phoff, img->ph, phbytes) != phbytes)
    return *why = "program headers unreadable", -ENOEXEC;

  unsigned loads = 0;
  bool entry_ok = false;
  img->end = 0;
  img->phdr_vaddr = 0;
  for (unsigned i = 0; i < eh->phnum; i++) {
    const struct elf64_phdr *ph = &img->ph[i];
    if (ph->type == PT_INTERP)
      return *why = "dynamically linked (PT_INTERP)", -ENOEXEC;
    if (ph->type == PT_PHDR)
      img->phdr_vaddr = ph->vaddr;
    if (ph->type != PT_LOAD || ph->memsz == 0)
      continue;
    if (ph->filesz > ph->memsz)
      return *why = "segment file size exceeds memory size", -ENOEXEC;
    if (ph->offset > size || ph->filesz > size - ph->offset)
      return *why = "segment outside the file", -ENOEXEC;
    if ((ph->offset ^ ph->vaddr) & (PAGE_SIZE - 1))
      return *why = "segment offset and address disagree modulo the page size", -ENOEXEC;
    if (ph->vaddr < EXEC_LOAD_MIN)
      return *why = "segment below the lowest load address", -ENOEXEC;
    if (ph->memsz > EXEC_LOAD_LIMIT || ph->vaddr > EXEC_LOAD_LIMIT - ph->memsz)
      return *why = "segment reaches the stack area or kernel space", -ENOEXEC;
    for (unsigned j = 0; j < i; j++) {
      const struct elf64_phdr *q = &img->ph[j];
      if (q->type == PT_LOAD && q->memsz && ph->vaddr < q->vaddr + q->memsz &&
          q->vaddr < ph->vaddr + ph->memsz)
        return *why = "overlapping segments", -ENOEXEC;
    }
    if ((ph->flags & PF_X) && eh->entry >= ph->vaddr && eh->entry - ph->vaddr < ph->memsz)
      entry_ok = true;
    /* No PT_PHDR: the headers are visible if a segment loads them. */
    if (!img->phdr_vaddr && eh->phoff >= ph->offset &&
        eh->phoff + phbytes <= ph->offset + ph->filesz)
      img->phdr_vaddr = ph->vaddr + (eh->phoff - ph->offset);
    if (ph->vaddr + ph->memsz > img->end)
      img->end = ph->vaddr + ph->memsz;
    loads++;
  }
  if (!loads)
    return *why = "no loadable segment", -ENOEXEC;
  if (!entry_ok)
    return *why = "entry point outside every executable segment", -ENOEXEC;
  return 0;
}

static unsigned seg_prot(uint32_t flags) {
  unsigned prot = FS_PROT_READ;
  if (flags & PF_W)
    prot |= FS_PROT_WRITE;
  if (flags & PF_X)
    prot |= FS_PROT_EXEC;
  return prot;
}

/* Map one PT_LOAD eagerly: each page gets a frame holding the file bytes of
 * the segment and zeroes elsewhere (the .bss part).  A page already mapped
 * by an earlier segment is shared: only this segment's bytes are written
 * into it and its permissions become the union.
 *
 * This is the one function the region layer replaces ("exec records regions
 * and maps nothing"): it would record a text/data/bss region here instead. */
static int map_segment(struct process *p, const struct vfs_file *f, const struct elf64_phdr *ph) {
  unsigned prot = seg_prot(ph->flags);
  uint64_t file_end = ph->vaddr + ph->filesz; /* file bytes cover [vaddr, file_end) */
  for (uint64_t va = PAGE_ROUND_DOWN(ph->vaddr); va < ph->vaddr + ph->memsz; va += PAGE_SIZE) {
    paddr_t pa;
    unsigned old_prot;
    if (pt_lookup(&p->pt, va, &pa, &old_prot)) {
      pt_protect(&p->pt, va, old_prot | prot);
    } else {
      pa = pmm_alloc_zeroed();
      if (!pa)
        return -ENOMEM;
      if (pt_map(&p->pt, va, pa, prot) != 0) {
        frame_put(pa);
        return -ENOMEM;
      }
    }
    /* Only this segment's own bytes: whatever else shares the page belongs
     * to another segment (or stays zero). */
    uint64_t from = va > ph->vaddr ? va : ph->vaddr;
    uint64_t to = va + PAGE_SIZE < file_end ? va + PAGE_SIZE : file_end;
    if (from < to)
      vfs_file_read(f, ph->offset + (from - ph->vaddr), (uint8_t *)frame_ptr(pa) + (from - va),
                    to - from);
  }
  return 0;
}

/* Map the initial stack pages just below USER_STACK_TOP. */
static int map_stack(struct process *p) {
  p->stack_top = USER_STACK_TOP;
  p->stack_bottom = USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE;
  for (uint64_t va = p->stack_bottom; va < p->stack_top; va += PAGE_SIZE) {
    paddr_t pa = pmm_alloc_zeroed();
    if (!pa)
      return -ENOMEM;
    if (pt_map(&p->pt, va, pa, FS_PROT_READ | FS_PROT_WRITE) != 0) {
      frame_put(pa);
      return -ENOMEM;
    }
  }
  return 0;
}

/* Deterministic "random" bytes for AT_RANDOM (splitmix64 from a fixed seed
 * and the pid): programs seed stack protectors and hashes from them. */
static void at_random_bytes(int pid, uint8_t out[16]) {
  uint64_t x = 0x66617573696d2121ull ^ (uint64_t)pid;
  for (int i = 0; i < 2; i++) {
    uint64_t z = (x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    memcpy(out + 8 * i, &z, 8);
  }
}

/* Push n bytes below *sp (user address); -EFAULT/-E2BIG on failure. */
static int push_bytes(struct process *p, uint64_t *sp, const void *src, size_t n) {
  if (*sp - p->stack_bottom < n)
    return -E2BIG;
  *sp -= n;
  return copy_to_user(*sp, src, n) ? -EFAULT : 0;
}

static int build_stack(struct process *p, const struct image *img, uint32_t argc,
                       const char *const *argv, uint32_t envc, const char *const *envp,
                       uint64_t *rsp_out) {
  uint64_t sp = p->stack_top;
  uint8_t rnd[16];
  at_random_bytes(p->pid, rnd);
  int err = push_bytes(p, &sp, rnd, sizeof rnd);
  if (err)
    return err;
  uint64_t random_at = sp;

  /* Strings first (their addresses go into the vectors below). */
  uint32_t nstr = argc + envc;
  uint64_t vec_words = 1 + (argc + 1) + (envc + 1) + 2 * 14;
  if ((uint64_t)nstr * 8 + vec_words * 8 > p->stack_top - p->stack_bottom)
    return -E2BIG;
  /* Where each string landed (they are pushed last to first); exec_load
   * allows at most 256 strings. */
  static uint64_t ptrs[256];
  if (nstr > 256)
    return -E2BIG;
  for (uint32_t i = nstr; i-- > 0;) {
    const char *s = i < argc ? argv[i] : envp[i - argc];
    if ((err = push_bytes(p, &sp, s, strlen(s) + 1)) != 0)
      return err;
    ptrs[i] = sp;
  }
  uint64_t execfn = argc ? ptrs[0] : 0;

  uint64_t vec[1 + 256 + 2 + 2 * 14];
  size_t n = 0;
  vec[n++] = argc;
  for (uint32_t i = 0; i < argc; i++)
    vec[n++] = ptrs[i];
  vec[n++] = 0;
  for (uint32_t i = 0; i < envc; i++)
    vec[n++] = ptrs[argc + i];
  vec[n++] = 0;
  const uint64_t aux[][2] = {
      {AT_PHDR, img->phdr_vaddr},
      {AT_PHENT, sizeof(struct elf64_phdr)},
      {AT_PHNUM, img->eh.phnum},
      {AT_PAGESZ, PAGE_SIZE},
      {AT_ENTRY, img->eh.entry},
      {AT_UID, 0},
      {AT_EUID, 0},
      {AT_GID, 0},
      {AT_EGID, 0},
      {AT_SECURE, 0},
      {AT_CLKTCK, 100},
      {AT_RANDOM, random_at},
      {AT_EXECFN, execfn},
      {AT_NULL, 0},
  };
  for (size_t i = 0; i < sizeof aux / sizeof aux[0]; i++) {
    vec[n++] = aux[i][0];
    vec[n++] = aux[i][1];
  }
  /* RSP must be 16-byte aligned at argc. */
  sp = (sp - n * 8) & ~15ull;
  if (sp < p->stack_bottom)
    return -E2BIG;
  if (copy_to_user(sp, vec, n * 8) != 0)
    return -EFAULT;
  *rsp_out = sp;
  return 0;
}

int exec_load(struct process *p, const struct vfs_file *f, uint32_t argc, const char *const *argv,
              uint32_t envc, const char *const *envp, const char **why) {
  static struct image img; /* 3.6 KiB: off the stack; one exec at a time */
  memset(&img, 0, sizeof img);
  if (f->is_dir)
    return *why = "is a directory", -EACCES;
  int err = validate(f, &img, why);
  if (err)
    return err;
  if (argc + envc > 256)
    return *why = "too many arguments", -E2BIG;

  for (unsigned i = 0; i < img.eh.phnum; i++) {
    const struct elf64_phdr *ph = &img.ph[i];
    if (ph->type == PT_LOAD && ph->memsz && (err = map_segment(p, f, ph)) != 0)
      return *why = "out of memory mapping segments", err;
  }
  if ((err = map_stack(p)) != 0)
    return *why = "out of memory for the stack", err;
  brk_init(p, img.end);

  /* Write the stack through the process's own address space, exactly as
   * the program will see it. */
  struct pt_space *prev = pt_space_current();
  pt_space_activate(&p->pt);
  uint64_t rsp = 0;
  err = build_stack(p, &img, argc, argv, envc, envp, &rsp);
  pt_space_activate(prev);
  if (err)
    return *why = err == -E2BIG ? "arguments too large for the stack" : "cannot write the stack",
           err;

  memset(&p->entry, 0, sizeof p->entry);
  p->entry.rip = img.eh.entry;
  p->entry.cs = FS_SEL_USER_CS;
  p->entry.rflags = 0x202; /* IF (no interrupts arrive anyway) + reserved bit 1 */
  p->entry.rsp = rsp;
  p->entry.ss = FS_SEL_USER_DS;
  /* rdx = 0: no exit handler from a dynamic loader (SysV ABI). */
  return 0;
}
