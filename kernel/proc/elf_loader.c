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
 *      p_vaddr >= VM_USER_MIN (0x10000); p_vaddr + p_memsz does not wrap
 *      and is <= EXEC_LOAD_LIMIT (0x7fffc0000000);
 *  10. e_entry lies inside a PT_LOAD with PF_X;
 *  11. the region layout (vm_space_layout_exec) accepts the segments: no two
 *      PT_LOADs touch the same page (regions are page-granular; the host
 *      checker refuses the same), and the highest one ends low enough to
 *      leave the heap (VM_HEAP_MAX_SIZE) and its guard below the mmap area.
 * Segments become regions with their own permissions: R always (x86 cannot
 * withhold read), W if PF_W, executable only if PF_X (NX otherwise).
 * Nothing is mapped at exec: every page faults in (see layout_regions).
 *
 * Initial stack (SysV x86-64 ABI), top at VM_STACK_TOP, populated by the
 * kernel's own writes (only the pages it touches): from the top, the 16 AT_RANDOM bytes, the argv
 * and envp strings, then 16-byte aligned: argc, argv[], NULL, envp[], NULL, auxv pairs, AT_NULL;
 * RSP points at argc. */
#include <string.h>
#include <faultsim/abi.h>
#include <kernel/errno.h>
#include <kernel/exec.h>
#include <kernel/fault_stats.h>
#include <kernel/log.h>
#include <kernel/trace.h>
#include <kernel/uaccess.h>
#include <kernel/vm_map.h>

#define ET_EXEC   2
#define EM_X86_64 62
#define PT_LOAD   1
#define PT_INTERP 3
#define PT_PHDR   6
#define PF_X      1
#define PF_W      2
#define PF_R      4

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

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

/* Rules 1-10 above; fills img.  Returns 0 or -ENOEXEC with *why. */
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
    if (ph->vaddr < VM_USER_MIN)
      return *why = "segment below the lowest load address", -ENOEXEC;
    if (ph->memsz > EXEC_LOAD_LIMIT || ph->vaddr > EXEC_LOAD_LIMIT - ph->memsz)
      return *why = "segment reaches the stack area or kernel space", -ENOEXEC;
    /* Overlaps are left to the layout, which refuses shared pages too. */
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

/* Exec records regions and maps nothing: one file-backed region per
 * PT_LOAD (backed by the ELF's own VFS file, text R-X / rodata R-- / data
 * RW-), a BSS region from the page after the file bytes, the heap, the
 * guards and the 8 MiB stack -- all populated on first touch by the fault
 * core.  The layout rules live in vm_space_layout_exec (kernel/mm/vm_map.c). */
static int layout_regions(struct process *p, const struct vfs_file *f, const struct image *img,
                          const char **why) {
  static struct vm_exec_segment segs[EXEC_MAX_PHNUM]; /* one exec at a time */
  size_t n = 0;
  for (unsigned i = 0; i < img->eh.phnum; i++) {
    const struct elf64_phdr *ph = &img->ph[i];
    if (ph->type != PT_LOAD || ph->memsz == 0)
      continue;
    segs[n++] = (struct vm_exec_segment){.vaddr = ph->vaddr,
                                         .memsz = ph->memsz,
                                         .file_offset = ph->offset,
                                         .filesz = ph->filesz,
                                         .prot = seg_prot(ph->flags)};
  }
  const char *layout_why = "segments do not fit the region layout";
  struct vm_exec_image ex = {.file = f,
                             .segments = segs,
                             .segment_count = n,
                             .stack_max = 0, /* VM_STACK_MAX_DEFAULT: 8 MiB */
                             .stack_guard_pages = p->stack_guard_pages};
  int err = vm_space_layout_exec_why(p->vm, &ex, &layout_why);
  if (err == -ENOMEM)
    return *why = "out of memory recording regions", err;
  if (err) /* rule 11 */
    return *why = layout_why, -ENOEXEC;
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
  if (*sp - p->vm->stack_bottom < n)
    return -E2BIG;
  *sp -= n;
  return copy_to_user(*sp, src, n) ? -EFAULT : 0;
}

/* argc + envc <= EXEC_MAX_STRINGS (exec_load checks).  Everything pushed is
 * at most FS_BOOT_ARGS_MAX bytes of strings plus the vectors, far less than
 * any stack, so the bounds checks below are backstops, not an early-out. */
static int build_stack(struct process *p, const struct image *img, uint32_t argc,
                       const char *const *argv, uint32_t envc, const char *const *envp,
                       uint64_t *rsp_out) {
  uint64_t sp = p->vm->stack_top;
  uint8_t rnd[16];
  at_random_bytes(p->pid, rnd);
  int err = push_bytes(p, &sp, rnd, sizeof rnd);
  if (err)
    return err;
  uint64_t random_at = sp;

  /* Strings first (their addresses go into the vectors below), pushed last
   * to first; ptrs[i] is where string i landed. */
  static uint64_t ptrs[EXEC_MAX_STRINGS];
  uint32_t nstr = argc + envc;
  for (uint32_t i = nstr; i-- > 0;) {
    const char *s = i < argc ? argv[i] : envp[i - argc];
    if ((err = push_bytes(p, &sp, s, strlen(s) + 1)) != 0)
      return err;
    ptrs[i] = sp;
  }
  uint64_t execfn = argc ? ptrs[0] : 0;

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
  /* argc, argv[] + NULL, envp[] + NULL, the aux pairs. */
  uint64_t vec[1 + EXEC_MAX_STRINGS + 2 + 2 * ARRAY_SIZE(aux)];
  size_t n = 0;
  vec[n++] = argc;
  for (uint32_t i = 0; i < argc; i++)
    vec[n++] = ptrs[i];
  vec[n++] = 0;
  for (uint32_t i = 0; i < envc; i++)
    vec[n++] = ptrs[argc + i];
  vec[n++] = 0;
  for (size_t i = 0; i < ARRAY_SIZE(aux); i++) {
    vec[n++] = aux[i][0];
    vec[n++] = aux[i][1];
  }
  /* RSP must be 16-byte aligned at argc. */
  sp = (sp - n * 8) & ~15ull;
  if (sp < p->vm->stack_bottom)
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
  if (argc > EXEC_MAX_STRINGS || envc > EXEC_MAX_STRINGS - argc)
    return *why = "too many arguments", -E2BIG;

  if ((err = layout_regions(p, f, &img, why)) != 0)
    return err;
  TRACE(trace_emit_exec(p->pid, p->vm, p->name, img.eh.entry, f));

  /* Write the stack through the process's own address space, exactly as
   * the program will see it: each page written faults in through the fault
   * core as a kernel-mode fault, so only the pages holding the strings,
   * vectors and auxv are populated, and each of those faults is traced and
   * counted like any other (the offline replay and trace_check rely on one
   * FAULT record per counted fault; vm_space_user_page would count the
   * pages but emit no record).  The price: a copy that finds no frame
   * returns -EFAULT here rather than killing (page_fault.c spares a process
   * that is not running yet), and only the OOM counter tells the two apart. */
  struct process *prev = process_switch(p);
  uint64_t rsp = 0, ooms = fault_stats.oom_kills;
  err = build_stack(p, &img, argc, argv, envc, envp, &rsp);
  process_switch(prev);
  if (err == -EFAULT && fault_stats.oom_kills != ooms)
    err = -ENOMEM;
  if (err == -ENOMEM)
    return *why = "out of memory writing the stack", err;
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
