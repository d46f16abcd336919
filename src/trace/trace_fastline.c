#include "trace_fastline.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The unread rest of the line.  Every scanner below either consumes what it
 * expects and returns 1, or returns 0 and the whole line is declined. */
struct cursor {
  const char *p, *end;
};

/* Inlined so that each memcmp has a constant length the compiler expands. */
static inline __attribute__((always_inline)) int lit(struct cursor *c, const char *s, size_t n) {
  if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0)
    return 0;
  c->p += n;
  return 1;
}
#define LIT(c, s) lit((c), (s), sizeof(s) - 1)

/* A count as the writer prints it: 0 or [1-9][0-9]*.  At most 15 digits, so
 * below 2^53: the general decoder reads numbers as doubles, exact there, and
 * anything longer is left to it (it rejects what is not exact).  A fraction
 * or exponent fails the literal that must follow. */
static int dec(struct cursor *c, uint64_t *v) {
  const char *p = c->p;
  uint64_t x = 0;
  size_t n = 0;
  for (; p < c->end && *p >= '0' && *p <= '9' && n <= 15; p++, n++)
    x = x * 10 + (uint64_t)(*p - '0');
  if (n == 0 || n > 15 || (n > 1 && c->p[0] == '0'))
    return 0;
  c->p = p;
  *v = x;
  return 1;
}

/* "0x" and 1..16 lowercase hex digits: exactly what strtoull gives the
 * general decoder for them.  Longer (overflow or leading zeros), upper case,
 * signs or spaces are left to the general decoder. */
static int hex(struct cursor *c, uint64_t *v) {
  if (!LIT(c, "\"0x"))
    return 0;
  const char *p = c->p;
  uint64_t x = 0;
  size_t n = 0;
  for (; p < c->end && n <= 16; p++, n++) {
    unsigned digit;
    if (*p >= '0' && *p <= '9')
      digit = (unsigned)(*p - '0');
    else if (*p >= 'a' && *p <= 'f')
      digit = (unsigned)(*p - 'a' + 10);
    else
      break;
    x = x << 4 | digit;
  }
  if (n == 0 || n > 16 || p >= c->end || *p != '"')
    return 0;
  c->p = p + 1;
  *v = x;
  return 1;
}

/* A string of printable ASCII without escapes: its JSON value is its bytes.
 * Escapes, controls and non-ASCII bytes are left to cJSON. */
static int plain_string(struct cursor *c, const char **s, size_t *length) {
  if (c->p >= c->end || *c->p != '"')
    return 0;
  const char *p = c->p + 1;
  for (; p < c->end && *p != '"'; p++)
    if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e || *p == '\\')
      return 0;
  if (p >= c->end)
    return 0;
  *s = c->p + 1;
  *length = (size_t)(p - *s);
  c->p = p + 1;
  return 1;
}

/* s[0..length) holds no NUL (plain_string), so a shorter word stops the
 * loop at its terminator: no read past it, and no call per name. */
static int equals(const char *s, size_t length, const char *word) {
  size_t i = 0;
  for (; i < length; i++)
    if (word[i] != s[i])
      return 0;
  return word[i] == '\0';
}

static int name(struct cursor *c, const char *(*name_of)(uint32_t), uint32_t count, uint32_t *v) {
  const char *s;
  size_t length;
  if (!plain_string(c, &s, &length))
    return 0;
  for (uint32_t i = 0; i < count; i++)
    if (equals(s, length, name_of(i))) {
      *v = i;
      return 1;
    }
  return 0;
}

static int one_of(struct cursor *c, const char *a, const char *b, const char *d) {
  const char *s;
  size_t length;
  return plain_string(c, &s, &length) &&
         (equals(s, length, a) || equals(s, length, b) || (d != NULL && equals(s, length, d)));
}

static int prot(struct cursor *c, uint32_t *v) {
  const char *p = c->p;
  if (c->end - p < 5 || p[0] != '"' || (p[1] != 'r' && p[1] != '-') ||
      (p[2] != 'w' && p[2] != '-') || (p[3] != 'x' && p[3] != '-') || p[4] != '"')
    return 0;
  *v = (p[1] == 'r' ? FS_PROT_READ : 0) | (p[2] == 'w' ? FS_PROT_WRITE : 0) |
       (p[3] == 'x' ? FS_PROT_EXEC : 0);
  c->p += 5;
  return 1;
}

