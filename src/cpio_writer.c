#include "cpio_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* newc: "070701" then 13 eight-digit hex fields. */
#define NEWC_HEADER_SIZE  110
#define NEWC_TRAILER_NAME "TRAILER!!!"

struct cpio_entry {
  char *path; /* without the leading '/' */
  uint32_t mode;
  const void *data;
  size_t size;
};

struct cpio_writer {
  struct cpio_entry *entries; /* the files added, in the order added */
  size_t count;
  size_t capacity;
};

struct cpio_writer *cpio_writer_new(void) {
  return calloc(1, sizeof(struct cpio_writer));
}

void cpio_writer_free(struct cpio_writer *w) {
  if (w == NULL)
    return;
  for (size_t i = 0; i < w->count; i++)
    free(w->entries[i].path);
  free(w->entries);
  free(w);
}

int cpio_check_guest_path(const char *guest_path, char *err, size_t err_size) {
  size_t len = strlen(guest_path);
  if (len == 0) {
    snprintf(err, err_size, "empty guest path");
    return -1;
  }
  if (guest_path[0] != '/') {
    snprintf(err, err_size, "guest path '%s' is not absolute", guest_path);
    return -1;
  }
  if (len == 1) {
    snprintf(err, err_size, "guest path '/' is the root directory, not a file name");
    return -1;
  }
  if (len > CPIO_PATH_MAX) {
    snprintf(err, err_size, "guest path is longer than %d bytes", CPIO_PATH_MAX);
    return -1;
  }
  /* Walk the components after each '/'. */
  const char *component = guest_path + 1;
  for (;;) {
    const char *slash = strchr(component, '/');
    size_t component_len = slash ? (size_t)(slash - component) : strlen(component);
    if (component_len == 0) {
      snprintf(err, err_size, "guest path '%s' has an empty component", guest_path);
      return -1;
    }
    if ((component_len == 1 && component[0] == '.') ||
        (component_len == 2 && component[0] == '.' && component[1] == '.')) {
      snprintf(err, err_size, "guest path '%s' has a '.' or '..' component", guest_path);
      return -1;
    }
    if (slash == NULL)
      return 0;
    component = slash + 1;
  }
}

/* True when dir (no trailing slash) is a proper ancestor directory of path. */
static int is_ancestor(const char *dir, const char *path) {
  size_t dir_len = strlen(dir);
  return strncmp(dir, path, dir_len) == 0 && path[dir_len] == '/';
}

int cpio_writer_add_file(struct cpio_writer *w, const char *guest_path, const void *data,
                         size_t size, uint32_t mode, char *err, size_t err_size) {
  if (cpio_check_guest_path(guest_path, err, err_size) != 0)
    return -1;
  if (mode != CPIO_MODE_FILE && mode != CPIO_MODE_EXEC) {
    snprintf(err, err_size, "%s: unsupported file mode %o", guest_path, mode);
    return -1;
  }
  if ((uint64_t)size > UINT32_MAX) {
    snprintf(err, err_size, "%s: larger than the 4 GiB a cpio newc entry can hold", guest_path);
    return -1;
  }
  const char *name = guest_path + 1;
  for (size_t i = 0; i < w->count; i++) {
    const char *other = w->entries[i].path;
    if (strcmp(other, name) == 0) {
      snprintf(err, err_size, "guest path %s is given twice", guest_path);
      return -1;
    }
    if (is_ancestor(other, name) || is_ancestor(name, other)) {
      snprintf(err, err_size, "guest paths /%s and /%s: one would be a file and a directory", other,
               name);
      return -1;
    }
  }
  if (w->count == w->capacity) {
    size_t capacity = w->capacity ? w->capacity * 2 : 8;
    struct cpio_entry *grown = realloc(w->entries, capacity * sizeof(*grown));
    if (grown == NULL) {
      snprintf(err, err_size, "out of memory");
      return -1;
    }
    w->entries = grown;
    w->capacity = capacity;
  }
  char *copy = strdup(name);
  if (copy == NULL) {
    snprintf(err, err_size, "out of memory");
    return -1;
  }
  w->entries[w->count++] = (struct cpio_entry){copy, mode, data, size};
  return 0;
}

static int compare_entries(const void *a, const void *b) {
  return strcmp(((const struct cpio_entry *)a)->path, ((const struct cpio_entry *)b)->path);
}

