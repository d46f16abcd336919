#include "trace_recorder.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <capstone/capstone.h>
#include <openssl/evp.h>

struct trace_recorder {
  FILE *out;
  struct machine *machine;
  csh capstone;
  uint64_t seq;
  int write_failed;
  int bad_records; /* records of the wrong size or kind, skipped */
};

void trace_sha256_hex(const void *data, size_t size, char hex[TRACE_SHA256_HEX]) {
  unsigned char digest[32];
  unsigned int digest_len = 0;
  EVP_Digest(data, size, digest, &digest_len, EVP_sha256(), NULL);
  for (unsigned i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

struct trace_recorder *trace_recorder_create(FILE *out, const struct trace_header *header,
                                             char *err, size_t err_size) {
  struct trace_recorder *r = calloc(1, sizeof(*r));
  if (r == NULL) {
    snprintf(err, err_size, "out of memory");
    return NULL;
  }
  if (cs_open(CS_ARCH_X86, CS_MODE_64, &r->capstone) != CS_ERR_OK) {
    snprintf(err, err_size, "cannot start the Capstone disassembler");
    free(r);
    return NULL;
  }
  r->out = out;
  trace_write_header(out, header);
  if (fflush(out) != 0)
    r->write_failed = 1;
  return r;
}

void trace_recorder_attach(struct trace_recorder *r, struct machine *m) {
  r->machine = m;
}

/* The instruction at rip as "mnemonic operands", or NULL when its bytes are
 * not mapped (a fetch from an invalid address) or do not decode. */
static const char *disassemble(struct trace_recorder *r, uint64_t rip, char *text, size_t size) {
  uint8_t bytes[15];
  if (r->machine == NULL)
    return NULL;
  size_t got = machine_read_guest_virt(r->machine, rip, bytes, sizeof(bytes));
  if (got == 0)
    return NULL;
  cs_insn *insn = NULL;
  size_t count = cs_disasm(r->capstone, bytes, got, rip, 1, &insn);
  if (count == 0)
    return NULL;
  if (insn[0].op_str[0] != '\0')
    snprintf(text, size, "%.31s %.90s", insn[0].mnemonic, insn[0].op_str);
  else
    snprintf(text, size, "%.31s", insn[0].mnemonic);
  cs_free(insn, count);
  return text;
}

void trace_recorder_on_record(void *opaque, const void *record, size_t size) {
  struct trace_recorder *r = opaque;
  struct fs_trace_record rec;
  if (size != sizeof(rec)) {
    r->bad_records++;
    return;
  }
  memcpy(&rec, record, sizeof(rec));
  char insn_text[128];
  const char *insn = NULL;
  if (rec.kind == FS_TRACE_FAULT)
    insn = disassemble(r, rec.u.fault.rip, insn_text, sizeof(insn_text));
  char line[TRACE_LINE_MAX];
  int length = trace_format_event(line, r->seq + 1, &rec, insn);
  if (length < 0) {
    r->bad_records++;
    return;
  }
  r->seq++;
  /* One write and a flush per line: a killed host leaves whole lines only
   * (at worst the last one cut, which readers drop). */
  if (fwrite(line, 1, (size_t)length, r->out) != (size_t)length || fflush(r->out) != 0)
    r->write_failed = 1;
}

const char *trace_outcome_name(enum machine_outcome outcome) {
  switch (outcome) {
  case MACHINE_EXITED:
    return "exited";
  case MACHINE_SIGNALED:
    return "signaled";
  case MACHINE_PANIC:
    return "panic";
  case MACHINE_TRIPLE_FAULT:
    return "triple_fault";
  default:
    return "error";
  }
}

int trace_recorder_finish(struct trace_recorder *r, const struct machine_result *result) {
  struct trace_summary summary = {
      .events = r->seq,
      .outcome = trace_outcome_name(result->outcome),
      .code = result->code,
      .instructions = result->instructions,
      .report = result->have_report ? &result->report : NULL,
  };
  trace_write_summary(r->out, &summary);
  int status = r->write_failed ? -1 : 0;
  if (r->bad_records > 0) {
    fprintf(stderr, "faultsim: trace: %d malformed records from the guest were skipped\n",
            r->bad_records);
  }
  if (fclose(r->out) != 0)
    status = -1;
  r->out = NULL;
  trace_recorder_free(r);
  return status;
}

void trace_recorder_free(struct trace_recorder *r) {
  if (r == NULL)
    return;
  if (r->out != NULL)
    fclose(r->out);
  cs_close(&r->capstone);
  free(r);
}
