/* Unit tests of the GDB packet codec: checksums, framing with escapes,
 * the streaming decoder (acks, Ctrl-C, bad checksums), run-length decoding,
 * binary payloads and hex. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "gdb_packet.h"

static struct gdb_decoder dec;

/* Feeds text; returns the last event other than NONE. */
static enum gdb_event feed(const char *bytes, size_t length) {
  enum gdb_event last = GDB_EV_NONE;
  for (size_t i = 0; i < length; i++) {
    enum gdb_event ev = gdb_decoder_feed(&dec, (uint8_t)bytes[i]);
    if (ev != GDB_EV_NONE)
      last = ev;
  }
  return last;
}
#define FEED(s) feed((s), sizeof(s) - 1)

static void test_checksum(void **state) {
  (void)state;
  assert_int_equal(gdb_checksum((const uint8_t *)"", 0), 0);
  /* "OK": 0x4f + 0x4b = 0x9a, the classic example. */
  assert_int_equal(gdb_checksum((const uint8_t *)"OK", 2), 0x9a);
  /* Wraps modulo 256. */
  uint8_t ff[3] = {0xff, 0xff, 0x02};
  assert_int_equal(gdb_checksum(ff, 3), 0x00);
}

static void test_frame_plain(void **state) {
  (void)state;
  uint8_t out[32];
  size_t n = gdb_frame((const uint8_t *)"OK", 2, out, sizeof out);
  assert_int_equal(n, 6);
  assert_memory_equal(out, "$OK#9a", 6);
  n = gdb_frame((const uint8_t *)"", 0, out, sizeof out);
  assert_memory_equal(out, "$#00", 4);
  assert_int_equal(n, 4);
}

static void test_frame_escapes(void **state) {
  (void)state;
  uint8_t out[32];
  const uint8_t payload[] = {'#', '$', '}', '*', 'a'};
  size_t n = gdb_frame(payload, sizeof payload, out, sizeof out);
  /* Each special byte becomes '}' then the byte XOR 0x20. */
  const uint8_t body[] = {'}', 0x03, '}', 0x04, '}', 0x5d, '}', 0x0a, 'a'};
  assert_int_equal(n, 1 + sizeof body + 3);
  assert_memory_equal(out + 1, body, sizeof body);
  uint8_t sum = gdb_checksum(body, sizeof body);
  char expect[3];
  snprintf(expect, sizeof expect, "%02x", sum);
  assert_memory_equal(out + 1 + sizeof body + 1, expect, 2);
}

static void test_frame_too_small(void **state) {
  (void)state;
  uint8_t out[5];
  assert_int_equal(gdb_frame((const uint8_t *)"OK", 2, out, sizeof out), 0);
}

static void test_roundtrip_binary(void **state) {
  (void)state;
  uint8_t payload[256], framed[600];
  for (int i = 0; i < 256; i++)
    payload[i] = (uint8_t)i;
  size_t n = gdb_frame(payload, sizeof payload, framed, sizeof framed);
  assert_true(n > 0);
  gdb_decoder_init(&dec);
  assert_int_equal(feed((const char *)framed, n), GDB_EV_PACKET);
  assert_int_equal(dec.length, 256);
  assert_memory_equal(dec.payload, payload, 256);
}

static void test_decoder_packet_and_acks(void **state) {
  (void)state;
  gdb_decoder_init(&dec);
  assert_int_equal(FEED("+"), GDB_EV_ACK);
  assert_int_equal(FEED("-"), GDB_EV_NACK);
  assert_int_equal(FEED("$qSupported:multiprocess+#c6"), GDB_EV_PACKET);
  assert_string_equal((const char *)dec.payload, "qSupported:multiprocess+");
  assert_int_equal(FEED("$g#67"), GDB_EV_PACKET);
  assert_string_equal((const char *)dec.payload, "g");
}

static void test_decoder_bad_checksum(void **state) {
  (void)state;
  gdb_decoder_init(&dec);
  assert_int_equal(FEED("$g#00"), GDB_EV_BAD_CHECKSUM);
  assert_int_equal(FEED("$g#zz"), GDB_EV_BAD_CHECKSUM);
  /* The decoder recovers for the next packet. */
  assert_int_equal(FEED("$g#67"), GDB_EV_PACKET);
}

