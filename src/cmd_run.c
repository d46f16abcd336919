/* `faultsim run`: check PROGRAM, pack the initramfs, boot, run, report. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <faultsim/abi.h>

#include "cli.h"
#include "commands.h"
#include "cpio_writer.h"
#include "elfcheck.h"
#include "host_file.h"
#include "kernel_image.h"
#include "machine/machine.h"
#include "run_args.h"
#include "stats_report.h"
#include "trace_run.h"
#include "gdb_session.h"
#include "kernel_image_path.h"

/* Lines of the kernel log shown after an abnormal stop. */
#define KERNEL_LOG_TAIL_LINES 40

/* Everything cmd_run owns, released in one place. */
struct run_state {
  struct run_args args;
  struct host_file program;
  struct host_file *files;
  struct kernel_image kernel;
  struct cpio_writer *cpio;
  void *initramfs;
  size_t initramfs_size;
  char *guest_program;
  char **guest_argv;
  char *cmdline;
  struct machine *machine;
};

static void run_state_free(struct run_state *s) {
  if (s->machine != NULL)
    machine_destroy(s->machine);
  free(s->cmdline);
  free(s->guest_argv);
  free(s->guest_program);
  free(s->initramfs);
  cpio_writer_free(s->cpio);
  kernel_image_free(&s->kernel);
  if (s->files != NULL)
    for (size_t i = 0; i < s->args.file_count; i++)
      host_file_free(&s->files[i]);
  free(s->files);
  host_file_free(&s->program);
  run_args_free(&s->args);
}

/* Single-quotes a word unless it is plainly safe, the way a shell would need. */
static void append_word(FILE *out, const char *word) {
  int plain = word[0] != '\0';
  for (const char *p = word; *p && plain; p++)
    plain = strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./=:,+-@%",
                   *p) != NULL;
  if (plain) {
    fputs(word, out);
    return;
  }
  fputc('\'', out);
  for (const char *p = word; *p; p++) {
    if (*p == '\'')
      fputs("'\\''", out);
    else
      fputc(*p, out);
  }
  fputc('\'', out);
}

/* "NAME=VALUE... /bin/NAME ARGS...": guest paths only, never host ones. */
static char *render_cmdline(const struct run_args *args, char *const *guest_argv) {
  char *text = NULL;
  size_t length = 0;
  FILE *out = open_memstream(&text, &length);
  if (out == NULL)
    return NULL;
  for (size_t i = 0; i < args->env_count; i++) {
    append_word(out, args->env[i]);
    fputc(' ', out);
  }
  for (int i = 0; i < 1 + args->guest_argc; i++) {
    if (i > 0)
      fputc(' ', out);
    append_word(out, guest_argv[i]);
  }
  if (fclose(out) != 0) {
    free(text);
    return NULL;
  }
  if (length >= FS_BOOT_CMDLINE_MAX) {
    static const char ellipsis[] = "...";
    memcpy(text + FS_BOOT_CMDLINE_MAX - sizeof(ellipsis), ellipsis, sizeof(ellipsis));
  }
  return text;
}

static size_t strings_size(char *const *strings, size_t count) {
  size_t total = 0;
  for (size_t i = 0; i < count; i++)
    total += strlen(strings[i]) + 1;
  return total;
}

static void print_log_tail(const char *log) {
  if (log == NULL || log[0] == '\0') {
    fputs("faultsim: the kernel log is empty\n", stderr);
    return;
  }
  fputs("faultsim: kernel log (tail):\n", stderr);
  fputs(cli_text_tail(log, KERNEL_LOG_TAIL_LINES, SIZE_MAX), stderr);
  if (log[strlen(log) - 1] != '\n')
    fputc('\n', stderr);
}

/* Reads PROGRAM, the --file inputs and the kernel; returns an exit status or
 * 0 to go on. */
static int load_inputs(struct run_state *s) {
  const struct run_args *args = &s->args;
  char reason[512];
  if (host_file_read(args->program, &s->program, reason, sizeof(reason)) != 0 ||
      elf_check_executable(s->program.data, s->program.size, reason, sizeof(reason)) != 0) {
    fprintf(stderr, "faultsim: %s: %s\n", args->program, reason);
    return FAULTSIM_EXIT_BAD_PROGRAM;
  }
  s->files = calloc(args->file_count ? args->file_count : 1, sizeof(*s->files));
  if (s->files == NULL) {
    fputs("faultsim: out of memory\n", stderr);
    return FAULTSIM_EXIT_MACHINE;
  }
  for (size_t i = 0; i < args->file_count; i++) {
    if (host_file_read(args->files[i].host, &s->files[i], reason, sizeof(reason)) != 0) {
      fprintf(stderr, "faultsim: %s: %s\n", args->files[i].host, reason);
      return FAULTSIM_EXIT_USAGE;
    }
  }
  if (kernel_image_load(args->kernel_path, &s->kernel, reason, sizeof(reason)) != 0) {
    fprintf(stderr, "faultsim: %s\n", reason);
    return FAULTSIM_EXIT_USAGE;
  }
  return 0;
}

