/*
 * Exception and interrupt delivery through the guest IDT, the way Intel SDM
 * Vol. 3A chapter 6 describes it for IA-32e mode: Unicorn reports the vector
 * at UC_HOOK_INTR but never delivers it.  The pure parts (gate decoding, stack
 * choice and frame construction, double-fault classes) are exposed for tests.
 */
#ifndef FS_MACHINE_EXCEPTIONS_H
#define FS_MACHINE_EXCEPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include <unicorn/unicorn.h>

#define VEC_DE 0
#define VEC_BP 3
#define VEC_UD 6
#define VEC_DF 8
#define VEC_TS 10
#define VEC_NP 11
#define VEC_SS 12
#define VEC_GP 13
#define VEC_PF 14

#define GATE_TYPE_INTERRUPT 0xe
#define GATE_TYPE_TRAP      0xf

struct idt_gate {
  uint64_t offset;
  uint16_t selector;
  uint8_t ist; /* 0: no IST */
  uint8_t type;
  uint8_t dpl;
  bool present;
};

/* Decodes a 16-byte IA-32e gate.  Returns false if the type is neither a
 * 64-bit interrupt gate nor a trap gate (the fields are filled regardless). */
bool idt_gate_decode(const uint8_t raw[16], struct idt_gate *gate);

/* Exceptions that push an error code (never for int n). */
bool vector_has_error_code(uint32_t vector, bool is_software);

struct frame_request {
  int cpl;          /* CPL when the event happened */
  int new_cpl;      /* DPL of the handler's code segment */
  unsigned ist;     /* gate IST index, 0 for none */
  uint64_t tss_rsp; /* TSS.RSPn for new_cpl (used when the CPL changes) */
  uint64_t tss_ist; /* TSS.ISTn (used when ist != 0) */
  uint64_t rsp;     /* interrupted RSP */
  uint16_t ss, cs;  /* interrupted selectors */
  uint64_t rip;     /* RIP to return to */
  uint64_t rflags;
  bool has_error_code;
  uint32_t error_code;
};

struct frame {
  uint64_t rsp;      /* the handler's RSP: lowest address of the frame */
  unsigned count;    /* words, 5 or 6 */
  uint64_t words[6]; /* from the lowest address up: [error], RIP, CS, RFLAGS, RSP, SS */
};

void exception_frame_build(const struct frame_request *req, struct frame *out);

enum fault_class { CLASS_BENIGN, CLASS_CONTRIBUTORY, CLASS_PAGE_FAULT, CLASS_DOUBLE_FAULT };
enum fault_class exception_class(uint32_t vector, bool is_software);

enum second_fault_action { SECOND_SERIAL, SECOND_DOUBLE_FAULT, SECOND_TRIPLE_FAULT };
/* SDM Table 6-5: what a fault raised while delivering `first` turns into. */
enum second_fault_action exception_combine(enum fault_class first, enum fault_class second);

struct machine;
/* UC_HOOK_INTR and UC_HOOK_INSN_INVALID handlers (user data: the machine). */
void exceptions_on_intr(uc_engine *uc, uint32_t vector, void *opaque);
bool exceptions_on_invalid(uc_engine *uc, void *opaque);

/* Delivers `vector` with the context already saved in m->cpu, returning to
 * fault_rip; `rip_bias` is added to the handler address written into the
 * context (the syscall hook needs -2).  Restores the context. */
void exceptions_raise(struct machine *m, uint32_t vector, bool has_error_code, uint32_t error_code,
                      uint64_t fault_rip, int64_t rip_bias);

#endif
