#include "trace_reader.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "trace_fastline.h"
#include "trace_json.h"

/* Lines are handed out in place from one large buffer, refilled with big
 * freads: no copy per line as with getline, and the fast path scans them
 * where they lie. */
#define READ_CHUNK (1u << 20)

struct trace_reader {
  FILE *file;
  uint64_t line_no;
  uint64_t offset;      /* of the next line */
  uint64_t line_offset; /* of the line last read */
  char *line;           /* the line last read, NUL-terminated, inside buf */
  char *buf;
  size_t buf_cap;
  size_t buf_start; /* first byte not yet handed out */
  size_t buf_end;   /* end of the bytes read */
  size_t buf_scan;  /* bytes from buf_start known to hold no newline */
  int eof;
  int fast;
  int done; /* summary read, or an error/truncation already reported */
  uint64_t events;
  struct trace_header_info header;
  struct trace_summary_info summary;
};

/* Field decoding with the first error kept: callers check once at the end. */
struct decoder {
  const struct trace_reader *reader;
  cJSON *next;        /* the member after the last one found... */
  cJSON *next_parent; /* ...in this object */
  char message[256];
  int failed;
};

static void __attribute__((format(printf, 2, 3))) fail(struct decoder *d, const char *fmt, ...) {
  if (d->failed)
    return;
  d->failed = 1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(d->message, sizeof(d->message), fmt, ap);
  va_end(ap);
}

static cJSON *member(struct decoder *d, cJSON *obj, const char *key) {
  /* The writer emits keys in a fixed order and decoders ask for them in
   * that order, so the sibling after the last match is nearly always the
   * one wanted: one comparison instead of a scan of the object. */
  cJSON *value = d->next_parent == obj ? d->next : NULL;
  if (value == NULL || value->string == NULL || strcmp(value->string, key) != 0)
    value = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (value == NULL) {
    fail(d, "missing \"%s\"", key);
  } else {
    d->next = value->next;
    d->next_parent = obj;
  }
  return value;
}

static uint64_t hex_field(struct decoder *d, cJSON *obj, const char *key) {
  cJSON *value = member(d, obj, key);
  if (value == NULL)
    return 0;
  const char *text = (cJSON_IsString(value) ? value->valuestring : NULL);
  if (text == NULL || text[0] != '0' || text[1] != 'x' || text[2] == '\0') {
    fail(d, "\"%s\" is not a hex string", key);
    return 0;
  }
  char *end;
  errno = 0;
  unsigned long long parsed = strtoull(text + 2, &end, 16);
  if (errno != 0 || *end != '\0')
    fail(d, "\"%s\" is not a hex string", key);
  return parsed;
}

static uint64_t uint_field(struct decoder *d, cJSON *obj, const char *key) {
  cJSON *value = member(d, obj, key);
  if (value == NULL)
    return 0;
  /* cJSON numbers are doubles: exact up to 2^53, which is why every
   * address and size is a hex string and only small counts are numbers. */
  double number = cJSON_IsNumber(value) ? value->valuedouble : -1;
  if (number < 0 || number > 9007199254740992.0 || number != (double)(uint64_t)number) {
    fail(d, "\"%s\" is not a non-negative integer", key);
    return 0;
  }
  return (uint64_t)number;
}

static const char *string_field(struct decoder *d, cJSON *obj, const char *key) {
  cJSON *value = member(d, obj, key);
  const char *text = value ? (cJSON_IsString(value) ? value->valuestring : NULL) : NULL;
  if (value != NULL && text == NULL)
    fail(d, "\"%s\" is not a string", key);
  return text ? text : "";
}

static uint32_t name_field(struct decoder *d, cJSON *obj, const char *key,
                           const char *(*name_of)(uint32_t), uint32_t count) {
  const char *text = string_field(d, obj, key);
  for (uint32_t i = 0; i < count; i++)
    if (strcmp(text, name_of(i)) == 0)
      return i;
  fail(d, "\"%s\" has an unknown value \"%s\"", key, text);
  return 0;
}

