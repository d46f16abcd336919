#include "trace_compare.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "trace_json.h"

void trace_history_push(struct trace_history *h, const char *line) {
  char *slot = h->lines[h->count % TRACE_HISTORY_LINES];
  size_t length = strlen(line);
  if (length >= TRACE_LINE_MAX)
    length = TRACE_LINE_MAX - 1;
  memcpy(slot, line, length);
  slot[length] = '\0';
  h->count++;
}

void trace_history_print(const struct trace_history *h, FILE *out) {
  unsigned shown = h->count < TRACE_HISTORY_LINES ? h->count : TRACE_HISTORY_LINES;
  if (shown == 0)
    return;
  fprintf(out, "  the %u events before it:\n", shown);
  for (unsigned i = h->count - shown; i < h->count; i++)
    fprintf(out, "    %s\n", h->lines[i % TRACE_HISTORY_LINES]);
}

/* One flattened field: "region.start" -> "0x400000". */
struct field {
  char key[48];
  char value[160];
};
#define MAX_FIELDS 48

static void flatten(const cJSON *obj, const char *prefix, struct field *fields, size_t *count) {
  const cJSON *value;
  cJSON_ArrayForEach(value, obj) {
    if (*count >= MAX_FIELDS)
      return;
    char name[48];
    snprintf(name, sizeof(name), "%s%s", prefix, value->string ? value->string : "?");
    if (cJSON_IsObject(value)) {
      char nested[sizeof(name) + 1];
      snprintf(nested, sizeof(nested), "%s.", name);
      flatten(value, nested, fields, count);
      continue;
    }
    struct field *f = &fields[(*count)++];
    snprintf(f->key, sizeof(f->key), "%s", name);
    if (cJSON_IsString(value))
      snprintf(f->value, sizeof(f->value), "%s", value->valuestring);
    else if (cJSON_IsNumber(value))
      snprintf(f->value, sizeof(f->value), "%.17g", value->valuedouble);
    else if (cJSON_IsBool(value))
      snprintf(f->value, sizeof(f->value), "%s", cJSON_IsTrue(value) ? "true" : "false");
    else if (cJSON_IsNull(value))
      snprintf(f->value, sizeof(f->value), "null");
    else
      snprintf(f->value, sizeof(f->value), "(array)");
  }
}

static size_t fields_of(const char *line, struct field *fields) {
  size_t count = 0;
  if (line == NULL)
    return 0;
  cJSON *obj = trace_json_parse(line, strlen(line), NULL);
  if (cJSON_IsObject(obj))
    flatten(obj, "", fields, &count);
  trace_json_free(obj);
  return count;
}

static const char *lookup(const struct field *fields, size_t count, const char *key) {
  for (size_t i = 0; i < count; i++)
    if (strcmp(fields[i].key, key) == 0)
      return fields[i].value;
  return NULL;
}

void trace_print_side_by_side(FILE *out, const char *label_a, const char *line_a,
                              const char *label_b, const char *line_b) {
  static struct field fa[MAX_FIELDS], fb[MAX_FIELDS];
  size_t na = fields_of(line_a, fa), nb = fields_of(line_b, fb);
  fprintf(out, "  %-20s %-36s %-36s\n", "field", label_a, label_b);
  for (size_t i = 0; i < na; i++) {
    const char *other = lookup(fb, nb, fa[i].key);
    int differs = other == NULL || strcmp(other, fa[i].value) != 0;
    fprintf(out, "  %-20s %-36s %-36s%s\n", fa[i].key, fa[i].value,
            line_b == NULL ? "(no event)"
            : other        ? other
                           : "(absent)",
            differs ? "  <<" : "");
  }
  for (size_t i = 0; i < nb; i++)
    if (lookup(fa, na, fb[i].key) == NULL)
      fprintf(out, "  %-20s %-36s %-36s  <<\n", fb[i].key,
              line_a == NULL ? "(no event)" : "(absent)", fb[i].value);
}

static int same_event(const struct trace_event *a, const struct trace_event *b) {
  return a->seq == b->seq && memcmp(&a->record, &b->record, sizeof(a->record)) == 0 &&
         a->have_insn == b->have_insn && strcmp(a->insn, b->insn) == 0;
}

int trace_compare_readers(struct trace_reader *a, const char *path_a, struct trace_reader *b,
                          const char *path_b, FILE *out, const struct trace_compare_options *opt,
                          struct trace_compare_result *result) {
  memset(result, 0, sizeof(*result));
  static struct trace_history history;
  history.count = 0;
  struct trace_event ea, eb;
  char err[512];
  int a_done = 0, b_done = 0;
  for (;;) {
    enum trace_read_status sa = TRACE_READ_END, sb = TRACE_READ_END;
    if (!a_done) {
      sa = trace_reader_next(a, &ea, err, sizeof(err));
      if (sa == TRACE_READ_TRUNCATED || sa == TRACE_READ_ERROR) {
        fprintf(out, "%s: %s\n", path_a, err);
        result->unreadable = 1;
        return 3;
      }
      a_done = sa == TRACE_READ_END;
    }
    if (!b_done) {
      sb = trace_reader_next(b, &eb, err, sizeof(err));
      if (sb == TRACE_READ_TRUNCATED || sb == TRACE_READ_ERROR) {
        fprintf(out, "%s: %s\n", path_b, err);
        result->unreadable = 2;
        return 3;
      }
      b_done = sb == TRACE_READ_END;
    }
    if (a_done && b_done)
      break;
    result->events_a += !a_done;
    result->events_b += !b_done;
    if (!a_done && !b_done && same_event(&ea, &eb)) {
      trace_history_push(&history, ea.text);
      continue;
    }
    result->differing++;
    if (result->differing == 1) {
      result->first_line_a = a_done ? 0 : ea.line;
      result->first_line_b = b_done ? 0 : eb.line;
      uint64_t seq = a_done ? eb.seq : ea.seq;
      fprintf(out,
              "first divergence at event %" PRIu64 " (%s line %" PRIu64 ", %s line %" PRIu64 "):\n",
              seq, opt->label_a, result->first_line_a, opt->label_b, result->first_line_b);
      trace_print_side_by_side(out, opt->label_a, a_done ? NULL : ea.text, opt->label_b,
                               b_done ? NULL : eb.text);
      trace_history_print(&history, out);
      if (opt->stop_at_first)
        return 1;
    }
    if (!a_done)
      trace_history_push(&history, ea.text);
  }
  return result->differing ? 1 : 0;
}
