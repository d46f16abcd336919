/* Direct boot: ELF loading, boot info, memory map and the boot page tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <elf.h>

#include "boot.h"
#include "test_machine_support.h"

static void *kernel;
static size_t kernel_size;

static int setup(void **state) {
  (void)state;
  kernel = read_whole_file(GUEST_DIR "/guest_faults.elf", &kernel_size);
  return kernel ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  free(kernel);
  return 0;
}

static struct guest_ram new_ram(uint64_t mib) {
  struct guest_ram ram = {.base = calloc(1, mib << 20), .size = mib << 20};
  return ram;
}

static void expect_map(const struct guest_ram *ram, uint64_t cr3, uint64_t va, uint64_t pa) {
  struct walk_result w;
  page_walk(ram, cr3, va, &w);
  if (w.status != WALK_OK || w.phys != pa)
    fail_msg("va %#llx: status %d phys %#llx, want %#llx", (unsigned long long)va, w.status,
             (unsigned long long)w.phys, (unsigned long long)pa);
  assert_int_equal(w.page_size, 2u << 20);
  assert_false(w.user);
  assert_true(w.writable);
  assert_false(w.nx);
}

static void test_memory_image(void **state) {
  (void)state;
  struct guest_ram ram = new_ram(64);
  char *const argv[] = {"/bin/prog", "arg1"};
  char *const envp[] = {"HOME=/"};
  struct machine_config cfg = {.ram_mib = 64,
                               .kernel_elf = kernel,
                               .kernel_elf_size = kernel_size,
                               .initramfs = "070701",
                               .initramfs_size = 6,
                               .argc = 2,
                               .argv = argv,
                               .envc = 1,
                               .envp = envp,
                               .log_level = 2,
                               .stack_guard_pages = 256,
                               .cmdline = "prog arg1"};
  struct boot_layout l;
  char err[256] = "";
  if (boot_prepare_memory(&ram, &cfg, &l, err, sizeof err) != 0)
    fail_msg("%s", err);
  assert_int_equal(l.entry, FS_KERNEL_VMA + FS_KERNEL_PHYS);
  assert_int_equal(l.kernel_start, FS_KERNEL_PHYS);
  assert_true(l.kernel_end > FS_KERNEL_PHYS && l.kernel_end % 4096 == 0);
  assert_int_equal(l.initramfs_phys, l.kernel_end);
  assert_memory_equal(ram.base + l.initramfs_phys, "070701", 6);
  assert_true(l.page_tables_end <= FS_KERNEL_PHYS);
  /* The first PT_LOAD segment's bytes are at its physical address. */
  const Elf64_Ehdr *eh = kernel;
  const Elf64_Phdr *ph = (const Elf64_Phdr *)((const char *)kernel + eh->e_phoff);
  assert_memory_equal(ram.base + ph->p_paddr, (const char *)kernel + ph->p_offset, ph->p_filesz);

  struct fs_boot_info info;
  memcpy(&info, ram.base + FS_BOOT_INFO_PHYS, sizeof info);
  assert_int_equal(info.magic, FS_BOOT_MAGIC);
  assert_int_equal(info.version, FS_BOOT_INFO_VERSION);
  assert_int_equal(info.ram_bytes, 64u << 20);
  assert_int_equal(info.argc, 2);
  assert_int_equal(info.envc, 1);
  assert_int_equal(info.args_size, sizeof "/bin/prog" + sizeof "arg1" + sizeof "HOME=/");
  assert_memory_equal(ram.base + FS_BOOT_ARGS_PHYS, "/bin/prog\0arg1\0HOME=/", info.args_size);
  assert_int_equal(info.initramfs_size, 6);
  assert_int_equal(info.stack_guard_pages, 256);
  assert_string_equal(info.cmdline, "prog arg1");
  /* Memory map: contiguous, page 0 reserved, ends at the end of RAM. */
  assert_true(info.mem_range_count >= 5);
  assert_int_equal(info.mem[0].base, 0);
  assert_int_equal(info.mem[0].type, FS_MEM_RESERVED);
  uint64_t next = 0, usable = 0;
  for (uint32_t i = 0; i < info.mem_range_count; i++) {
    assert_int_equal(info.mem[i].base, next);
    next += info.mem[i].length;
    if (info.mem[i].type == FS_MEM_USABLE)
      usable += info.mem[i].length;
    if (info.mem[i].type == FS_MEM_KERNEL)
      assert_int_equal(info.mem[i].base, FS_KERNEL_PHYS);
  }
  assert_int_equal(next, 64u << 20);
  assert_true(usable > 60u << 20);

  /* The boot GDT holds the selectors abi.h names. */
  uint64_t gdt[3];
  memcpy(gdt, ram.base + BOOT_GDT_PHYS, sizeof gdt);
  assert_int_equal(gdt[FS_SEL_KERNEL_CS / 8] & (1ULL << 53), 1ULL << 53); /* L */
  assert_int_equal((gdt[FS_SEL_KERNEL_DS / 8] >> 40) & 0x1a, 0x12);       /* data, writable */
  free(ram.base);
}

