/*
 * Comparing traces event by event: `faultsim trace diff`, and the online
 * `faultsim replay` (which records a fresh trace and compares it with the
 * old one).  The report shows both events side by side, field by field --
 * the faulting instruction and the region included -- and the events that
 * led up to the first divergence.
 */
#ifndef FAULTSIM_TRACE_COMPARE_H
#define FAULTSIM_TRACE_COMPARE_H

#include <stdint.h>
#include <stdio.h>

#include "trace_reader.h"

/* The last few event lines seen, oldest first when printed. */
#define TRACE_HISTORY_LINES 5
struct trace_history {
  char lines[TRACE_HISTORY_LINES][TRACE_LINE_MAX];
  unsigned count; /* lines pushed in all */
};
void trace_history_push(struct trace_history *h, const char *line);
void trace_history_print(const struct trace_history *h, FILE *out);

/* Prints two event lines as a table of fields (nested objects flattened to
 * region.start ...), marking the fields that differ.  Either may be NULL
 * (that trace has no event there). */
void trace_print_side_by_side(FILE *out, const char *label_a, const char *line_a,
                              const char *label_b, const char *line_b);

struct trace_compare_options {
  const char *label_a; /* "recorded" / "A" */
  const char *label_b; /* "replayed" / "B" */
  int stop_at_first;   /* replay: stop at the first divergence */
};

struct trace_compare_result {
  uint64_t events_a, events_b;
  uint64_t differing; /* positions where the events differ, one side missing included */
  uint64_t first_line_a, first_line_b; /* of the first divergence; 0 when none */
  int unreadable;                      /* with status 3: 1 when A is the bad trace, 2 when B is */
};

/* Returns 0 (same events), 1 (they differ: first divergence reported on out)
 * or 3 (either trace unreadable, truncated or of the wrong version: the
 * reason and line on out). */
int trace_compare_readers(struct trace_reader *a, const char *path_a, struct trace_reader *b,
                          const char *path_b, FILE *out, const struct trace_compare_options *opt,
                          struct trace_compare_result *result);

#endif /* FAULTSIM_TRACE_COMPARE_H */
