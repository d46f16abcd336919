#include "elfcheck.h"

#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <faultsim/abi.h>

static int refuse(char *reason, size_t reason_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(char *reason, size_t reason_size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, reason_size, fmt, ap);
  va_end(ap);
  return -1;
}

static const char *machine_name(unsigned machine) {
  switch (machine) {
  case EM_386:
    return "i386";
  case EM_ARM:
    return "32-bit ARM";
  case EM_AARCH64:
    return "AArch64";
  case EM_RISCV:
    return "RISC-V";
  case EM_PPC64:
    return "PowerPC64";
  case EM_S390:
    return "s390";
  case EM_MIPS:
    return "MIPS";
  default:
    return NULL;
  }
}

/* Static PIEs carry no interpreter but mark themselves with DF_1_PIE. */
static int dynamic_says_pie(Elf *elf, const GElf_Phdr *dynamic_phdr) {
  Elf_Data *data =
      elf_getdata_rawchunk(elf, (int64_t)dynamic_phdr->p_offset, dynamic_phdr->p_filesz, ELF_T_DYN);
  if (data == NULL)
    return 0;
  size_t count = data->d_size / sizeof(Elf64_Dyn);
  for (size_t i = 0; i < count; i++) {
    GElf_Dyn dyn;
    if (gelf_getdyn(data, (int)i, &dyn) == NULL || dyn.d_tag == DT_NULL)
      break;
    if (dyn.d_tag == DT_FLAGS_1 && (dyn.d_un.d_val & DF_1_PIE))
      return 1;
  }
  return 0;
}

static int check_type(Elf *elf, const GElf_Ehdr *ehdr, size_t phnum, char *reason,
                      size_t reason_size) {
  switch (ehdr->e_type) {
  case ET_EXEC:
    return 0;
  case ET_DYN: {
    int pie = 0;
    for (size_t i = 0; i < phnum; i++) {
      GElf_Phdr phdr;
      if (gelf_getphdr(elf, (int)i, &phdr) == NULL)
        break;
      if (phdr.p_type == PT_INTERP || (phdr.p_type == PT_DYNAMIC && dynamic_says_pie(elf, &phdr)))
        pie = 1;
    }
    if (pie)
      return refuse(reason, reason_size,
                    "position-independent executable (PIE) is not supported: "
                    "link with -static -no-pie");
    return refuse(reason, reason_size, "shared object, not an executable");
  }
  case ET_REL:
    return refuse(reason, reason_size, "relocatable object file, not an executable");
  case ET_CORE:
    return refuse(reason, reason_size, "core dump, not an executable");
  default:
    return refuse(reason, reason_size, "not an executable (ELF type %u)", ehdr->e_type);
  }
}

/* Checks one PT_LOAD on its own; overlap and the entry point come later. */
static int check_load(const GElf_Phdr *phdr, size_t index, size_t file_size, char *reason,
                      size_t reason_size) {
  /* The kernel's loader refuses empty segments, so they are refused here. */
  if (phdr->p_memsz == 0)
    return refuse(reason, reason_size, "segment %zu is empty (memory size 0)", index);
  if (phdr->p_filesz > phdr->p_memsz)
    return refuse(reason, reason_size,
                  "segment %zu: file size 0x%llx is larger than memory size 0x%llx", index,
                  (unsigned long long)phdr->p_filesz, (unsigned long long)phdr->p_memsz);
  if (phdr->p_offset > file_size || phdr->p_filesz > file_size - phdr->p_offset)
    return refuse(reason, reason_size,
                  "truncated: segment %zu's file data (offset 0x%llx, 0x%llx bytes) is outside "
                  "the file",
                  index, (unsigned long long)phdr->p_offset, (unsigned long long)phdr->p_filesz);
  if (phdr->p_offset % FS_PAGE_SIZE != phdr->p_vaddr % FS_PAGE_SIZE)
    return refuse(reason, reason_size,
                  "segment %zu is misaligned: offset 0x%llx and address 0x%llx differ modulo "
                  "the page size",
                  index, (unsigned long long)phdr->p_offset, (unsigned long long)phdr->p_vaddr);
  if (phdr->p_memsz > UINT64_MAX - phdr->p_vaddr)
    return refuse(reason, reason_size, "segment %zu wraps around the address space", index);
  if (phdr->p_vaddr + phdr->p_memsz > FS_USER_TOP)
    return refuse(reason, reason_size, "segment %zu reaches into kernel space (above 0x%016llx)",
                  index, (unsigned long long)FS_USER_TOP);
  if (phdr->p_vaddr < ELFCHECK_MIN_VADDR)
    return refuse(reason, reason_size, "segment %zu maps address 0x%llx, below 0x%llx", index,
                  (unsigned long long)phdr->p_vaddr, (unsigned long long)ELFCHECK_MIN_VADDR);
  return 0;
}

