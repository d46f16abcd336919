/*
 * The recording side of `faultsim run --trace FILE`: receives the machine's
 * trace records, disassembles each faulting instruction and writes one line
 * per event, flushed at once so a killed host leaves only complete lines.
 */
#ifndef FAULTSIM_TRACE_RECORDER_H
#define FAULTSIM_TRACE_RECORDER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "machine/machine.h"
#include "trace_format.h"

struct trace_recorder;

/* Writes the header to out (which the recorder then owns and closes).
 * NULL when out of memory or Capstone cannot start (message in err). */
struct trace_recorder *trace_recorder_create(FILE *out, const struct trace_header *header,
                                             char *err, size_t err_size);

/* The machine the records come from: faulting instructions are read through
 * its current page tables.  Call before machine_run. */
void trace_recorder_attach(struct trace_recorder *r, struct machine *m);

/* machine_config.on_trace, with trace_opaque = the recorder. */
void trace_recorder_on_record(void *opaque, const void *record, size_t size);

/* Writes the summary line and closes the file.  Returns 0, or -1 when some
 * write failed (the trace is then incomplete). */
int trace_recorder_finish(struct trace_recorder *r, const struct machine_result *result);

/* Closes without a summary (the run did not happen) and frees. */
void trace_recorder_free(struct trace_recorder *r);

/* How a run ended, as the summary line names it ("exited", "signaled",
 * "panic", "triple_fault", "error"); also what `faultsim run` says when the
 * machine stopped. */
const char *trace_outcome_name(enum machine_outcome outcome);

/* SHA-256 of a buffer as 64 lowercase hex digits. */
void trace_sha256_hex(const void *data, size_t size, char hex[TRACE_SHA256_HEX]);

#endif /* FAULTSIM_TRACE_RECORDER_H */
