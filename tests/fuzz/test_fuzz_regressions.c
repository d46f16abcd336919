/*
 * Replays every file of tests/fuzz/regressions (the directory is argv[1])
 * through the layout fuzz target, one CMocka test per file.  Each replay runs
 * in a child process: a mismatch aborts there (its message is on stderr) and
 * fails only that file's test.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fuzz_layout.h"

static void replay(void **state) {
  const char *path = *state;
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  static uint8_t buf[1 << 20];
  size_t n = fread(buf, 1, sizeof(buf), f);
  fclose(f);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    LLVMFuzzerTestOneInput(buf, n);
    _exit(0);
  }
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    fail_msg("%s: the core and the oracle disagree (see the MISMATCH line above)", path);
}

static void no_regressions(void **state) {
  (void)state; /* an empty directory is fine: nothing found yet */
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s REGRESSIONS_DIR\n", argv[0]);
    return 2;
  }
  DIR *d = opendir(argv[1]);
  if (!d) {
    perror(argv[1]);
    return 1;
  }
  char **paths = NULL;
  size_t n = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    if (e->d_name[0] == '.' || strstr(e->d_name, ".md"))
      continue; /* README and dot files are not inputs */
    paths = realloc(paths, (n + 1) * sizeof(*paths));
    size_t len = strlen(argv[1]) + strlen(e->d_name) + 2;
    paths[n] = malloc(len);
    if (!paths || !paths[n])
      abort();
    snprintf(paths[n++], len, "%s/%s", argv[1], e->d_name);
  }
  closedir(d);
  qsort(paths, n, sizeof(*paths), cmp_names);
  struct CMUnitTest *tests = calloc(n + 1, sizeof(*tests));
  if (!tests)
    abort();
  for (size_t i = 0; i < n; i++) {
    tests[i].name = strrchr(paths[i], '/') + 1;
    tests[i].test_func = replay;
    tests[i].initial_state = paths[i];
  }
  if (!n) {
    tests[0].name = "no_regressions";
    tests[0].test_func = no_regressions;
  }
  int failed = _cmocka_run_group_tests("fuzz_regressions", tests, n ? n : 1, NULL, NULL);
  for (size_t i = 0; i < n; i++)
    free(paths[i]);
  free(paths);
  free(tests);
  return failed;
}
