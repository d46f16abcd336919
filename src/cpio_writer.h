/*
 * The initramfs writer: a cpio "newc" archive built in memory.  Output is a
 * pure function of the entries added (not of the order they were added in):
 * entries are sorted by path, every implied parent directory appears once
 * before its children, and all metadata (mtime, uid, gid, dev) is zero, so the
 * same command always boots the same bytes.
 */
#ifndef FAULTSIM_CPIO_WRITER_H
#define FAULTSIM_CPIO_WRITER_H

#include <stddef.h>
#include <stdint.h>

#define CPIO_MODE_FILE 0100644u
#define CPIO_MODE_EXEC 0100755u
#define CPIO_MODE_DIR  040755u

/* Longest guest path accepted (the kernel's path buffers are PATH_MAX). */
#define CPIO_PATH_MAX 4095

struct cpio_writer;

struct cpio_writer *cpio_writer_new(void);
void cpio_writer_free(struct cpio_writer *w);

/* Checks that guest_path is a name the archive can hold: absolute, not "/",
 * no empty, "." or ".." component, no trailing slash, at most CPIO_PATH_MAX
 * bytes.  Returns 0, or -1 with a one-line reason in err. */
int cpio_check_guest_path(const char *guest_path, char *err, size_t err_size);

/* Adds a regular file at guest_path with mode CPIO_MODE_FILE or
 * CPIO_MODE_EXEC.  The writer keeps the data pointer (not a copy): it must
 * stay valid until cpio_writer_finish.  Refuses bad paths, a path added twice,
 * and a path that is also a parent directory of another entry.  Returns 0, or
 * -1 with a one-line reason in err. */
int cpio_writer_add_file(struct cpio_writer *w, const char *guest_path, const void *data,
                         size_t size, uint32_t mode, char *err, size_t err_size);

/* Lays out the archive in one malloc'd buffer the caller frees.  The writer
 * can be freed afterwards.  Returns 0, or -1 with a reason in err.
 *
 * Inodes are numbered 1, 2, ... over the sorted paths of the files and of
 * every directory they imply; the kernel keeps those numbers, and traces
 * name files by them. */
int cpio_writer_finish(struct cpio_writer *w, void **archive, size_t *archive_size, char *err,
                       size_t err_size);

/* After cpio_writer_finish: the inode of a file added at guest_path, and the
 * offset of its data in the archive (for a caller that rewrites it in guest
 * RAM).  Returns 0, or -1 when no such file was added or before finish. */
int cpio_writer_lookup(const struct cpio_writer *w, const char *guest_path, uint32_t *ino,
                       size_t *data_offset);

/* The inode numbers an archive holding exactly these files gives them
 * (paths with or without the leading '/'), for readers that know only the
 * paths, as a trace header does.  Returns 0, or -1 when out of memory. */
int cpio_inode_numbers(const char *const *paths, size_t count, uint32_t *inos);

/* One file for cpio_pack. */
struct cpio_file {
  const char *guest_path;
  const void *data;
  size_t size;
  uint32_t mode;
};

/* A whole archive in one call: a writer, every file added, finished.
 * Returns 0, or -1 with a reason in err. */
int cpio_pack(const struct cpio_file *files, size_t count, void **archive, size_t *archive_size,
              char *err, size_t err_size);

#endif /* FAULTSIM_CPIO_WRITER_H */
