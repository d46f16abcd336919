/* A small vsnprintf.  Everything formats into a caller's buffer with C99
 * snprintf semantics (returns the length it wanted, always terminates), so
 * the console path is just "format into a stack buffer, then write it". */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <kernel/kprintf.h>
#include <kernel/serial.h>

struct sink {
  char *buf;
  size_t size; /* capacity including the terminator */
  size_t len;  /* characters produced so far (may exceed size) */
};

static void put(struct sink *s, char c) {
  if (s->len + 1 < s->size)
    s->buf[s->len] = c;
  s->len++;
}

static void pad(struct sink *s, char c, int n) {
  while (n-- > 0)
    put(s, c);
}

struct spec {
  bool left, zero, plus, space, alt;
  int width;
  int prec; /* -1: none */
};

static void emit_str(struct sink *s, const struct spec *sp, const char *str) {
  if (!str)
    str = "(null)";
  size_t n = sp->prec >= 0 ? strnlen(str, (size_t)sp->prec) : strlen(str);
  int padn = sp->width > (int)n ? sp->width - (int)n : 0;
  if (!sp->left)
    pad(s, ' ', padn);
  for (size_t i = 0; i < n; i++)
    put(s, str[i]);
  if (sp->left)
    pad(s, ' ', padn);
}

static void emit_num(struct sink *s, const struct spec *sp, uint64_t v, bool neg, unsigned base,
                     bool upper, const char *prefix) {
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char tmp[24];
  int n = 0;
  if (v == 0 && sp->prec != 0)
    tmp[n++] = '0';
  while (v) {
    tmp[n++] = digits[v % base];
    v /= base;
  }
  char sign = neg ? '-' : sp->plus ? '+' : sp->space ? ' ' : 0;
  int plen = (int)strlen(prefix) + (sign ? 1 : 0);
  int zeros = sp->prec > n ? sp->prec - n : 0;
  int total = plen + zeros + n;
  int padn = sp->width > total ? sp->width - total : 0;
  if (sp->zero && !sp->left && sp->prec < 0) {
    zeros += padn; /* '0' flag pads between the sign/prefix and the digits */
    padn = 0;
  }
  if (!sp->left)
    pad(s, ' ', padn);
  if (sign)
    put(s, sign);
  for (const char *p = prefix; *p; p++)
    put(s, *p);
  pad(s, '0', zeros);
  while (n)
    put(s, tmp[--n]);
  if (sp->left)
    pad(s, ' ', padn);
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap) {
  struct sink s = {buf, size, 0};
  for (const char *p = fmt; *p; p++) {
    if (*p != '%') {
      put(&s, *p);
      continue;
    }
    struct spec sp = {false, false, false, false, false, 0, -1};
    for (;; p++) {
      char f = p[1];
      if (f == '-')
        sp.left = true;
      else if (f == '0')
        sp.zero = true;
      else if (f == '+')
        sp.plus = true;
      else if (f == ' ')
        sp.space = true;
      else if (f == '#')
        sp.alt = true;
      else
        break;
    }
    p++;
    if (*p == '*') {
      sp.width = va_arg(ap, int);
      if (sp.width < 0) {
        sp.left = true;
        sp.width = -sp.width;
      }
      p++;
    } else {
      while (*p >= '0' && *p <= '9')
        sp.width = sp.width * 10 + (*p++ - '0');
    }
    if (*p == '.') {
      p++;
      sp.prec = 0;
      if (*p == '*') {
        sp.prec = va_arg(ap, int);
        p++;
      } else {
        while (*p >= '0' && *p <= '9')
          sp.prec = sp.prec * 10 + (*p++ - '0');
      }
    }
    int lng = 0; /* -2 hh, -1 h, 0 int, 1 long/size_t/ptrdiff/intmax, 2 long long */
    for (;; p++) {
      if (*p == 'h')
        lng--;
      else if (*p == 'l')
        lng++;
      else if (*p == 'z' || *p == 't' || *p == 'j')
        lng = 1;
      else
        break;
    }
    switch (*p) {
    case 'd':
    case 'i': {
      int64_t v = lng >= 1 ? va_arg(ap, int64_t) : (int64_t)va_arg(ap, int);
      if (lng == -1)
        v = (short)v;
      else if (lng <= -2)
        v = (signed char)v;
      uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
      emit_num(&s, &sp, mag, v < 0, 10, false, "");
      break;
    }
    case 'u':
    case 'x':
    case 'X':
    case 'o': {
      uint64_t v = lng >= 1 ? va_arg(ap, uint64_t) : (uint64_t)va_arg(ap, unsigned);
      if (lng == -1)
        v = (unsigned short)v;
      else if (lng <= -2)
        v = (unsigned char)v;
      unsigned base = *p == 'u' ? 10 : *p == 'o' ? 8 : 16;
      const char *prefix = "";
      if (sp.alt && v && base == 16)
        prefix = *p == 'X' ? "0X" : "0x";
      else if (sp.alt && base == 8)
        prefix = "0";
      emit_num(&s, &sp, v, false, base, *p == 'X', prefix);
      break;
    }
    case 'p':
      emit_num(&s, &sp, (uint64_t)(uintptr_t)va_arg(ap, void *), false, 16, false, "0x");
      break;
    case 's':
      emit_str(&s, &sp, va_arg(ap, const char *));
      break;
    case 'c': {
      char c[2] = {(char)va_arg(ap, int), 0};
      sp.prec = 1;
      if (c[0] == 0) { /* %c with NUL still produces one character */
        pad(&s, ' ', sp.left ? 0 : sp.width - 1);
        put(&s, 0);
        pad(&s, ' ', sp.left ? sp.width - 1 : 0);
      } else {
        emit_str(&s, &sp, c);
      }
      break;
    }
    case '%':
      put(&s, '%');
      break;
    case 0: /* lone '%' at the end */
      p--;
      break;
    default: /* unknown conversion: print it verbatim */
      put(&s, '%');
      put(&s, *p);
      break;
    }
  }
  if (size)
    buf[s.len < size ? s.len : size - 1] = 0;
  return (int)s.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = kvsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

int kprintf(const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = kvsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  serial_write(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
  return n;
}
