/*
 * The machine's debug interface (machine_debug.h).  Everything here is off
 * the normal path: machine.c calls in only when m->debug is set.
 *
 * Unicorn facts this relies on (2.1.1, checked): uc_emu_stop from a
 * UC_HOOK_CODE callback leaves that instruction unexecuted; from a
 * UC_HOOK_BLOCK callback the block is unexecuted; from UC_HOOK_INTR (after
 * our delivery) the CPU stops at the handler's first instruction.  Memory
 * hooks report physical addresses, so watchpoints are compared after
 * translating the watched virtual address with the CR3 of the moment.
 */
#include "machine_debug.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <faultsim/abi.h>

#include "diagnosis.h"
#include "exceptions.h"
#include "io_guard.h"
#include "machine_internal.h"

#define MAX_BREAKPOINTS   64
#define MAX_WATCHPOINTS   8
#define POLL_EVERY_BLOCKS 4096u
#define TRACE_RING        256u
#define NO_ADDRESS        UINT64_MAX

struct breakpoint {
  uint64_t address;
  uc_hook hook;
  bool used;
};

struct watchpoint {
  enum mdbg_watch_kind kind;
  uint64_t address, length;
  bool used;
};

/* The fault most recently delivered, for `monitor fault`. */
struct fault_info {
  uint64_t index, cr2, rip;
  uint32_t error_code;
  int cpl;
  bool decided;
  struct fs_trace_fault record;
};

struct machine_debug_state {
  struct machine_debugger dbg;
  struct breakpoint bps[MAX_BREAKPOINTS];
  struct watchpoint wps[MAX_WATCHPOINTS];
  int watch_count;
  uc_hook watch_hooks[2]; /* memory hook, code hook (present while watching) */
  bool watch_hooks_on;
  uc_hook poll_hook;

  uint64_t skip_break_at; /* resuming from a breakpoint: run it once */
  bool stepping;
  bool detached; /* no more debug stops after a detach */

  bool pending;
  struct mdbg_stop stop;

  uint64_t faults; /* #PF deliveries so far */
  struct fault_info fault;
  uint64_t blocks;

  /* Trace records (when the kernel sends them): decisions, regions. */
  machine_trace_fn next_trace;
  void *next_trace_opaque;
  uint64_t fault_records;
  struct fs_trace_record ring[TRACE_RING];
  uint64_t ring_count;
  struct fs_trace_region regions[64];
  uint32_t region_count;
  uint64_t decisions[FS_DECISION_COUNT];
};

static void request_stop(struct machine *m, enum mdbg_reason reason) {
  struct machine_debug_state *d = m->debug;
  if (d->pending)
    return;
  d->pending = true;
  d->stop.reason = reason;
  uc_emu_stop(m->uc);
}

/* ---- hooks -------------------------------------------------------------- */

static void on_break(uc_engine *uc, uint64_t address, uint32_t size, void *opaque) {
  struct machine *m = opaque;
  struct machine_debug_state *d = m->debug;
  (void)uc;
  (void)size;
  if (d->stepping || d->detached)
    return;
  if (address == d->skip_break_at) {
    d->skip_break_at = NO_ADDRESS;
    return;
  }
  request_stop(m, MDBG_BREAKPOINT);
}

static void on_poll_block(uc_engine *uc, uint64_t address, uint32_t size, void *opaque) {
  struct machine *m = opaque;
  struct machine_debug_state *d = m->debug;
  (void)uc;
  (void)address;
  (void)size;
  /* Stops here leave the block unexecuted; the loop takes its count back. */
  if (++d->blocks % POLL_EVERY_BLOCKS == 0 && d->dbg.poll_interrupt &&
      d->dbg.poll_interrupt(d->dbg.opaque))
    request_stop(m, MDBG_INTERRUPT);
}

static bool watch_matches(const struct watchpoint *w, uc_mem_type type) {
  bool write = type == UC_MEM_WRITE;
  return w->kind == MDBG_WATCH_ACCESS || (w->kind == MDBG_WATCH_WRITE) == write;
}

