#include "cpio_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* newc: "070701" then 13 eight-digit hex fields. */
#define NEWC_HEADER_SIZE  110
#define NEWC_TRAILER_NAME "TRAILER!!!"

#define NOT_A_FILE SIZE_MAX

struct cpio_entry {
  char *path; /* without the leading '/' */
  uint32_t mode;
  const void *data;
  size_t size;
  size_t file;        /* index among the files added; NOT_A_FILE for a directory */
  uint32_t ino;       /* set by cpio_writer_finish */
  size_t data_offset; /* likewise */
};

struct cpio_writer {
  struct cpio_entry *entries; /* the files added, in the order added */
  size_t count;
  size_t capacity;
  int finished;
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
  w->entries[w->count] = (struct cpio_entry){copy, mode, data, size, w->count, 0, 0};
  w->count++;
  return 0;
}

static int compare_entries(const void *a, const void *b) {
  return strcmp(((const struct cpio_entry *)a)->path, ((const struct cpio_entry *)b)->path);
}

static void free_directories(struct cpio_entry *all, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (all[i].file == NOT_A_FILE)
      free(all[i].path);
  free(all);
}

/* The numbering rule: the files plus every directory they imply, sorted by
 * path (a parent before its children: a proper prefix compares smaller),
 * each once; entry i gets inode i + 1.  Into *sorted (free with
 * free_directories: it owns the directory names, borrows the file entries'
 * names).  0, or -1 when out of memory. */
static int lay_out(const struct cpio_entry *files, size_t count, struct cpio_entry **sorted,
                   size_t *sorted_count) {
  size_t max_entries = count;
  for (size_t i = 0; i < count; i++)
    for (const char *p = files[i].path; *p; p++)
      if (*p == '/')
        max_entries++;
  struct cpio_entry *all = calloc(max_entries ? max_entries : 1, sizeof(*all));
  if (all == NULL)
    return -1;
  size_t n = 0;
  for (size_t i = 0; i < count; i++) {
    const char *path = files[i].path;
    all[n++] = files[i];
    for (const char *p = path; *p; p++) {
      if (*p != '/')
        continue;
      char *dir = strndup(path, (size_t)(p - path));
      if (dir == NULL) {
        free_directories(all, n);
        return -1;
      }
      all[n++] = (struct cpio_entry){dir, CPIO_MODE_DIR, NULL, 0, NOT_A_FILE, 0, 0};
    }
  }
  qsort(all, n, sizeof(*all), compare_entries);
  size_t unique = 0;
  for (size_t i = 0; i < n; i++) {
    if (unique > 0 && strcmp(all[unique - 1].path, all[i].path) == 0) {
      if (all[i].file == NOT_A_FILE)
        free(all[i].path); /* a repeated implied directory */
      continue;
    }
    all[unique++] = all[i];
  }
  for (size_t i = 0; i < unique; i++)
    all[i].ino = (uint32_t)(i + 1);
  *sorted = all;
  *sorted_count = unique;
  return 0;
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
  struct cpio_entry *all;
  size_t n;
  if (lay_out(w->entries, w->count, &all, &n) != 0) {
    snprintf(err, err_size, "out of memory");
    return -1;
  }
  size_t total = entry_bytes(NEWC_TRAILER_NAME, 0);
  for (size_t i = 0; i < n; i++)
    total += entry_bytes(all[i].path, all[i].size);
  unsigned char *buffer = malloc(total);
  if (buffer == NULL) {
    free_directories(all, n);
    snprintf(err, err_size, "out of memory");
    return -1;
  }
  size_t at = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t nlink = all[i].mode == CPIO_MODE_DIR ? 2 : 1;
    if (all[i].file != NOT_A_FILE) {
      struct cpio_entry *file = &w->entries[all[i].file];
      file->ino = all[i].ino;
      file->data_offset = at + pad4(NEWC_HEADER_SIZE + strlen(all[i].path) + 1);
    }
    at += emit_entry(buffer + at, all[i].ino, all[i].path, all[i].mode, nlink, all[i].data,
                     all[i].size);
  }
  at += emit_entry(buffer + at, 0, NEWC_TRAILER_NAME, 0, 1, NULL, 0);
  free_directories(all, n);
  w->finished = 1;
  *archive = buffer;
  *archive_size = at;
  return 0;
}

int cpio_writer_lookup(const struct cpio_writer *w, const char *guest_path, uint32_t *ino,
                       size_t *data_offset) {
  if (!w->finished || guest_path[0] != '/')
    return -1;
  for (size_t i = 0; i < w->count; i++) {
    if (strcmp(w->entries[i].path, guest_path + 1) == 0) {
      *ino = w->entries[i].ino;
      *data_offset = w->entries[i].data_offset;
      return 0;
    }
  }
  return -1;
}

int cpio_inode_numbers(const char *const *paths, size_t count, uint32_t *inos) {
  struct cpio_entry *files = calloc(count ? count : 1, sizeof(*files));
  if (files == NULL)
    return -1;
  for (size_t i = 0; i < count; i++) {
    /* Borrowed: lay_out only reads file names. */
    files[i].path = (char *)paths[i] + (paths[i][0] == '/');
    files[i].mode = CPIO_MODE_FILE;
    files[i].file = i;
    inos[i] = 0;
  }
  struct cpio_entry *all;
  size_t n;
  int status = lay_out(files, count, &all, &n);
  if (status == 0) {
    for (size_t i = 0; i < n; i++)
      if (all[i].file != NOT_A_FILE)
        inos[all[i].file] = all[i].ino;
    /* A path given twice is one entry: give every copy its number. */
    for (size_t i = 0; i < count; i++)
      for (size_t j = 0; j < count && inos[i] == 0; j++)
        if (inos[j] != 0 && strcmp(files[i].path, files[j].path) == 0)
          inos[i] = inos[j];
    free_directories(all, n);
  }
  free(files);
  return status;
}

int cpio_pack(const struct cpio_file *files, size_t count, void **archive, size_t *archive_size,
              char *err, size_t err_size) {
  *archive = NULL;
  *archive_size = 0;
  struct cpio_writer *w = cpio_writer_new();
  if (w == NULL) {
    snprintf(err, err_size, "out of memory");
    return -1;
  }
  int status = 0;
  for (size_t i = 0; i < count && status == 0; i++)
    status = cpio_writer_add_file(w, files[i].guest_path, files[i].data, files[i].size,
                                  files[i].mode, err, err_size);
  if (status == 0)
    status = cpio_writer_finish(w, archive, archive_size, err, err_size);
  cpio_writer_free(w);
  return status;
}
