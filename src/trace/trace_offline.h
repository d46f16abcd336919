/*
 * `faultsim replay --offline`: no machine.  The recorded layout events and
 * faults are fed to the host build of the page-fault core (the kernel's own
 * kernel/mm sources, fs_mmcore) and each decision is compared with the
 * recorded one.  See docs/trace-format.md, "Offline replay", for what is
 * compared and how failed calls and OOM decisions are replayed.
 */
#ifndef FAULTSIM_TRACE_OFFLINE_H
#define FAULTSIM_TRACE_OFFLINE_H

#include <stdint.h>
#include <stdio.h>

struct trace_offline_result {
  uint64_t events; /* events replayed */
  uint64_t faults; /* fault decisions compared */
  double seconds;  /* CPU time spent, for -v (never written to a trace) */
};

/* Replays the trace at path.  Returns 0 when every decision matches, 1 at
 * the first divergence (reported on out), 3 when the trace is unreadable,
 * truncated or of the wrong version (the line is named on out). */
int trace_offline_replay(const char *path, FILE *out, struct trace_offline_result *result);

#endif /* FAULTSIM_TRACE_OFFLINE_H */