static void on_watch_mem(uc_engine *uc, uc_mem_type type, uint64_t address, int size, int64_t value,
                         void *opaque) {
  struct machine *m = opaque;
  struct machine_debug_state *d = m->debug;
  (void)uc;
  (void)value;
  if (d->pending || d->detached)
    return;
  uint64_t cr3 = reg_read(m, UC_X86_REG_CR3);
  for (int i = 0; i < MAX_WATCHPOINTS; i++) {
    const struct watchpoint *w = &d->wps[i];
    if (!w->used || !watch_matches(w, type))
      continue;
    struct walk_result walk;
    page_walk(&m->ram, cr3, w->address, &walk);
    if (walk.status != WALK_OK)
      continue;
    if (address < walk.phys + w->length && walk.phys < address + (uint64_t)size) {
      /* Report once the instruction has completed: the code hook stops
       * before the next one. */
      d->pending = true;
      d->stop.reason = MDBG_WATCH;
      d->stop.address = w->address;
      d->stop.watch_kind = w->kind;
      return;
    }
  }
}

static void on_watch_code(uc_engine *uc, uint64_t address, uint32_t size, void *opaque) {
  struct machine *m = opaque;
  (void)address;
  (void)size;
  if (m->debug->pending && m->debug->stop.reason == MDBG_WATCH)
    uc_emu_stop(uc);
}

void machine_debug_after_intr(struct machine *m, uint32_t vector) {
  struct machine_debug_state *d = m->debug;
  if (vector != VEC_PF || m->run.stop != STOP_NONE || cpu_get_is_int(&m->cpu))
    return;
  d->faults++;
  /* The frame is on the new stack: error code, then RIP and CS. */
  uint64_t rsp = reg_read(m, UC_X86_REG_RSP), cr3 = reg_read(m, UC_X86_REG_CR3);
  uint64_t frame[3] = {0, 0, 0};
  guest_virt_read(&m->ram, cr3, rsp, frame, sizeof frame);
  d->fault = (struct fault_info){.index = d->faults,
                                 .cr2 = reg_read(m, UC_X86_REG_CR2),
                                 .rip = frame[1],
                                 .error_code = (uint32_t)frame[0],
                                 .cpl = (int)(frame[2] & 3)};
  if (!d->detached && d->dbg.break_on_fault == d->faults) {
    request_stop(m, MDBG_FAULT);
    d->stop.address = d->fault.cr2;
    d->stop.fault_index = d->faults;
  }
}

static void on_trace(void *opaque, const void *record, size_t size) {
  struct machine *m = opaque;
  struct machine_debug_state *d = m->debug;
  const struct fs_trace_record *r = record;
  if (r->size == sizeof *r) {
    d->ring[d->ring_count++ % TRACE_RING] = *r;
    if (r->kind == FS_TRACE_FAULT) {
      d->fault_records++;
      if (r->u.fault.decision < FS_DECISION_COUNT)
        d->decisions[r->u.fault.decision]++;
      if (d->fault_records == d->fault.index) {
        d->fault.decided = true;
        d->fault.record = r->u.fault;
      }
    } else if (r->kind == FS_TRACE_EXEC) {
      d->region_count = 0;
    } else if (r->kind == FS_TRACE_REGION && d->region_count < 64) {
      d->regions[d->region_count++] = r->u.region;
    }
  }
  if (d->next_trace)
    d->next_trace(d->next_trace_opaque, record, size);
}

/* ---- attach, points ----------------------------------------------------- */

int machine_debug_attach(struct machine *m, const struct machine_debugger *debugger) {
  if (m->debug || !debugger || !debugger->stopped)
    return -1;
  struct machine_debug_state *d = calloc(1, sizeof *d);
  if (!d)
    return -1;
  d->dbg = *debugger;
  d->skip_break_at = NO_ADDRESS;
  if (uc_hook_add(m->uc, &d->poll_hook, UC_HOOK_BLOCK, (void *)on_poll_block, m, 1, 0) !=
      UC_ERR_OK) {
    free(d);
    return -1;
  }
  d->next_trace = m->cfg.on_trace;
  d->next_trace_opaque = m->cfg.trace_opaque;
  m->cfg.on_trace = on_trace;
  m->cfg.trace_opaque = m;
  m->debug = d;
  return 0;
}

