/*
 * The reader's fast path: event lines exactly as trace_format_event writes
 * them (fixed key order, no whitespace, plain strings) are decoded by a
 * strict scanner instead of cJSON.  Anything else -- another key order,
 * whitespace, escapes, numbers out of the exact range, a header or summary,
 * any error -- is declined and goes to the general cJSON decoder, which
 * decides and words every error.  So the fast path only ever accepts lines
 * the general decoder accepts, and fills the event with the same values.
 */
#ifndef FAULTSIM_TRACE_FASTLINE_H
#define FAULTSIM_TRACE_FASTLINE_H

#include <stddef.h>

#include "trace_reader.h"

/* Decodes line[0..length) into *ev, which the caller has cleared (record
 * zero, insn "", have_insn 0) and whose line/offset/text it has set.  With
 * fast set, only what the general decoder's fast mode keeps is stored (the
 * rest is still validated).  Returns 1 when decoded, 0 when declined (*ev
 * may then be partly written: the caller clears it again). */
int trace_fastline_decode(const char *line, size_t length, struct trace_event *ev, int fast);

#endif /* FAULTSIM_TRACE_FASTLINE_H */
