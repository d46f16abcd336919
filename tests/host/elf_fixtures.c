#include "elf_fixtures.h"

#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_VADDR     0x400000ULL
#define DATA_VADDR     0x401000ULL
#define CODE_OFFSET    0x100
#define INTERP_OFFSET  0x180
#define DATA_OFFSET    0x1000
#define DATA_FILE_SIZE 0x10
#define VALID_SIZE     (DATA_OFFSET + DATA_FILE_SIZE)
#define PHDR_COUNT     3

static const char interp_path[] = "/lib64/ld-linux-x86-64.so.2";

unsigned char *elf_fixture_build_valid(size_t *size) {
  unsigned char *image = calloc(1, VALID_SIZE);
  if (image == NULL)
    return NULL;
  Elf64_Ehdr *ehdr = (Elf64_Ehdr *)image;
  memcpy(ehdr->e_ident, ELFMAG, SELFMAG);
  ehdr->e_ident[EI_CLASS] = ELFCLASS64;
  ehdr->e_ident[EI_DATA] = ELFDATA2LSB;
  ehdr->e_ident[EI_VERSION] = EV_CURRENT;
  ehdr->e_ident[EI_OSABI] = ELFOSABI_SYSV;
  ehdr->e_type = ET_EXEC;
  ehdr->e_machine = EM_X86_64;
  ehdr->e_version = EV_CURRENT;
  ehdr->e_entry = TEXT_VADDR + CODE_OFFSET;
  ehdr->e_phoff = sizeof(Elf64_Ehdr);
  ehdr->e_ehsize = sizeof(Elf64_Ehdr);
  ehdr->e_phentsize = sizeof(Elf64_Phdr);
  ehdr->e_phnum = PHDR_COUNT;

  Elf64_Phdr *phdr = (Elf64_Phdr *)(image + sizeof(Elf64_Ehdr));
  phdr[0] = (Elf64_Phdr){.p_type = PT_LOAD,
                         .p_flags = PF_R | PF_X,
                         .p_offset = 0,
                         .p_vaddr = TEXT_VADDR,
                         .p_paddr = TEXT_VADDR,
                         .p_filesz = 0x200,
                         .p_memsz = 0x200,
                         .p_align = 0x1000};
  phdr[1] = (Elf64_Phdr){.p_type = PT_LOAD,
                         .p_flags = PF_R | PF_W,
                         .p_offset = DATA_OFFSET,
                         .p_vaddr = DATA_VADDR,
                         .p_paddr = DATA_VADDR,
                         .p_filesz = DATA_FILE_SIZE,
                         .p_memsz = 0x100,
                         .p_align = 0x1000};
  phdr[2] = (Elf64_Phdr){.p_type = PT_GNU_STACK, .p_flags = PF_R | PF_W, .p_align = 0x10};

  /* mov eax, 60 (exit); xor edi, edi; syscall */
  static const unsigned char code[] = {0xb8, 0x3c, 0x00, 0x00, 0x00, 0x31, 0xff, 0x0f, 0x05};
  memcpy(image + CODE_OFFSET, code, sizeof(code));
  memcpy(image + INTERP_OFFSET, interp_path, sizeof(interp_path));
  memset(image + DATA_OFFSET, 0x5a, DATA_FILE_SIZE);
  *size = VALID_SIZE;
  return image;
}

unsigned char *elf_fixture_build_program(const unsigned char *code, size_t code_size,
                                         size_t *size) {
  if (code_size > INTERP_OFFSET - CODE_OFFSET)
    return NULL;
  unsigned char *image = elf_fixture_build_valid(size);
  if (image != NULL)
    memcpy(image + CODE_OFFSET, code, code_size);
  return image;
}

static Elf64_Ehdr *ehdr_of(unsigned char *image) {
  return (Elf64_Ehdr *)image;
}
static Elf64_Phdr *phdr_of(unsigned char *image, int index) {
  return (Elf64_Phdr *)(image + sizeof(Elf64_Ehdr)) + index;
}

