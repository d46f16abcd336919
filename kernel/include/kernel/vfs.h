/* Read-only VFS over the initramfs (a cpio "newc" archive the host builds).
 *
 * Every regular file of the archive is a struct vfs_file whose bytes stay in
 * the archive (read through the direct map).  Directories are implied by the
 * paths: "/bin" exists if the archive holds "bin/anything" (or a directory
 * entry "bin").  Paths are absolute after normalisation: "bin/hello",
 * "./bin/hello" and "/bin//./hello" all name "/bin/hello"; ".." pops one
 * component (never above "/"). */
#ifndef KERNEL_VFS_H
#define KERNEL_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <kernel/mm_env.h>

#define VFS_PATH_MAX 4096 /* Linux PATH_MAX, terminator included */

/* A pseudo-file's contents, generated when it is opened: writes at most cap
 * bytes into buf and returns how many. */
typedef size_t (*vfs_render_fn)(char *buf, size_t cap);

struct vfs_file {
  const char *path;    /* normalised, starts with '/' (kernel heap) */
  const uint8_t *data; /* in the archive, through the direct map */
  uint64_t size;
  uint32_t mode; /* cpio mode bits (type and permissions) */
  /* Stable inode number: the cpio ino field (the host numbers members from
   * 1), or a number above every archive ino for implied directories and
   * pseudo-files.  Traces name backing files by it. */
  uint32_t ino;
  bool is_dir;
  vfs_render_fn render; /* non-NULL: a pseudo-file (no data, size 0) */
};

/* Parse the archive; a malformed header stops the parse (logged) and keeps
 * the entries before it. */
void vfs_init(paddr_t archive_phys, uint64_t archive_size);

/* Normalise path into out (VFS_PATH_MAX bytes); -ENAMETOOLONG or 0. */
int vfs_normalize(const char *path, char *out);

/* Look up a normalised or raw path.  Returns the file or directory, or NULL.
 * Implied directories are returned as shared directory objects. */
const struct vfs_file *vfs_lookup(const char *path);

/* Adds a read-only pseudo-file at an absolute normalised path (its parent
 * directories appear as implied directories).  0, -EEXIST or -ENOMEM. */
int vfs_add_pseudo(const char *path, vfs_render_fn render);

/* Largest contents a pseudo-file may render (one kernel-heap block). */
#define VFS_PSEUDO_MAX 2048

#endif /* KERNEL_VFS_H */
