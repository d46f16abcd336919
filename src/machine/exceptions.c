#include "exceptions.h"

#include <stdio.h>
#include <string.h>

#include "diagnosis.h"
#include "machine_internal.h"

#define TSS_RSP0_OFFSET 4
#define TSS_IST1_OFFSET 0x24
#define SELECTOR_TI     0x4u
#define DESC_CODE       (1u << 11)
#define DESC_L          (1u << 21)
#define DESC_B          (1u << 22)

bool idt_gate_decode(const uint8_t raw[16], struct idt_gate *gate) {
  uint64_t low, high;
  memcpy(&low, raw, 8);
  memcpy(&high, raw + 8, 8);
  gate->offset = (low & 0xffff) | ((low >> 32) & 0xffff0000ULL) | ((high & 0xffffffffULL) << 32);
  gate->selector = (uint16_t)(low >> 16);
  gate->ist = (uint8_t)((low >> 32) & 7);
  gate->type = (uint8_t)((low >> 40) & 0xf);
  gate->dpl = (uint8_t)((low >> 45) & 3);
  gate->present = (low >> 47) & 1;
  return gate->type == GATE_TYPE_INTERRUPT || gate->type == GATE_TYPE_TRAP;
}

bool vector_has_error_code(uint32_t vector, bool is_software) {
  if (is_software)
    return false;
  switch (vector) {
  case 8:
  case 10:
  case 11:
  case 12:
  case 13:
  case 14:
  case 17:
  case 21:
    return true;
  default:
    return false;
  }
}

void exception_frame_build(const struct frame_request *req, struct frame *out) {
  uint64_t rsp;
  if (req->ist)
    rsp = req->tss_ist;
  else if (req->new_cpl < req->cpl)
    rsp = req->tss_rsp;
  else
    rsp = req->rsp;
  rsp &= ~0xfULL; /* IA-32e mode aligns the new stack before pushing */
  uint64_t words[6];
  unsigned n = 0;
  if (req->has_error_code)
    words[n++] = req->error_code;
  words[n++] = req->rip;
  words[n++] = req->cs;
  words[n++] = req->rflags;
  words[n++] = req->rsp;
  words[n++] = req->ss;
  memcpy(out->words, words, n * 8);
  out->count = n;
  out->rsp = rsp - n * 8;
}

enum fault_class exception_class(uint32_t vector, bool is_software) {
  if (is_software)
    return CLASS_BENIGN;
  switch (vector) {
  case 0:
  case 10:
  case 11:
  case 12:
  case 13:
    return CLASS_CONTRIBUTORY;
  case 14:
    return CLASS_PAGE_FAULT;
  case 8:
    return CLASS_DOUBLE_FAULT;
  default:
    return CLASS_BENIGN;
  }
}

enum second_fault_action exception_combine(enum fault_class first, enum fault_class second) {
  bool second_serious = second == CLASS_CONTRIBUTORY || second == CLASS_PAGE_FAULT;
  if (first == CLASS_DOUBLE_FAULT && (second_serious || second == CLASS_DOUBLE_FAULT))
    return SECOND_TRIPLE_FAULT;
  if (first == CLASS_CONTRIBUTORY && second == CLASS_CONTRIBUTORY)
    return SECOND_DOUBLE_FAULT;
  if (first == CLASS_PAGE_FAULT && second_serious)
    return SECOND_DOUBLE_FAULT;
  return SECOND_SERIAL;
}

/* One event being delivered. */
struct event {
  uint32_t vector;
  bool is_software; /* int n / int3: DPL check, no error code, EXT = 0 */
  bool has_error_code;
  uint32_t error_code;
  uint64_t return_rip;
};

/* Why a delivery attempt failed. */
struct delivery_fault {
  bool memory; /* IDT, GDT, TSS or stack not reachable: becomes #DF directly */
  uint32_t vector;
  uint32_t error_code;
  const char *what;
};

/* State of the interrupted context, read once. */
struct interrupted {
  int cpl;
  uint64_t rsp, rflags, cr3;
  uint16_t cs, ss;
};

static bool fault_with(struct delivery_fault *f, uint32_t vector, uint32_t error_code,
                       const char *what) {
  f->memory = false;
  f->vector = vector;
  f->error_code = error_code;
  f->what = what;
  return false;
}

