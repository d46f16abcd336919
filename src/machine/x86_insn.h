/* Facts about x86 instruction bytes that the instruction counter and the
 * port-I/O guard both decode by hand (Capstone would cost a decode per use). */
#ifndef FS_MACHINE_X86_INSN_H
#define FS_MACHINE_X86_INSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define X86_MAX_INSN_LENGTH 15

/* Index of the first byte after the legacy and REX prefixes (len if the
 * bytes are all prefixes); *opsize16 tells whether an operand-size prefix
 * (0x66) was among them, when opsize16 is not NULL. */
static inline size_t x86_skip_prefixes(const uint8_t *p, size_t len, bool *opsize16) {
  size_t i = 0;
  bool o16 = false;
  while (i < len && (p[i] == 0x66 || p[i] == 0x67 || p[i] == 0xf2 || p[i] == 0xf3 || p[i] == 0x2e ||
                     p[i] == 0x3e || p[i] == 0x26 || p[i] == 0x36 || p[i] == 0x64 || p[i] == 0x65 ||
                     (p[i] & 0xf0) == 0x40)) {
    o16 |= p[i] == 0x66;
    i++;
  }
  if (opsize16)
    *opsize16 = o16;
  return i;
}

#endif