static uint32_t prot_field(struct decoder *d, cJSON *obj, const char *key) {
  const char *text = string_field(d, obj, key);
  if (strlen(text) != 3 || (text[0] != 'r' && text[0] != '-') ||
      (text[1] != 'w' && text[1] != '-') || (text[2] != 'x' && text[2] != '-')) {
    fail(d, "\"%s\" is not a protection like \"rw-\"", key);
    return 0;
  }
  return (text[0] == 'r' ? FS_PROT_READ : 0) | (text[1] == 'w' ? FS_PROT_WRITE : 0) |
         (text[2] == 'x' ? FS_PROT_EXEC : 0);
}

static void region_of(struct decoder *d, cJSON *obj, struct fs_trace_region *r, int fast) {
  if (!cJSON_IsObject(obj)) {
    fail(d, "\"region\" is not an object");
    return;
  }
  cJSON *after = d->next, *after_parent = d->next_parent;
  d->next = obj->child;
  d->next_parent = obj;
  r->start = hex_field(d, obj, "start");
  r->end = hex_field(d, obj, "end");
  r->type = name_field(d, obj, "type", trace_region_type_name, FS_REGION_TYPE_COUNT);
  r->prot = prot_field(d, obj, "prot");
  if (!fast) {
    r->flags = (uint32_t)hex_field(d, obj, "flags");
    r->file_id = (uint32_t)uint_field(d, obj, "file_id");
    r->file_offset = hex_field(d, obj, "file_offset");
    r->file_length = hex_field(d, obj, "file_length");
  }
  d->next = after;
  d->next_parent = after_parent;
}

static int64_t call_result(struct decoder *d, cJSON *obj) {
  cJSON *result = member(d, obj, "result");
  if (cJSON_IsNull(result))
    return -(int64_t)uint_field(d, obj, "errno");
  return (int64_t)hex_field(d, obj, "result");
}

static void decode_event(struct decoder *d, cJSON *obj, uint32_t kind, struct trace_event *ev,
                         int fast) {
  struct fs_trace_record *rec = &ev->record;
  rec->size = sizeof(*rec);
  rec->kind = kind;
  rec->pid = (uint32_t)uint_field(d, obj, "pid");
  ev->seq = uint_field(d, obj, "seq");
  switch (kind) {
  case FS_TRACE_FAULT: {
    struct fs_trace_fault *f = &rec->u.fault;
    f->rip = hex_field(d, obj, "rip");
    f->addr = hex_field(d, obj, "addr");
    f->error_code = (uint32_t)hex_field(d, obj, "error_code");
    f->decision = name_field(d, obj, "decision", trace_decision_name, FS_DECISION_COUNT);
    f->populate = name_field(d, obj, "populate", trace_populate_name, 4);
    cJSON *region = member(d, obj, "region");
    if (region != NULL && !cJSON_IsNull(region))
      region_of(d, region, &f->region, fast);
    if (fast)
      return;
    f->frame = hex_field(d, obj, "frame");
    cJSON *insn = member(d, obj, "insn");
    if (cJSON_IsString(insn)) {
      snprintf(ev->insn, sizeof(ev->insn), "%s", insn->valuestring);
      ev->have_insn = 1;
    }
    break;
  }
  case FS_TRACE_EXEC: {
    const char *path = string_field(d, obj, "path");
    if (strlen(path) >= FS_TRACE_PATH_MAX)
      fail(d, "\"path\" is longer than %d bytes", FS_TRACE_PATH_MAX - 1);
    else
      memcpy(rec->u.exec.path, path, strlen(path) + 1);
    rec->u.exec.entry = hex_field(d, obj, "entry");
    rec->u.exec.file_id = (uint32_t)uint_field(d, obj, "file_id");
    rec->u.exec.region_count = (uint32_t)uint_field(d, obj, "region_count");
    break;
  }
  case FS_TRACE_REGION:
    region_of(d, member(d, obj, "region"), &rec->u.region, 0);
    break;
  case FS_TRACE_BRK:
    rec->u.call.addr = hex_field(d, obj, "addr");
    rec->u.call.result = call_result(d, obj);
    break;
  case FS_TRACE_MMAP:
  case FS_TRACE_MUNMAP:
  case FS_TRACE_MPROTECT:
    rec->u.call.addr = hex_field(d, obj, "addr");
    rec->u.call.length = hex_field(d, obj, "length");
    if (kind != FS_TRACE_MUNMAP)
      rec->u.call.prot = prot_field(d, obj, "prot");
    if (kind == FS_TRACE_MMAP) {
      rec->u.call.flags = (uint32_t)hex_field(d, obj, "flags");
      rec->u.call.file_id = (uint32_t)uint_field(d, obj, "file_id");
      rec->u.call.offset = hex_field(d, obj, "offset");
    }
    rec->u.call.result = call_result(d, obj);
    break;
  case FS_TRACE_EXIT: {
    const char *how = string_field(d, obj, "how");
    if (strcmp(how, "signaled") == 0) {
      rec->u.exit.kind = FS_EXIT_SIGNALED;
      rec->u.exit.code = (uint32_t)uint_field(d, obj, "signal");
    } else if (strcmp(how, "exited") == 0) {
      rec->u.exit.kind = FS_EXIT_NORMAL;
      rec->u.exit.code = (uint32_t)uint_field(d, obj, "status");
    } else {
      fail(d, "\"how\" has an unknown value \"%s\"", how);
    }
    break;
  }
  default:
    break;
  }
}

