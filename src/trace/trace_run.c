#include "trace_run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct trace_recorder *trace_run_open(const struct trace_run_inputs *in, char *err,
                                      size_t err_size) {
  const struct run_args *args = in->args;
  size_t file_count = 1 + args->file_count;
  struct trace_file_entry *files = calloc(file_count, sizeof(*files));
  if (files == NULL) {
    snprintf(err, err_size, "out of memory");
    return NULL;
  }
  files[0].guest_path = in->guest_program;
  files[0].size = in->program->size;
  files[0].executable = 1;
  trace_sha256_hex(in->program->data, in->program->size, files[0].sha256);
  for (size_t i = 0; i < args->file_count; i++) {
    files[i + 1].guest_path = args->files[i].guest;
    files[i + 1].size = in->files[i].size;
    files[i + 1].executable = in->files[i].executable;
    trace_sha256_hex(in->files[i].data, in->files[i].size, files[i + 1].sha256);
  }
  struct trace_header header = {
      .faultsim_version = FAULTSIM_VERSION,
      .ram_mib = args->ram_mib,
      .stack_guard_pages = args->stack_guard_pages,
      .fail_alloc_nth = args->fail_alloc_nth,
      .fail_alloc_every = args->fail_alloc_every,
      .selftest_pf = args->selftest_pf,
      .program = in->guest_program,
      .argc = 1 + args->guest_argc,
      .argv = (const char *const *)in->guest_argv,
      .envc = (int)args->env_count,
      .envp = (const char *const *)args->env,
      .cmdline = in->cmdline,
      .file_count = file_count,
      .files = files,
  };
  trace_sha256_hex(in->kernel_elf, in->kernel_elf_size, header.kernel_sha256);
  struct trace_recorder *recorder = NULL;
  FILE *out = fopen(args->trace_path, "w");
  if (out == NULL)
    snprintf(err, err_size, "--trace %s: %s", args->trace_path, strerror(errno));
  else
    recorder = trace_recorder_create(out, &header, err, err_size);
  if (out != NULL && recorder == NULL)
    fclose(out);
  free(files);
  return recorder;
}
