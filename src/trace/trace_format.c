#include "trace_format.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {"?",    "fault",  "exec",     "region", "brk",
                                         "mmap", "munmap", "mprotect", "exit"};
static const char *const region_type_names[] = FS_REGION_TYPE_NAMES;
static const char *const decision_names[] = FS_DECISION_NAMES;
static const char *const populate_names[] = FS_POPULATE_NAMES;

#define NAME_OF(table, index) ((index) < sizeof(table) / sizeof(table[0]) ? table[(index)] : "?")

const char *trace_kind_name(uint32_t kind) {
  return kind == 0 ? "?" : NAME_OF(kind_names, kind);
}
const char *trace_region_type_name(uint32_t type) {
  return NAME_OF(region_type_names, type);
}
const char *trace_decision_name(uint32_t decision) {
  return NAME_OF(decision_names, decision);
}
const char *trace_populate_name(uint32_t populate) {
  return NAME_OF(populate_names, populate);
}

void trace_prot_text(uint32_t prot, char text[4]) {
  text[0] = prot & FS_PROT_READ ? 'r' : '-';
  text[1] = prot & FS_PROT_WRITE ? 'w' : '-';
  text[2] = prot & FS_PROT_EXEC ? 'x' : '-';
  text[3] = '\0';
}

/* Length of the well-formed UTF-8 sequence at p (2..4), or 0. */
static size_t utf8_sequence(const unsigned char *p) {
  size_t length = p[0] >= 0xc2 && p[0] <= 0xdf   ? 2
                  : p[0] >= 0xe0 && p[0] <= 0xef ? 3
                  : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4
                                                 : 0;
  for (size_t i = 1; i < length; i++)
    if ((p[i] & 0xc0) != 0x80)
      return 0;
  return length;
}

/* Valid UTF-8 passes through unchanged, so guest strings read back exactly;
 * a byte that is not part of valid UTF-8 cannot be said in JSON and becomes
 * U+FFFD (documented in docs/trace-format.md).  Controls are escaped. */
int trace_json_string_buf(char *buf, size_t size, const char *s) {
  size_t n = 0;
#define PUT(c)                                                                                     \
  do {                                                                                             \
    if (n + 1 >= size)                                                                             \
      return -1;                                                                                   \
    buf[n++] = (char)(c);                                                                          \
  } while (0)
  PUT('"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    unsigned char c = *p;
    const char *escape = NULL;
    switch (c) {
    case '"':
      escape = "\\\"";
      break;
    case '\\':
      escape = "\\\\";
      break;
    case '\n':
      escape = "\\n";
      break;
    case '\r':
      escape = "\\r";
      break;
    case '\t':
      escape = "\\t";
      break;
    default:
      break;
    }
    if (escape != NULL) {
      PUT(escape[0]);
      PUT(escape[1]);
    } else if (c < 0x20 || c == 0x7f) {
      static const char hex[] = "0123456789abcdef";
      PUT('\\');
      PUT('u');
      PUT('0');
      PUT('0');
      PUT(hex[c >> 4]);
      PUT(hex[c & 15]);
    } else if (c < 0x80) {
      PUT(c);
    } else {
      size_t length = utf8_sequence(p);
      if (length == 0) {
        PUT(0xef); /* U+FFFD */
        PUT(0xbf);
        PUT(0xbd);
        continue;
      }
      for (size_t i = 0; i < length; i++)
        PUT(p[i]);
      p += length - 1;
    }
  }
  PUT('"');
#undef PUT
  buf[n] = '\0';
  return (int)n;
}

void trace_json_string(FILE *out, const char *s) {
  /* Worst case is six bytes per input byte (\u00XX). */
  size_t size = strlen(s) * 6 + 3;
  char stack_buf[1024];
  char *buf = size <= sizeof(stack_buf) ? stack_buf : malloc(size);
  if (buf == NULL) {
    fputs("\"\"", out);
    return;
  }
  trace_json_string_buf(buf, size, s);
  fputs(buf, out);
  if (buf != stack_buf)
    free(buf);
}

static void write_string_array(FILE *out, const char *const *items, int count) {
  fputc('[', out);
  for (int i = 0; i < count; i++) {
    if (i > 0)
      fputc(',', out);
    trace_json_string(out, items[i]);
  }
  fputc(']', out);
}

