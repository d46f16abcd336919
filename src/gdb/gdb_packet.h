/*
 * GDB Remote Serial Protocol packet codec: framing ($payload#cs), the
 * modulo-256 checksum, escaping of '#', '$', '}' and '*' (0x7d then the byte
 * XOR 0x20), run-length decoding ("X*n": n - 29 more copies of X) and hex.
 * Pure: no I/O, so every rule is unit-tested (tests/gdb/test_gdb_packet.c).
 */
#ifndef FAULTSIM_GDB_PACKET_H
#define FAULTSIM_GDB_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest payload we accept or send, after decoding (PacketSize). */
#define GDB_PACKET_MAX 16384

uint8_t gdb_checksum(const uint8_t *data, size_t length);

/* Frames payload into out as $escaped#xx.  Returns the framed length, or 0
 * when it does not fit in out_size. */
size_t gdb_frame(const uint8_t *payload, size_t length, uint8_t *out, size_t out_size);

enum gdb_event {
  GDB_EV_NONE,         /* need more bytes */
  GDB_EV_PACKET,       /* a packet with a good checksum: payload/length */
  GDB_EV_BAD_CHECKSUM, /* a packet with a wrong checksum (reply '-') */
  GDB_EV_BAD_PACKET,   /* undecodable (bad escape or run length, too long) */
  GDB_EV_INTERRUPT,    /* 0x03 outside a packet (Ctrl-C) */
  GDB_EV_ACK,          /* '+' */
  GDB_EV_NACK,         /* '-' */
};

struct gdb_decoder {
  int state;
  uint8_t raw[GDB_PACKET_MAX * 2]; /* between '$' and '#' as received */
  size_t raw_length;
  bool overflow;
  uint8_t sum_digits[2];
  int sum_count;
  uint8_t payload[GDB_PACKET_MAX + 1]; /* decoded, NUL-terminated */
  size_t length;
};

void gdb_decoder_init(struct gdb_decoder *d);
/* Feeds one received byte; on GDB_EV_PACKET the decoded payload is in
 * d->payload (valid until the next feed). */
enum gdb_event gdb_decoder_feed(struct gdb_decoder *d, uint8_t byte);

/* Undoes escaping and run-length encoding.  Returns the decoded length or -1
 * for a malformed body or when it would exceed out_size. */
long gdb_unescape(const uint8_t *in, size_t length, uint8_t *out, size_t out_size);

/* Hex helpers: lower-case output; parsing stops at the first non-hex. */
void gdb_hex_encode(const uint8_t *data, size_t length, char *out); /* 2*length+1 */
long gdb_hex_decode(const char *hex, size_t hex_length, uint8_t *out, size_t out_size);
int gdb_hex_digit(int c);
/* Parses a hex number; sets *end past it; false when no digit. */
bool gdb_parse_hex(const char *text, uint64_t *value, const char **end);

#endif /* FAULTSIM_GDB_PACKET_H */