void machine_debug_free(struct machine *m) {
  free(m->debug);
  m->debug = NULL;
}

/* Translations made before a hook existed do not call it. */
static void forget_code(struct machine *m, uint64_t address) {
  uc_ctl_remove_cache(m->uc, address, address + 1);
}

int machine_debug_break_insert(struct machine *m, uint64_t address) {
  struct machine_debug_state *d = m->debug;
  struct breakpoint *free_slot = NULL;
  for (int i = 0; i < MAX_BREAKPOINTS; i++) {
    if (d->bps[i].used && d->bps[i].address == address)
      return 0;
    if (!d->bps[i].used && !free_slot)
      free_slot = &d->bps[i];
  }
  if (!free_slot || uc_hook_add(m->uc, &free_slot->hook, UC_HOOK_CODE, (void *)on_break, m, address,
                                address) != UC_ERR_OK)
    return -1;
  free_slot->used = true;
  free_slot->address = address;
  forget_code(m, address);
  return 0;
}

int machine_debug_break_remove(struct machine *m, uint64_t address) {
  struct machine_debug_state *d = m->debug;
  for (int i = 0; i < MAX_BREAKPOINTS; i++) {
    if (d->bps[i].used && d->bps[i].address == address) {
      uc_hook_del(m->uc, d->bps[i].hook);
      d->bps[i].used = false;
      forget_code(m, address);
      return 0;
    }
  }
  return -1;
}

static void watch_hooks_update(struct machine *m) {
  struct machine_debug_state *d = m->debug;
  bool want = d->watch_count > 0;
  if (want == d->watch_hooks_on)
    return;
  if (want) {
    uc_hook_add(m->uc, &d->watch_hooks[0], UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE,
                (void *)on_watch_mem, m, 1, 0);
    uc_hook_add(m->uc, &d->watch_hooks[1], UC_HOOK_CODE, (void *)on_watch_code, m, 1, 0);
  } else {
    uc_hook_del(m->uc, d->watch_hooks[0]);
    uc_hook_del(m->uc, d->watch_hooks[1]);
  }
  d->watch_hooks_on = want;
  /* Code translated without (or with) the hooks must be translated again. */
  uc_ctl_flush_tb(m->uc);
}

int machine_debug_watch_insert(struct machine *m, enum mdbg_watch_kind kind, uint64_t address,
                               uint64_t length) {
  struct machine_debug_state *d = m->debug;
  if (length == 0 || length > 4096 - (address & 0xfff))
    return -1;
  for (int i = 0; i < MAX_WATCHPOINTS; i++) {
    if (!d->wps[i].used) {
      d->wps[i] =
          (struct watchpoint){.kind = kind, .address = address, .length = length, .used = true};
      d->watch_count++;
      watch_hooks_update(m);
      return 0;
    }
  }
  return -1;
}

int machine_debug_watch_remove(struct machine *m, enum mdbg_watch_kind kind, uint64_t address,
                               uint64_t length) {
  struct machine_debug_state *d = m->debug;
  for (int i = 0; i < MAX_WATCHPOINTS; i++) {
    struct watchpoint *w = &d->wps[i];
    if (w->used && w->kind == kind && w->address == address && w->length == length) {
      w->used = false;
      d->watch_count--;
      watch_hooks_update(m);
      return 0;
    }
  }
  return -1;
}

void machine_debug_clear_points(struct machine *m) {
  struct machine_debug_state *d = m->debug;
  for (int i = 0; i < MAX_BREAKPOINTS; i++)
    if (d->bps[i].used)
      machine_debug_break_remove(m, d->bps[i].address);
  for (int i = 0; i < MAX_WATCHPOINTS; i++)
    d->wps[i].used = false;
  d->watch_count = 0;
  watch_hooks_update(m);
}

/* ---- the run loop ------------------------------------------------------- */

static bool has_break_at(const struct machine_debug_state *d, uint64_t address) {
  for (int i = 0; i < MAX_BREAKPOINTS; i++)
    if (d->bps[i].used && d->bps[i].address == address)
      return true;
  return false;
}