static bool memory_fault(struct delivery_fault *f, const char *what) {
  f->memory = true;
  f->vector = VEC_PF;
  f->error_code = 0;
  f->what = what;
  return false;
}

/* Tries to deliver ev; on success commits the new state into the saved
 * context and returns true.  Nothing is written on failure. */
static bool try_deliver(struct machine *m, const struct event *ev, const struct interrupted *in,
                        int64_t rip_bias, struct delivery_fault *fault) {
  uint32_t ext = ev->is_software ? 0 : 1;
  uint32_t idt_error = ev->vector * 8 + 2 + ext;
  uc_x86_mmr idtr = {0}, gdtr = {0}, tr = {0};
  uc_reg_read(m->uc, UC_X86_REG_IDTR, &idtr);
  uc_reg_read(m->uc, UC_X86_REG_GDTR, &gdtr);
  uc_reg_read(m->uc, UC_X86_REG_TR, &tr);

  if ((uint64_t)ev->vector * 16 + 15 > idtr.limit)
    return fault_with(fault, VEC_GP, idt_error, "vector beyond the IDT limit");
  uint8_t raw[16];
  if (guest_virt_read(&m->ram, in->cr3, idtr.base + ev->vector * 16ULL, raw, 16) != 0)
    return memory_fault(fault, "IDT entry not mapped");
  struct idt_gate gate;
  if (!idt_gate_decode(raw, &gate))
    return fault_with(fault, VEC_GP, idt_error, "IDT entry is not an interrupt or trap gate");
  if (ev->is_software && gate.dpl < in->cpl)
    return fault_with(fault, VEC_GP, idt_error, "software interrupt through a gate with DPL < CPL");
  if (!gate.present)
    return fault_with(fault, VEC_NP, idt_error, "IDT gate not present");

  uint16_t sel = gate.selector;
  uint32_t sel_error = (sel & ~3u) + ext;
  if ((sel & ~3u) == 0 || (sel & SELECTOR_TI) || (uint64_t)(sel & ~7u) + 7 > gdtr.limit)
    return fault_with(fault, VEC_GP, sel_error, "gate selector outside the GDT");
  uint64_t descriptor;
  if (guest_virt_read(&m->ram, in->cr3, gdtr.base + (sel & ~7u), &descriptor, 8) != 0)
    return memory_fault(fault, "GDT not mapped");
  struct seg_cache cs_cache;
  if (!seg_cache_from_descriptor(descriptor, sel & ~3u, &cs_cache))
    return fault_with(fault, VEC_NP, sel_error, "gate code segment not present");
  int new_cpl = (int)((cs_cache.flags >> 13) & 3);
  if (!(cs_cache.flags & DESC_CODE) || !(cs_cache.flags & DESC_L) || (cs_cache.flags & DESC_B) ||
      new_cpl > in->cpl)
    return fault_with(fault, VEC_GP, sel_error, "gate selector is not a 64-bit code segment");
  cs_cache.selector = sel & ~3u;
  cs_cache.selector |= (uint32_t)new_cpl;

  struct frame_request req = {
      .cpl = in->cpl,
      .new_cpl = new_cpl,
      .ist = gate.ist,
      .rsp = in->rsp,
      .ss = in->ss,
      .cs = in->cs,
      .rip = ev->return_rip,
      .rflags = in->rflags,
      .has_error_code = ev->has_error_code,
      .error_code = ev->error_code,
  };
  uint64_t tss_offset = 0;
  if (gate.ist)
    tss_offset = TSS_IST1_OFFSET + (gate.ist - 1) * 8ULL;
  else if (new_cpl < in->cpl)
    tss_offset = TSS_RSP0_OFFSET + (uint64_t)new_cpl * 8;
  if (tss_offset) {
    uint64_t stack;
    if (tss_offset + 7 > tr.limit)
      return fault_with(fault, VEC_TS, (tr.selector & ~3u) + ext, "TSS too small for the stack");
    if (guest_virt_read(&m->ram, in->cr3, tr.base + tss_offset, &stack, 8) != 0)
      return memory_fault(fault, "TSS not mapped");
    req.tss_rsp = stack;
    req.tss_ist = stack;
  }
  struct frame frame;
  exception_frame_build(&req, &frame);
  if (!vaddr_is_canonical(frame.rsp) || !vaddr_is_canonical(frame.rsp + frame.count * 8 - 1))
    return fault_with(fault, VEC_SS, ext, "handler stack not canonical");
  if (guest_virt_write(&m->ram, in->cr3, frame.rsp, frame.words, frame.count * 8, true) != 0)
    return memory_fault(fault, "handler stack not mapped writable");

  /* Commit: ring, segment caches, stack, target. */
  struct cpu_context *c = &m->cpu;
  cpu_reset_old_exception(c);
  if (new_cpl != in->cpl) {
    /* IA-32e: SS becomes the NULL selector with RPL = new CPL (as QEMU does). */
    struct seg_cache ss_cache = {
        .selector = (uint32_t)new_cpl, .base = 0, .limit = 0, .flags = (uint32_t)new_cpl << 13};
    cpu_set_seg(c, SEG_SS, &ss_cache);
    cpu_set_cpl(c, new_cpl);
  }
  cpu_set_seg(c, SEG_CS, &cs_cache);
  cpu_set_gpr(c, GPR_RSP, frame.rsp);
  cpu_set_rip(c, gate.offset + (uint64_t)rip_bias);
  cpu_context_restore(c);
  uint64_t rflags = in->rflags & ~(RFLAGS_TF | RFLAGS_NT | RFLAGS_RF);
  if (gate.type == GATE_TYPE_INTERRUPT)
    rflags &= ~RFLAGS_IF;
  reg_write(m, UC_X86_REG_RFLAGS, rflags);
  return true;
}

