/* `faultsim run --trace FILE`: builds the header from what cmd_run loaded
 * (guest paths and content hashes only, never host paths) and opens the
 * recorder.  Kept here so cmd_run only calls it. */
#ifndef FAULTSIM_TRACE_RUN_H
#define FAULTSIM_TRACE_RUN_H

#include <stddef.h>

#include "host_file.h"
#include "run_args.h"
#include "trace_recorder.h"

struct trace_run_inputs {
  const struct run_args *args;
  const char *guest_program;
  const struct host_file *program;
  const struct host_file *files; /* args->file_count of them */
  const void *kernel_elf;
  size_t kernel_elf_size;
  char *const *guest_argv; /* 1 + args->guest_argc */
  const char *cmdline;
};

/* Creates args->trace_path and writes the header.  NULL with a message in
 * err when the file cannot be created. */
struct trace_recorder *trace_run_open(const struct trace_run_inputs *in, char *err,
                                      size_t err_size);

#endif /* FAULTSIM_TRACE_RUN_H */
