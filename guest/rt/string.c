/*
 * Memory and string helpers.  This file is compiled with
 * -fno-tree-loop-distribute-patterns (see guest/CMakeLists.txt): otherwise
 * gcc recognises the loops below as memset/memcpy and turns them into calls
 * to themselves.
 */
#include "rt.h"

void *memcpy(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  while (n--)
    *d++ = *s++;
  return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  if (d < s) {
    while (n--)
      *d++ = *s++;
  } else {
    while (n--)
      d[n] = s[n];
  }
  return dst;
}

void *memset(void *dst, int c, size_t n) {
  unsigned char *d = dst;
  while (n--)
    *d++ = (unsigned char)c;
  return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = a, *y = b;
  for (; n; n--, x++, y++) {
    if (*x != *y)
      return *x < *y ? -1 : 1;
  }
  return 0;
}

size_t rt_strlen(const char *s) {
  size_t n = 0;
  while (s[n])
    n++;
  return n;
}

int rt_strncmp(const char *a, const char *b, size_t n) {
  for (; n; n--, a++, b++) {
    if (*a != *b)
      return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
    if (!*a)
      return 0;
  }
  return 0;
}

int rt_strcmp(const char *a, const char *b) {
  return rt_strncmp(a, b, (size_t)-1);
}

int rt_parse_long(const char *s, long *out) {
  int neg = 0;
  unsigned long v = 0, base = 10;
  if (*s == '-') {
    neg = 1;
    s++;
  }
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s += 2;
  }
  if (!*s)
    return -1;
  for (; *s; s++) {
    unsigned long d;
    if (*s >= '0' && *s <= '9')
      d = (unsigned long)(*s - '0');
    else if (base == 16 && *s >= 'a' && *s <= 'f')
      d = (unsigned long)(*s - 'a' + 10);
    else if (base == 16 && *s >= 'A' && *s <= 'F')
      d = (unsigned long)(*s - 'A' + 10);
    else
      return -1;
    v = v * base + d;
  }
  *out = neg ? -(long)v : (long)v;
  return 0;
}
