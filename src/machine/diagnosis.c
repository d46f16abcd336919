#include "diagnosis.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "machine_internal.h"

/* Appends to a bounded buffer; silently truncates. */
struct text {
  char *buf;
  size_t size, used;
};

static void put(struct text *t, const char *fmt, ...) {
  if (t->used + 1 >= t->size)
    return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(t->buf + t->used, t->size - t->used, fmt, ap);
  va_end(ap);
  if (n > 0)
    t->used = t->used + (size_t)n < t->size ? t->used + (size_t)n : t->size - 1;
}

void diagnosis_pf_error(uint32_t e, char *out, size_t out_size) {
  snprintf(out, out_size, "%s, %s, %s mode%s",
           e & FS_PF_P ? "protection violation" : "page not present",
           e & FS_PF_I   ? "instruction fetch"
           : e & FS_PF_W ? "write"
                         : "read",
           e & FS_PF_U ? "user" : "supervisor", e & FS_PF_RSVD ? ", reserved bit set" : "");
}

static const char *vector_name(uint32_t v) {
  static const char *const names[] = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
                                      "#DF", "-",   "#TS", "#NP", "#SS", "#GP", "#PF", "-",
                                      "#MF", "#AC", "#MC", "#XM", "#VE", "#CP"};
  return v < sizeof names / sizeof names[0] ? names[v] : "int";
}

static void disassemble(struct machine *m, uint64_t rip, struct text *t) {
  uint8_t bytes[16];
  /* Take as many bytes as are mapped: the instruction may end a page early. */
  size_t n = machine_read_guest_virt(m, rip, bytes, sizeof bytes);
  if (n == 0) {
    put(t, "instruction: <RIP %#" PRIx64 " not mapped>\n", rip);
    return;
  }
  cs_insn *insn = NULL;
  size_t count = m->capstone_open ? cs_disasm(m->capstone, bytes, n, rip, 1, &insn) : 0;
  if (count == 1) {
    put(t, "instruction: %#" PRIx64 ": %s %s  [", rip, insn->mnemonic, insn->op_str);
    for (size_t i = 0; i < insn->size; i++)
      put(t, i ? " %02x" : "%02x", insn->bytes[i]);
    put(t, "]\n");
  } else {
    put(t, "instruction: %#" PRIx64 ": <undecodable> [", rip);
    for (size_t i = 0; i < n && i < 8; i++)
      put(t, i ? " %02x" : "%02x", bytes[i]);
    put(t, "]\n");
  }
  if (insn)
    cs_free(insn, count);
}

void diagnosis_format(struct machine *m, const struct diagnosis_event *ev, const char *headline,
                      char *out, size_t out_size) {
  struct text t = {out, out_size, 0};
  out[0] = '\0';
  put(&t, "%s\n", headline);
  uint64_t cr2 = reg_read(m, UC_X86_REG_CR2);
  if (ev->have_vector) {
    put(&t, "vector: %u (%s)", ev->vector, vector_name(ev->vector));
    if (ev->have_error_code) {
      if (ev->vector == 14) {
        char decoded[96];
        diagnosis_pf_error(ev->error_code, decoded, sizeof decoded);
        put(&t, "  error code: %#x (%s)", ev->error_code, decoded);
      } else {
        put(&t, "  error code: %#x", ev->error_code);
      }
    }
    put(&t, "\n");
  }
  int cpl = -1;
  if (m->cpu.blob && cpu_context_save(&m->cpu) == UC_ERR_OK)
    cpl = cpu_get_cpl(&m->cpu);
  put(&t, "RIP=%016" PRIx64 " RFLAGS=%016" PRIx64 " CPL=%d CR2=%016" PRIx64 "\n", ev->rip,
      reg_read(m, UC_X86_REG_RFLAGS), cpl, cr2);
  static const struct {
    const char *name;
    int reg;
  } gprs[] = {{"RAX", UC_X86_REG_RAX}, {"RBX", UC_X86_REG_RBX}, {"RCX", UC_X86_REG_RCX},
              {"RDX", UC_X86_REG_RDX}, {"RSI", UC_X86_REG_RSI}, {"RDI", UC_X86_REG_RDI},
              {"RBP", UC_X86_REG_RBP}, {"RSP", UC_X86_REG_RSP}, {"R8 ", UC_X86_REG_R8},
              {"R9 ", UC_X86_REG_R9},  {"R10", UC_X86_REG_R10}, {"R11", UC_X86_REG_R11},
              {"R12", UC_X86_REG_R12}, {"R13", UC_X86_REG_R13}, {"R14", UC_X86_REG_R14},
              {"R15", UC_X86_REG_R15}};
  for (size_t i = 0; i < sizeof gprs / sizeof gprs[0]; i++)
    put(&t, "%s=%016" PRIx64 "%s", gprs[i].name, reg_read(m, gprs[i].reg), i % 4 == 3 ? "\n" : " ");
  put(&t,
      "CS=%04" PRIx64 " SS=%04" PRIx64 " CR0=%08" PRIx64 " CR3=%016" PRIx64 " CR4=%08" PRIx64
      " EFER=%" PRIx64 "\n",
      reg_read(m, UC_X86_REG_CS), reg_read(m, UC_X86_REG_SS), reg_read(m, UC_X86_REG_CR0),
      reg_read(m, UC_X86_REG_CR3), reg_read(m, UC_X86_REG_CR4), msr_read(m->uc, MSR_EFER));
  disassemble(m, ev->rip, &t);
}
