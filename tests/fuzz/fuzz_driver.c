/*
 * Plain driver for the layout fuzz target, built with the normal compiler:
 *   fuzz_layout_driver [--coverage] [--verbose] PATH...    every file (directories: their files)
 *   fuzz_layout_driver --generate N --seed S [--coverage]  N pseudo-random inputs
 *   --last PATH  (with --generate) writes each input to PATH before running it,
 *                so the input of an abort is left there for a reproducer.
 * A mismatch aborts inside the target (the message names the operation);
 * otherwise the exit status is 0.  CTest's smoke fuzz runs both modes.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_layout.h"

#define FUZZ_INPUT_MAX (1u << 20)

static uint8_t buf[FUZZ_INPUT_MAX];

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    return 1;
  }
  size_t n = fread(buf, 1, sizeof(buf), f);
  fclose(f);
  LLVMFuzzerTestOneInput(buf, n);
  return 0;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory's regular files in name order (deterministic runs). */
static int run_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) {
    perror(dir);
    return 1;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    if (e->d_name[0] == '.')
      continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      names = realloc(names, cap * sizeof(*names));
      if (!names)
        abort();
    }
    size_t len = strlen(dir) + strlen(e->d_name) + 2;
    names[n] = malloc(len);
    if (!names[n])
      abort();
    snprintf(names[n++], len, "%s/%s", dir, e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof(*names), cmp_names);
  int err = 0;
  for (size_t i = 0; i < n; i++) {
    struct stat st;
    if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
      err |= run_file(names[i]);
    free(names[i]);
  }
  free(names);
  return err;
}

int main(int argc, char **argv) {
  int coverage = 0, err = 0;
  unsigned long long generate = 0, seed = 1;
  size_t files = 0;
  const char *last = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--coverage")) {
      coverage = 1;
    } else if (!strcmp(argv[i], "--verbose")) {
      fuzz_layout_set_verbose(1);
    } else if (!strcmp(argv[i], "--generate") && i + 1 < argc) {
      generate = strtoull(argv[++i], NULL, 0);
    } else if (!strcmp(argv[i], "--last") && i + 1 < argc) {
      last = argv[++i];
    } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
      seed = strtoull(argv[++i], NULL, 0);
    } else if (argv[i][0] == '-') {
      fprintf(stderr,
              "usage: %s [--coverage] [--verbose] [--generate N --seed S [--last "
              "PATH]] [FILE|DIR]...\n",
              argv[0]);
      return 2;
    } else {
      struct stat st;
      if (stat(argv[i], &st) != 0) {
        perror(argv[i]);
        return 1;
      }
      err |= S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]);
      files++;
    }
  }
  uint64_t state = seed;
  for (unsigned long long k = 0; k < generate; k++) {
    size_t n = fuzz_prng_input(&state, buf, sizeof(buf));
    if (last) {
      FILE *f = fopen(last, "wb");
      if (!f || fwrite(buf, 1, n, f) != n || fclose(f) != 0) {
        perror(last);
        return 1;
      }
    }
    LLVMFuzzerTestOneInput(buf, n);
  }
  if (coverage)
    fuzz_layout_print_coverage(stdout);
  printf("fuzz_layout: %llu inputs, no mismatch\n",
         (unsigned long long)fuzz_layout_coverage()->inputs);
  return err;
}
