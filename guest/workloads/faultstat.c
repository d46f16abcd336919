/*
 * faultstat: reads /proc/self/faultstat, faultsim's pseudo-file of fault
 * counters (`name value` per line, the names of `faultsim run --stats`), in
 * small pieces so offsets matter, and prints every counter's name, then
 * whether faults_total and lazy_text are positive (this program's own text
 * faulted in, so they must be) and whether a second read at EOF returns 0.
 * faultsim only: Linux has no such file (natively open fails: exit 2).
 */
#include "rt.h"

static char text[4096];

/* The value after "name " at the start of some line, or -1. */
static long value_of(const char *name) {
  size_t len = rt_strlen(name);
  for (const char *line = text; *line;) {
    if (!rt_strncmp(line, name, len) && line[len] == ' ') {
      long v = 0;
      for (const char *p = line + len + 1; *p >= '0' && *p <= '9'; p++)
        v = v * 10 + (*p - '0');
      return v;
    }
    while (*line && *line != '\n')
      line++;
    if (*line)
      line++;
  }
  return -1;
}

int main(void) {
  long fd = rt_open("/proc/self/faultstat", RT_O_RDONLY, 0);
  if (fd < 0) {
    rt_printf("open /proc/self/faultstat: %ld\n", fd);
    return 2;
  }
  size_t have = 0;
  for (;;) {
    long n = rt_read((int)fd, text + have, 7); /* odd-sized pieces */
    if (n < 0)
      rt_fail("read returned %ld", n);
    if (n == 0)
      break;
    have += (size_t)n;
    if (have + 7 >= sizeof text)
      rt_fail("more than %zu bytes", sizeof text);
  }
  text[have] = '\0';
  for (const char *line = text; *line;) {
    const char *end = line;
    while (*end && *end != ' ' && *end != '\n')
      end++;
    rt_write(1, line, (size_t)(end - line));
    rt_write(1, "\n", 1);
    while (*end && *end != '\n')
      end++;
    line = *end ? end + 1 : end;
  }
  rt_printf("faults_total positive: %s\n", value_of("faults_total") > 0 ? "yes" : "no");
  rt_printf("lazy_text positive: %s\n", value_of("lazy_text") > 0 ? "yes" : "no");
  rt_printf("read at EOF: %ld\n", rt_read((int)fd, text, 16));
  rt_printf("close: %ld\n", rt_close((int)fd));
  return 0;
}
