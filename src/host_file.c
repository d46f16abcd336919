#include "host_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(int error, char *reason, size_t reason_size) {
  snprintf(reason, reason_size, "%s", strerror(error));
  return -1;
}

int host_file_read(const char *path, struct host_file *file, char *reason, size_t reason_size) {
  memset(file, 0, sizeof(*file));
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(errno, reason, reason_size);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int error = errno;
    close(fd);
    return fail(error, reason, reason_size);
  }
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    return fail(EISDIR, reason, reason_size);
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    snprintf(reason, reason_size, "not a regular file");
    return -1;
  }
  if ((uint64_t)st.st_size > SIZE_MAX / 2) {
    close(fd);
    return fail(EFBIG, reason, reason_size);
  }
  size_t size = (size_t)st.st_size;
  unsigned char *data = size ? malloc(size) : NULL;
  if (size && data == NULL) {
    close(fd);
    return fail(ENOMEM, reason, reason_size);
  }
  size_t done = 0;
  while (done < size) {
    ssize_t got = read(fd, data + done, size - done);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      int error = errno;
      free(data);
      close(fd);
      return fail(error, reason, reason_size);
    }
    if (got == 0)
      break; /* shrank while reading: keep what is there */
    done += (size_t)got;
  }
  close(fd);
  file->data = data;
  file->size = done;
  file->executable = (st.st_mode & 0111) != 0;
  return 0;
}

void host_file_free(struct host_file *file) {
  free(file->data);
  memset(file, 0, sizeof(*file));
}
