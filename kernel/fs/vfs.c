/* Read-only VFS over the cpio "newc" initramfs (see <kernel/vfs.h>).
 *
 * newc member: a 110-byte ASCII header ("070701" then 13 fields of 8 hex
 * digits), the NUL-terminated name padded so header+name is a multiple of 4,
 * then the file data padded to 4.  The member named "TRAILER!!!" ends it.
 * The archive comes from outside the kernel, so every field is checked
 * against the archive's size before it is used; the first bad member ends the
 * parse with a log line, keeping what came before. */
#include <string.h>
#include <faultsim/abi.h>
#include <kernel/errno.h>
#include <kernel/kaddr.h>
#include <kernel/kheap.h>
#include <kernel/log.h>
#include <kernel/vfs.h>

#define NEWC_HDR 110
#define S_IFMT   0170000u
#define S_IFDIR  0040000u
#define S_IFREG  0100000u

struct vfs_node {
  struct vfs_file f;
  struct vfs_node *next;
};

static struct vfs_node *nodes; /* in archive order (dirs added after) */
static struct vfs_node *nodes_tail;
static size_t node_count;
static uint32_t max_ino; /* highest inode number handed out so far */

int vfs_normalize(const char *path, char *out) {
  size_t len = 0;
  out[0] = 0;
  const char *p = path;
  while (*p) {
    while (*p == '/')
      p++;
    const char *start = p;
    while (*p && *p != '/')
      p++;
    size_t n = (size_t)(p - start);
    if (n == 0 || (n == 1 && start[0] == '.'))
      continue;
    if (n == 2 && start[0] == '.' && start[1] == '.') {
      while (len > 0 && out[len] != '/') /* drop the last component */
        len--;
      out[len] = 0;
      continue;
    }
    if (len + 1 + n + 1 > VFS_PATH_MAX)
      return -ENAMETOOLONG;
    out[len++] = '/';
    memcpy(out + len, start, n);
    len += n;
    out[len] = 0;
  }
  if (len == 0) {
    out[0] = '/';
    out[1] = 0;
  }
  return 0;
}

static struct vfs_node *find(const char *norm) {
  for (struct vfs_node *n = nodes; n; n = n->next)
    if (strcmp(n->f.path, norm) == 0)
      return n;
  return NULL;
}

static struct vfs_node *add(const char *norm) {
  struct vfs_node *n = find(norm);
  if (n) /* a later member with the same name replaces the earlier one */
    return n;
  size_t len = strlen(norm) + 1;
  char *path = len <= KHEAP_MAX ? kmalloc(len) : NULL;
  n = path ? kzalloc(sizeof *n) : NULL;
  if (!n) {
    kfree(path);
    return NULL;
  }
  memcpy(path, norm, len);
  n->f.path = path;
  if (nodes_tail)
    nodes_tail->next = n;
  else
    nodes = n;
  nodes_tail = n;
  node_count++;
  return n;
}

static bool parse_hex(const uint8_t *s, uint32_t *out) {
  uint32_t v = 0;
  for (int i = 0; i < 8; i++) {
    uint8_t c = s[i];
    unsigned d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return false;
    v = v << 4 | d;
  }
  *out = v;
  return true;
}

static inline uint64_t align4(uint64_t x) {
  return (x + 3) & ~3ull;
}

/* Every directory above every entry exists, and so does "/". */
static void add_implied_dirs(void) {
  static char buf[VFS_PATH_MAX];
  for (struct vfs_node *n = nodes; n; n = n->next) {
    strlcpy(buf, n->f.path, sizeof buf);
    char *slash;
    while ((slash = strrchr(buf, '/')) != NULL) {
      if (slash == buf)
        slash[1] = 0; /* "/" itself */
      else
        *slash = 0;
      struct vfs_node *d = find(buf);
      if (!d) {
        d = add(buf);
        if (!d)
          return;
        d->f.is_dir = true;
        d->f.mode = S_IFDIR | 0555;
        d->f.ino = ++max_ino;
      }
      if (slash == buf)
        break;
    }
  }
  if (!find("/")) {
    struct vfs_node *root = add("/");
    if (root) {
      root->f.is_dir = true;
      root->f.mode = S_IFDIR | 0555;
      root->f.ino = ++max_ino;
    }
  }
}

