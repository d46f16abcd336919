/*
 * JSON parsing for trace readers: cJSON (Debian's libcjson-dev) with its
 * allocation hooks pointed at a per-parse arena.  A trace line parses into a
 * few dozen small nodes; taking them from an arena that is rewound before
 * the next parse saves a malloc/free per node.  Event lines exactly as the
 * writer prints them skip cJSON altogether (trace_fastline.h); it parses the
 * header, the summary and any line the fast path declines.
 *
 * Rule: a tree returned by trace_json_parse is valid until the next
 * trace_json_parse call.  Release it with trace_json_free (nodes that did
 * not fit the arena came from malloc and are freed there).
 */
#ifndef FAULTSIM_TRACE_JSON_H
#define FAULTSIM_TRACE_JSON_H

#include <stddef.h>

#include <cJSON.h>

/* Parses text[0..length); NULL on a syntax error, with the 1-based column of
 * the error in *error_column. */
cJSON *trace_json_parse(const char *text, size_t length, size_t *error_column);
void trace_json_free(cJSON *tree);

#endif /* FAULTSIM_TRACE_JSON_H */
