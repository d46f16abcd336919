/* Helpers shared by the machine tests. */
#ifndef FS_TEST_MACHINE_SUPPORT_H
#define FS_TEST_MACHINE_SUPPORT_H

#include <stdio.h>
#include <stdlib.h>

/* Reads a whole file (a test guest built next to the tests). */
static inline void *read_whole_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  void *data = malloc(n > 0 ? (size_t)n : 1);
  if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
    free(data);
    data = NULL;
  }
  fclose(f);
  *size = (size_t)n;
  return data;
}

#endif