static void stop_with_event(struct machine *m, enum machine_stop kind, const char *headline,
                            const struct event *ev, uint64_t rip) {
  struct diagnosis_event d = {.have_vector = true,
                              .vector = ev->vector,
                              .have_error_code = ev->has_error_code,
                              .error_code = ev->error_code,
                              .rip = rip};
  machine_stop_diagnosed(m, kind, headline, &d);
}

static void deliver(struct machine *m, struct event ev, uint64_t fault_rip, int64_t rip_bias) {
  struct interrupted in = {
      .cpl = cpu_get_cpl(&m->cpu),
      .rsp = cpu_get_gpr(&m->cpu, GPR_RSP),
      .rflags = reg_read(m, UC_X86_REG_RFLAGS),
      .cr3 = reg_read(m, UC_X86_REG_CR3),
      .cs = (uint16_t)reg_read(m, UC_X86_REG_CS),
      .ss = (uint16_t)reg_read(m, UC_X86_REG_SS),
  };
  const struct event original = ev;
  /* Bounded: each escalation moves towards #DF and then the triple fault. */
  for (int attempt = 0; attempt < 8; attempt++) {
    struct delivery_fault fault;
    if (try_deliver(m, &ev, &in, rip_bias, &fault))
      return;
    if (ev.is_software && ev.return_rip != fault_rip) {
      /* int n did not complete after all: it is the faulting instruction. */
      icount_retract(&m->icount, 1);
    }
    enum fault_class first = exception_class(ev.vector, ev.is_software);
    enum second_fault_action action;
    if (fault.memory) {
      /* A #PF here would need CR2 set to the unreachable address, which the
       * host cannot write; the brief (and the SDM for PF/contributory first
       * events) makes it a double fault. */
      action = first == CLASS_DOUBLE_FAULT ? SECOND_TRIPLE_FAULT : SECOND_DOUBLE_FAULT;
    } else {
      action = exception_combine(first, exception_class(fault.vector, false));
    }
    if (action == SECOND_TRIPLE_FAULT) {
      char headline[256];
      snprintf(headline, sizeof headline,
               "triple fault: %s while delivering #DF; the first event was vector %u "
               "(error code %#x) at the RIP below",
               fault.what, original.vector, original.error_code);
      stop_with_event(m, STOP_TRIPLE, headline, &ev, fault_rip);
      return;
    }
    if (action == SECOND_DOUBLE_FAULT) {
      ev = (struct event){
          .vector = VEC_DF, .has_error_code = true, .error_code = 0, .return_rip = fault_rip};
    } else {
      ev = (struct event){.vector = fault.vector,
                          .has_error_code = true,
                          .error_code = fault.error_code,
                          .return_rip = fault_rip};
    }
  }
  stop_with_event(m, STOP_ERROR, "exception delivery did not converge", &ev, fault_rip);
}

