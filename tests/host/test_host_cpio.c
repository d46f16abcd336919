/* The initramfs writer, read back by a small newc reader written here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpio_writer.h"

#define MAX_RECORDS 64

struct record {
  char name[256];
  uint32_t fields[13]; /* ino mode uid gid nlink mtime filesize devmajor devminor
                          rdevmajor rdevminor namesize check */
  const unsigned char *data;
};
enum { F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_SIZE, F_NAMESIZE = 11, F_CHECK = 12 };

static uint32_t parse_hex8(const unsigned char *text) {
  uint32_t value = 0;
  for (int i = 0; i < 8; i++) {
    char c = (char)text[i];
    assert_true((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'));
    value = value * 16 + (uint32_t)(c <= '9' ? c - '0' : c - 'A' + 10);
  }
  return value;
}

static void assert_zero_padding(const unsigned char *bytes, size_t from, size_t to) {
  for (size_t i = from; i < to; i++)
    assert_int_equal(bytes[i], 0);
}

/* Parses the whole archive, checking layout; returns the records before the
 * trailer. */
static size_t read_archive(const unsigned char *bytes, size_t size, struct record *records) {
  size_t at = 0, count = 0;
  for (;;) {
    assert_int_equal(at % 4, 0);
    assert_true(at + 110 <= size);
    assert_memory_equal(bytes + at, "070701", 6);
    struct record r;
    for (int i = 0; i < 13; i++)
      r.fields[i] = parse_hex8(bytes + at + 6 + 8 * i);
    size_t name_size = r.fields[F_NAMESIZE];
    assert_true(name_size >= 2 && name_size <= sizeof(r.name));
    assert_true(at + 110 + name_size <= size);
    memcpy(r.name, bytes + at + 110, name_size);
    assert_int_equal(r.name[name_size - 1], '\0');
    assert_int_equal(strlen(r.name), name_size - 1);
    size_t data_at = (at + 110 + name_size + 3) & ~(size_t)3;
    assert_zero_padding(bytes, at + 110 + name_size, data_at);
    size_t data_end = data_at + r.fields[F_SIZE];
    assert_true(data_end <= size);
    r.data = bytes + data_at;
    size_t next = (data_end + 3) & ~(size_t)3;
    assert_zero_padding(bytes, data_end, next);
    at = next;
    if (strcmp(r.name, "TRAILER!!!") == 0) {
      assert_int_equal(r.fields[F_SIZE], 0);
      assert_int_equal(at, size); /* nothing after the trailer */
      return count;
    }
    assert_true(count < MAX_RECORDS);
    records[count++] = r;
  }
}

static struct cpio_writer *new_writer(void) {
  struct cpio_writer *w = cpio_writer_new();
  assert_non_null(w);
  return w;
}

static void add_ok(struct cpio_writer *w, const char *path, const char *data, uint32_t mode) {
  char err[256] = "";
  int status = cpio_writer_add_file(w, path, data, strlen(data), mode, err, sizeof(err));
  if (status != 0)
    fail_msg("adding %s: %s", path, err);
}

static void finish_ok(struct cpio_writer *w, unsigned char **archive, size_t *size) {
  char err[256] = "";
  void *bytes;
  assert_int_equal(cpio_writer_finish(w, &bytes, size, err, sizeof(err)), 0);
  *archive = bytes;
}

static void test_empty_archive_is_just_the_trailer(void **state) {
  (void)state;
  struct cpio_writer *w = new_writer();
  unsigned char *archive;
  size_t size;
  finish_ok(w, &archive, &size);
  struct record records[MAX_RECORDS];
  assert_int_equal(read_archive(archive, size, records), 0);
  assert_int_equal(size, 124); /* 110 + 11 name bytes, padded */
  free(archive);
  cpio_writer_free(w);
}

static void test_program_with_implied_directories(void **state) {
  (void)state;
  struct cpio_writer *w = new_writer();
  add_ok(w, "/bin/prog",
         "\x7f"
         "ELF program",
         CPIO_MODE_EXEC);
  add_ok(w, "/etc/deep/dir/conf", "a=1\n", CPIO_MODE_FILE);
  add_ok(w, "/etc/motd", "hi", CPIO_MODE_FILE);
  add_ok(w, "/top", "", CPIO_MODE_FILE);
  unsigned char *archive;
  size_t size;
  finish_ok(w, &archive, &size);
  struct record r[MAX_RECORDS];
  size_t n = read_archive(archive, size, r);
  static const struct {
    const char *name;
    uint32_t mode;
    const char *data;
  } expected[] = {
      {"bin", CPIO_MODE_DIR, ""},
      {"bin/prog", CPIO_MODE_EXEC,
       "\x7f"
       "ELF program"},
      {"etc", CPIO_MODE_DIR, ""},
      {"etc/deep", CPIO_MODE_DIR, ""},
      {"etc/deep/dir", CPIO_MODE_DIR, ""},
      {"etc/deep/dir/conf", CPIO_MODE_FILE, "a=1\n"},
      {"etc/motd", CPIO_MODE_FILE, "hi"},
      {"top", CPIO_MODE_FILE, ""},
  };
  assert_int_equal(n, sizeof(expected) / sizeof(expected[0]));
  for (size_t i = 0; i < n; i++) {
    assert_string_equal(r[i].name, expected[i].name);
    assert_int_equal(r[i].fields[F_MODE], expected[i].mode);
    assert_int_equal(r[i].fields[F_SIZE], strlen(expected[i].data));
    assert_memory_equal(r[i].data, expected[i].data, strlen(expected[i].data));
    assert_int_equal(r[i].fields[F_INO], i + 1);
    assert_int_equal(r[i].fields[F_NLINK], expected[i].mode == CPIO_MODE_DIR ? 2 : 1);
    assert_int_equal(r[i].fields[F_UID], 0);
    assert_int_equal(r[i].fields[F_GID], 0);
    assert_int_equal(r[i].fields[F_MTIME], 0);
    for (int f = 7; f <= 10; f++) /* device numbers */
      assert_int_equal(r[i].fields[f], 0);
    assert_int_equal(r[i].fields[F_CHECK], 0);
  }
  free(archive);
  cpio_writer_free(w);
}

static void test_output_independent_of_insertion_order(void **state) {
  (void)state;
  static const char *const paths[] = {"/z", "/a/b/c", "/a/b/d", "/a.txt", "/a-b/x", "/m/n"};
  const size_t count = sizeof(paths) / sizeof(paths[0]);
  unsigned char *first = NULL;
  size_t first_size = 0;
  for (size_t rotation = 0; rotation < count; rotation++) {
    struct cpio_writer *w = new_writer();
    for (size_t i = 0; i < count; i++) {
      /* Reversed and rotated orders. */
      size_t k = (count - 1 - i + rotation) % count;
      add_ok(w, paths[k], paths[k], CPIO_MODE_FILE);
    }
    unsigned char *archive;
    size_t size;
    finish_ok(w, &archive, &size);
    cpio_writer_free(w);
    if (first == NULL) {
      first = archive;
      first_size = size;
      struct record r[MAX_RECORDS];
      size_t n = read_archive(archive, size, r);
      /* Sorted by name, each directory once, before its children. */
      for (size_t i = 1; i < n; i++)
        assert_true(strcmp(r[i - 1].name, r[i].name) < 0);
      for (size_t i = 0; i < n; i++) {
        const char *slash = strrchr(r[i].name, '/');
        if (slash == NULL)
          continue;
        size_t parent_len = (size_t)(slash - r[i].name);
        int parent_seen = 0;
        for (size_t j = 0; j < i; j++)
          if (strlen(r[j].name) == parent_len && strncmp(r[j].name, r[i].name, parent_len) == 0 &&
              r[j].fields[F_MODE] == CPIO_MODE_DIR)
            parent_seen = 1;
        assert_true(parent_seen);
      }
    } else {
      assert_int_equal(size, first_size);
      assert_memory_equal(archive, first, size);
      free(archive);
    }
  }
  free(first);
}

static void test_padding_for_every_name_and_data_length(void **state) {
  (void)state;
  struct cpio_writer *w = new_writer();
  char paths[8][16];
  static const char data[] = "0123456";
  for (int i = 0; i < 8; i++) {
    /* Names of 1..8 characters; data of 0..7 bytes. */
    snprintf(paths[i], sizeof(paths[i]), "/%.*s", i + 1, "abcdefgh");
    char err[128];
    assert_int_equal(
        cpio_writer_add_file(w, paths[i], data, (size_t)i, CPIO_MODE_FILE, err, sizeof(err)), 0);
  }
  unsigned char *archive;
  size_t size;
  finish_ok(w, &archive, &size);
  struct record r[MAX_RECORDS];
  assert_int_equal(read_archive(archive, size, r), 8); /* checks alignment and zero padding */
  for (int i = 0; i < 8; i++) {
    assert_int_equal(strlen(r[i].name), (size_t)i + 1);
    assert_int_equal(r[i].fields[F_SIZE], (uint32_t)i);
    assert_memory_equal(r[i].data, data, (size_t)i);
  }
  free(archive);
  cpio_writer_free(w);
}

static void expect_refused(struct cpio_writer *w, const char *path, uint32_t mode,
                           const char *reason_part) {
  char err[256] = "";
  assert_int_equal(cpio_writer_add_file(w, path, "x", 1, mode, err, sizeof(err)), -1);
  if (strstr(err, reason_part) == NULL)
    fail_msg("'%s': reason '%s' lacks '%s'", path, err, reason_part);
}

static void test_refuses_bad_names(void **state) {
  (void)state;
  struct cpio_writer *w = new_writer();
  expect_refused(w, "", CPIO_MODE_FILE, "empty guest path");
  expect_refused(w, "relative/x", CPIO_MODE_FILE, "not absolute");
  expect_refused(w, "/", CPIO_MODE_FILE, "root directory");
  expect_refused(w, "/a//b", CPIO_MODE_FILE, "empty component");
  expect_refused(w, "/a/", CPIO_MODE_FILE, "empty component");
  expect_refused(w, "/a/./b", CPIO_MODE_FILE, "'.' or '..'");
  expect_refused(w, "/..", CPIO_MODE_FILE, "'.' or '..'");
  expect_refused(w, "/a/..", CPIO_MODE_FILE, "'.' or '..'");
  expect_refused(w, "/x", 0120777, "unsupported file mode");
  char long_path[CPIO_PATH_MAX + 2];
  memset(long_path, 'a', sizeof(long_path) - 1);
  long_path[0] = '/';
  long_path[sizeof(long_path) - 1] = '\0';
  expect_refused(w, long_path, CPIO_MODE_FILE, "longer than");
  /* Names that only look odd are fine. */
  add_ok(w, "/...", "", CPIO_MODE_FILE);
  add_ok(w, "/.hidden", "", CPIO_MODE_FILE);
  add_ok(w, "/a b/c:d", "", CPIO_MODE_FILE);
  cpio_writer_free(w);
}

static void test_refuses_duplicates_and_file_directory_clashes(void **state) {
  (void)state;
  struct cpio_writer *w = new_writer();
  add_ok(w, "/bin/prog", "1", CPIO_MODE_EXEC);
  expect_refused(w, "/bin/prog", CPIO_MODE_FILE, "given twice");
  expect_refused(w, "/bin/prog/x", CPIO_MODE_FILE, "file and a directory");
  expect_refused(w, "/bin", CPIO_MODE_FILE, "file and a directory");
  add_ok(w, "/bin/prog2", "2", CPIO_MODE_EXEC);
  /* The refusals left the writer intact. */
  unsigned char *archive;
  size_t size;
  finish_ok(w, &archive, &size);
  struct record r[MAX_RECORDS];
  assert_int_equal(read_archive(archive, size, r), 3);
  assert_string_equal(r[2].name, "bin/prog2");
  free(archive);
  cpio_writer_free(w);
}

/* cpio_writer_lookup names what read_archive finds: each file's inode and
 * where its bytes start. */
static void test_lookup_reports_inode_and_data_offset(void **state) {
  (void)state;
  static const char *const paths[] = {"/fuzz/program", "/bin/guest", "/fuzz/f0", "/a"};
  struct cpio_writer *w = new_writer();
  for (size_t i = 0; i < 4; i++)
    add_ok(w, paths[i], paths[i] + 1, i == 1 ? CPIO_MODE_EXEC : CPIO_MODE_FILE);
  uint32_t ino;
  size_t offset;
  assert_int_equal(cpio_writer_lookup(w, "/a", &ino, &offset), -1); /* not finished yet */
  unsigned char *archive;
  size_t size;
  finish_ok(w, &archive, &size);
  struct record r[MAX_RECORDS];
  size_t n = read_archive(archive, size, r);
  for (size_t i = 0; i < 4; i++) {
    assert_int_equal(cpio_writer_lookup(w, paths[i], &ino, &offset), 0);
    size_t k = 0;
    while (k < n && strcmp(r[k].name, paths[i] + 1) != 0)
      k++;
    assert_true(k < n);
    assert_int_equal(ino, r[k].fields[F_INO]);
    assert_ptr_equal(archive + offset, r[k].data);
    assert_memory_equal(archive + offset, paths[i] + 1, strlen(paths[i] + 1));
  }
  assert_int_equal(cpio_writer_lookup(w, "/fuzz", &ino, &offset), -1); /* a directory */
  assert_int_equal(cpio_writer_lookup(w, "/nope", &ino, &offset), -1);
  free(archive);
  cpio_writer_free(w);
}

/* cpio_inode_numbers, from the paths alone, gives the numbers the writer
 * gives, whatever the order and with or without the leading '/'. */
static void test_inode_numbers_match_the_archive(void **state) {
  (void)state;
  static const char *const paths[] = {"/z", "/a/b/c", "a/b/d", "/a.txt", "/a-b/x", "/m/n"};
  enum { COUNT = sizeof(paths) / sizeof(paths[0]) };
  uint32_t inos[COUNT];
  assert_int_equal(cpio_inode_numbers(paths, COUNT, inos), 0);
  struct cpio_writer *w = new_writer();
  for (size_t i = 0; i < COUNT; i++) {
    char guest[16];
    snprintf(guest, sizeof guest, "/%s", paths[i] + (paths[i][0] == '/'));
    add_ok(w, guest, "", CPIO_MODE_FILE);
  }
  unsigned char *archive;
  size_t size;
  finish_ok(w, &archive, &size);
  struct record r[MAX_RECORDS];
  size_t n = read_archive(archive, size, r);
  for (size_t i = 0; i < COUNT; i++) {
    const char *name = paths[i] + (paths[i][0] == '/');
    for (size_t k = 0; k < n; k++)
      if (strcmp(r[k].name, name) == 0)
        assert_int_equal(inos[i], r[k].fields[F_INO]);
  }
  free(archive);
  cpio_writer_free(w);
  /* A path given twice (a hand-edited trace header) gets one number. */
  static const char *const twice[] = {"/x/y", "/x/y"};
  uint32_t two[2];
  assert_int_equal(cpio_inode_numbers(twice, 2, two), 0);
  assert_int_equal(two[0], 2); /* after the directory x */
  assert_int_equal(two[1], 2);
  assert_int_equal(cpio_inode_numbers(NULL, 0, two), 0);
}

static void test_pack_is_the_writer_in_one_call(void **state) {
  (void)state;
  static const struct cpio_file files[] = {
      {"/init",
       "\x7f"
       "ELF",
       4, CPIO_MODE_EXEC},
      {"/data/x", "xyz", 3, CPIO_MODE_FILE},
  };
  void *packed;
  size_t packed_size;
  char err[128] = "";
  assert_int_equal(cpio_pack(files, 2, &packed, &packed_size, err, sizeof err), 0);
  struct cpio_writer *w = new_writer();
  add_ok(w, "/init",
         "\x7f"
         "ELF",
         CPIO_MODE_EXEC);
  add_ok(w, "/data/x", "xyz", CPIO_MODE_FILE);
  unsigned char *archive;
  size_t size;
  finish_ok(w, &archive, &size);
  assert_int_equal(packed_size, size);
  assert_memory_equal(packed, archive, size);
  free(archive);
  free(packed);
  cpio_writer_free(w);
  /* A refused file is reported, with no archive. */
  static const struct cpio_file bad[] = {{"relative", "", 0, CPIO_MODE_FILE}};
  assert_int_equal(cpio_pack(bad, 1, &packed, &packed_size, err, sizeof err), -1);
  assert_null(packed);
  assert_non_null(strstr(err, "not absolute"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_empty_archive_is_just_the_trailer),
      cmocka_unit_test(test_program_with_implied_directories),
      cmocka_unit_test(test_output_independent_of_insertion_order),
      cmocka_unit_test(test_padding_for_every_name_and_data_length),
      cmocka_unit_test(test_refuses_bad_names),
      cmocka_unit_test(test_refuses_duplicates_and_file_directory_clashes),
      cmocka_unit_test(test_lookup_reports_inode_and_data_offset),
      cmocka_unit_test(test_inode_numbers_match_the_archive),
      cmocka_unit_test(test_pack_is_the_writer_in_one_call),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
