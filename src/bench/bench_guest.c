/*
 * Runs bench_faults: in this process on a fresh machine (timestamps taken as
 * the guest writes its mark lines), natively (fork + exec; the program times
 * itself), or any command spawned (start-up and replay timings).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "cpio_writer.h"
#include "host_file.h"
#include "run_args.h"

#define GUEST_PROGRAM "/bin/bench_faults"

static const struct bench_mark *find_mark(const struct bench_marks *marks, const char *name) {
  for (int i = 0; i < marks->count; i++)
    if (strcmp(marks->m[i].name, name) == 0)
      return &marks->m[i];
  return NULL;
}

double bench_marks_ns(const struct bench_marks *marks, const char *from, const char *to,
                      int native) {
  const struct bench_mark *a = find_mark(marks, from), *b = find_mark(marks, to);
  if (!a || !b)
    return -1;
  if (native)
    return a->ns < 0 || b->ns < 0 ? -1 : (double)(b->ns - a->ns);
  return (double)b->host_ns - (double)a->host_ns;
}

double bench_marks_minflt(const struct bench_marks *marks, const char *from, const char *to) {
  const struct bench_mark *a = find_mark(marks, from), *b = find_mark(marks, to);
  return a && b && a->minflt >= 0 && b->minflt >= 0 ? (double)(b->minflt - a->minflt) : 0;
}

int bench_mark_parse(const char *text, struct bench_mark *mark) {
  /* tsc= (rdtsc) is read past: no figure uses it. */
  int end = 0;
  if (sscanf(text, "mark %15s ns=%ld minflt=%ld tsc=%*[0-9]%n", mark->name, &mark->ns,
             &mark->minflt, &end) != 3 ||
      end == 0)
    return -1;
  return 0;
}

static void parse_line(struct bench_marks *marks, const char *line, uint64_t when) {
  struct bench_mark mk = {.host_ns = when};
  if (marks->count < BENCH_MAX_MARKS && bench_mark_parse(line, &mk) == 0)
    marks->m[marks->count++] = mk;
}

/* Collects complete lines; the timestamp is the write that completed one. */
struct line_sink {
  struct bench_marks *marks;
  char line[256];
  size_t length;
};

static void sink_feed(struct line_sink *s, const char *buf, size_t size, uint64_t when) {
  for (size_t i = 0; i < size; i++) {
    if (buf[i] == '\n') {
      s->line[s->length] = '\0';
      parse_line(s->marks, s->line, when);
      s->length = 0;
    } else if (s->length + 1 < sizeof s->line) {
      s->line[s->length++] = buf[i];
    }
  }
}

static ssize_t cookie_write(void *cookie, const char *buf, size_t size) {
  uint64_t when = bench_now_ns(); /* first: the guest's write is happening now */
  sink_feed(cookie, buf, size, when);
  return (ssize_t)size;
}

int bench_image_build(const struct bench_env *env, struct bench_image *img, uint64_t ram_mib,
                      const char *data_host, const char *data_guest, char *const *args, char *err,
                      size_t err_size) {
  struct host_file program = {0}, data = {0};
  int status = -1;
  memset(img, 0, sizeof *img);
  img->ram_mib = ram_mib;
  img->argv[img->argc++] = GUEST_PROGRAM;
  for (int i = 0; args[i] && img->argc < 7; i++)
    img->argv[img->argc++] = args[i];
  if (host_file_read(env->workload, &program, err, err_size) == 0 &&
      (!data_host || host_file_read(data_host, &data, err, err_size) == 0)) {
    struct cpio_file files[] = {
        {GUEST_PROGRAM, program.data, program.size, CPIO_MODE_EXEC},
        {data_guest, data.data, data.size, CPIO_MODE_FILE},
    };
    status =
        cpio_pack(files, data_host ? 2 : 1, &img->initramfs, &img->initramfs_size, err, err_size);
  }
  host_file_free(&data);
  host_file_free(&program);
  return status;
}

void bench_image_free(struct bench_image *img) {
  free(img->initramfs);
  img->initramfs = NULL;
}