/* Packs /bin/NAME and every --file; returns an exit status or 0. */
static int build_initramfs(struct run_state *s) {
  const struct run_args *args = &s->args;
  char reason[512];
  s->cpio = cpio_writer_new();
  if (s->cpio == NULL) {
    fputs("faultsim: out of memory\n", stderr);
    return FAULTSIM_EXIT_MACHINE;
  }
  if (cpio_writer_add_file(s->cpio, s->guest_program, s->program.data, s->program.size,
                           CPIO_MODE_EXEC, reason, sizeof(reason)) != 0) {
    fprintf(stderr, "faultsim: %s: %s\n", args->program, reason);
    return FAULTSIM_EXIT_BAD_PROGRAM;
  }
  for (size_t i = 0; i < args->file_count; i++) {
    uint32_t mode = s->files[i].executable ? CPIO_MODE_EXEC : CPIO_MODE_FILE;
    if (cpio_writer_add_file(s->cpio, args->files[i].guest, s->files[i].data, s->files[i].size,
                             mode, reason, sizeof(reason)) != 0) {
      char message[1024];
      snprintf(message, sizeof(message), "--file %s: %s", args->files[i].host, reason);
      return cli_usage_error("run", message);
    }
  }
  if (cpio_writer_finish(s->cpio, &s->initramfs, &s->initramfs_size, reason, sizeof(reason)) != 0) {
    fprintf(stderr, "faultsim: initramfs: %s\n", reason);
    return FAULTSIM_EXIT_MACHINE;
  }
  return 0;
}

static int prepare_guest_command(struct run_state *s) {
  const struct run_args *args = &s->args;
  if (asprintf(&s->guest_program, "/bin/%s", cli_base_name(args->program)) < 0) {
    s->guest_program = NULL;
    fputs("faultsim: out of memory\n", stderr);
    return FAULTSIM_EXIT_MACHINE;
  }
  s->guest_argv = calloc((size_t)args->guest_argc + 2, sizeof(*s->guest_argv));
  if (s->guest_argv == NULL) {
    fputs("faultsim: out of memory\n", stderr);
    return FAULTSIM_EXIT_MACHINE;
  }
  s->guest_argv[0] = s->guest_program;
  for (int i = 0; i < args->guest_argc; i++)
    s->guest_argv[i + 1] = args->guest_args[i];
  size_t arg_bytes = strings_size(s->guest_argv, (size_t)args->guest_argc + 1) +
                     strings_size(args->env, args->env_count);
  if (arg_bytes > FS_BOOT_ARGS_MAX) {
    char message[256];
    snprintf(message, sizeof(message),
             "the arguments and environment take %zu bytes; at most %llu fit", arg_bytes,
             (unsigned long long)FS_BOOT_ARGS_MAX);
    return cli_usage_error("run", message);
  }
  s->cmdline = render_cmdline(args, s->guest_argv);
  if (s->cmdline == NULL) {
    fputs("faultsim: out of memory\n", stderr);
    return FAULTSIM_EXIT_MACHINE;
  }
  return 0;
}

static int exit_status_of(const struct run_state *s, const struct machine_result *result) {
  switch (result->outcome) {
  case MACHINE_EXITED:
    return result->code & 0xff;
  case MACHINE_SIGNALED:
    if (s->args.verbosity > 0)
      fprintf(stderr, "faultsim: the program was killed by signal %d\n", result->code);
    return FAULTSIM_EXIT_SIGNAL_BASE + (result->code & 0x7f);
  default:
    fprintf(stderr, "faultsim: the machine stopped: %s\n", trace_outcome_name(result->outcome));
    if (result->diagnosis[0] != '\0') {
      fputs(result->diagnosis, stderr);
      if (result->diagnosis[strlen(result->diagnosis) - 1] != '\n')
        fputc('\n', stderr);
    }
    print_log_tail(machine_kernel_log(s->machine));
    return FAULTSIM_EXIT_MACHINE;
  }
}