static void keep(unsigned char *image, size_t *size) {
  (void)image;
  (void)size;
}
static void bad_magic(unsigned char *image, size_t *size) {
  (void)size;
  image[1] = 'X';
}
static void empty(unsigned char *image, size_t *size) {
  (void)image;
  *size = 0;
}
static void class32(unsigned char *image, size_t *size) {
  (void)size;
  image[EI_CLASS] = ELFCLASS32;
}
static void class_invalid(unsigned char *image, size_t *size) {
  (void)size;
  image[EI_CLASS] = 7;
}
static void big_endian(unsigned char *image, size_t *size) {
  (void)size;
  image[EI_DATA] = ELFDATA2MSB;
}
static void machine_386(unsigned char *image, size_t *size) {
  (void)size;
  ehdr_of(image)->e_machine = EM_386;
}
static void machine_aarch64(unsigned char *image, size_t *size) {
  (void)size;
  ehdr_of(image)->e_machine = EM_AARCH64;
}
static void machine_unknown(unsigned char *image, size_t *size) {
  (void)size;
  ehdr_of(image)->e_machine = 0x1234;
}
static void pie(unsigned char *image, size_t *size) {
  (void)size;
  ehdr_of(image)->e_type = ET_DYN;
  *phdr_of(image, 2) = (Elf64_Phdr){.p_type = PT_INTERP,
                                    .p_flags = PF_R,
                                    .p_offset = INTERP_OFFSET,
                                    .p_vaddr = TEXT_VADDR + INTERP_OFFSET,
                                    .p_filesz = sizeof(interp_path),
                                    .p_memsz = sizeof(interp_path),
                                    .p_align = 1};
}
static void shared_object(unsigned char *image, size_t *size) {
  (void)size;
  ehdr_of(image)->e_type = ET_DYN;
}
static void relocatable(unsigned char *image, size_t *size) {
  (void)size;
  ehdr_of(image)->e_type = ET_REL;
}
static void interp(unsigned char *image, size_t *size) {
  pie(image, size);
  ehdr_of(image)->e_type = ET_EXEC;
}
static void dynamic(unsigned char *image, size_t *size) {
  (void)size;
  *phdr_of(image, 2) = (Elf64_Phdr){.p_type = PT_DYNAMIC,
                                    .p_flags = PF_R | PF_W,
                                    .p_offset = DATA_OFFSET,
                                    .p_vaddr = DATA_VADDR,
                                    .p_filesz = 0,
                                    .p_memsz = 0,
                                    .p_align = 8};
}
static void truncated_ident(unsigned char *image, size_t *size) {
  (void)image;
  *size = 10;
}
static void truncated_ehdr(unsigned char *image, size_t *size) {
  (void)image;
  *size = 40;
}
static void truncated_phdrs(unsigned char *image, size_t *size) {
  (void)image;
  *size = 0x80;
}
static void truncated_segment(unsigned char *image, size_t *size) {
  (void)image;
  *size = DATA_OFFSET + 8;
}
static void phoff_beyond(unsigned char *image, size_t *size) {
  (void)size;
  ehdr_of(image)->e_phoff = 0x100000;
}
static void segment_beyond(unsigned char *image, size_t *size) {
  (void)size;
  phdr_of(image, 1)->p_offset = 0x3000;
}
static void segment_offset_huge(unsigned char *image, size_t *size) {
  (void)size;
  phdr_of(image, 1)->p_offset = 0xfffffffffffff000ULL;
}
static void empty_segment(unsigned char *image, size_t *size) {
  (void)size;
  phdr_of(image, 1)->p_filesz = 0;
  phdr_of(image, 1)->p_memsz = 0;
}
static void filesz_over_memsz(unsigned char *image, size_t *size) {
  (void)size;
  phdr_of(image, 1)->p_memsz = 8;
}
static void misaligned(unsigned char *image, size_t *size) {
  (void)size;
  phdr_of(image, 1)->p_vaddr = DATA_VADDR + 0x10;
}
static void kernel_space(unsigned char *image, size_t *size) {
  (void)size;
  phdr_of(image, 1)->p_vaddr = 0xffffffff80001000ULL;
}
static void above_user_top(unsigned char *image, size_t *size) {
  (void)size;
  phdr_of(image, 1)->p_vaddr = 0x00007ffffffff000ULL;
  phdr_of(image, 1)->p_memsz = 0x2000;
}
static void wraps(unsigned char *image, size_t *size) {
  (void)size;
  phdr_of(image, 1)->p_vaddr = 0xfffffffffffff000ULL;
  phdr_of(image, 1)->p_memsz = 0x2000;
}
static void null_page(unsigned char *image, size_t *size) {
  (void)size;
  phdr_of(image, 0)->p_vaddr = 0;
  ehdr_of(image)->e_entry = CODE_OFFSET;
}
static void overlap(unsigned char *image, size_t *size) {
  (void)size;
  phdr_of(image, 1)->p_vaddr = TEXT_VADDR;
}
static void no_load(unsigned char *image, size_t *size) {
  (void)size;
  phdr_of(image, 0)->p_type = PT_NOTE;
  phdr_of(image, 1)->p_type = PT_NOTE;
}
static void no_phdrs(unsigned char *image, size_t *size) {
  (void)size;
  ehdr_of(image)->e_phnum = 0;
}
static void entry_outside(unsigned char *image, size_t *size) {
  (void)size;
  ehdr_of(image)->e_entry = 0x500000;
}
static void entry_in_data(unsigned char *image, size_t *size) {
  (void)size;
  ehdr_of(image)->e_entry = DATA_VADDR;
}
static void bad_phentsize(unsigned char *image, size_t *size) {
  (void)size;
  ehdr_of(image)->e_phentsize = 32;
}
static void too_many_phdrs(unsigned char *image, size_t *size) {
  (void)size;
  ehdr_of(image)->e_phnum = 100;
}

