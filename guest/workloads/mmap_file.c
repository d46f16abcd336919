/*
 * mmap_file: a private read-only file mapping is filled from the file page by
 * page, the part of the last page past end-of-file reads as zeros, and a
 * mapping at a non-zero file offset starts at the right byte.
 *
 * argv[1] names the file (under faultsim: the guest path given with
 * --file).  The program read()s the whole file into a .bss buffer to learn
 * its size and contents, maps it twice - at file offset 0 (whole file) and
 * at offset 4096 (the rest) - closes the descriptor (mappings must outlive
 * it), then compares both mappings byte for byte with what read() returned
 * and checks the tail of each mapping's last page is zero.  The file must be
 * longer than one page and at most MAX_FILE bytes; tests/e2e generates it.
 * The path is never printed (it differs natively and under faultsim).
 *
 * Prints "size=<n>", "offset 0 mapping: <n> bytes match, <t> tail zeros",
 * "offset 4096 mapping: <n-4096> bytes match, <t> tail zeros",
 * "checksum=<hex>", "munmap: 0 0"; exits 0 (2 with a usage message on bad
 * arguments, 1 on any mismatch).
 * faultsim: lazy_mmap_file >= 2 * pages(n) - 1, file_pages_read >= pages(n)
 * and page_cache_hits >= pages(n) - 1 (the second mapping's pages, and
 * read(), find the file already cached - if the kernel caches).
 */
#include "rt.h"

#define MAX_FILE (64 * 1024)

static unsigned char contents[MAX_FILE];

static unsigned long page_round_up(unsigned long n) {
  return (n + RT_PAGE_SIZE - 1) & ~(RT_PAGE_SIZE - 1);
}

/* Compares a mapping of file bytes [offset, size) with contents[] and counts
 * the zero bytes between end-of-file and the end of the mapping's last page. */
static void check_mapping(long addr, unsigned long offset, unsigned long size) {
  volatile unsigned char *m = (volatile unsigned char *)addr;
  unsigned long len = size - offset, i, tail = 0;
  for (i = 0; i < len; i++) {
    if (m[i] != contents[offset + i])
      rt_fail("offset %lu mapping: byte %lu is %u, read() gave %u", offset, i, m[i],
              contents[offset + i]);
  }
  for (i = len; i < page_round_up(len); i++) {
    if (m[i] != 0)
      rt_fail("offset %lu mapping: byte %lu past EOF is %u", offset, i, m[i]);
    tail++;
  }
  rt_printf("offset %lu mapping: %lu bytes match, %lu tail zeros\n", offset, len, tail);
}

int main(int argc, char **argv) {
  long fd, n, map0, map1;
  unsigned long size = 0, i, sum = RT_HASH_INIT;

  if (argc != 2) {
    rt_printf("usage: mmap_file FILE\n");
    return 2;
  }
  fd = rt_open(argv[1], RT_O_RDONLY, 0);
  if (fd < 0)
    rt_fail("open returned %ld", fd);
  while ((n = rt_read((int)fd, contents + size, MAX_FILE - size)) > 0)
    size += (unsigned long)n;
  if (n < 0)
    rt_fail("read returned %ld", n);
  if (size <= RT_PAGE_SIZE || size >= MAX_FILE)
    rt_fail("file size %lu is not in (4096, %d)", size, MAX_FILE);
  rt_printf("size=%lu\n", size);

  map0 = rt_mmap(0, size, RT_PROT_READ, RT_MAP_PRIVATE, (int)fd, 0);
  map1 = rt_mmap(0, size - RT_PAGE_SIZE, RT_PROT_READ, RT_MAP_PRIVATE, (int)fd, RT_PAGE_SIZE);
  if (rt_is_err(map0) || rt_is_err(map1))
    rt_fail("mmap returned %ld and %ld", map0, map1);
  RT_CHECK(rt_close((int)fd) == 0);

  check_mapping(map0, 0, size);
  check_mapping(map1, RT_PAGE_SIZE, size);
  for (i = 0; i < size; i++)
    sum = rt_hash_byte(sum, contents[i]);
  rt_printf("checksum=%lx\n", sum);
  rt_printf("munmap: %ld %ld\n", rt_munmap((void *)map0, size),
            rt_munmap((void *)map1, size - RT_PAGE_SIZE));
  return 0;
}
