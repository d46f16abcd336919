/*
 * Reading a trace back: the header, then one event at a time, then the
 * summary.  Errors name the line; a trace whose summary is missing (the host
 * was killed, or the file was cut, even mid-line) reads up to its last
 * complete line and then reports itself as truncated.
 */
#ifndef FAULTSIM_TRACE_READER_H
#define FAULTSIM_TRACE_READER_H

#include <stdint.h>
#include <stdio.h>

#include <faultsim/abi.h>

#include "trace_format.h"

/* The header as read: strings owned by the reader. */
struct trace_header_info {
  int format;
  char *faultsim_version;
  char *kernel_build_id; /* "sha256:..." */
  uint64_t ram_mib;
  uint64_t stack_guard_pages;
  uint64_t fail_alloc_nth;
  uint64_t fail_alloc_every;
  int selftest_pf;
  char *program;
  int argc;
  char **argv;
  int envc;
  char **envp;
  size_t file_count;
  struct trace_file_entry *files; /* guest_path strings owned by the reader */
};

struct trace_event {
  uint64_t line;   /* 1-based line number in the file */
  uint64_t offset; /* byte offset of the line in the file */
  uint64_t seq;
  struct fs_trace_record record; /* as the guest sent it; reserved fields zero */
  char insn[160];                /* "" when the trace has null */
  int have_insn;
  const char *text; /* the raw line, valid until the next read */
};

enum trace_read_status {
  TRACE_READ_EVENT = 0,     /* *event is filled */
  TRACE_READ_END = 1,       /* the summary line was read: the trace is complete */
  TRACE_READ_TRUNCATED = 2, /* the file ends without a summary (message in err) */
  TRACE_READ_ERROR = 3,     /* unreadable or malformed line (message in err) */
};

struct trace_reader;

/* Opens path ("-" is not special) and reads the header.  Returns NULL with
 * a message naming the line in err on any error (exit status 3). */
struct trace_reader *trace_reader_open(const char *path, char *err, size_t err_size);
void trace_reader_close(struct trace_reader *r);

const struct trace_header_info *trace_reader_header(const struct trace_reader *r);

/* When set, fault lines decode only what a decision check needs (kind, pid,
 * seq, addr, error code, rip, decision, populate, region type and bounds):
 * the offline replay's fast path. */
void trace_reader_set_fast(struct trace_reader *r, int fast);

enum trace_read_status trace_reader_next(struct trace_reader *r, struct trace_event *event,
                                         char *err, size_t err_size);

/* After TRACE_READ_END: the summary's fields. */
struct trace_summary_info {
  uint64_t events;
  char outcome[32];
  int code;
  uint64_t instructions;
};
const struct trace_summary_info *trace_reader_summary(const struct trace_reader *r);

#endif /* FAULTSIM_TRACE_READER_H */