static size_t pad4(size_t n) {
  return (n + 3) & ~(size_t)3;
}

/* One header + name + data, each padded; returns the bytes written. */
static size_t emit_entry(unsigned char *out, uint32_t ino, const char *name, uint32_t mode,
                         uint32_t nlink, const void *data, size_t size) {
  size_t name_size = strlen(name) + 1;
  char header[NEWC_HEADER_SIZE + 1];
  /* Fields: ino mode uid gid nlink mtime filesize devmajor devminor
   * rdevmajor rdevminor namesize check. */
  snprintf(header, sizeof(header), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
           ino, mode, 0u, 0u, nlink, 0u, (unsigned)size, 0u, 0u, 0u, 0u, (unsigned)name_size, 0u);
  size_t at = 0;
  memcpy(out, header, NEWC_HEADER_SIZE);
  at += NEWC_HEADER_SIZE;
  memcpy(out + at, name, name_size);
  at += name_size;
  size_t padded = pad4(at);
  memset(out + at, 0, padded - at);
  at = padded;
  if (size > 0)
    memcpy(out + at, data, size);
  at += size;
  padded = pad4(at);
  memset(out + at, 0, padded - at);
  return padded;
}

static size_t entry_bytes(const char *name, size_t size) {
  return pad4(NEWC_HEADER_SIZE + strlen(name) + 1) + pad4(size);
}

int cpio_writer_finish(struct cpio_writer *w, void **archive, size_t *archive_size, char *err,
                       size_t err_size) {
  *archive = NULL;
  *archive_size = 0;
  /* Every file plus each of its ancestors; duplicates among the ancestors
   * are dropped after sorting. */
  size_t max_entries = w->count;
  for (size_t i = 0; i < w->count; i++)
    for (const char *p = w->entries[i].path; *p; p++)
      if (*p == '/')
        max_entries++;
  struct cpio_entry *all = calloc(max_entries ? max_entries : 1, sizeof(*all));
  if (all == NULL) {
    snprintf(err, err_size, "out of memory");
    return -1;
  }
  size_t n = 0;
  int failed = 0;
  for (size_t i = 0; i < w->count && !failed; i++) {
    const char *path = w->entries[i].path;
    all[n++] = w->entries[i]; /* borrows the path */
    for (const char *p = path; *p; p++) {
      if (*p != '/')
        continue;
      char *dir = strndup(path, (size_t)(p - path));
      if (dir == NULL) {
        failed = 1;
        break;
      }
      all[n++] = (struct cpio_entry){dir, CPIO_MODE_DIR, NULL, 0};
    }
  }
  void *buffer = NULL;
  if (!failed) {
    /* Parents sort before children: a proper prefix compares smaller. */
    qsort(all, n, sizeof(*all), compare_entries);
    size_t unique = 0;
    for (size_t i = 0; i < n; i++) {
      if (unique > 0 && strcmp(all[unique - 1].path, all[i].path) == 0) {
        free(all[i].path); /* a repeated implied directory; files never repeat */
        continue;
      }
      all[unique++] = all[i];
    }
    n = unique;
    size_t total = entry_bytes(NEWC_TRAILER_NAME, 0);
    for (size_t i = 0; i < n; i++)
      total += entry_bytes(all[i].path, all[i].size);
    buffer = malloc(total);
    if (buffer == NULL) {
      failed = 1;
    } else {
      size_t at = 0;
      for (size_t i = 0; i < n; i++) {
        uint32_t nlink = all[i].mode == CPIO_MODE_DIR ? 2 : 1;
        at += emit_entry((unsigned char *)buffer + at, (uint32_t)(i + 1), all[i].path, all[i].mode,
                         nlink, all[i].data, all[i].size);
      }
      at += emit_entry((unsigned char *)buffer + at, 0, NEWC_TRAILER_NAME, 0, 1, NULL, 0);
      *archive = buffer;
      *archive_size = at;
    }
  }
  /* Free the directory names this function made; file names belong to w. */
  for (size_t i = 0; i < n; i++)
    if (all[i].mode == CPIO_MODE_DIR)
      free(all[i].path);
  free(all);
  if (failed) {
    snprintf(err, err_size, "out of memory");
    return -1;
  }
  return 0;
}