/* Page-granular: the loader maps whole pages, so two segments that share a
 * page would have to share a frame with different rights. */
static void page_span(const GElf_Phdr *phdr, uint64_t *first, uint64_t *end) {
  *first = phdr->p_vaddr & ~(FS_PAGE_SIZE - 1);
  *end = (phdr->p_vaddr + phdr->p_memsz + FS_PAGE_SIZE - 1) & ~(FS_PAGE_SIZE - 1);
}

static int check_segments(Elf *elf, const GElf_Ehdr *ehdr, size_t phnum, size_t file_size,
                          char *reason, size_t reason_size) {
  GElf_Phdr loads[ELFCHECK_MAX_PHDR_BYTES / sizeof(Elf64_Phdr)];
  size_t load_index[ELFCHECK_MAX_PHDR_BYTES / sizeof(Elf64_Phdr)];
  size_t load_count = 0;
  for (size_t i = 0; i < phnum; i++) {
    GElf_Phdr phdr;
    if (gelf_getphdr(elf, (int)i, &phdr) == NULL)
      return refuse(reason, reason_size, "corrupt program header %zu: %s", i, elf_errmsg(-1));
    switch (phdr.p_type) {
    case PT_INTERP:
      return refuse(reason, reason_size,
                    "dynamically linked (has an interpreter): link with -static -no-pie");
    case PT_DYNAMIC:
      return refuse(reason, reason_size,
                    "has dynamic linking information (PT_DYNAMIC): link with -static -no-pie");
    case PT_LOAD:
      if (check_load(&phdr, i, file_size, reason, reason_size) != 0)
        return -1;
      load_index[load_count] = i;
      loads[load_count++] = phdr;
      break;
    default:
      break;
    }
  }
  if (load_count == 0)
    return refuse(reason, reason_size, "no loadable segment (PT_LOAD)");
  for (size_t a = 0; a < load_count; a++) {
    uint64_t a_first, a_end;
    page_span(&loads[a], &a_first, &a_end);
    for (size_t b = a + 1; b < load_count; b++) {
      uint64_t b_first, b_end;
      page_span(&loads[b], &b_first, &b_end);
      if (a_first < b_end && b_first < a_end)
        return refuse(reason, reason_size, "segments %zu and %zu overlap", load_index[a],
                      load_index[b]);
    }
  }
  for (size_t i = 0; i < load_count; i++) {
    const GElf_Phdr *phdr = &loads[i];
    if ((phdr->p_flags & PF_X) && ehdr->e_entry >= phdr->p_vaddr &&
        ehdr->e_entry - phdr->p_vaddr < phdr->p_memsz)
      return 0;
  }
  return refuse(reason, reason_size, "entry point 0x%llx is not inside an executable segment",
                (unsigned long long)ehdr->e_entry);
}