static int boolean(struct cursor *c) {
  return LIT(c, "true") || LIT(c, "false");
}

/* A region object; with fast set only start, end, type and prot are kept,
 * as in the general decoder's fast mode. */
static int region(struct cursor *c, struct fs_trace_region *r, int fast) {
  uint64_t start, end, flags, file_id, file_offset, file_length;
  uint32_t type, protection;
  if (!(LIT(c, "{\"start\":") && hex(c, &start) && LIT(c, ",\"end\":") && hex(c, &end) &&
        LIT(c, ",\"type\":") && name(c, trace_region_type_name, FS_REGION_TYPE_COUNT, &type) &&
        LIT(c, ",\"prot\":") && prot(c, &protection) && LIT(c, ",\"flags\":") && hex(c, &flags) &&
        LIT(c, ",\"file_id\":") && dec(c, &file_id) && LIT(c, ",\"file_offset\":") &&
        hex(c, &file_offset) && LIT(c, ",\"file_length\":") && hex(c, &file_length) && LIT(c, "}")))
    return 0;
  r->start = start;
  r->end = end;
  r->type = type;
  r->prot = protection;
  if (!fast) {
    r->flags = (uint32_t)flags;
    r->file_id = (uint32_t)file_id;
    r->file_offset = file_offset;
    r->file_length = file_length;
  }
  return 1;
}

/* ,"result":"0x..." or ,"result":null,"errno":N */
static int call_result(struct cursor *c, int64_t *result) {
  uint64_t v;
  if (!LIT(c, ",\"result\":"))
    return 0;
  if (LIT(c, "null,\"errno\":") && dec(c, &v)) {
    *result = -(int64_t)v;
    return 1;
  }
  if (hex(c, &v)) {
    *result = (int64_t)v;
    return 1;
  }
  return 0;
}

static int fault(struct cursor *c, struct trace_event *ev, int fast) {
  struct fs_trace_fault *f = &ev->record.u.fault;
  uint64_t rip, addr, error_code, frame;
  uint32_t decision, populate;
  const char *insn = NULL;
  size_t insn_length = 0;
  if (!(LIT(c, ",\"rip\":") && hex(c, &rip) && LIT(c, ",\"addr\":") && hex(c, &addr) &&
        LIT(c, ",\"error_code\":") && hex(c, &error_code) && LIT(c, ",\"access\":") &&
        one_of(c, "read", "write", "exec") && LIT(c, ",\"mode\":") &&
        one_of(c, "user", "kernel", NULL) && LIT(c, ",\"present\":") && boolean(c) &&
        LIT(c, ",\"region\":")))
    return 0;
  if (!LIT(c, "null") && !region(c, &f->region, fast))
    return 0;
  if (!(LIT(c, ",\"decision\":") && name(c, trace_decision_name, FS_DECISION_COUNT, &decision) &&
        LIT(c, ",\"populate\":") && name(c, trace_populate_name, 4, &populate) &&
        LIT(c, ",\"frame\":") && hex(c, &frame) && LIT(c, ",\"insn\":")))
    return 0;
  if (!LIT(c, "null") && !plain_string(c, &insn, &insn_length))
    return 0;
  f->rip = rip;
  f->addr = addr;
  f->error_code = (uint32_t)error_code;
  f->decision = decision;
  f->populate = populate;
  if (!fast) {
    f->frame = frame;
    if (insn != NULL) {
      /* as the general decoder's snprintf: cut to the buffer */
      size_t n = insn_length < sizeof(ev->insn) - 1 ? insn_length : sizeof(ev->insn) - 1;
      memcpy(ev->insn, insn, n);
      ev->insn[n] = '\0';
      ev->have_insn = 1;
    }
  }
  return 1;
}