static enum mdbg_action report(struct machine *m, const struct mdbg_stop *stop) {
  struct machine_debug_state *d = m->debug;
  if (d->detached && stop->reason != MDBG_EXITED)
    return MDBG_CONTINUE;
  enum mdbg_action a = d->dbg.stopped(d->dbg.opaque, m, stop);
  if (a == MDBG_DETACH) {
    machine_debug_clear_points(m);
    d->detached = true;
    a = MDBG_CONTINUE;
  }
  return a;
}

/* After a stop from a hook: instructions the icount block hook counted but
 * that did not run are taken back. */
static void settle_count(struct machine *m) {
  icount_exception_at(&m->icount, reg_read(m, UC_X86_REG_RIP));
}

bool machine_debug_stop_pending(const struct machine *m) {
  return m->debug->pending;
}

static uc_err run_once(struct machine *m, bool step) {
  struct machine_debug_state *d = m->debug;
  uint64_t rip = reg_read(m, UC_X86_REG_RIP);
  uc_err e;
  d->pending = false;
  memset(&d->stop, 0, sizeof d->stop);
  if (step) {
    /* Blocks translated earlier ignore the count: drop them first. */
    forget_code(m, rip);
    d->stepping = true;
    icount_forget_translations(&m->icount);
    e = uc_emu_start(m->uc, rip, 0, 0, 1);
    d->stepping = false;
    if (e == UC_ERR_OK && m->run.stop == STOP_NONE && m->icount.stopped_at_io) {
      io_guard_resolve(m); /* the step is that one instruction */
      return e;
    }
  } else {
    d->skip_break_at = has_break_at(d, rip) ? rip : NO_ADDRESS;
    e = machine_run_cpu(m);
    d->skip_break_at = NO_ADDRESS;
  }
  if (e == UC_ERR_OK && m->run.stop == STOP_NONE)
    settle_count(m);
  return e;
}

uc_err machine_debug_loop(struct machine *m) {
  struct machine_debug_state *d = m->debug;
  struct mdbg_stop start = {.reason = MDBG_START};
  enum mdbg_action action = report(m, &start);
  uc_err e = UC_ERR_OK;
  while (m->run.stop == STOP_NONE) {
    if (action == MDBG_KILL) {
      machine_stop_with(m, STOP_ERROR, "killed by the debugger");
      break;
    }
    bool step = action == MDBG_STEP_ONE && !d->detached;
    e = run_once(m, step);
    if (e != UC_ERR_OK || m->run.stop != STOP_NONE)
      break;
    struct mdbg_stop stop = d->stop;
    if (!d->pending) {
      if (!step)
        break; /* stopped for no reason we know: machine.c diagnoses it */
      stop.reason = MDBG_STEP;
    }
    d->pending = false;
    action = report(m, &stop);
  }
  if (m->run.stop != STOP_NONE) {
    struct mdbg_stop end = {.reason = MDBG_EXITED, .end = MDBG_END_OTHER};
    if (m->run.stop == STOP_EXIT) {
      uint32_t kind = FS_EXIT_KIND(m->run.exit_value);
      end.code = (int)FS_EXIT_CODE(m->run.exit_value);
      end.end = kind == FS_EXIT_NORMAL     ? MDBG_END_EXITED
                : kind == FS_EXIT_SIGNALED ? MDBG_END_SIGNALED
                                           : MDBG_END_OTHER;
    }
    report(m, &end);
  }
  return e;
}

/* ---- registers and memory ----------------------------------------------- */

static const int gpr_ids[16] = {
    UC_X86_REG_RAX, UC_X86_REG_RBX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RSI, UC_X86_REG_RDI,
    UC_X86_REG_RBP, UC_X86_REG_RSP, UC_X86_REG_R8,  UC_X86_REG_R9,  UC_X86_REG_R10, UC_X86_REG_R11,
    UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
};
static const int seg_ids[6] = {UC_X86_REG_CS, UC_X86_REG_SS, UC_X86_REG_DS,
                               UC_X86_REG_ES, UC_X86_REG_FS, UC_X86_REG_GS};

size_t machine_debug_reg_size(int reg) {
  if (reg < 0 || reg >= MDBG_REG_COUNT)
    return 0;
  if (reg <= MDBG_RIP)
    return 8;
  if (reg >= MDBG_ST0 && reg < MDBG_FCTRL)
    return 10;
  if (reg >= MDBG_XMM0 && reg < MDBG_MXCSR)
    return 16;
  if (reg >= MDBG_FS_BASE)
    return 8;
  return 4;
}

