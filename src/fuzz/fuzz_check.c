/*
 * The in-machine fuzzer's comparator (see fuzz_check.h).  Records are
 * attributed to ops by the guest's markers (mprotect(FZ_MARK(i), 0, 0)); what
 * comes before the first marker is the guest's start-up, checked the same way
 * (its exec layout, its own faults, the kernel's copies into its buffers).
 */
#include "fuzz_check.h"

#include <elf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_text.h"
#include "oracle.h"

#define PAGE     4096ULL
#define SIGKILL_ 9
#define SIGSEGV_ 11
#define EBADF_   9
#define EFAULT_  14
#define ENODEV_  19
#define EINVAL_  22
#define ESPIPE_  29

static const char *const decision_names[] = FS_DECISION_NAMES;
static const char *const type_names[] = FS_REGION_TYPE_NAMES;
static const char *const populate_names[] = FS_POPULATE_NAMES;

struct checker {
  const struct fuzz_program *p;
  const struct fuzz_check_files *f;
  const struct fuzz_observed *obs;
  struct oracle *o;
  int elf_oid, file_oid[FZ_FILES];
  char *why;
  size_t why_size;
  bool failed;

  const uint8_t *log;
  size_t log_count, log_pos;
  uint64_t brk_start;
  uint64_t slots[FZ_SLOTS];
  size_t err_pos;

  long cur; /* -1: start-up */
  size_t rec_index;
  bool exec_seen;
  size_t regions_expected, regions_seen;
  bool exit_seen;
  uint64_t efault_fixups;

  /* the current op */
  unsigned calls;
  uint32_t call_kind;
  int64_t call_result;
  bool user_fatal, kernel_fatal;
  uint64_t kernel_fatal_addr; /* the first one's */
  enum fs_decision fatal_decision;
};

static const char *name_of(const char *const *names, size_t n, uint32_t v) {
  return v < n ? names[v] : "?";
}
#define NAME(arr, v) name_of(arr, sizeof arr / sizeof arr[0], v)