void vfs_init(paddr_t archive_phys, uint64_t archive_size) {
  const uint8_t *a = phys_to_virt(archive_phys);
  uint64_t off = 0;
  unsigned members = 0;
  bool trailer = false;
  static char norm[VFS_PATH_MAX];

  while (archive_size >= NEWC_HDR && off <= archive_size - NEWC_HDR) {
    const uint8_t *h = a + off;
    uint32_t ino, mode, filesize, namesize;
    if (memcmp(h, "070701", 6) != 0 && memcmp(h, "070702", 6) != 0) {
      klog(FS_LOG_WARN, "initramfs: bad magic at offset %lu, ignoring the rest", off);
      break;
    }
    bool ok = true;
    for (int field = 0; field < 13 && ok; field++) {
      uint32_t v;
      ok = parse_hex(h + 6 + field * 8, &v);
    }
    if (!ok || !parse_hex(h + 6, &ino) || !parse_hex(h + 14, &mode) ||
        !parse_hex(h + 54, &filesize) || !parse_hex(h + 94, &namesize)) {
      klog(FS_LOG_WARN, "initramfs: bad header field at offset %lu, ignoring the rest", off);
      break;
    }
    uint64_t name_off = off + NEWC_HDR;
    if (namesize == 0 || namesize > archive_size - name_off) {
      klog(FS_LOG_WARN, "initramfs: name size %u past the end at offset %lu", namesize, off);
      break;
    }
    const char *name = (const char *)(a + name_off);
    if (name[namesize - 1] != 0) {
      klog(FS_LOG_WARN, "initramfs: unterminated name at offset %lu", off);
      break;
    }
    uint64_t data_off = align4(name_off + namesize);
    if (data_off > archive_size || filesize > archive_size - data_off) {
      klog(FS_LOG_WARN, "initramfs: data of '%s' (%u bytes) past the end", name, filesize);
      break;
    }
    off = align4(data_off + filesize);
    members++;
    if (strcmp(name, "TRAILER!!!") == 0) {
      trailer = true;
      break;
    }
    if (strnlen(name, namesize) != namesize - 1) {
      klog(FS_LOG_WARN, "initramfs: NUL inside a name at offset %lu, skipped", data_off);
      continue;
    }
    uint32_t type = mode & S_IFMT;
    if (type != S_IFREG && type != S_IFDIR) {
      klog(FS_LOG_INFO, "initramfs: '%s' is neither file nor directory, skipped", name);
      continue;
    }
    if (vfs_normalize(name, norm) != 0) {
      klog(FS_LOG_WARN, "initramfs: name too long, skipped: %.40s...", name);
      continue;
    }
    struct vfs_node *n = add(norm);
    if (!n) {
      klog(FS_LOG_WARN, "initramfs: no memory for '%.200s', skipped", norm);
      continue;
    }
    n->f.is_dir = type == S_IFDIR;
    n->f.mode = mode;
    n->f.data = type == S_IFREG ? a + data_off : NULL;
    n->f.size = type == S_IFREG ? filesize : 0;
    n->f.ino = ino;
    if (ino > max_ino)
      max_ino = ino;
  }
  /* Members without an ino (0) still need a unique number. */
  for (struct vfs_node *n = nodes; n; n = n->next)
    if (n->f.ino == 0)
      n->f.ino = ++max_ino;
  if (!trailer)
    klog(FS_LOG_WARN, "initramfs: no trailer (archive of %lu bytes ends at %lu)", archive_size,
         off);
  add_implied_dirs();
  klog(FS_LOG_INFO, "initramfs: %u members, %zu entries", members, node_count);
}

int vfs_add_pseudo(const char *path, vfs_render_fn render) {
  if (find(path))
    return -EEXIST;
  struct vfs_node *n = add(path);
  if (!n)
    return -ENOMEM;
  n->f.mode = S_IFREG | 0444;
  n->f.render = render;
  n->f.ino = ++max_ino;
  add_implied_dirs();
  return 0;
}

const struct vfs_file *vfs_lookup(const char *path) {
  static char norm[VFS_PATH_MAX]; /* one CPU, never re-entered */
  if (vfs_normalize(path, norm) != 0)
    return NULL;
  struct vfs_node *n = find(norm);
  return n ? &n->f : NULL;
}

uint64_t vfs_file_size(const struct vfs_file *f) {
  return f->size;
}

size_t vfs_file_read(const struct vfs_file *f, uint64_t off, void *dst, size_t len) {
  if (f->is_dir || !f->data || off >= f->size)
    return 0;
  if (len > f->size - off)
    len = f->size - off;
  memcpy(dst, f->data + off, len);
  return len;
}
