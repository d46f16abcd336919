/*
 * ELF files made at test time: a minimal valid static x86-64 executable and
 * mutations of it, each with the reason the host check must give.  Shared by
 * the unit test of elfcheck and the e2e test of `faultsim run`.
 */
#ifndef FAULTSIM_TEST_ELF_FIXTURES_H
#define FAULTSIM_TEST_ELF_FIXTURES_H

#include <stddef.h>

struct elf_fixture {
  const char *name;            /* usable as a file name */
  const char *expected_reason; /* a substring of the refusal; NULL: accepted */
};

size_t elf_fixture_count(void);
const struct elf_fixture *elf_fixture_get(size_t index);

/* Builds fixture index into a malloc'd buffer (freed by the caller). */
unsigned char *elf_fixture_build(size_t index, size_t *size);

/* The unmutated executable: two PT_LOADs (text at 0x400000, data at
 * 0x401000) and PT_GNU_STACK; it exits with status 0. */
unsigned char *elf_fixture_build_valid(size_t *size);

/* The valid executable with other code at its entry point (at most 128
 * bytes), for tests that boot it. */
unsigned char *elf_fixture_build_program(const unsigned char *code, size_t code_size, size_t *size);

#endif /* FAULTSIM_TEST_ELF_FIXTURES_H */