int machine_debug_reg_read(struct machine *m, int reg, uint8_t *buf) {
  size_t size = machine_debug_reg_size(reg);
  if (size == 0)
    return -1;
  uint64_t v = 0;
  memset(buf, 0, 16);
  if (reg < 16)
    v = reg_read(m, gpr_ids[reg]);
  else if (reg == MDBG_RIP)
    v = reg_read(m, UC_X86_REG_RIP);
  else if (reg == MDBG_EFLAGS)
    v = reg_read(m, UC_X86_REG_EFLAGS);
  else if (reg >= MDBG_CS && reg <= MDBG_GS)
    v = reg_read(m, seg_ids[reg - MDBG_CS]);
  else if (reg >= MDBG_ST0 && reg < MDBG_FCTRL) {
    uint8_t st[16] = {0};
    uc_reg_read(m->uc, UC_X86_REG_ST0 + (reg - MDBG_ST0), st);
    memcpy(buf, st, 10);
    return 10;
  } else if (reg == MDBG_FCTRL)
    v = reg_read(m, UC_X86_REG_FPCW);
  else if (reg == MDBG_FSTAT)
    v = reg_read(m, UC_X86_REG_FPSW);
  else if (reg == MDBG_FTAG)
    v = reg_read(m, UC_X86_REG_FPTAG);
  else if (reg >= MDBG_XMM0 && reg < MDBG_MXCSR) {
    uc_reg_read(m->uc, UC_X86_REG_XMM0 + (reg - MDBG_XMM0), buf);
    return 16;
  } else if (reg == MDBG_MXCSR)
    v = reg_read(m, UC_X86_REG_MXCSR);
  else if (reg == MDBG_FS_BASE)
    v = reg_read(m, UC_X86_REG_FS_BASE);
  else if (reg == MDBG_GS_BASE)
    v = reg_read(m, UC_X86_REG_GS_BASE);
  else if (reg == MDBG_CR0)
    v = reg_read(m, UC_X86_REG_CR0);
  else if (reg == MDBG_CR2)
    v = reg_read(m, UC_X86_REG_CR2);
  else if (reg == MDBG_CR3)
    v = reg_read(m, UC_X86_REG_CR3);
  else if (reg == MDBG_CR4)
    v = reg_read(m, UC_X86_REG_CR4);
  else if (reg == MDBG_EFER)
    v = msr_read(m->uc, MSR_EFER);
  if (size == 4)
    v &= 0xffffffffu;
  memcpy(buf, &v, size);
  return (int)size;
}

int machine_debug_reg_write(struct machine *m, int reg, const uint8_t *buf) {
  uint64_t v = 0;
  size_t size = machine_debug_reg_size(reg);
  if (size == 0 || size > 8)
    return -1;
  memcpy(&v, buf, size);
  if (reg < 16)
    reg_write(m, gpr_ids[reg], v);
  else if (reg == MDBG_RIP)
    reg_write(m, UC_X86_REG_RIP, v);
  else if (reg == MDBG_EFLAGS)
    reg_write(m, UC_X86_REG_EFLAGS, v);
  else if (reg == MDBG_FS_BASE)
    reg_write(m, UC_X86_REG_FS_BASE, v);
  else if (reg == MDBG_GS_BASE)
    reg_write(m, UC_X86_REG_GS_BASE, v);
  else {
    /* Selectors need descriptor caches, CR2 writes clobber CR3 in Unicorn
     * 2.1.1, the rest changes the machine under the kernel: refuse, unless
     * the value is unchanged (gdb writes back whole register sets). */
    uint8_t now[16];
    if (machine_debug_reg_read(m, reg, now) < 0 || memcmp(now, buf, size) != 0)
      return -1;
  }
  return 0;
}

int machine_debug_mem_read(struct machine *m, uint64_t address, void *buf, size_t length) {
  return guest_virt_read(&m->ram, reg_read(m, UC_X86_REG_CR3), address, buf, length);
}