int bench_run_faultsim(const struct bench_env *env, const struct bench_image *img, int profile,
                       struct bench_faultsim_run *out, char *err, size_t err_size) {
  memset(out, 0, sizeof *out);
  struct line_sink sink = {.marks = &out->marks};
  cookie_io_functions_t io = {.write = cookie_write};
  FILE *guest_out = fopencookie(&sink, "w", io);
  out->result = calloc(1, sizeof *out->result);
  if (!guest_out || !out->result) {
    if (guest_out)
      fclose(guest_out);
    snprintf(err, err_size, "out of memory");
    return -1;
  }
  setvbuf(guest_out, NULL, _IONBF, 0);
  struct machine_config config = {
      .ram_mib = img->ram_mib,
      .kernel_elf = env->kernel_elf,
      .kernel_elf_size = env->kernel_elf_size,
      .initramfs = img->initramfs,
      .initramfs_size = img->initramfs_size,
      .argc = img->argc,
      .argv = img->argv,
      .log_level = FS_LOG_WARN,
      .stack_guard_pages = RUN_DEFAULT_STACK_GUARD_PAGES, /* as the spawned `faultsim run`s */
      .cmdline = "bench_faults",
      .guest_stdout = guest_out,
      .guest_stderr = stderr,
      .profile_pf = profile,
  };
  char why[512] = "";
  struct machine *m = machine_create(&config, why, sizeof why);
  if (!m) {
    fclose(guest_out);
    snprintf(err, err_size, "cannot start the machine: %s", why);
    return -1;
  }
  machine_run(m, out->result);
  if (profile)
    out->have_profile = machine_profile_get(m, &out->profile) == 0;
  int status = 0;
  if (out->result->outcome != MACHINE_EXITED || out->result->code != 0 ||
      !out->result->have_report) {
    snprintf(err, err_size, "bench_faults %s under faultsim: outcome %d code %d%s%s",
             img->argc > 1 ? img->argv[1] : "", (int)out->result->outcome, out->result->code,
             out->result->diagnosis[0] ? ": " : "", out->result->diagnosis);
    status = -1;
  }
  machine_destroy(m);
  fclose(guest_out);
  return status;
}

void bench_faultsim_run_free(struct bench_faultsim_run *run) {
  free(run->result);
  run->result = NULL;
}

pid_t bench_spawn_piped(char *const *argv, int *read_fd, bool with_stderr, bool own_group) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    return -1;
  pid_t pid = fork();
  if (pid == 0) {
    if (own_group)
      setpgid(0, 0);
    int null_fd = open("/dev/null", O_RDWR);
    if (null_fd >= 0)
      dup2(null_fd, 0);
    dup2(fds[1], 1);
    if (with_stderr)
      dup2(fds[1], 2);
    else if (null_fd >= 0)
      dup2(null_fd, 2);
    execv(argv[0], argv);
    _exit(127);
  }
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    return -1;
  }
  if (own_group)
    setpgid(pid, pid); /* also here: the group exists before any kill */
  *read_fd = fds[0];
  return pid;
}

static int wait_status(pid_t pid) {
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Reads the child's output to its end, handing each chunk to on_chunk, then
 * closes fd. */
static void drain(int fd, void (*on_chunk)(void *ctx, const char *buf, size_t len), void *ctx) {
  char buf[4096];
  ssize_t got;
  while ((got = read(fd, buf, sizeof buf)) != 0) {
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      break;
    on_chunk(ctx, buf, (size_t)got);
  }
  close(fd);
}

static void feed_sink(void *ctx, const char *buf, size_t len) {
  sink_feed(ctx, buf, len, 0);
}

struct spawn_output {
  uint64_t start;
  double *first_ns;
  char *out; /* NULL: not kept */
  size_t out_size, out_length;
};

static void note_output(void *ctx, const char *buf, size_t len) {
  struct spawn_output *o = ctx;
  if (*o->first_ns < 0)
    *o->first_ns = (double)(bench_now_ns() - o->start);
  if (o->out == NULL)
    return;
  size_t room = o->out_size - 1 - o->out_length;
  size_t keep = len < room ? len : room;
  memcpy(o->out + o->out_length, buf, keep);
  o->out_length += keep;
  o->out[o->out_length] = '\0';
}

int bench_run_native(const struct bench_env *env, char *const *args, struct bench_marks *marks,
                     char *err, size_t err_size) {
  char *argv[10] = {(char *)env->workload};
  int argc = 1;
  for (int i = 0; args[i] && argc < 9; i++)
    argv[argc++] = args[i];
  memset(marks, 0, sizeof *marks);
  struct line_sink sink = {.marks = marks};
  int fd;
  pid_t pid = bench_spawn_piped(argv, &fd, false, false);
  if (pid < 0) {
    snprintf(err, err_size, "cannot run %s: %s", env->workload, strerror(errno));
    return -1;
  }
  drain(fd, feed_sink, &sink);
  int status = wait_status(pid);
  if (status != 0) {
    snprintf(err, err_size, "%s %s natively: exit status %d", env->workload, args[0], status);
    return -1;
  }
  return 0;
}

int bench_spawn(char *const *argv, double *first_ns, double *total_ns, char *out, size_t out_size) {
  int fd;
  if (out != NULL)
    out[0] = '\0';
  uint64_t start = bench_now_ns();
  pid_t pid = bench_spawn_piped(argv, &fd, false, false);
  if (pid < 0)
    return -1;
  *first_ns = -1;
  struct spawn_output output = {start, first_ns, out, out_size, 0};
  drain(fd, note_output, &output);
  int status = wait_status(pid);
  *total_ns = (double)(bench_now_ns() - start);
  return status;
}
