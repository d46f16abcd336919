#include "gdb_packet.h"

#include <string.h>

enum { ST_IDLE, ST_BODY, ST_SUM };

uint8_t gdb_checksum(const uint8_t *data, size_t length) {
  unsigned sum = 0;
  for (size_t i = 0; i < length; i++)
    sum += data[i];
  return (uint8_t)sum;
}

static bool needs_escape(uint8_t c) {
  return c == '#' || c == '$' || c == '}' || c == '*';
}

size_t gdb_frame(const uint8_t *payload, size_t length, uint8_t *out, size_t out_size) {
  static const char digits[] = "0123456789abcdef";
  size_t n = 0;
  if (out_size < 4)
    return 0;
  out[n++] = '$';
  for (size_t i = 0; i < length; i++) {
    /* Worst case two bytes for this one plus the three of "#xx". */
    if (n + 2 + 3 > out_size)
      return 0;
    if (needs_escape(payload[i])) {
      out[n++] = '}';
      out[n++] = payload[i] ^ 0x20;
    } else {
      out[n++] = payload[i];
    }
  }
  /* The checksum covers the bytes as sent, escapes included. */
  uint8_t sum = gdb_checksum(out + 1, n - 1);
  out[n++] = '#';
  out[n++] = (uint8_t)digits[sum >> 4];
  out[n++] = (uint8_t)digits[sum & 15];
  return n;
}

long gdb_unescape(const uint8_t *in, size_t length, uint8_t *out, size_t out_size) {
  size_t n = 0;
  for (size_t i = 0; i < length; i++) {
    uint8_t c = in[i];
    if (c == '}') {
      if (++i >= length || n >= out_size)
        return -1;
      out[n++] = in[i] ^ 0x20;
    } else if (c == '*') {
      /* Run length: the previous byte repeated (count - 29) more times;
       * counts are printable characters from ' ' + 29 on. */
      if (n == 0 || ++i >= length || in[i] < 29 + 3)
        return -1;
      size_t repeat = (size_t)in[i] - 29;
      if (n + repeat > out_size)
        return -1;
      memset(out + n, out[n - 1], repeat);
      n += repeat;
    } else {
      if (n >= out_size)
        return -1;
      out[n++] = c;
    }
  }
  return (long)n;
}

int gdb_hex_digit(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

void gdb_decoder_init(struct gdb_decoder *d) {
  d->state = ST_IDLE;
  d->raw_length = 0;
  d->overflow = false;
  d->sum_count = 0;
  d->length = 0;
  d->payload[0] = '\0';
}

enum gdb_event gdb_decoder_feed(struct gdb_decoder *d, uint8_t byte) {
  switch (d->state) {
  case ST_IDLE:
    if (byte == '$') {
      d->state = ST_BODY;
      d->raw_length = 0;
      d->overflow = false;
      return GDB_EV_NONE;
    }
    if (byte == 0x03)
      return GDB_EV_INTERRUPT;
    if (byte == '+')
      return GDB_EV_ACK;
    if (byte == '-')
      return GDB_EV_NACK;
    return GDB_EV_NONE; /* noise between packets */
  case ST_BODY:
    if (byte == '#') {
      d->state = ST_SUM;
      d->sum_count = 0;
      return GDB_EV_NONE;
    }
    if (d->raw_length < sizeof d->raw)
      d->raw[d->raw_length++] = byte;
    else
      d->overflow = true;
    return GDB_EV_NONE;
  default: {
    d->sum_digits[d->sum_count++] = byte;
    if (d->sum_count < 2)
      return GDB_EV_NONE;
    d->state = ST_IDLE;
    int hi = gdb_hex_digit(d->sum_digits[0]), lo = gdb_hex_digit(d->sum_digits[1]);
    if (hi < 0 || lo < 0 || (uint8_t)(hi * 16 + lo) != gdb_checksum(d->raw, d->raw_length))
      return GDB_EV_BAD_CHECKSUM;
    if (d->overflow)
      return GDB_EV_BAD_PACKET;
    long n = gdb_unescape(d->raw, d->raw_length, d->payload, GDB_PACKET_MAX);
    if (n < 0)
      return GDB_EV_BAD_PACKET;
    d->length = (size_t)n;
    d->payload[n] = '\0';
    return GDB_EV_PACKET;
  }
  }
}

void gdb_hex_encode(const uint8_t *data, size_t length, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < length; i++) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 15];
  }
  out[2 * length] = '\0';
}

long gdb_hex_decode(const char *hex, size_t hex_length, uint8_t *out, size_t out_size) {
  if (hex_length % 2 || hex_length / 2 > out_size)
    return -1;
  for (size_t i = 0; i < hex_length / 2; i++) {
    int hi = gdb_hex_digit((unsigned char)hex[2 * i]),
        lo = gdb_hex_digit((unsigned char)hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return -1;
    out[i] = (uint8_t)(hi * 16 + lo);
  }
  return (long)(hex_length / 2);
}

bool gdb_parse_hex(const char *text, uint64_t *value, const char **end) {
  uint64_t v = 0;
  const char *p = text;
  int digit;
  while ((digit = gdb_hex_digit((unsigned char)*p)) >= 0) {
    v = v * 16 + (uint64_t)digit;
    p++;
  }
  *value = v;
  if (end)
    *end = p;
  return p != text;
}