void trace_write_header(FILE *out, const struct trace_header *h) {
  fprintf(out,
          "{\"type\":\"header\",\"format\":%d,\"trace_abi\":%d,\"faultsim\":", TRACE_FORMAT_VERSION,
          FS_TRACE_ABI_VERSION);
  trace_json_string(out, h->faultsim_version);
  fprintf(out, ",\"kernel\":{\"build_id\":\"sha256:%s\"}", h->kernel_sha256);
  fprintf(out,
          ",\"machine\":{\"ram_mib\":%" PRIu64 ",\"ram\":\"0x%" PRIx64
          "\",\"stack_guard_pages\":%" PRIu64 ",\"stack_guard\":\"0x%" PRIx64
          "\",\"fail_alloc\":%" PRIu64 ",\"fail_alloc_every\":%" PRIu64 ",\"selftest_pf\":%s}",
          h->ram_mib, h->ram_mib << 20, h->stack_guard_pages,
          (uint64_t)(h->stack_guard_pages * FS_PAGE_SIZE), h->fail_alloc_nth, h->fail_alloc_every,
          h->selftest_pf ? "true" : "false");
  fputs(",\"command\":{\"program\":", out);
  trace_json_string(out, h->program);
  fputs(",\"argv\":", out);
  write_string_array(out, h->argv, h->argc);
  fputs(",\"env\":", out);
  write_string_array(out, h->envp, h->envc);
  fputs(",\"cmdline\":", out);
  trace_json_string(out, h->cmdline ? h->cmdline : "");
  fputs("},\"files\":[", out);
  for (size_t i = 0; i < h->file_count; i++) {
    const struct trace_file_entry *f = &h->files[i];
    fputs(i > 0 ? ",{\"guest\":" : "{\"guest\":", out);
    trace_json_string(out, f->guest_path);
    fprintf(out, ",\"size\":\"0x%" PRIx64 "\",\"sha256\":\"%s\",\"executable\":%s}", f->size,
            f->sha256, f->executable ? "true" : "false");
  }
  fputs("]}\n", out);
}

/* Appends to a line buffer; a line that would overflow marks it failed. */
struct line_buf {
  char *text;
  size_t length;
  int failed;
};

static void __attribute__((format(printf, 2, 3))) add(struct line_buf *b, const char *fmt, ...) {
  if (b->failed)
    return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(b->text + b->length, TRACE_LINE_MAX - b->length, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= TRACE_LINE_MAX - b->length)
    b->failed = 1;
  else
    b->length += (size_t)n;
}

static void add_string(struct line_buf *b, const char *s) {
  if (b->failed)
    return;
  int n = trace_json_string_buf(b->text + b->length, TRACE_LINE_MAX - b->length, s);
  if (n < 0)
    b->failed = 1;
  else
    b->length += (size_t)n;
}

static void add_region(struct line_buf *b, const struct fs_trace_region *r) {
  char prot[4];
  trace_prot_text(r->prot, prot);
  add(b,
      "{\"start\":\"0x%" PRIx64 "\",\"end\":\"0x%" PRIx64 "\",\"type\":\"%s\",\"prot\":\"%s\","
      "\"flags\":\"0x%" PRIx32 "\",\"file_id\":%" PRIu32 ",\"file_offset\":\"0x%" PRIx64
      "\",\"file_length\":\"0x%" PRIx64 "\"}",
      r->start, r->end, trace_region_type_name(r->type), prot, r->flags, r->file_id, r->file_offset,
      r->file_length);
}

static const char *access_of(uint32_t error_code) {
  if (error_code & FS_PF_I)
    return "exec";
  return error_code & FS_PF_W ? "write" : "read";
}

static void add_call_result(struct line_buf *b, int64_t result) {
  if (result < 0)
    add(b, ",\"result\":null,\"errno\":%" PRId64, -result);
  else
    add(b, ",\"result\":\"0x%" PRIx64 "\"", (uint64_t)result);
}