void exceptions_raise(struct machine *m, uint32_t vector, bool has_error_code, uint32_t error_code,
                      uint64_t fault_rip, int64_t rip_bias) {
  struct event ev = {.vector = vector,
                     .has_error_code = has_error_code,
                     .error_code = error_code,
                     .return_rip = fault_rip};
  deliver(m, ev, fault_rip, rip_bias);
}

/* Length of the int n / int3 that Unicorn reports with RIP after it. */
static uint64_t software_int_length(struct machine *m, uint64_t cr3, uint64_t rip,
                                    uint32_t vector) {
  uint8_t b[2] = {0, 0};
  if (guest_virt_read(&m->ram, cr3, rip - 2, b, 2) != 0)
    guest_virt_read(&m->ram, cr3, rip - 1, b + 1, 1);
  if (b[0] == 0xcd && b[1] == vector)
    return 2;
  return 1; /* int3 (0xcc), int1 (0xf1) */
}

static uint64_t hash_registers(const struct cpu_context *c) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (int i = 0; i < 16; i++)
    h = (h ^ cpu_get_gpr(c, i)) * 0x100000001b3ULL;
  return h;
}

/* True when the machine should give up on an endless identical fault. */
static bool livelocked(struct machine *m, uint32_t vector, uint64_t rip) {
  uint64_t cr2 = reg_read(m, UC_X86_REG_CR2), regs = hash_registers(&m->cpu);
  if (m->run.last_delivery.vector == vector && m->run.last_delivery.rip == rip &&
      m->run.last_delivery.cr2 == cr2 && m->run.last_delivery.regs_hash == regs) {
    return ++m->run.last_delivery.repeats >= LIVELOCK_LIMIT;
  }
  m->run.last_delivery.vector = vector;
  m->run.last_delivery.rip = rip;
  m->run.last_delivery.cr2 = cr2;
  m->run.last_delivery.regs_hash = regs;
  m->run.last_delivery.repeats = 0;
  return false;
}

void exceptions_on_intr(uc_engine *uc, uint32_t vector, void *opaque) {
  struct machine *m = opaque;
  (void)uc;
  if (m->run.stop != STOP_NONE)
    return; /* already stopping: do not run a handler past the stop */
  if (cpu_context_save(&m->cpu) != UC_ERR_OK) {
    machine_stop_with(m, STOP_ERROR, "uc_context_save failed during exception delivery");
    return;
  }
  uint64_t rip = cpu_get_rip(&m->cpu);
  bool is_software = cpu_get_is_int(&m->cpu);
  icount_exception_at(&m->icount, rip);
  if (vector > 255) {
    stop_with_event(m, STOP_ERROR, "Unicorn reported an event outside the IDT range",
                    &(struct event){.vector = vector}, rip);
    return;
  }
  struct event ev = {.vector = vector, .is_software = is_software, .return_rip = rip};
  uint64_t fault_rip = rip;
  if (is_software) {
    fault_rip = rip - software_int_length(m, reg_read(m, UC_X86_REG_CR3), rip, vector);
  } else {
    ev.has_error_code = vector_has_error_code(vector, false);
    ev.error_code = ev.has_error_code ? cpu_get_error_code(&m->cpu) : 0;
    if (livelocked(m, vector, rip)) {
      char headline[80];
      snprintf(headline, sizeof headline, "livelock: the same exception repeated %u times",
               LIVELOCK_LIMIT);
      stop_with_event(m, STOP_ERROR, headline, &ev, rip);
      return;
    }
  }
  deliver(m, ev, fault_rip, 0);
}

bool exceptions_on_invalid(uc_engine *uc, void *opaque) {
  (void)uc;
  (void)opaque;
  return true; /* let Unicorn raise vector 6 at UC_HOOK_INTR */
}