static void test_decoder_interrupt(void **state) {
  (void)state;
  gdb_decoder_init(&dec);
  assert_int_equal(FEED("\x03"), GDB_EV_INTERRUPT);
  /* Inside a packet 0x03 is data, not an interrupt. */
  char pkt[16];
  uint8_t body[] = {'X', 0x03};
  snprintf(pkt, sizeof pkt, "$X\x03#%02x", gdb_checksum(body, 2));
  assert_int_equal(feed(pkt, strlen(pkt)), GDB_EV_PACKET);
  assert_int_equal(dec.length, 2);
  assert_int_equal(dec.payload[1], 0x03);
}

static void test_unescape_rle(void **state) {
  (void)state;
  uint8_t out[64];
  /* "0* " is '0' then 32 - 29 = 3 more copies. */
  long n = gdb_unescape((const uint8_t *)"0* ", 3, out, sizeof out);
  assert_int_equal(n, 4);
  assert_memory_equal(out, "0000", 4);
  n = gdb_unescape((const uint8_t *)"ab*\"c", 5, out, sizeof out);
  assert_int_equal(n, 8); /* 'b' + 5 more */
  assert_memory_equal(out, "abbbbbbc", 8);
  /* A run with nothing before it, a truncated run, a short count. */
  assert_int_equal(gdb_unescape((const uint8_t *)"*#", 2, out, sizeof out), -1);
  assert_int_equal(gdb_unescape((const uint8_t *)"a*", 2, out, sizeof out), -1);
  assert_int_equal(gdb_unescape((const uint8_t *)"a*\x10", 3, out, sizeof out), -1);
  /* Would overflow the output. */
  assert_int_equal(gdb_unescape((const uint8_t *)"a*~", 3, out, 8), -1);
}

static void test_unescape_escapes(void **state) {
  (void)state;
  uint8_t out[8];
  const uint8_t in[] = {'}', 0x03, '}', 0x5d, 'z'};
  long n = gdb_unescape(in, sizeof in, out, sizeof out);
  assert_int_equal(n, 3);
  assert_int_equal(out[0], '#');
  assert_int_equal(out[1], '}');
  assert_int_equal(out[2], 'z');
  assert_int_equal(gdb_unescape((const uint8_t *)"}", 1, out, sizeof out), -1);
}

static void test_decoder_rle_packet(void **state) {
  (void)state;
  gdb_decoder_init(&dec);
  const char body[] = "0* ";
  char pkt[16];
  snprintf(pkt, sizeof pkt, "$%s#%02x", body, gdb_checksum((const uint8_t *)body, 3));
  assert_int_equal(feed(pkt, strlen(pkt)), GDB_EV_PACKET);
  assert_string_equal((const char *)dec.payload, "0000");
}

static void test_hex(void **state) {
  (void)state;
  char text[9];
  const uint8_t data[] = {0xde, 0xad, 0x00, 0x7f};
  gdb_hex_encode(data, 4, text);
  assert_string_equal(text, "dead007f");
  uint8_t back[4];
  assert_int_equal(gdb_hex_decode("DEad007f", 8, back, 4), 4);
  assert_memory_equal(back, data, 4);
  assert_int_equal(gdb_hex_decode("abc", 3, back, 4), -1);
  assert_int_equal(gdb_hex_decode("zz", 2, back, 4), -1);
  uint64_t v;
  const char *end;
  assert_true(gdb_parse_hex("ffffffff80100000,4", &v, &end));
  assert_true(v == 0xffffffff80100000ULL);
  assert_int_equal(*end, ',');
  assert_false(gdb_parse_hex(",4", &v, &end));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_checksum),
      cmocka_unit_test(test_frame_plain),
      cmocka_unit_test(test_frame_escapes),
      cmocka_unit_test(test_frame_too_small),
      cmocka_unit_test(test_roundtrip_binary),
      cmocka_unit_test(test_decoder_packet_and_acks),
      cmocka_unit_test(test_decoder_bad_checksum),
      cmocka_unit_test(test_decoder_interrupt),
      cmocka_unit_test(test_unescape_rle),
      cmocka_unit_test(test_unescape_escapes),
      cmocka_unit_test(test_decoder_rle_packet),
      cmocka_unit_test(test_hex),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
