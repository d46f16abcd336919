/*
 * Writing the trace: JSON Lines with a fixed key order and hex strings for
 * every address and size, so the same inputs always give the same bytes.
 * Pure formatting (no machine, no files): see docs/trace-format.md.
 */
#ifndef FAULTSIM_TRACE_FORMAT_H
#define FAULTSIM_TRACE_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <faultsim/abi.h>

/* The version of the JSON Lines format (not of the guest ABI record).  A
 * reader accepts exactly this value: any change of a key or its meaning
 * bumps it. */
#define TRACE_FORMAT_VERSION 1

/* Longest event line the formatter produces, newline included. */
#define TRACE_LINE_MAX 4096

#define TRACE_SHA256_HEX 65 /* 64 hex digits and a NUL */

/* One file placed in the guest, identified by content, never by host path. */
struct trace_file_entry {
  const char *guest_path;
  uint64_t size;
  char sha256[TRACE_SHA256_HEX];
  int executable;
};

/* Everything the header line holds: what a replay needs to rebuild the run. */
struct trace_header {
  const char *faultsim_version;
  char kernel_sha256[TRACE_SHA256_HEX];
  uint64_t ram_mib;
  uint64_t stack_guard_pages;
  uint64_t fail_alloc_nth;
  uint64_t fail_alloc_every;
  int selftest_pf;
  const char *program; /* guest path, /bin/NAME */
  int argc;            /* argv[0] is the program's guest path */
  const char *const *argv;
  int envc;
  const char *const *envp;
  const char *cmdline; /* informational */
  size_t file_count;   /* the program first, then every --file */
  const struct trace_file_entry *files;
};

/* Writes s as a JSON string (quotes included), escaping what JSON requires
 * and any byte that is not printable ASCII as \u00XX. */
void trace_json_string(FILE *out, const char *s);
/* The same into buf; returns the length, or -1 when it does not fit. */
int trace_json_string_buf(char *buf, size_t size, const char *s);

void trace_write_header(FILE *out, const struct trace_header *header);

/* Formats one record as an event line (newline included) into line
 * (TRACE_LINE_MAX bytes).  insn is the disassembled faulting instruction or
 * NULL when it could not be read.  Returns the length, or -1 for a record
 * whose kind is unknown. */
int trace_format_event(char *line, uint64_t seq, const struct fs_trace_record *record,
                       const char *insn);

/* How the run ended, for the summary line. */
struct trace_summary {
  uint64_t events;
  const char *outcome; /* "exited", "signaled", "panic", "triple_fault", "error" */
  int code;
  uint64_t instructions;
  const struct fs_kernel_report *report; /* NULL: the kernel sent none */
};
void trace_write_summary(FILE *out, const struct trace_summary *summary);

/* "rwx"-style protection text ("---" for none). */
void trace_prot_text(uint32_t prot, char text[4]);

/* Names by number; "?" when out of range. */
const char *trace_kind_name(uint32_t kind);
const char *trace_region_type_name(uint32_t type);
const char *trace_decision_name(uint32_t decision);
const char *trace_populate_name(uint32_t populate);

#endif /* FAULTSIM_TRACE_FORMAT_H */