static int check_with_libelf(Elf *elf, size_t size, char *reason, size_t reason_size) {
  if (elf_kind(elf) != ELF_K_ELF)
    return refuse(reason, reason_size, "not an ELF file");
  GElf_Ehdr ehdr;
  if (gelf_getehdr(elf, &ehdr) == NULL)
    return refuse(reason, reason_size, "corrupt ELF header: %s", elf_errmsg(-1));
  if (ehdr.e_machine != EM_X86_64) {
    const char *name = machine_name(ehdr.e_machine);
    if (name != NULL)
      return refuse(reason, reason_size, "wrong architecture: %s, need x86-64", name);
    return refuse(reason, reason_size, "wrong architecture: ELF machine %u, need x86-64",
                  ehdr.e_machine);
  }
  if (ehdr.e_version != EV_CURRENT)
    return refuse(reason, reason_size, "invalid ELF version %u", (unsigned)ehdr.e_version);
  if (ehdr.e_phnum != 0 && ehdr.e_phentsize != sizeof(Elf64_Phdr))
    return refuse(reason, reason_size, "invalid program header entry size %u", ehdr.e_phentsize);
  /* libelf clamps the count to what fits in the file; the declared count
   * is the one to check against the file size. */
  size_t phnum = ehdr.e_phnum;
  if (ehdr.e_phnum == PN_XNUM && elf_getphdrnum(elf, &phnum) != 0)
    return refuse(reason, reason_size, "corrupt program header count: %s", elf_errmsg(-1));
  if (phnum > ELFCHECK_MAX_PHDR_BYTES / sizeof(Elf64_Phdr))
    return refuse(reason, reason_size, "too many program headers (%zu)", phnum);
  if (ehdr.e_phoff > size || phnum * sizeof(Elf64_Phdr) > size - ehdr.e_phoff)
    return refuse(reason, reason_size, "truncated: the program headers are outside the file");
  if (check_type(elf, &ehdr, phnum, reason, reason_size) != 0)
    return -1;
  if (phnum == 0)
    return refuse(reason, reason_size, "no loadable segment (PT_LOAD)");
  return check_segments(elf, &ehdr, phnum, size, reason, reason_size);
}

int elf_check_executable(const void *image, size_t size, char *reason, size_t reason_size) {
  const unsigned char *ident = image;
  /* The identification bytes decide how libelf would read the rest, so they
   * are checked first, with the most useful message for each. */
  if (size < EI_NIDENT || memcmp(ident, ELFMAG, SELFMAG) != 0)
    return refuse(reason, reason_size, "not an ELF file");
  if (ident[EI_CLASS] == ELFCLASS32)
    return refuse(reason, reason_size, "32-bit ELF is not supported: need x86-64 (ELFCLASS64)");
  if (ident[EI_CLASS] != ELFCLASS64)
    return refuse(reason, reason_size, "invalid ELF class %u", ident[EI_CLASS]);
  if (ident[EI_DATA] == ELFDATA2MSB)
    return refuse(reason, reason_size, "big-endian ELF is not supported: need little-endian");
  if (ident[EI_DATA] != ELFDATA2LSB)
    return refuse(reason, reason_size, "invalid ELF data encoding %u", ident[EI_DATA]);
  if (ident[EI_VERSION] != EV_CURRENT)
    return refuse(reason, reason_size, "invalid ELF version %u", ident[EI_VERSION]);
  if (size < sizeof(Elf64_Ehdr))
    return refuse(reason, reason_size, "truncated: the ELF header is incomplete");

  if (elf_version(EV_CURRENT) == EV_NONE)
    return refuse(reason, reason_size, "libelf is unusable: %s", elf_errmsg(-1));
  /* ELF_C_READ on a memory image never writes to it; libelf's prototype
   * just lacks the const. */
  Elf *elf = elf_memory((char *)image, size);
  if (elf == NULL)
    return refuse(reason, reason_size, "corrupt ELF file: %s", elf_errmsg(-1));
  int status = check_with_libelf(elf, size, reason, reason_size);
  elf_end(elf);
  return status;
}
