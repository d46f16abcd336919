#ifndef FS_MACHINE_DIAGNOSIS_H
#define FS_MACHINE_DIAGNOSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;

struct diagnosis_event {
  bool have_vector;
  uint32_t vector;
  bool have_error_code;
  uint32_t error_code;
  uint64_t rip; /* precise RIP (from the saved context when available) */
};

/* Formats headline, registers and the disassembled instruction at ev->rip. */
void diagnosis_format(struct machine *m, const struct diagnosis_event *ev, const char *headline,
                      char *out, size_t out_size);

/* Decodes a #PF error code into words, e.g. "page not present, write, user
 * mode" (the diagnosis and the debugger's `monitor fault` both show them). */
void diagnosis_pf_error(uint32_t error_code, char *out, size_t out_size);

#endif