int machine_debug_mem_write(struct machine *m, uint64_t address, const void *buf, size_t length) {
  if (guest_virt_write(&m->ram, reg_read(m, UC_X86_REG_CR3), address, buf, length, false) != 0)
    return -1;
  /* Host writes do not invalidate translated code. */
  for (uint64_t page = address & ~0xfffULL; page < address + length; page += 4096)
    uc_ctl_remove_cache(m->uc, page, page + 4096);
  return 0;
}

/* ---- monitor ------------------------------------------------------------ */

struct out {
  char *p;
  size_t left;
};

static void say(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct out *o, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(o->p, o->left, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  size_t used = (size_t)n < o->left ? (size_t)n : (o->left ? o->left - 1 : 0);
  o->p += used;
  o->left -= used;
}

static const char *const decision_names[] = FS_DECISION_NAMES;
static const char *const region_names[] = FS_REGION_TYPE_NAMES;

static void say_region(struct out *o, const struct fs_trace_region *r) {
  say(o, "%#018llx-%#018llx %c%c%c %-9s", (unsigned long long)r->start, (unsigned long long)r->end,
      r->prot & FS_PROT_READ ? 'r' : '-', r->prot & FS_PROT_WRITE ? 'w' : '-',
      r->prot & FS_PROT_EXEC ? 'x' : '-',
      r->type < FS_REGION_TYPE_COUNT ? region_names[r->type] : "?");
  if (r->file_id)
    say(o, " file inode %u offset %#llx", r->file_id, (unsigned long long)r->file_offset);
  say(o, "\n");
}

static void monitor_fault(struct machine *m, struct out *o) {
  const struct fault_info *f = &m->debug->fault;
  if (f->index == 0) {
    say(o, "no page fault yet\n");
    return;
  }
  char decoded[96];
  diagnosis_pf_error(f->error_code, decoded, sizeof decoded);
  say(o, "fault #%llu: address %#llx, rip %#llx (ring %d)\n", (unsigned long long)f->index,
      (unsigned long long)f->cr2, (unsigned long long)f->rip, f->cpl);
  say(o, "error code %#x: %s\n", f->error_code, decoded);
  if (!f->decided) {
    say(o, "decision: not made yet (the handler reports it when it decides%s)\n",
        m->debug->fault_records ? "" : "; this kernel sends no trace records");
    return;
  }
  say(o, "region: ");
  if (f->record.region.type == FS_REGION_NONE)
    say(o, "none\n");
  else
    say_region(o, &f->record.region);
  say(o, "decision: %s\n",
      f->record.decision < FS_DECISION_COUNT ? decision_names[f->record.decision] : "?");
}

static void monitor_pt(struct machine *m, struct out *o, uint64_t vaddr) {
  uint64_t cr3 = reg_read(m, UC_X86_REG_CR3);
  static const char *const names[] = {"", "PTE", "PDE", "PDPTE", "PML4E"};
  say(o, "page walk for %#llx, CR3 %#llx\n", (unsigned long long)vaddr, (unsigned long long)cr3);
  struct walk_result w;
  page_walk(&m->ram, cr3, vaddr, &w);
  if (w.status == WALK_NONCANONICAL) {
    say(o, "not canonical\n");
    return;
  }
  /* The walk stopped at a table outside RAM, rather than at a frame. */
  bool lost_table = w.status == WALK_OUTSIDE_RAM && w.page_size == 0;
  for (int level = 4; level >= w.level; level--) {
    if (level == w.level && lost_table) {
      say(o, "%-6s table at %#llx is outside RAM\n", names[level],
          (unsigned long long)w.table[level]);
      return;
    }
    unsigned index = (unsigned)((vaddr >> (12 + 9 * (level - 1))) & 511);
    uint64_t entry = w.entry[level];
    say(o, "%-6s [%3u] at %#llx = %#018llx %s%s%s%s%s%s%s\n", names[level], index,
        (unsigned long long)(w.table[level] + index * 8ULL), (unsigned long long)entry,
        entry & PTE_P ? "P" : "-", entry & PTE_W ? " W" : " -", entry & PTE_U ? " U" : " -",
        entry & PTE_A ? " A" : "", entry & PTE_D ? " D" : "",
        entry & PTE_PS && level > 1 ? " PS" : "", entry & PTE_NX ? " NX" : "");
  }
  if (w.status == WALK_NOT_PRESENT) {
    say(o, "not present at this level\n");
  } else if (w.status == WALK_RESERVED) {
    say(o, "PS is reserved in a PML4 entry: a #PF with RSVD set\n");
  } else {
    say(o, "-> physical %#llx%s%s\n", (unsigned long long)w.phys,
        w.page_size == (1ULL << 30)   ? " (1 GiB page)"
        : w.page_size == (1ULL << 21) ? " (2 MiB page)"
                                      : "",
        w.status == WALK_OUTSIDE_RAM ? ", outside RAM" : "");
  }
}

static void monitor_trace(struct machine *m, struct out *o, uint64_t n) {
  struct machine_debug_state *d = m->debug;
  if (d->fault_records == 0) {
    say(o, "no fault decisions recorded (the kernel sends them with FS_BOOT_TRACE)\n");
    return;
  }
  uint64_t first = d->ring_count > TRACE_RING ? d->ring_count - TRACE_RING : 0;
  uint64_t shown = 0, seq = d->fault_records;
  for (uint64_t i = d->ring_count; i > first && shown < n; i--) {
    const struct fs_trace_record *r = &d->ring[(i - 1) % TRACE_RING];
    if (r->kind != FS_TRACE_FAULT)
      continue;
    const struct fs_trace_fault *f = &r->u.fault;
    say(o, "#%llu pid %u addr %#llx rip %#llx err %#x %s region %s\n", (unsigned long long)seq,
        r->pid, (unsigned long long)f->addr, (unsigned long long)f->rip, f->error_code,
        f->decision < FS_DECISION_COUNT ? decision_names[f->decision] : "?",
        f->region.type < FS_REGION_TYPE_COUNT ? region_names[f->region.type] : "?");
    seq--;
    shown++;
  }
}

static void monitor_stats(struct machine *m, struct out *o) {
  struct machine_debug_state *d = m->debug;
  say(o, "instructions: %llu\n", (unsigned long long)m->icount.count);
  say(o, "page faults delivered: %llu\n", (unsigned long long)d->faults);
  say(o, "fault decisions traced: %llu\n", (unsigned long long)d->fault_records);
  for (int i = 0; i < FS_DECISION_COUNT; i++)
    if (d->decisions[i])
      say(o, "  %s: %llu\n", decision_names[i], (unsigned long long)d->decisions[i]);
  say(o, "rip: %#llx, ring %llu, cr3: %#llx\n", (unsigned long long)reg_read(m, UC_X86_REG_RIP),
      (unsigned long long)(reg_read(m, UC_X86_REG_CS) & 3),
      (unsigned long long)reg_read(m, UC_X86_REG_CR3));
}

void machine_debug_monitor(struct machine *m, const char *command, char *out, size_t size) {
  struct out o = {out, size};
  if (size)
    out[0] = '\0';
  char word[32] = "";
  int used = 0;
  sscanf(command, "%31s%n", word, &used);
  const char *rest = command + used;
  if (strcmp(word, "fault") == 0) {
    monitor_fault(m, &o);
  } else if (strcmp(word, "regions") == 0) {
    if (m->debug->region_count == 0)
      say(&o, "no region table known (it comes from the kernel's trace records, which this "
              "kernel has not sent)\n");
    for (uint32_t i = 0; i < m->debug->region_count; i++)
      say_region(&o, &m->debug->regions[i]);
  } else if (strcmp(word, "pt") == 0) {
    char *end;
    unsigned long long a = strtoull(rest, &end, 0);
    if (end == rest)
      say(&o, "usage: monitor pt ADDR\n");
    else
      monitor_pt(m, &o, a);
  } else if (strcmp(word, "trace") == 0) {
    char *end;
    unsigned long long n = strtoull(rest, &end, 0);
    monitor_trace(m, &o, end == rest ? 10 : n);
  } else if (strcmp(word, "stats") == 0) {
    monitor_stats(m, &o);
  } else {
    say(&o, "monitor commands: fault, regions, pt ADDR, trace [N], stats\n");
  }
}
