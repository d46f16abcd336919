/* Reading host input files (PROGRAM, --file, --kernel) whole. */
#ifndef FAULTSIM_HOST_FILE_H
#define FAULTSIM_HOST_FILE_H

#include <stddef.h>

struct host_file {
  void *data; /* malloc'd; NULL for an empty file */
  size_t size;
  int executable; /* any execute bit set on the host */
};

/* Reads a whole regular file.  Returns 0, or -1 with a strerror-style
 * reason ("No such file or directory", "Is a directory", ...) in reason. */
int host_file_read(const char *path, struct host_file *file, char *reason, size_t reason_size);

void host_file_free(struct host_file *file);

#endif /* FAULTSIM_HOST_FILE_H */
