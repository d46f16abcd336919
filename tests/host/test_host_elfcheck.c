/* Host ELF checks: every fixture refused with its reason, the valid one
 * accepted, and no crash on arbitrary bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "elf_fixtures.h"
#include "elfcheck.h"

/* Deterministic: a failure reproduces on every run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t next_random(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

static void assert_reason_well_formed(const char *reason) {
  assert_true(reason[0] != '\0');
  assert_null(strchr(reason, '\n'));
}

static void test_every_fixture(void **state) {
  (void)state;
  for (size_t i = 0; i < elf_fixture_count(); i++) {
    const struct elf_fixture *fixture = elf_fixture_get(i);
    size_t size;
    unsigned char *image = elf_fixture_build(i, &size);
    assert_non_null(image);
    char reason[256] = "";
    int status = elf_check_executable(image, size, reason, sizeof(reason));
    if (fixture->expected_reason == NULL) {
      if (status != 0)
        fail_msg("%s: refused: %s", fixture->name, reason);
    } else {
      if (status == 0)
        fail_msg("%s: accepted, expected '%s'", fixture->name, fixture->expected_reason);
      assert_reason_well_formed(reason);
      if (strstr(reason, fixture->expected_reason) == NULL)
        fail_msg("%s: reason '%s' lacks '%s'", fixture->name, reason, fixture->expected_reason);
    }
    free(image);
  }
}

static void test_every_truncation_refused(void **state) {
  (void)state;
  size_t size;
  unsigned char *valid = elf_fixture_build_valid(&size);
  assert_non_null(valid);
  for (size_t length = 0; length < size; length++) {
    /* A fresh exact-size copy so ASan sees any read past the end. */
    unsigned char *prefix = malloc(length ? length : 1);
    memcpy(prefix, valid, length);
    char reason[256] = "";
    if (elf_check_executable(prefix, length, reason, sizeof(reason)) == 0)
      fail_msg("accepted a prefix of %zu bytes", length);
    assert_reason_well_formed(reason);
    free(prefix);
  }
  free(valid);
}

static void test_reason_buffer_is_bounded(void **state) {
  (void)state;
  size_t size;
  unsigned char *image = elf_fixture_build(1, &size); /* bad magic */
  char reason[8];
  memset(reason, 'x', sizeof(reason));
  assert_int_equal(elf_check_executable(image, size, reason, sizeof(reason)), -1);
  assert_int_equal(strlen(reason), sizeof(reason) - 1);
  free(image);
}

static void check_survives(const unsigned char *bytes, size_t size) {
  unsigned char *copy = malloc(size ? size : 1);
  memcpy(copy, bytes, size);
  char reason[256] = "";
  if (elf_check_executable(copy, size, reason, sizeof(reason)) != 0)
    assert_reason_well_formed(reason);
  free(copy);
}

static void test_random_bytes(void **state) {
  (void)state;
  unsigned char buffer[4096];
  for (int round = 0; round < 20000; round++) {
    size_t size = (size_t)(next_random() % sizeof(buffer));
    for (size_t i = 0; i < size; i++)
      buffer[i] = (unsigned char)next_random();
    /* Half the time, a valid 64-bit little-endian identification so the
     * bytes reach libelf and the segment checks. */
    if ((round & 1) && size >= 16) {
      static const unsigned char ident[] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
      memcpy(buffer, ident, sizeof(ident));
    }
    check_survives(buffer, size);
  }
}

static void test_mutated_valid_image(void **state) {
  (void)state;
  size_t size;
  unsigned char *valid = elf_fixture_build_valid(&size);
  unsigned char *work = malloc(size);
  for (int round = 0; round < 20000; round++) {
    memcpy(work, valid, size);
    /* Flip bytes in the headers, where the checks look. */
    int flips = 1 + (int)(next_random() % 8);
    for (int f = 0; f < flips; f++)
      work[next_random() % 0x100] = (unsigned char)next_random();
    size_t length = (round % 4 == 0) ? (size_t)(next_random() % (size + 1)) : size;
    check_survives(work, length);
  }
  free(work);
  free(valid);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_fixture),
      cmocka_unit_test(test_every_truncation_refused),
      cmocka_unit_test(test_reason_buffer_is_bounded),
      cmocka_unit_test(test_random_bytes),
      cmocka_unit_test(test_mutated_valid_image),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
