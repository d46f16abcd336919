/* `faultsim trace stats`: decisions by region type, the regions that fault
 * most and the instructions that fault most. */
#ifndef FAULTSIM_TRACE_STATS_H
#define FAULTSIM_TRACE_STATS_H

#include <stdio.h>

/* Prints the tables for the trace at path on out.  Returns 0, or 3 when the
 * trace is unreadable, malformed or truncated: the tables then cover every
 * complete event before the named line, and the reason goes to err_out. */
int trace_stats_print(const char *path, FILE *out, FILE *err_out);

#endif /* FAULTSIM_TRACE_STATS_H */