/* Reads one complete line.  1: a line; 0: clean end of file; -1: the file
 * ends inside a line (cut) -- its bytes are ignored. */
static int read_line(struct trace_reader *r, size_t *length) {
  char *newline;
  for (;;) {
    size_t pending = r->buf_end - r->buf_start;
    newline = memchr(r->buf + r->buf_start + r->buf_scan, '\n', pending - r->buf_scan);
    if (newline != NULL)
      break;
    r->buf_scan = pending;
    if (r->eof) {
      if (pending == 0)
        return 0;
      r->line_no++;
      r->line_offset = r->offset;
      r->offset += pending;
      r->buf_start = r->buf_end;
      r->buf_scan = 0;
      return -1;
    }
    /* Keep the partial line, moved to the front; grow for a line longer
     * than the buffer. */
    if (r->buf_start > 0) {
      memmove(r->buf, r->buf + r->buf_start, pending);
      r->buf_start = 0;
      r->buf_end = pending;
    }
    if (r->buf_cap - r->buf_end < READ_CHUNK / 2) {
      size_t cap = r->buf_cap * 2;
      char *grown = realloc(r->buf, cap);
      if (grown == NULL) {
        r->eof = 1; /* as getline failing: what was read so far counts */
        continue;
      }
      r->buf = grown;
      r->buf_cap = cap;
    }
    size_t got = fread(r->buf + r->buf_end, 1, r->buf_cap - r->buf_end, r->file);
    r->buf_end += got;
    if (got == 0)
      r->eof = 1;
  }
  size_t n = (size_t)(newline - (r->buf + r->buf_start));
  r->line = r->buf + r->buf_start;
  r->line[n] = '\0';
  r->line_no++;
  r->line_offset = r->offset;
  r->offset += n + 1;
  r->buf_start += n + 1;
  r->buf_scan = 0;
  *length = n;
  return 1;
}

static void set_err(char *err, size_t err_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t err_size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, err_size, fmt, ap);
  va_end(ap);
}

static char **string_array(struct decoder *d, cJSON *obj, const char *key, int *count) {
  cJSON *array = member(d, obj, key);
  *count = 0;
  if (array == NULL)
    return NULL;
  if (!cJSON_IsArray(array)) {
    fail(d, "\"%s\" is not an array", key);
    return NULL;
  }
  size_t n = (size_t)cJSON_GetArraySize(array), i = 0;
  char **items = calloc(n + 1, sizeof(*items));
  if (items == NULL) {
    fail(d, "out of memory");
    return NULL;
  }
  const cJSON *item;
  cJSON_ArrayForEach(item, array) {
    const char *text = cJSON_IsString(item) ? item->valuestring : NULL;
    if (text == NULL)
      fail(d, "\"%s\" holds a non-string", key);
    items[i++] = strdup(text ? text : "");
  }
  *count = (int)n;
  return items;
}

