#include "gdb_session.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <faultsim/abi.h>

struct decision_search {
  int decision;
  uint64_t faults; /* FAULT records seen */
  uint64_t found;  /* index of the first match, 0: none yet */
};

static void count_faults(void *opaque, const void *record, size_t size) {
  struct decision_search *search = opaque;
  const struct fs_trace_record *r = record;
  (void)size;
  if (r->size != sizeof *r || r->kind != FS_TRACE_FAULT)
    return;
  search->faults++;
  if (!search->found && (int)r->u.fault.decision == search->decision)
    search->found = search->faults;
}

int gdb_find_decision(const struct machine_config *config, int decision, uint64_t *index, char *err,
                      size_t err_size) {
  static const char *const names[] = FS_DECISION_NAMES;
  struct decision_search search = {.decision = decision};
  struct machine_config silent = *config;
  FILE *null_out = fopen("/dev/null", "w");
  if (!null_out) {
    snprintf(err, err_size, "cannot open /dev/null");
    return -1;
  }
  silent.guest_stdout = null_out;
  silent.guest_stderr = null_out;
  silent.kernel_log = NULL;
  silent.boot_flags |= FS_BOOT_TRACE;
  silent.on_trace = count_faults;
  silent.trace_opaque = &search;
  struct machine *m = machine_create(&silent, err, err_size);
  struct machine_result *result = calloc(1, sizeof *result);
  int rc = -1;
  if (m && result) {
    machine_run(m, result);
    if (search.found) {
      *index = search.found;
      rc = 0;
    } else if (search.faults == 0) {
      snprintf(err, err_size,
               "--break-on-decision: the kernel sent no fault trace records (not yet supported "
               "by this kernel); use --break-on-fault N");
    } else {
      snprintf(err, err_size, "--break-on-decision: none of the %llu faults was decided as %s",
               (unsigned long long)search.faults, names[decision]);
    }
  } else if (!result) {
    snprintf(err, err_size, "out of memory");
  }
  free(result);
  machine_destroy(m);
  fclose(null_out);
  return rc;
}

struct gdb_stub *gdb_session_begin(struct machine *m, const char *host, unsigned port,
                                   uint64_t break_on_fault, const char *script_path,
                                   const char *kernel_elf, const char *program, char *err,
                                   size_t err_size) {
  struct gdb_stub *s = gdb_stub_listen(host, port, err, err_size);
  if (!s)
    return NULL;
  char kernel_abs[PATH_MAX], program_abs[PATH_MAX];
  if (kernel_elf && realpath(kernel_elf, kernel_abs))
    kernel_elf = kernel_abs;
  if (program && realpath(program, program_abs))
    program = program_abs;
  if (script_path) {
    FILE *out = fopen(script_path, "w");
    if (!out) {
      snprintf(err, err_size, "--gdb-script %s: cannot write", script_path);
      gdb_stub_close(s);
      return NULL;
    }
    gdb_stub_write_script(s, out, kernel_elf, program);
    fclose(out);
  }
  /* Printed after the script exists: a test (or a user) may wait for this
   * line and then start gdb with the script. */
  fprintf(stderr, "faultsim: gdb stub listening on %s:%u\n", host, gdb_stub_port(s));
  if (!script_path) {
    fputs("faultsim: gdb commands:\n", stderr);
    gdb_stub_write_script(s, stderr, kernel_elf, program);
  }
  fflush(stderr);
  if (gdb_stub_attach(s, m, break_on_fault) != 0) {
    snprintf(err, err_size, "cannot attach the debugger to the machine");
    gdb_stub_close(s);
    return NULL;
  }
  return s;
}
