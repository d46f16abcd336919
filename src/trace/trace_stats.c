#include "trace_stats.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "trace_reader.h"

#define TOP_ROWS 10

struct region_key {
  uint32_t pid;
  uint32_t type;
  uint64_t start, end;
};

struct insn_key {
  uint64_t rip;
  char insn[160]; /* as wide as trace_event.insn */
};

struct collected {
  uint64_t decisions[FS_REGION_TYPE_COUNT][FS_DECISION_COUNT];
  struct region_key *regions;
  struct insn_key *insns;
  size_t count, cap;
};

static int compare_regions(const void *a, const void *b) {
  const struct region_key *x = a, *y = b;
  if (x->pid != y->pid)
    return x->pid < y->pid ? -1 : 1;
  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  if (x->end != y->end)
    return x->end < y->end ? -1 : 1;
  return x->type < y->type ? -1 : x->type > y->type;
}

static int compare_insns(const void *a, const void *b) {
  const struct insn_key *x = a, *y = b;
  if (x->rip != y->rip)
    return x->rip < y->rip ? -1 : 1;
  return strcmp(x->insn, y->insn);
}

/* A distinct key and how often it occurred; ties keep the key order, so the
 * table is the same on every host. */
struct ranked {
  size_t first; /* index of the key in the sorted array */
  uint64_t count;
};

static int compare_ranked(const void *a, const void *b) {
  const struct ranked *x = a, *y = b;
  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  return x->first < y->first ? -1 : x->first > y->first;
}

/* Sorts the keys, then counts runs of equal ones, most frequent first.  No
 * sort of an empty (possibly NULL) array: qsort requires a valid pointer. */
static size_t rank(void *keys, size_t count, size_t size, int (*cmp)(const void *, const void *),
                   struct ranked *out) {
  if (count == 0)
    return 0;
  qsort(keys, count, size, cmp);
  size_t distinct = 0;
  for (size_t i = 0; i < count; i++) {
    const char *key = (const char *)keys + i * size;
    if (distinct > 0 && cmp((const char *)keys + out[distinct - 1].first * size, key) == 0) {
      out[distinct - 1].count++;
      continue;
    }
    out[distinct++] = (struct ranked){i, 1};
  }
  qsort(out, distinct, sizeof(*out), compare_ranked);
  return distinct;
}

static void print_tables(struct collected *c, uint64_t events, FILE *out) {
  fprintf(out, "events %" PRIu64 ", faults %zu\n\n", events, c->count);
  fprintf(out, "decisions by region type:\n  %-10s", "region");
  for (uint32_t d = 0; d < FS_DECISION_COUNT; d++)
    fprintf(out, " %10s", trace_decision_name(d));
  fprintf(out, " %10s\n", "total");
  for (uint32_t t = 0; t < FS_REGION_TYPE_COUNT; t++) {
    uint64_t total = 0;
    for (uint32_t d = 0; d < FS_DECISION_COUNT; d++)
      total += c->decisions[t][d];
    if (total == 0)
      continue;
    fprintf(out, "  %-10s", trace_region_type_name(t));
    for (uint32_t d = 0; d < FS_DECISION_COUNT; d++)
      fprintf(out, " %10" PRIu64, c->decisions[t][d]);
    fprintf(out, " %10" PRIu64 "\n", total);
  }

  struct ranked *ranked = malloc((c->count ? c->count : 1) * sizeof(*ranked));
  if (ranked == NULL)
    return;
  size_t n = rank(c->regions, c->count, sizeof(*c->regions), compare_regions, ranked);
  fprintf(out, "\nfaults per region (top %d of %zu):\n  %6s %5s %-10s %-37s\n", TOP_ROWS, n,
          "faults", "pid", "type", "range");
  for (size_t i = 0; i < n && i < TOP_ROWS; i++) {
    const struct region_key *k = &c->regions[ranked[i].first];
    if (k->type == FS_REGION_NONE)
      fprintf(out, "  %6" PRIu64 " %5" PRIu32 " %-10s (no region)\n", ranked[i].count, k->pid,
              "none");
    else
      fprintf(out, "  %6" PRIu64 " %5" PRIu32 " %-10s [0x%" PRIx64 ", 0x%" PRIx64 ")\n",
              ranked[i].count, k->pid, trace_region_type_name(k->type), k->start, k->end);
  }

  n = rank(c->insns, c->count, sizeof(*c->insns), compare_insns, ranked);
  fprintf(out, "\ntop faulting instructions (top %d of %zu):\n  %6s %-18s %s\n", TOP_ROWS, n,
          "faults", "rip", "instruction");
  for (size_t i = 0; i < n && i < TOP_ROWS; i++) {
    const struct insn_key *k = &c->insns[ranked[i].first];
    fprintf(out, "  %6" PRIu64 " 0x%-16" PRIx64 " %s\n", ranked[i].count, k->rip,
            k->insn[0] ? k->insn : "(unreadable)");
  }
  free(ranked);
}

static int add_fault(struct collected *c, const struct trace_event *ev) {
  const struct fs_trace_fault *f = &ev->record.u.fault;
  if (c->count == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 1024;
    struct region_key *regions = realloc(c->regions, cap * sizeof(*regions));
    if (regions != NULL)
      c->regions = regions;
    struct insn_key *insns = realloc(c->insns, cap * sizeof(*insns));
    if (insns != NULL)
      c->insns = insns;
    if (regions == NULL || insns == NULL)
      return -1;
    c->cap = cap;
  }
  if (f->region.type < FS_REGION_TYPE_COUNT && f->decision < FS_DECISION_COUNT)
    c->decisions[f->region.type][f->decision]++;
  c->regions[c->count] =
      (struct region_key){ev->record.pid, f->region.type, f->region.start, f->region.end};
  struct insn_key *k = &c->insns[c->count];
  memset(k, 0, sizeof(*k));
  k->rip = f->rip;
  snprintf(k->insn, sizeof(k->insn), "%s", ev->insn);
  c->count++;
  return 0;
}

int trace_stats_print(const char *path, FILE *out, FILE *err_out) {
  char err[512];
  struct trace_reader *reader = trace_reader_open(path, err, sizeof(err));
  if (reader == NULL) {
    fprintf(err_out, "faultsim trace stats: %s\n", err);
    return 3;
  }
  struct collected c = {0};
  struct trace_event ev;
  uint64_t events = 0;
  int status = 0;
  for (;;) {
    enum trace_read_status rs = trace_reader_next(reader, &ev, err, sizeof(err));
    if (rs == TRACE_READ_END)
      break;
    if (rs != TRACE_READ_EVENT) {
      status = 3;
      break;
    }
    events++;
    if (ev.record.kind == FS_TRACE_FAULT && add_fault(&c, &ev) != 0) {
      snprintf(err, sizeof(err), "out of memory");
      status = 3;
      break;
    }
  }
  print_tables(&c, events, out);
  if (status != 0)
    fprintf(err_out, "faultsim trace stats: %s: %s\n", path, err);
  free(c.regions);
  free(c.insns);
  trace_reader_close(reader);
  return status;
}