int trace_format_event(char *line, uint64_t seq, const struct fs_trace_record *rec,
                       const char *insn) {
  struct line_buf b = {line, 0, 0};
  if (rec->kind < FS_TRACE_FAULT || rec->kind > FS_TRACE_EXIT)
    return -1;
  add(&b, "{\"type\":\"%s\",\"seq\":%" PRIu64 ",\"pid\":%" PRIu32, trace_kind_name(rec->kind), seq,
      rec->pid);
  switch (rec->kind) {
  case FS_TRACE_FAULT: {
    const struct fs_trace_fault *f = &rec->u.fault;
    add(&b,
        ",\"rip\":\"0x%" PRIx64 "\",\"addr\":\"0x%" PRIx64 "\",\"error_code\":\"0x%" PRIx32
        "\",\"access\":\"%s\",\"mode\":\"%s\",\"present\":%s,\"region\":",
        f->rip, f->addr, f->error_code, access_of(f->error_code),
        f->error_code & FS_PF_U ? "user" : "kernel", f->error_code & FS_PF_P ? "true" : "false");
    if (f->region.type == FS_REGION_NONE)
      add(&b, "null");
    else
      add_region(&b, &f->region);
    add(&b, ",\"decision\":\"%s\",\"populate\":\"%s\",\"frame\":\"0x%" PRIx64 "\",\"insn\":",
        trace_decision_name(f->decision), trace_populate_name(f->populate), f->frame);
    if (insn != NULL)
      add_string(&b, insn);
    else
      add(&b, "null");
    break;
  }
  case FS_TRACE_EXEC: {
    char path[FS_TRACE_PATH_MAX + 1];
    memcpy(path, rec->u.exec.path, FS_TRACE_PATH_MAX);
    path[FS_TRACE_PATH_MAX] = '\0'; /* the guest's NUL is not trusted */
    add(&b, ",\"path\":");
    add_string(&b, path);
    add(&b, ",\"entry\":\"0x%" PRIx64 "\",\"file_id\":%" PRIu32 ",\"region_count\":%" PRIu32,
        rec->u.exec.entry, rec->u.exec.file_id, rec->u.exec.region_count);
    break;
  }
  case FS_TRACE_REGION:
    add(&b, ",\"region\":");
    add_region(&b, &rec->u.region);
    break;
  case FS_TRACE_BRK:
    add(&b, ",\"addr\":\"0x%" PRIx64 "\"", rec->u.call.addr);
    add_call_result(&b, rec->u.call.result);
    break;
  case FS_TRACE_MMAP:
  case FS_TRACE_MUNMAP:
  case FS_TRACE_MPROTECT: {
    const struct fs_trace_layout_call *c = &rec->u.call;
    char prot[4];
    trace_prot_text(c->prot, prot);
    add(&b, ",\"addr\":\"0x%" PRIx64 "\",\"length\":\"0x%" PRIx64 "\"", c->addr, c->length);
    if (rec->kind != FS_TRACE_MUNMAP)
      add(&b, ",\"prot\":\"%s\"", prot);
    if (rec->kind == FS_TRACE_MMAP)
      add(&b, ",\"flags\":\"0x%" PRIx32 "\",\"file_id\":%" PRIu32 ",\"offset\":\"0x%" PRIx64 "\"",
          c->flags, c->file_id, c->offset);
    add_call_result(&b, c->result);
    break;
  }
  case FS_TRACE_EXIT:
    if (rec->u.exit.kind == FS_EXIT_SIGNALED)
      add(&b, ",\"how\":\"signaled\",\"signal\":%" PRIu32, rec->u.exit.code);
    else
      add(&b, ",\"how\":\"exited\",\"status\":%" PRIu32, rec->u.exit.code);
    break;
  }
  add(&b, "}\n");
  return b.failed ? -1 : (int)b.length;
}

void trace_write_summary(FILE *out, const struct trace_summary *s) {
  fprintf(out,
          "{\"type\":\"summary\",\"events\":%" PRIu64 ",\"outcome\":\"%s\",\"code\":%d,"
          "\"instructions\":%" PRIu64 ",\"counters\":",
          s->events, s->outcome, s->code, s->instructions);
  if (s->report == NULL) {
    fputs("null}\n", out);
    return;
  }
  const struct fs_fault_stats *st = &s->report->stats;
  char sep = '{';
#define SCALAR(name)                                                                               \
  fprintf(out, "%c\"" #name "\":%" PRIu64, sep, st->name);                                         \
  sep = ',';
  FS_FAULT_STATS_SCALARS(SCALAR)
#undef SCALAR
  for (uint32_t t = 1; t < FS_REGION_TYPE_COUNT; t++)
    fprintf(out, ",\"lazy_%s\":%" PRIu64, trace_region_type_name(t), st->lazy_by_type[t]);
  fprintf(out,
          ",\"frames_total\":%" PRIu64 ",\"frames_free_boot\":%" PRIu64
          ",\"frames_free_exit\":%" PRIu64 ",\"frame_allocs\":%" PRIu64
          ",\"frame_alloc_failures\":%" PRIu64 "}}\n",
          s->report->frames_total, s->report->frames_free_boot, s->report->frames_free_exit,
          s->report->frame_allocs, s->report->frame_alloc_failures);
}