static int run_machine(struct run_state *s) {
  const struct run_args *args = &s->args;
  struct machine_config config = {
      .ram_mib = args->ram_mib,
      .initramfs = s->initramfs,
      .initramfs_size = s->initramfs_size,
      .argc = 1 + args->guest_argc,
      .argv = s->guest_argv,
      .envc = (int)args->env_count,
      .envp = args->env,
      .boot_flags = args->selftest_pf ? FS_BOOT_SELFTEST_PF : 0,
      .log_level = args->verbosity == 0   ? FS_LOG_WARN
                   : args->verbosity == 1 ? FS_LOG_INFO
                                          : FS_LOG_DEBUG,
      .stack_guard_pages = args->stack_guard_pages,
      .fail_alloc_nth = args->fail_alloc_nth,
      .fail_alloc_every = args->fail_alloc_every,
      .cmdline = s->cmdline,
      .guest_stdout = stdout,
      .guest_stderr = stderr,
      .kernel_log = args->verbosity > 0 ? stderr : NULL,
      .kernel_elf = s->kernel.elf,
      .kernel_elf_size = s->kernel.size,
  };

  char err[512] = "";
  struct trace_recorder *trace = NULL;
  if (args->trace_path != NULL) {
    struct trace_run_inputs inputs = {
        .args = args,
        .guest_program = s->guest_program,
        .program = &s->program,
        .files = s->files,
        .kernel_elf = config.kernel_elf,
        .kernel_elf_size = config.kernel_elf_size,
        .guest_argv = s->guest_argv,
        .cmdline = s->cmdline,
    };
    trace = trace_run_open(&inputs, err, sizeof(err));
    if (trace == NULL) {
      fprintf(stderr, "faultsim: %s\n", err);
      return FAULTSIM_EXIT_USAGE;
    }
    config.boot_flags |= FS_BOOT_TRACE;
    config.on_trace = trace_recorder_on_record;
    config.trace_opaque = trace;
  }
  uint64_t gdb_fault = args->break_on_fault;
  if (args->gdb_enabled) {
    if (args->break_on_decision >= 0 &&
        gdb_find_decision(&config, args->break_on_decision, &gdb_fault, err, sizeof(err)) != 0) {
      fprintf(stderr, "faultsim: %s\n", err);
      trace_recorder_free(trace);
      return FAULTSIM_EXIT_MACHINE;
    }
    /* The handler's decisions feed `monitor fault` and `monitor trace`. */
    config.boot_flags |= FS_BOOT_TRACE;
  }
  s->machine = machine_create(&config, err, sizeof(err));
  if (s->machine == NULL) {
    fprintf(stderr, "faultsim: cannot start the machine: %s\n", err[0] ? err : "unknown error");
    trace_recorder_free(trace);
    return FAULTSIM_EXIT_MACHINE;
  }
  /* Large and only needed here: keep it off the stack. */
  struct machine_result *result = calloc(1, sizeof(*result));
  if (result == NULL) {
    fputs("faultsim: out of memory\n", stderr);
    trace_recorder_free(trace);
    return FAULTSIM_EXIT_MACHINE;
  }
  if (trace != NULL)
    trace_recorder_attach(trace, s->machine);
  struct gdb_stub *gdb = NULL;
  if (args->gdb_enabled) {
    const char *kernel_elf = args->kernel_path ? args->kernel_path : FAULTSIM_KERNEL_ELF_PATH;
    gdb = gdb_session_begin(s->machine, args->gdb_host, args->gdb_port, gdb_fault, args->gdb_script,
                            kernel_elf, args->program, err, sizeof(err));
    if (gdb == NULL) {
      fprintf(stderr, "faultsim: --gdb: %s\n", err);
      free(result);
      trace_recorder_free(trace);
      return FAULTSIM_EXIT_MACHINE;
    }
  }
  machine_run(s->machine, result);
  gdb_stub_close(gdb);
  if (trace != NULL && trace_recorder_finish(trace, result) != 0)
    fprintf(stderr, "faultsim: --trace %s: write error: the trace is incomplete\n",
            args->trace_path);
  fflush(stdout);
  int status = exit_status_of(s, result);
  if (args->verbosity > 0)
    fprintf(stderr, "faultsim: %llu guest instructions\n",
            (unsigned long long)result->instructions);
  if (args->stats)
    stats_report_print(stderr, result->have_report ? &result->report : NULL, result->instructions);
  free(result);
  return status;
}

int cmd_run(int argc, char **argv) {
  struct run_state state = {0};
  char message[1024];
  int status;
  switch (parse_run_args(argc, argv, &state.args, message, sizeof(message))) {
  case RUN_ARGS_HELP:
    fputs(run_args_help, stdout);
    status = 0;
    break;
  case RUN_ARGS_USAGE:
    status = cli_usage_error("run", message);
    break;
  default:
    status = load_inputs(&state);
    if (status == 0)
      status = prepare_guest_command(&state);
    if (status == 0)
      status = build_initramfs(&state);
    if (status == 0)
      status = run_machine(&state);
    break;
  }
  run_state_free(&state);
  fflush(stdout);
  fflush(stderr);
  return status;
}