struct mutation {
  struct elf_fixture fixture;
  void (*apply)(unsigned char *image, size_t *size);
};

static const struct mutation mutations[] = {
    {{"valid", NULL}, keep},
    {{"bad_magic", "not an ELF file"}, bad_magic},
    {{"empty", "not an ELF file"}, empty},
    {{"class32", "32-bit ELF is not supported"}, class32},
    {{"class_invalid", "invalid ELF class"}, class_invalid},
    {{"big_endian", "big-endian ELF is not supported"}, big_endian},
    {{"machine_386", "wrong architecture: i386"}, machine_386},
    {{"machine_aarch64", "wrong architecture: AArch64"}, machine_aarch64},
    {{"machine_unknown", "wrong architecture: ELF machine 4660"}, machine_unknown},
    {{"pie", "position-independent executable (PIE) is not supported: link with -static -no-pie"},
     pie},
    {{"shared_object", "shared object"}, shared_object},
    {{"relocatable", "relocatable object file"}, relocatable},
    {{"interp", "dynamically linked"}, interp},
    {{"dynamic", "PT_DYNAMIC"}, dynamic},
    {{"truncated_ident", "not an ELF file"}, truncated_ident},
    {{"truncated_ehdr", "truncated: the ELF header is incomplete"}, truncated_ehdr},
    {{"truncated_phdrs", "truncated: the program headers are outside the file"}, truncated_phdrs},
    {{"truncated_segment", "truncated: segment 1's file data"}, truncated_segment},
    {{"phoff_beyond", "truncated: the program headers are outside the file"}, phoff_beyond},
    {{"segment_beyond", "truncated: segment 1's file data"}, segment_beyond},
    {{"segment_offset_huge", "truncated: segment 1's file data"}, segment_offset_huge},
    {{"empty_segment", "segment 1 is empty (memory size 0)"}, empty_segment},
    {{"filesz_over_memsz", "segment 1: file size 0x10 is larger than memory size 0x8"},
     filesz_over_memsz},
    {{"misaligned", "segment 1 is misaligned"}, misaligned},
    {{"kernel_space", "segment 1 reaches into kernel space"}, kernel_space},
    {{"above_user_top", "segment 1 reaches into kernel space"}, above_user_top},
    {{"wraps", "segment 1 wraps around the address space"}, wraps},
    {{"null_page", "segment 0 maps address 0x0, below 0x10000"}, null_page},
    {{"overlap", "segments 0 and 1 overlap"}, overlap},
    {{"no_load", "no loadable segment (PT_LOAD)"}, no_load},
    {{"no_phdrs", "no loadable segment (PT_LOAD)"}, no_phdrs},
    {{"entry_outside", "entry point 0x500000 is not inside an executable segment"}, entry_outside},
    {{"entry_in_data", "entry point 0x401000 is not inside an executable segment"}, entry_in_data},
    {{"bad_phentsize", "invalid program header entry size 32"}, bad_phentsize},
    {{"too_many_phdrs", "too many program headers (100)"}, too_many_phdrs},
};

size_t elf_fixture_count(void) {
  return sizeof(mutations) / sizeof(mutations[0]);
}

const struct elf_fixture *elf_fixture_get(size_t index) {
  return index < elf_fixture_count() ? &mutations[index].fixture : NULL;
}

unsigned char *elf_fixture_build(size_t index, size_t *size) {
  if (index >= elf_fixture_count())
    return NULL;
  unsigned char *image = elf_fixture_build_valid(size);
  if (image != NULL)
    mutations[index].apply(image, size);
  return image;
}