__attribute__((format(printf, 2, 3))) static int fail(struct checker *c, const char *fmt, ...) {
  if (c->failed)
    return 1;
  c->failed = true;
  char head[96];
  if (c->cur < 0)
    snprintf(head, sizeof head, "start-up, record %zu: ", c->rec_index);
  else
    snprintf(head, sizeof head, "op %ld (%s), record %zu: ", c->cur,
             fuzz_op_kind_name(c->p->ops[c->cur].kind), c->rec_index);
  char body[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(body, sizeof body, fmt, ap);
  va_end(ap);
  snprintf(c->why, c->why_size, "%s%s", head, body);
  return 1;
}

static uint64_t resolve(const struct checker *c, const struct fz_op *op) {
  switch (op->base) {
  case FZ_BASE_SLOT:
    return c->slots[op->slot % FZ_SLOTS] + op->addr;
  case FZ_BASE_BRK:
    return c->brk_start + op->addr;
  default:
    return op->addr;
  }
}

static int oid_of_ino(const struct checker *c, uint32_t ino) {
  if (ino == 0)
    return ORACLE_NO_FILE;
  if (ino == c->f->elf_ino)
    return c->elf_oid;
  for (unsigned k = 0; k < FZ_FILES; k++)
    if (ino == c->f->ino[k])
      return c->file_oid[k];
  return -2;
}

static uint32_t ino_of_oid(const struct checker *c, int oid) {
  if (oid == ORACLE_NO_FILE)
    return 0;
  if (oid == c->elf_oid)
    return c->f->elf_ino;
  for (unsigned k = 0; k < FZ_FILES; k++)
    if (oid == c->file_oid[k])
      return c->f->ino[k];
  return UINT32_MAX;
}

/* ---- exec ----------------------------------------------------------------------- */
static int elf_segments(const struct checker *c, struct oracle_segment *segs, size_t *n) {
  const uint8_t *elf = c->f->elf;
  Elf64_Ehdr eh;
  *n = 0;
  if (c->f->elf_size < sizeof eh)
    return -1;
  memcpy(&eh, elf, sizeof eh);
  if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phoff > c->f->elf_size ||
      (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > c->f->elf_size - eh.e_phoff)
    return -1;
  for (unsigned i = 0; i < eh.e_phnum && *n < 16; i++) {
    Elf64_Phdr ph;
    memcpy(&ph, elf + eh.e_phoff + i * sizeof ph, sizeof ph);
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
      continue;
    unsigned prot = FS_PROT_READ | (ph.p_flags & PF_W ? FS_PROT_WRITE : 0) |
                    (ph.p_flags & PF_X ? FS_PROT_EXEC : 0);
    segs[(*n)++] = (struct oracle_segment){ph.p_vaddr, ph.p_memsz, ph.p_offset, ph.p_filesz, prot};
  }
  return 0;
}

static void on_exec(struct checker *c, const struct fs_trace_exec *e) {
  if (c->exec_seen || c->cur >= 0) {
    fail(c, "a second exec");
    return;
  }
  c->exec_seen = true;
  if (oid_of_ino(c, e->file_id) != c->elf_oid) {
    fail(c, "exec of file %u, expected the fuzz guest (%u)", e->file_id, c->f->elf_ino);
    return;
  }
  struct oracle_segment segs[16];
  size_t n;
  if (elf_segments(c, segs, &n) != 0) {
    fail(c, "the fuzz guest's ELF headers are unreadable");
    return;
  }
  int r = oracle_layout_exec(c->o, c->elf_oid, segs, n, 0, c->f->stack_guard_pages);
  if (r != 0) {
    fail(c, "exec layout: oracle refuses it (%d)", r);
    return;
  }
  c->regions_expected = oracle_region_count(c->o);
  c->regions_seen = 0;
  if (e->region_count != c->regions_expected)
    fail(c, "exec: expected %zu regions, got %u", c->regions_expected, e->region_count);
}

static void on_region(struct checker *c, const struct fs_trace_region *t) {
  if (!c->exec_seen || c->regions_seen >= c->regions_expected) {
    fail(c, "a region record outside an exec layout");
    return;
  }
  const struct oracle_region *r = oracle_region_at(c->o, c->regions_seen);
  size_t i = c->regions_seen++;
  if (t->start != r->start || t->end != r->end || t->type != r->type || t->prot != r->prot ||
      t->flags != r->flags || t->file_id != ino_of_oid(c, r->file) ||
      t->file_offset != r->file_offset || t->file_length != r->file_length)
    fail(c,
         "exec region %zu: expected %s [%#llx-%#llx) prot %u flags %#x file %u+%#llx/%#llx, got "
         "%s [%#llx-%#llx) prot %u flags %#x file %u+%#llx/%#llx",
         i, NAME(type_names, r->type), (unsigned long long)r->start, (unsigned long long)r->end,
         r->prot, r->flags, ino_of_oid(c, r->file), (unsigned long long)r->file_offset,
         (unsigned long long)r->file_length, NAME(type_names, t->type),
         (unsigned long long)t->start, (unsigned long long)t->end, t->prot, t->flags, t->file_id,
         (unsigned long long)t->file_offset, (unsigned long long)t->file_length);
}

/* ---- faults ------------------------------------------------------------------------ */
static void on_fault(struct checker *c, const struct fs_trace_fault *t) {
  struct oracle_fault want;
  oracle_fault(c->o, t->addr, t->error_code, t->rip, &want);
  if (want.decision != t->decision || want.region_type != t->region.type ||
      want.populate != t->populate) {
    fail(c,
         "fault at %#llx err %#x rip %#llx: expected %s region=%s populate=%s, got %s region=%s "
         "populate=%s",
         (unsigned long long)t->addr, t->error_code, (unsigned long long)t->rip,
         NAME(decision_names, want.decision), NAME(type_names, want.region_type),
         NAME(populate_names, want.populate), NAME(decision_names, t->decision),
         NAME(type_names, t->region.type), NAME(populate_names, t->populate));
    return;
  }
  bool fatal = t->decision != FS_DECISION_LAZY && t->decision != FS_DECISION_SPURIOUS;
  if (!fatal)
    return;
  if (t->error_code & FS_PF_U) {
    c->user_fatal = true;
    c->fatal_decision = t->decision;
  } else {
    if (!c->kernel_fatal)
      c->kernel_fatal_addr = t->addr;
    c->kernel_fatal = true;
    if (t->decision != FS_DECISION_OOM)
      c->efault_fixups++; /* the copy returns -EFAULT (page_fault.c) */
  }
}

/* ---- layout calls ------------------------------------------------------------------- */
static bool is_marker(const struct fs_trace_record *r) {
  return r->kind == FS_TRACE_MPROTECT && r->u.call.length == 0 && r->u.call.addr >= FZ_MARK_BASE &&
         r->u.call.addr < FZ_MARK(FZ_MAX_OPS + 1);
}

static const struct fz_op *cur_op(const struct checker *c) {
  return c->cur >= 0 ? &c->p->ops[c->cur] : NULL;
}

/* The syscall layer's checks before vm_mmap (kernel/proc/brk.c), then the oracle. */
static int64_t expect_mmap(struct checker *c, const struct fs_trace_layout_call *t) {
  const struct fz_op *op = cur_op(c);
  int oid = ORACLE_NO_FILE;
  if (t->offset & (PAGE - 1))
    return -EINVAL_;
  if (!(t->flags & ORACLE_MAP_ANONYMOUS)) {
    uint8_t file = op ? op->file : FZ_FILE_BADFD;
    if (file == FZ_FILE_CONSOLE)
      return -ENODEV_;
    if (file >= FZ_FILES)
      return -EBADF_;
    oid = c->file_oid[file];
    if (t->file_id != c->f->ino[file]) {
      fail(c, "mmap of /fuzz/f%u traced as file %u, expected %u", file, t->file_id,
           c->f->ino[file]);
      return 0;
    }
  }
  uint64_t at = 0;
  int r = oracle_mmap(c->o, t->addr, t->length, t->prot, t->flags, oid, t->offset, &at);
  return r ? r : (int64_t)at;
}

static void on_call(struct checker *c, const struct fs_trace_record *rec) {
  const struct fs_trace_layout_call *t = &rec->u.call;
  int64_t want;
  switch (rec->kind) {
  case FS_TRACE_BRK:
    want = (int64_t)oracle_brk(c->o, t->addr);
    break;
  case FS_TRACE_MMAP:
    want = expect_mmap(c, t);
    break;
  case FS_TRACE_MUNMAP:
    want = oracle_munmap(c->o, t->addr, t->length);
    break;
  default:
    want = oracle_mprotect(c->o, t->addr, t->length, t->prot);
    break;
  }
  if (c->failed)
    return;
  static const char *const call_names[] = {"", "", "", "", "brk", "mmap", "munmap", "mprotect"};
  if (want != t->result) {
    fail(c, "%s(%#llx, %#llx, prot %#x, flags %#x, off %#llx): expected %lld, got %lld",
         NAME(call_names, rec->kind), (unsigned long long)t->addr, (unsigned long long)t->length,
         t->prot, t->flags, (unsigned long long)t->offset, (long long)want, (long long)t->result);
    return;
  }
  c->calls++;
  c->call_kind = rec->kind;
  c->call_result = t->result;
}

/* ---- per-op results ------------------------------------------------------------------- */
static const struct fz_log *next_log(struct checker *c) {
  if (c->log_pos >= c->log_count)
    return NULL;
  static struct fz_log l;
  memcpy(&l, c->log + c->log_pos * sizeof l, sizeof l);
  c->log_pos++;
  return &l;
}

static bool user_range_ok(uint64_t a, uint64_t n) {
  return a <= FS_USER_TOP && n <= FS_USER_TOP - a;
}

/* Pages whose bytes only the fuzz program writes: the guest's own data, BSS
 * and stack change behind the oracle's back. */
static bool value_checkable(struct checker *c, uint64_t a) {
  const struct oracle_region *r = oracle_region_find(c->o, a);
  return r && (r->type == FS_REGION_TEXT || r->type == FS_REGION_HEAP ||
               r->type == FS_REGION_MMAP_ANON || r->type == FS_REGION_MMAP_FILE);
}

static const struct oracle_page *page_with(struct checker *c, uint64_t a, unsigned need,
                                           const char *what) {
  const struct oracle_page *pg = oracle_page_find(c->o, a & ~(PAGE - 1));
  if (!pg || (need ? !(pg->prot & need) : pg->prot == 0)) {
    fail(c, "%s at %#llx succeeded, but the oracle has %s", what, (unsigned long long)a,
         pg ? "the page without that right" : "no page there");
    return NULL;
  }
  return pg;
}

static int64_t expect_kwrite(const struct fz_op *op, const struct checker *c, uint64_t a,
                             uint64_t *n) {
  *n = 0;
  if (op->file == FZ_FILE_CONSOLE)
    return -ESPIPE_;
  if (op->file >= FZ_FILES)
    return -EBADF_;
  if ((int64_t)op->off < 0)
    return -EINVAL_;
  if (!user_range_ok(a, op->len))
    return -EFAULT_;
  size_t size = c->f->size[op->file];
  *n = op->off >= size ? 0 : (op->len < size - op->off ? op->len : size - op->off);
  if (*n == 0)
    return 0;
  return c->kernel_fatal ? -EFAULT_ : (int64_t)*n;
}

static void finish_access(struct checker *c, const struct fz_op *op, uint64_t a,
                          const struct fz_log *l) {
  const struct oracle_page *pg;
  switch (op->kind) {
  case FZ_OP_READ:
    if ((pg = page_with(c, a, 0, "read")) && value_checkable(c, a) &&
        l->value != pg->data[a & (PAGE - 1)])
      fail(c, "read at %#llx: expected byte %#x, got %#llx", (unsigned long long)a,
           pg->data[a & (PAGE - 1)], (unsigned long long)l->value);
    break;
  case FZ_OP_WRITE:
    if (!oracle_store(c->o, a, (uint8_t)op->value))
      fail(c, "write at %#llx succeeded, but the oracle has no writable page",
           (unsigned long long)a);
    break;
  case FZ_OP_EXEC:
    page_with(c, a, FS_PROT_EXEC, "exec");
    break;
  case FZ_OP_KREAD: {
    /* The kernel copies in 4 KiB chunks (kernel/lib/hostio.c) and stops at
     * the first chunk that faults: what came before is written. */
    int64_t want = (int64_t)op->len;
    if (!user_range_ok(a, op->len)) {
      want = -EFAULT_;
    } else if (c->kernel_fatal) {
      uint64_t at = c->kernel_fatal_addr > a ? c->kernel_fatal_addr - a : 0;
      want = (int64_t)(at / PAGE * PAGE);
      if (want == 0)
        want = -EFAULT_;
    }
    if (l->value != want) {
      fail(c, "write(2, %#llx, %llu): expected %lld, got %lld", (unsigned long long)a,
           (unsigned long long)op->len, (long long)want, (long long)l->value);
      break;
    }
    if (want < 0)
      break;
    if (c->err_pos + (uint64_t)want > c->obs->err_size) {
      fail(c, "write(2, ...) returned %lld but stderr holds only %zu more bytes", (long long)want,
           c->obs->err_size - c->err_pos);
      break;
    }
    for (uint64_t j = 0; j < (uint64_t)want && !c->failed; j++) {
      uint64_t b = a + j;
      if ((pg = page_with(c, b, 0, "kernel read")) && value_checkable(c, b) &&
          c->obs->err[c->err_pos + j] != pg->data[b & (PAGE - 1)])
        fail(c, "kernel read of %#llx: expected byte %#x, got %#x", (unsigned long long)b,
             pg->data[b & (PAGE - 1)], c->obs->err[c->err_pos + j]);
    }
    c->err_pos += (uint64_t)want;
    break;
  }
  case FZ_OP_KWRITE: {
    uint64_t n;
    int64_t want = expect_kwrite(op, c, a, &n);
    if (l->value != want) {
      fail(c, "pread64(/fuzz/f%u, %#llx, %llu, %#llx): expected %lld, got %lld", op->file,
           (unsigned long long)a, (unsigned long long)op->len, (unsigned long long)op->off,
           (long long)want, (long long)l->value);
      break;
    }
    const uint8_t *src = want > 0 ? c->f->data[op->file] + op->off : NULL;
    for (uint64_t j = 0; src && j < n && !c->failed; j++)
      if (!oracle_store(c->o, a + j, src[j]))
        fail(c, "kernel write at %#llx succeeded, but the oracle has no writable page",
             (unsigned long long)(a + j));
    break;
  }
  default:
    break;
  }
}

static bool noncanonical(uint64_t a) {
  return a >= FS_USER_TOP && a < 0xffff800000000000ULL;
}

/* The op ended: by its log record (the guest went on) or by a signal. */
static void finish_op(struct checker *c, bool died, uint32_t signal) {
  if (c->failed)
    return;
  if (c->cur < 0) {
    const struct fz_log *l = next_log(c);
    if (died || !l || l->op != FZ_LOG_START || l->value < 0) {
      fail(c, "the guest did not start its program (%s)", died ? "killed" : "no start record");
      return;
    }
    c->brk_start = (uint64_t)l->value;
    return;
  }
  const struct fz_op *op = cur_op(c);
  uint64_t a = resolve(c, op);
  bool access = op->kind >= FZ_OP_READ;
  if (died) {
    uint32_t want = c->fatal_decision == FS_DECISION_OOM ? SIGKILL_ : SIGSEGV_;
    /* A non-canonical address is a #GP, not a #PF: SIGSEGV, no decision. */
    bool gp = !c->user_fatal && noncanonical(a) && op->kind <= FZ_OP_EXEC;
    if (gp)
      want = SIGSEGV_;
    else if (!c->user_fatal || !access || op->kind >= FZ_OP_KREAD)
      fail(c, "the guest was killed by signal %u without a fatal fault of its own", signal);
    else if (signal != want)
      fail(c, "killed by signal %u after a %s fault, expected %u", signal,
           NAME(decision_names, c->fatal_decision), want);
    return;
  }
  const struct fz_log *l = next_log(c);
  if (!l || l->op != (uint32_t)c->cur || l->kind != op->kind) {
    fail(c, "no log record for the op (the guest's stdout is out of step)");
    return;
  }
  if (access) {
    if (c->calls)
      fail(c, "an access made a layout call");
    else
      finish_access(c, op, a, l);
    return;
  }
  static const uint32_t trace_kind[] = {0, FS_TRACE_MMAP, FS_TRACE_MUNMAP, FS_TRACE_MPROTECT,
                                        FS_TRACE_BRK};
  if (c->calls != 1 || c->call_kind != trace_kind[op->kind]) {
    fail(c, "%u layout records for one %s call", c->calls, fuzz_op_kind_name(op->kind));
    return;
  }
  if (l->value != c->call_result) {
    fail(c, "the guest got %lld, the trace says %lld", (long long)l->value,
         (long long)c->call_result);
    return;
  }
  if (op->kind == FZ_OP_MMAP && op->dest < FZ_SLOTS)
    c->slots[op->dest] = (uint64_t)l->value;
}

static void begin_op(struct checker *c, long i) {
  c->cur = i;
  c->calls = 0;
  c->user_fatal = c->kernel_fatal = false;
}

/* The call the record describes must be the op's own (host and guest agree on
 * where it aims). */
static void check_call_args(struct checker *c, const struct fs_trace_record *rec) {
  const struct fz_op *op = cur_op(c);
  if (!op) {
    if (rec->kind != FS_TRACE_BRK || rec->u.call.addr != 0)
      fail(c, "an unexpected layout call during start-up");
    return;
  }
  uint64_t a = resolve(c, op);
  if (rec->u.call.addr != a)
    fail(c, "the call's address %#llx is not the op's %#llx", (unsigned long long)rec->u.call.addr,
         (unsigned long long)a);
}

static void on_exit_record(struct checker *c, const struct fs_trace_exit *e) {
  c->exit_seen = true;
  bool died = e->kind == FS_EXIT_SIGNALED;
  finish_op(c, died, e->code);
  if (c->failed)
    return;
  if (!died) {
    if (e->kind != FS_EXIT_NORMAL || e->code != 0)
      fail(c, "the guest exited with kind %u status %u, expected status 0", e->kind, e->code);
    else if (c->cur + 1 != (long)c->p->header.op_count)
      fail(c, "the guest exited after op %ld of %u", c->cur, c->p->header.op_count);
  }
  if (c->failed)
    return;
  enum fuzz_end want = died ? FUZZ_END_SIGNALED : FUZZ_END_EXITED;
  if (c->obs->end != want || (uint32_t)c->obs->code != e->code)
    fail(c, "the machine reports end %d code %d, the trace end %d code %u", c->obs->end,
         c->obs->code, want, e->code);
}

static void on_record(struct checker *c, const struct fs_trace_record *rec) {
  if (rec->size != sizeof *rec) {
    fail(c, "a record of size %u", rec->size);
    return;
  }
  if (c->exit_seen) {
    fail(c, "a record after the exit");
    return;
  }
  if (c->user_fatal && rec->kind != FS_TRACE_EXIT) {
    fail(c, "the guest went on after a fatal fault");
    return;
  }
  switch (rec->kind) {
  case FS_TRACE_EXEC:
    on_exec(c, &rec->u.exec);
    break;
  case FS_TRACE_REGION:
    on_region(c, &rec->u.region);
    break;
  case FS_TRACE_FAULT:
    on_fault(c, &rec->u.fault);
    break;
  case FS_TRACE_MPROTECT:
    if (is_marker(rec)) {
      if (rec->u.call.addr != FZ_MARK(c->cur + 1) || c->cur + 1 >= (long)c->p->header.op_count) {
        fail(c, "marker %#llx out of order", (unsigned long long)rec->u.call.addr);
        return;
      }
      finish_op(c, false, 0);
      begin_op(c, c->cur + 1);
      if (oracle_mprotect(c->o, rec->u.call.addr, 0, rec->u.call.prot) != rec->u.call.result)
        fail(c, "marker mprotect: expected %d, got %lld",
             oracle_mprotect(c->o, rec->u.call.addr, 0, rec->u.call.prot),
             (long long)rec->u.call.result);
      return;
    }
    /* fall through */
  case FS_TRACE_BRK:
  case FS_TRACE_MMAP:
  case FS_TRACE_MUNMAP:
    check_call_args(c, rec);
    if (!c->failed)
      on_call(c, rec);
    break;
  case FS_TRACE_EXIT:
    on_exit_record(c, &rec->u.exit);
    break;
  default:
    fail(c, "a record of unknown kind %u", rec->kind);
  }
}

static void check_counters(struct checker *c) {
  const struct fuzz_observed *obs = c->obs;
  if (!obs->have_report) {
    fail(c, "no kernel report");
    return;
  }
  struct oracle_state st;
  oracle_get_state(c->o, &st);
  const struct fs_fault_stats *got = &obs->report.stats;
  struct fs_fault_stats want = st.stats;
  want.efault_fixups = c->efault_fixups;
#define CHECK_COUNTER(name)                                                                        \
  if (!c->failed && got->name != want.name)                                                        \
    fail(c, "counter " #name ": expected %llu, got %llu", (unsigned long long)want.name,           \
         (unsigned long long)got->name);
  FS_FAULT_STATS_SCALARS(CHECK_COUNTER)
#undef CHECK_COUNTER
  for (unsigned t = 0; t < FS_REGION_TYPE_COUNT && !c->failed; t++)
    if (got->lazy_by_type[t] != want.lazy_by_type[t])
      fail(c, "counter lazy_%s: expected %llu, got %llu", type_names[t],
           (unsigned long long)want.lazy_by_type[t], (unsigned long long)got->lazy_by_type[t]);
  if (!c->failed && obs->report.frames_free_exit != obs->report.frames_free_boot)
    fail(c, "frames leaked: %llu free before the program, %llu after",
         (unsigned long long)obs->report.frames_free_boot,
         (unsigned long long)obs->report.frames_free_exit);
}

int fuzz_check(const struct fuzz_program *p, const struct fuzz_check_files *files,
               const struct fuzz_observed *obs, char *why, size_t why_size) {
  struct checker c = {.p = p, .f = files, .obs = obs, .why = why, .why_size = why_size, .cur = -1};
  why[0] = '\0';
  /* Unlimited frames: the programs are small, so oom is never right. */
  struct oracle_config cfg = {1u << 30, 64, 127};
  c.o = oracle_create(&cfg);
  if (!c.o) {
    snprintf(why, why_size, "out of memory (oracle)");
    return 1;
  }
  c.elf_oid = oracle_add_file(c.o, files->elf, files->elf_size);
  for (unsigned k = 0; k < FZ_FILES; k++)
    c.file_oid[k] = oracle_add_file(c.o, files->data[k], files->size[k]);
  c.log = obs->out;
  c.log_count = obs->out_size / sizeof(struct fz_log);
  if (obs->out_size % sizeof(struct fz_log))
    fail(&c, "the guest's stdout is %zu bytes, not whole log records", obs->out_size);
  for (c.rec_index = 0; c.rec_index < obs->record_count && !c.failed; c.rec_index++)
    on_record(&c, &obs->records[c.rec_index]);
  if (!c.failed && !c.exit_seen)
    fail(&c, "the trace has no exit record (the machine: end %d code %d)", obs->end, obs->code);
  if (!c.failed && c.log_pos != c.log_count)
    fail(&c, "%zu log records left over", c.log_count - c.log_pos);
  if (!c.failed && c.err_pos != obs->err_size)
    fail(&c, "%zu bytes of stderr left over", obs->err_size - c.err_pos);
  if (!c.failed)
    check_counters(&c);
  oracle_destroy(c.o);
  return c.failed ? 1 : 0;
}
