/*
 * lazy_user_buf: user buffers handed to syscalls may be pages nobody has
 * touched yet; the kernel must fault them in itself (a ring-0 fault on a
 * user address, resolved like a user one) instead of failing with -EFAULT.
 *
 * read(): the whole file named by argv[1] (passed with --file) goes into
 * `buf`, a .bss array user code has not touched, starting 100 bytes before a
 * page boundary so a single read() spans several untouched pages.
 * write(): prints a message stored in .data inside `area`, straddling a
 * page boundary deep in a .data object user code never touches, so the
 * kernel faults in file-backed pages while copying from user memory.
 * Only after the syscalls does user code look at `buf`.
 *
 * With tests/e2e's input.txt prints "read 16200 bytes", "first line: line
 * 000: ...", "last line: line 299: ...", "checksum=<hex>", then the .data
 * message "written from untouched .data pages"; exits 0.
 * faultsim: kernel_mode_faults >= 5 (the 5 .bss pages read() fills, plus
 * 1-2 .data pages for write() unless an earlier fault already brought them
 * in), lazy_bss >= 5, lazy_data >= 1, efault_fixups == 0.
 */
#include "rt.h"

#define BUF_BYTES  (64 * 1024)
#define START      (RT_PAGE_SIZE - 100)
#define MSG_OFFSET (2 * 4096 - 10)
#define MSG        "written from untouched .data pages\n"

/* Page-aligned, so buf + START really is 100 bytes before a page boundary. */
static char buf[BUF_BYTES] __attribute__((aligned(4096)));

/* pad[0] = 1 puts the whole object in .data (file-backed); the message
 * straddles the boundary between the object's 2nd and 3rd pages. */
static struct {
  char pad[MSG_OFFSET];
  char msg[sizeof MSG];
} area = {{1}, MSG};

/* Writes the line that starts at s (through its '\n') straight from buf. */
static void write_line(const char *label, const char *s, const char *end) {
  const char *e = s;
  while (e < end && *e != '\n')
    e++;
  rt_printf("%s", label);
  RT_CHECK(rt_write_all(1, s, (size_t)(e - s) + 1) == 0);
}

int main(int argc, char **argv) {
  long fd, n, last;
  unsigned long i, sum = RT_HASH_INIT;

  if (argc != 2) {
    rt_printf("usage: lazy_user_buf FILE\n");
    return 2;
  }
  fd = rt_open(argv[1], RT_O_RDONLY, 0);
  if (fd < 0)
    rt_fail("open returned %ld", fd);
  /* One read() into untouched memory; the file fits (checked below). */
  n = rt_read((int)fd, buf + START, BUF_BYTES - START);
  if (n <= 0 || n >= (long)(BUF_BYTES - START))
    rt_fail("read returned %ld", n);
  RT_CHECK(rt_close((int)fd) == 0);
  rt_printf("read %ld bytes\n", n);
  if (buf[START + n - 1] != '\n')
    rt_fail("the file does not end with a newline");

  write_line("first line: ", buf + START, buf + START + n);
  for (last = n - 1; last > 0 && buf[START + last - 1] != '\n'; last--)
    ;
  write_line("last line: ", buf + START + last, buf + START + n);
  for (i = 0; i < (unsigned long)n; i++)
    sum = rt_hash_byte(sum, (unsigned char)buf[START + i]);
  rt_printf("checksum=%lx\n", sum);

  RT_CHECK(rt_write_all(1, area.msg, sizeof area.msg - 1) == 0);
  return 0;
}