static void decode_header(struct decoder *d, cJSON *obj, struct trace_header_info *h) {
  cJSON *type = cJSON_GetObjectItemCaseSensitive(obj, "type");
  if (!cJSON_IsString(type) || strcmp(type->valuestring, "header") != 0) {
    fail(d, "not a faultsim trace header");
    return;
  }
  h->format = (int)uint_field(d, obj, "format");
  if (d->failed)
    return;
  if (h->format != TRACE_FORMAT_VERSION) {
    fail(d, "trace format version %d is not supported (this faultsim reads version %d)", h->format,
         TRACE_FORMAT_VERSION);
    return;
  }
  h->faultsim_version = strdup(string_field(d, obj, "faultsim"));
  cJSON *kernel = member(d, obj, "kernel");
  h->kernel_build_id = strdup(kernel ? string_field(d, kernel, "build_id") : "");
  cJSON *machine = member(d, obj, "machine");
  if (machine != NULL) {
    h->ram_mib = uint_field(d, machine, "ram_mib");
    h->stack_guard_pages = uint_field(d, machine, "stack_guard_pages");
    h->fail_alloc_nth = uint_field(d, machine, "fail_alloc");
    h->fail_alloc_every = uint_field(d, machine, "fail_alloc_every");
    cJSON *selftest = member(d, machine, "selftest_pf");
    if (selftest != NULL && !cJSON_IsBool(selftest))
      fail(d, "\"selftest_pf\" is not a boolean");
    h->selftest_pf = cJSON_IsTrue(selftest);
  }
  cJSON *command = member(d, obj, "command");
  if (command != NULL) {
    h->program = strdup(string_field(d, command, "program"));
    h->argv = string_array(d, command, "argv", &h->argc);
    h->envp = string_array(d, command, "env", &h->envc);
  }
  cJSON *files = member(d, obj, "files");
  if (files != NULL && !cJSON_IsArray(files))
    fail(d, "\"files\" is not an array");
  if (d->failed || files == NULL)
    return;
  h->file_count = (size_t)cJSON_GetArraySize(files);
  h->files = calloc(h->file_count + 1, sizeof(*h->files));
  if (h->files == NULL) {
    fail(d, "out of memory");
    return;
  }
  size_t i = 0;
  cJSON *f;
  cJSON_ArrayForEach(f, files) {
    struct trace_file_entry *e = &h->files[i++];
    e->guest_path = strdup(string_field(d, f, "guest"));
    e->size = hex_field(d, f, "size");
    const char *sha = string_field(d, f, "sha256");
    if (strlen(sha) != 64)
      fail(d, "\"sha256\" is not 64 hex digits");
    snprintf(e->sha256, sizeof(e->sha256), "%s", sha);
    e->executable = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f, "executable"));
  }
  /* A replay runs files[0] as the program: a header that does not list the
   * program first cannot have come from `faultsim run`. */
  if (d->failed)
    return;
  if (h->file_count == 0)
    fail(d, "\"files\" is empty: the program is not listed");
  else if (h->program == NULL || h->files[0].guest_path == NULL ||
           strcmp(h->files[0].guest_path, h->program) != 0)
    fail(d, "\"files\" does not start with the program %s", h->program ? h->program : "");
}

static void free_header(struct trace_header_info *h) {
  free(h->faultsim_version);
  free(h->kernel_build_id);
  free(h->program);
  for (int i = 0; h->argv && i < h->argc; i++)
    free(h->argv[i]);
  free(h->argv);
  for (int i = 0; h->envp && i < h->envc; i++)
    free(h->envp[i]);
  free(h->envp);
  for (size_t i = 0; h->files && i < h->file_count; i++)
    free((char *)h->files[i].guest_path);
  free(h->files);
}

void trace_reader_close(struct trace_reader *r) {
  if (r == NULL)
    return;
  if (r->file != NULL)
    fclose(r->file);
  free(r->buf);
  free_header(&r->header);
  free(r);
}

struct trace_reader *trace_reader_open(const char *path, char *err, size_t err_size) {
  struct trace_reader *r = calloc(1, sizeof(*r));
  if (r == NULL) {
    set_err(err, err_size, "%s: out of memory", path);
    return NULL;
  }
  r->buf = malloc(READ_CHUNK);
  if (r->buf == NULL) {
    set_err(err, err_size, "%s: out of memory", path);
    trace_reader_close(r);
    return NULL;
  }
  r->buf_cap = READ_CHUNK;
  r->file = fopen(path, "r");
  if (r->file == NULL) {
    set_err(err, err_size, "%s: %s", path, strerror(errno));
    trace_reader_close(r);
    return NULL;
  }
  size_t length;
  int got = read_line(r, &length);
  if (got <= 0) {
    set_err(err, err_size, "%s: line 1: %s", path,
            got == 0 ? "empty file: no header" : "the header line is incomplete (truncated)");
    trace_reader_close(r);
    return NULL;
  }
  size_t column = 0;
  cJSON *obj = trace_json_parse(r->line, length, &column);
  struct decoder d = {.reader = r};
  if (obj == NULL)
    fail(&d, "not valid JSON (column %zu)", column);
  else if (!cJSON_IsObject(obj))
    fail(&d, "not a JSON object");
  else
    decode_header(&d, obj, &r->header);
  trace_json_free(obj);
  if (d.failed) {
    set_err(err, err_size, "%s: line 1: %s", path, d.message);
    trace_reader_close(r);
    return NULL;
  }
  return r;
}

