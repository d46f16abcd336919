/*
 * A small printf: enough conversions for the workloads' messages, nothing
 * locale-, float- or wide-character-related.  Output functions format into a
 * stack buffer and write() before returning: no static state, so a workload
 * that crashes right after printing has already delivered its line.
 */
#include "rt.h"

struct out {
  char *buf;
  size_t size; /* capacity including the terminating NUL */
  size_t len;  /* characters produced so far (may exceed size) */
};

static void put(struct out *o, char c) {
  if (o->len + 1 < o->size)
    o->buf[o->len] = c;
  o->len++;
}

static void put_padded(struct out *o, const char *s, size_t n, int width, int left, char pad) {
  int fill = width > (int)n ? width - (int)n : 0;
  if (!left) {
    /* Zero padding goes after the sign, as in "-0042". */
    if (pad == '0' && n && *s == '-') {
      put(o, *s++);
      n--;
    }
    while (fill--)
      put(o, pad);
    fill = 0;
  }
  while (n--)
    put(o, *s++);
  while (fill-- > 0)
    put(o, ' ');
}

/* Digits of v in base, most significant first, into tmp (no NUL). */
static size_t format_unsigned(char *tmp, unsigned long long v, unsigned base, int upper) {
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char rev[24];
  size_t n = 0, i;
  do {
    rev[n++] = digits[v % base];
    v /= base;
  } while (v);
  for (i = 0; i < n; i++)
    tmp[i] = rev[n - 1 - i];
  return n;
}

int rt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) {
  struct out o = {buf, size, 0};
  for (; *fmt; fmt++) {
    char tmp[32];
    size_t n = 0;
    int left = 0, width = 0, lng = 0;
    char pad = ' ';
    if (*fmt != '%') {
      put(&o, *fmt);
      continue;
    }
    fmt++;
    for (;; fmt++) {
      if (*fmt == '-')
        left = 1;
      else if (*fmt == '0')
        pad = '0';
      else
        break;
    }
    while (*fmt >= '0' && *fmt <= '9')
      width = width * 10 + (*fmt++ - '0');
    while (*fmt == 'l' || *fmt == 'z') {
      lng++;
      fmt++;
    }
    switch (*fmt) {
    case 'd':
    case 'i': {
      long long v = lng ? va_arg(ap, long) : va_arg(ap, int);
      unsigned long long mag = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
      if (v < 0)
        tmp[n++] = '-';
      n += format_unsigned(tmp + n, mag, 10, 0);
      put_padded(&o, tmp, n, width, left, pad);
      break;
    }
    case 'u':
    case 'x':
    case 'X': {
      unsigned long long v = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
      n = format_unsigned(tmp, v, *fmt == 'u' ? 10 : 16, *fmt == 'X');
      put_padded(&o, tmp, n, width, left, pad);
      break;
    }
    case 'p': {
      unsigned long v = (unsigned long)va_arg(ap, void *);
      tmp[0] = '0';
      tmp[1] = 'x';
      n = 2 + format_unsigned(tmp + 2, v, 16, 0);
      put_padded(&o, tmp, n, width, left, ' ');
      break;
    }
    case 's': {
      const char *s = va_arg(ap, const char *);
      if (!s)
        s = "(null)";
      put_padded(&o, s, rt_strlen(s), width, left, ' ');
      break;
    }
    case 'c':
      tmp[0] = (char)va_arg(ap, int);
      put_padded(&o, tmp, 1, width, left, ' ');
      break;
    case '%':
      put(&o, '%');
      break;
    case '\0':
      fmt--; /* a lone trailing '%': stop at the NUL */
      break;
    default: /* unknown conversion: show it rather than guess */
      put(&o, '%');
      put(&o, *fmt);
      break;
    }
  }
  if (size)
    buf[o.len < size ? o.len : size - 1] = '\0';
  return (int)o.len;
}

int rt_snprintf(char *buf, size_t size, const char *fmt, ...) {
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = rt_vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

long rt_write_all(int fd, const void *buf, size_t count) {
  const char *p = buf;
  while (count) {
    long n = rt_write(fd, p, count);
    if (n < 0)
      return n;
    if (n == 0)
      return -RT_EINVAL; /* no progress: give up instead of spinning */
    p += n;
    count -= (size_t)n;
  }
  return 0;
}

/* One write per message.  Longer messages are truncated rather than split,
 * which keeps "one call, one write" true; workloads print short lines. */
static int vdprintf_(int fd, const char *fmt, va_list ap) {
  char buf[1024];
  int n = rt_vsnprintf(buf, sizeof buf, fmt, ap);
  size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
  if (rt_write_all(fd, buf, len) < 0)
    return -1;
  return n;
}

int rt_dprintf(int fd, const char *fmt, ...) {
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vdprintf_(fd, fmt, ap);
  va_end(ap);
  return n;
}

int rt_printf(const char *fmt, ...) {
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vdprintf_(1, fmt, ap);
  va_end(ap);
  return n;
}

_Noreturn void rt_fail(const char *fmt, ...) {
  char buf[512];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = rt_vsnprintf(buf, sizeof buf - 1, fmt, ap);
  va_end(ap);
  if (n > (int)sizeof buf - 2)
    n = (int)sizeof buf - 2;
  buf[n] = '\n';
  rt_write_all(1, "FAIL: ", 6);
  rt_write_all(1, buf, (size_t)n + 1);
  rt_exit_group(1);
}
