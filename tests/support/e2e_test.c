#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "e2e_test.h"

#define E2E_MAX_ARGS 64

void e2e_run(const char *faultsim, char *const args[], unsigned timeout_ms,
             struct run_output *out) {
  char *argv[E2E_MAX_ARGS + 2];
  size_t n = 0;
  argv[n++] = (char *)faultsim;
  for (; *args != NULL; args++) {
    assert_true(n < E2E_MAX_ARGS + 1);
    argv[n++] = *args;
  }
  argv[n] = NULL;
  assert_int_equal(run_capture_timeout(argv, NULL, timeout_ms, out), 0);
  if (out->timed_out || out->signal != 0)
    fail_msg("%s %s: %s (signal %d); stderr:\n%s", faultsim, argv[1],
             out->timed_out ? "timed out" : "killed by a signal", out->signal, out->err);
}

pid_t e2e_spawn_quiet(char *const argv[]) {
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int null = open("/dev/null", O_RDWR);
    if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
      _exit(127);
    execv(argv[0], argv);
    _exit(127);
  }
  return pid;
}

char *e2e_path(const char *dir, const char *name) {
  char *path = NULL;
  assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
  return path;
}

void e2e_write_file(const char *path, const void *data, size_t size) {
  FILE *file = fopen(path, "wb");
  if (file == NULL)
    fail_msg("%s: %s", path, strerror(errno));
  assert_int_equal(fwrite(data, 1, size, file), size);
  assert_int_equal(fclose(file), 0);
}

char *e2e_slurp(const char *path, size_t *size) {
  FILE *file = fopen(path, "rb");
  if (file == NULL)
    fail_msg("%s: %s", path, strerror(errno));
  assert_int_equal(fseek(file, 0, SEEK_END), 0);
  long n = ftell(file);
  assert_true(n >= 0);
  rewind(file);
  char *data = malloc((size_t)n + 1);
  assert_non_null(data);
  assert_int_equal(fread(data, 1, (size_t)n, file), (size_t)n);
  data[n] = '\0';
  fclose(file);
  if (size != NULL)
    *size = (size_t)n;
  return data;
}

int e2e_file_has_lines(const char *path, size_t n) {
  FILE *file = fopen(path, "rb");
  if (file == NULL)
    return 0;
  size_t lines = 0;
  int c;
  while (lines < n && (c = getc(file)) != EOF)
    lines += c == '\n';
  fclose(file);
  return lines >= n;
}

int e2e_main_args(int argc, char **argv, int count, const char *usage) {
  if (count < 1 || argc != 1 + count) {
    fprintf(stderr, "usage: %s %s\n", argv[0], usage);
    return 2;
  }
  if (mkdir(argv[count], 0755) != 0 && errno != EEXIST) {
    perror(argv[count]);
    return 2;
  }
  return 0;
}