static int exec(struct cursor *c, struct fs_trace_record *rec) {
  const char *path;
  size_t path_length;
  uint64_t entry, file_id, region_count;
  /* A path too long is an error: the general decoder words it. */
  if (!(LIT(c, ",\"path\":") && plain_string(c, &path, &path_length) &&
        path_length < FS_TRACE_PATH_MAX && LIT(c, ",\"entry\":") && hex(c, &entry) &&
        LIT(c, ",\"file_id\":") && dec(c, &file_id) && LIT(c, ",\"region_count\":") &&
        dec(c, &region_count)))
    return 0;
  memcpy(rec->u.exec.path, path, path_length);
  rec->u.exec.path[path_length] = '\0';
  rec->u.exec.entry = entry;
  rec->u.exec.file_id = (uint32_t)file_id;
  rec->u.exec.region_count = (uint32_t)region_count;
  return 1;
}

static int layout_call(struct cursor *c, uint32_t kind, struct fs_trace_layout_call *call) {
  uint64_t addr, length = 0, flags = 0, file_id = 0, offset = 0;
  uint32_t protection = 0;
  int64_t result;
  if (!LIT(c, ",\"addr\":") || !hex(c, &addr))
    return 0;
  if (kind != FS_TRACE_BRK && (!LIT(c, ",\"length\":") || !hex(c, &length)))
    return 0;
  if ((kind == FS_TRACE_MMAP || kind == FS_TRACE_MPROTECT) &&
      (!LIT(c, ",\"prot\":") || !prot(c, &protection)))
    return 0;
  if (kind == FS_TRACE_MMAP &&
      !(LIT(c, ",\"flags\":") && hex(c, &flags) && LIT(c, ",\"file_id\":") && dec(c, &file_id) &&
        LIT(c, ",\"offset\":") && hex(c, &offset)))
    return 0;
  if (!call_result(c, &result))
    return 0;
  call->addr = addr;
  call->length = length;
  call->prot = protection;
  call->flags = (uint32_t)flags;
  call->file_id = (uint32_t)file_id;
  call->offset = offset;
  call->result = result;
  return 1;
}

static int exit_event(struct cursor *c, struct fs_trace_exit *e) {
  uint64_t code;
  if (LIT(c, ",\"how\":\"exited\",\"status\":") && dec(c, &code))
    e->kind = FS_EXIT_NORMAL;
  else if (LIT(c, ",\"how\":\"signaled\",\"signal\":") && dec(c, &code))
    e->kind = FS_EXIT_SIGNALED;
  else
    return 0;
  e->code = (uint32_t)code;
  return 1;
}

static uint32_t kind_of(const char *type, size_t length) {
  for (uint32_t k = FS_TRACE_FAULT; k <= FS_TRACE_EXIT; k++)
    if (equals(type, length, trace_kind_name(k)))
      return k;
  return 0;
}

int trace_fastline_decode(const char *line, size_t length, struct trace_event *ev, int fast) {
  struct cursor c = {line, line + length};
  const char *type;
  size_t type_length;
  uint64_t seq, pid;
  if (!(LIT(&c, "{\"type\":") && plain_string(&c, &type, &type_length) && LIT(&c, ",\"seq\":") &&
        dec(&c, &seq) && LIT(&c, ",\"pid\":") && dec(&c, &pid)))
    return 0;
  uint32_t kind = kind_of(type, type_length);
  struct fs_trace_record *rec = &ev->record;
  int ok = 0;
  switch (kind) {
  case FS_TRACE_FAULT:
    ok = fault(&c, ev, fast);
    break;
  case FS_TRACE_EXEC:
    ok = exec(&c, rec);
    break;
  case FS_TRACE_REGION:
    /* region events are kept whole even in fast mode, as the general
     * decoder does: they build the layout */
    ok = LIT(&c, ",\"region\":") && region(&c, &rec->u.region, 0);
    break;
  case FS_TRACE_BRK:
  case FS_TRACE_MMAP:
  case FS_TRACE_MUNMAP:
  case FS_TRACE_MPROTECT:
    ok = layout_call(&c, kind, &rec->u.call);
    break;
  case FS_TRACE_EXIT:
    ok = exit_event(&c, &rec->u.exit);
    break;
  default: /* header, summary, unknown: the general decoder's business */
    return 0;
  }
  if (!ok || !LIT(&c, "}") || c.p != c.end)
    return 0;
  rec->size = sizeof(*rec);
  rec->kind = kind;
  rec->pid = (uint32_t)pid;
  ev->seq = seq;
  return 1;
}