static void test_boot_page_tables(void **state) {
  (void)state;
  struct guest_ram ram = new_ram(1100); /* more than 1 GiB: a second PD */
  struct boot_layout l;
  char err[256];
  assert_int_equal(boot_build_page_tables(&ram, &l, err, sizeof err), 0);
  const uint64_t pas[] = {0, 0x1234, 0x100000, 0x3fffffff, 0x40000000, 0x44abcdef};
  for (size_t i = 0; i < sizeof pas / sizeof pas[0]; i++) {
    expect_map(&ram, l.cr3, pas[i], pas[i]);
    expect_map(&ram, l.cr3, FS_DIRECT_MAP + pas[i], pas[i]);
    expect_map(&ram, l.cr3, FS_KERNEL_VMA + pas[i], pas[i]);
  }
  struct walk_result w;
  page_walk(&ram, l.cr3, 1100ULL << 20, &w); /* beyond RAM, next 2 MiB */
  assert_int_not_equal(w.status, WALK_OK);
  page_walk(&ram, l.cr3, FS_DIRECT_MAP + (2ULL << 30), &w);
  assert_int_equal(w.status, WALK_NOT_PRESENT);
  page_walk(&ram, l.cr3, FS_USER_TOP - 4096, &w);
  assert_int_equal(w.status, WALK_NOT_PRESENT);
  /* Separate tables per mapping: removing the identity map keeps the others. */
  memset(ram.base + l.cr3, 0, 8);
  page_walk(&ram, l.cr3, 0x1000, &w);
  assert_int_equal(w.status, WALK_NOT_PRESENT);
  expect_map(&ram, l.cr3, FS_DIRECT_MAP + 0x1000, 0x1000);
  free(ram.base);
}

static void expect_load_error(const void *image, size_t size, uint64_t ram_mib,
                              const char *reason) {
  struct guest_ram ram = new_ram(ram_mib);
  struct boot_layout l;
  char err[256] = "";
  assert_int_equal(boot_load_kernel(&ram, image, size, &l, err, sizeof err), -1);
  if (!strstr(err, reason))
    fail_msg("expected '%s' in '%s'", reason, err);
  free(ram.base);
}

static void test_bad_kernels(void **state) {
  (void)state;
  uint8_t *copy = malloc(kernel_size);
  expect_load_error("hello", 5, 8, "not an ELF");
  memcpy(copy, kernel, kernel_size);
  ((Elf64_Ehdr *)copy)->e_machine = EM_AARCH64;
  expect_load_error(copy, kernel_size, 8, "not x86-64");
  memcpy(copy, kernel, kernel_size);
  ((Elf64_Ehdr *)copy)->e_type = ET_DYN;
  expect_load_error(copy, kernel_size, 8, "not an executable");
  memcpy(copy, kernel, kernel_size);
  Elf64_Phdr *ph = (Elf64_Phdr *)(copy + ((Elf64_Ehdr *)copy)->e_phoff);
  ph->p_filesz = kernel_size; /* past the end of the file */
  ph->p_memsz = kernel_size;
  expect_load_error(copy, kernel_size, 8, "past the end of the file");
  memcpy(copy, kernel, kernel_size);
  ph->p_paddr = 0x2000; /* over the boot area */
  expect_load_error(copy, kernel_size, 8, "outside RAM");
  memcpy(copy, kernel, kernel_size);
  ph->p_memsz = 64u << 20; /* bigger than RAM */
  expect_load_error(copy, kernel_size, 8, "outside RAM");
  memcpy(copy, kernel, kernel_size);
  ((Elf64_Ehdr *)copy)->e_entry = 0x1234;
  expect_load_error(copy, kernel_size, 8, "entry point");
  free(copy);
}

static void test_argument_overflow(void **state) {
  (void)state;
  struct guest_ram ram = new_ram(8);
  static char big[FS_BOOT_ARGS_MAX];
  memset(big, 'a', sizeof big - 1);
  char *const argv[] = {"/bin/x", big};
  struct machine_config cfg = {
      .ram_mib = 8, .kernel_elf = kernel, .kernel_elf_size = kernel_size, .argc = 2, .argv = argv};
  struct boot_layout l;
  char err[256] = "";
  assert_int_equal(boot_prepare_memory(&ram, &cfg, &l, err, sizeof err), -1);
  assert_non_null(strstr(err, "exceed"));
  free(ram.base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_memory_image),
      cmocka_unit_test(test_boot_page_tables),
      cmocka_unit_test(test_bad_kernels),
      cmocka_unit_test(test_argument_overflow),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