const struct trace_header_info *trace_reader_header(const struct trace_reader *r) {
  return &r->header;
}

void trace_reader_set_fast(struct trace_reader *r, int fast) {
  r->fast = fast;
}

const struct trace_summary_info *trace_reader_summary(const struct trace_reader *r) {
  return &r->summary;
}

static uint32_t kind_of(const char *type) {
  for (uint32_t k = FS_TRACE_FAULT; k <= FS_TRACE_EXIT; k++)
    if (strcmp(type, trace_kind_name(k)) == 0)
      return k;
  return 0;
}

enum trace_read_status trace_reader_next(struct trace_reader *r, struct trace_event *ev, char *err,
                                         size_t err_size) {
  if (r->done)
    return TRACE_READ_END;
  size_t length;
  int got = read_line(r, &length);
  if (got <= 0) {
    r->done = 1;
    if (got == 0)
      set_err(err, err_size, "line %" PRIu64 ": the trace ends without a summary (truncated)",
              r->line_no + 1);
    else
      set_err(err, err_size,
              "line %" PRIu64 ": incomplete last line (truncated); read up to line %" PRIu64,
              r->line_no, r->line_no - 1);
    return TRACE_READ_TRUNCATED;
  }
  memset(ev, 0, offsetof(struct trace_event, insn));
  ev->insn[0] = '\0';
  ev->have_insn = 0;
  ev->line = r->line_no;
  ev->offset = r->line_offset;
  ev->text = r->line;
  if (trace_fastline_decode(r->line, length, ev, r->fast)) {
    r->events++;
    return TRACE_READ_EVENT;
  }
  /* Declined: decode from scratch with cJSON, which also words any error. */
  memset(&ev->record, 0, sizeof(ev->record));
  ev->insn[0] = '\0';
  ev->have_insn = 0;
  size_t column = 0;
  cJSON *obj = trace_json_parse(r->line, length, &column);
  struct decoder d = {.reader = r};
  uint32_t kind = 0;
  if (obj == NULL) {
    fail(&d, "not valid JSON (column %zu)", column);
  } else if (!cJSON_IsObject(obj)) {
    fail(&d, "not a JSON object");
  } else {
    const char *type = string_field(&d, obj, "type");
    if (strcmp(type, "summary") == 0) {
      r->summary.events = uint_field(&d, obj, "events");
      snprintf(r->summary.outcome, sizeof(r->summary.outcome), "%s",
               string_field(&d, obj, "outcome"));
      cJSON *code = cJSON_GetObjectItemCaseSensitive(obj, "code");
      r->summary.code = cJSON_IsNumber(code) ? (int)code->valuedouble : 0;
      r->summary.instructions = uint_field(&d, obj, "instructions");
      if (!d.failed && r->summary.events != r->events)
        fail(&d, "the summary counts %" PRIu64 " events but the trace holds %" PRIu64,
             r->summary.events, r->events);
      trace_json_free(obj);
      r->done = 1;
      if (d.failed) {
        set_err(err, err_size, "line %" PRIu64 ": %s", r->line_no, d.message);
        return TRACE_READ_ERROR;
      }
      return TRACE_READ_END;
    }
    kind = d.failed ? 0 : kind_of(type);
    if (!d.failed && kind == 0)
      fail(&d, "unknown record type \"%s\"", type);
    if (!d.failed)
      decode_event(&d, obj, kind, ev, r->fast);
  }
  trace_json_free(obj);
  if (d.failed) {
    r->done = 1;
    set_err(err, err_size, "line %" PRIu64 ": %s", r->line_no, d.message);
    return TRACE_READ_ERROR;
  }
  r->events++;
  return TRACE_READ_EVENT;
}
