/*
 * The full-system emulator column: the anonymous-fault workload under
 * qemu-system-x86_64 (TCG) with the host's Debian kernel.  Needs both the
 * emulator and a kernel image; without them the figure is skipped with a
 * note (the rest of the benchmark does not depend on it).
 *
 * The workload is the initramfs's /init; the kernel hands it the arguments
 * after "--" on its command line.  Its marks read CLOCK_MONOTONIC and
 * ru_minflt inside the guest, so the figure is the guest's own ns between
 * the marks over its own fault count: qemu's boot and exit stay outside it.
 * No /dev/console is packed: the kernel's built-in initramfs (Debian's
 * default list) already has it, and init's output reaches ttyS0 through it.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "cpio_writer.h"
#include "host_file.h"

/* A boot of a distribution kernel under TCG takes seconds; a hung guest
 * must not hold the benchmark forever. */
#define QEMU_TIMEOUT_NS (120ULL * 1000000000ULL)
/* Serial output kept per run: the kernel's (quiet) lines and the marks. */
#define QEMU_OUTPUT_MAX (1u << 20)

/* First executable `name` on PATH, into out. */
static int find_in_path(const char *name, char *out, size_t size) {
  const char *path = getenv("PATH");
  if (!path)
    path = "/usr/bin:/bin";
  while (*path) {
    size_t len = strcspn(path, ":");
    snprintf(out, size, "%.*s/%s", (int)len, path, name);
    if (len > 0 && access(out, X_OK) == 0)
      return 0;
    path += len + (path[len] == ':');
  }
  return -1;
}

/* The newest readable /boot/vmlinuz-* (version order), into out. */
static int find_kernel(char *out, size_t size) {
  glob_t g;
  int found = 0;
  if (glob("/boot/vmlinuz-*", 0, NULL, &g) == 0) {
    const char *best = NULL;
    for (size_t i = 0; i < g.gl_pathc; i++)
      if (access(g.gl_pathv[i], R_OK) == 0 && (!best || strverscmp(g.gl_pathv[i], best) > 0))
        best = g.gl_pathv[i];
    if (best) {
      snprintf(out, size, "%s", best);
      found = 1;
    }
  }
  globfree(&g);
  return found ? 0 : -1;
}

/* The initramfs: just /init = the workload. */
static int write_initrd(const struct bench_env *env, const char *path, char *err, size_t err_size) {
  struct host_file program = {0};
  void *archive = NULL;
  size_t size = 0;
  int status = -1;
  if (host_file_read(env->workload, &program, err, err_size) == 0) {
    struct cpio_file init = {"/init", program.data, program.size, CPIO_MODE_EXEC};
    status = cpio_pack(&init, 1, &archive, &size, err, err_size);
  }
  if (status == 0) {
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(archive, 1, size, f) == size;
    if (f && fclose(f) != 0)
      ok = 0;
    if (!ok) {
      snprintf(err, err_size, "%.300s: %s", path, strerror(errno));
      status = -1;
    }
  }
  free(archive);
  host_file_free(&program);
  return status;
}

/* Runs argv with stdout and stderr into *out (NUL-terminated, at most
 * QEMU_OUTPUT_MAX bytes kept); kills its process group after QEMU_TIMEOUT_NS.  Returns its
 * exit status, -2 on the timeout, -1 if it could not run. */
static int run_captured(char *const *argv, char **out) {
  *out = calloc(1, QEMU_OUTPUT_MAX + 1);
  int fd;
  pid_t pid = *out ? bench_spawn_piped(argv, &fd, true, true) : -1;
  if (pid < 0)
    return -1;
  size_t length = 0;
  int timed_out = 0;
  uint64_t deadline = bench_now_ns() + QEMU_TIMEOUT_NS;
  for (;;) {
    uint64_t now = bench_now_ns();
    if (now >= deadline) {
      timed_out = 1;
      break;
    }
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int ready = poll(&p, 1, (int)((deadline - now) / 1000000 + 1));
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready < 0)
      break;
    if (ready == 0)
      continue; /* the deadline check ends it */
    char buf[4096];
    ssize_t got = read(fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      break;
    size_t keep = (size_t)got < QEMU_OUTPUT_MAX - length ? (size_t)got : QEMU_OUTPUT_MAX - length;
    memcpy(*out + length, buf, keep);
    length += keep;
  }
  close(fd);
  /* Output closed is not exit: the deadline still holds until it exits. */
  int status;
  pid_t done;
  while (!timed_out && (done = waitpid(pid, &status, WNOHANG)) <= 0) {
    if (done < 0 && errno != EINTR)
      return -1;
    if (bench_now_ns() >= deadline)
      timed_out = 1;
    else
      usleep(10000);
  }
  if (timed_out) {
    kill(-pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
      ;
    return -2;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* "mark NAME ns=T minflt=F tsc=C" anywhere in a serial line (the console
 * may end it with "\r", and a kernel message may precede it). */
static void parse_marks(const char *text, struct bench_marks *marks) {
  memset(marks, 0, sizeof *marks);
  for (const char *line = text; *line && marks->count < BENCH_MAX_MARKS;) {
    const char *end = strchr(line, '\n');
    const char *at = strstr(line, "mark ");
    struct bench_mark mk = {0};
    if (at && (!end || at < end) && bench_mark_parse(at, &mk) == 0)
      marks->m[marks->count++] = mk;
    if (!end)
      break;
    line = end + 1;
  }
}

/* The last non-empty line of the output, for a note on what went wrong. */
static void last_line(const char *text, char *out, size_t size) {
  size_t n = strlen(text);
  while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
    n--;
  size_t start = n;
  while (start > 0 && text[start - 1] != '\n')
    start--;
  snprintf(out, size, "%.*s", (int)(n - start), text + start);
  out[strcspn(out, "\r")] = '\0';
}

/* One boot of `anon pages` with mem_mib of RAM: the guest's own ns and
 * fault count between its marks.  0, or -1 with a note. */
static int run_once(const char *qemu, const char *kernel, const char *initrd, long pages,
                    unsigned long mem_mib, double *ns, double *faults, char *note,
                    size_t note_size) {
  char append[256], mem[32];
  snprintf(append, sizeof append, "console=ttyS0 quiet panic=-1 -- anon %ld", pages);
  snprintf(mem, sizeof mem, "%lu", mem_mib);
  char *argv[] = {
      (char *)qemu, "-M",         "pc",      "-accel",       "tcg",     "-m",           mem,
      "-nographic", "-no-reboot", "-kernel", (char *)kernel, "-initrd", (char *)initrd, "-append",
      append,       NULL};
  char *out = NULL;
  int status = run_captured(argv, &out);
  int result = -1;
  char tail[160] = "";
  if (out)
    last_line(out, tail, sizeof tail);
  if (status == -1) {
    snprintf(note, note_size, "cannot run %.160s: %s", qemu, strerror(errno));
  } else if (status == -2) {
    snprintf(note, note_size, "qemu-system-x86_64 did not finish in %llu s",
             QEMU_TIMEOUT_NS / 1000000000ULL);
  } else {
    struct bench_marks marks;
    parse_marks(out, &marks);
    *ns = bench_marks_ns(&marks, "begin", "end", 1);
    *faults = bench_marks_minflt(&marks, "begin", "end");
    /* init's exit panics the kernel; the panic line carries its status. */
    const char *panic = strstr(out, "exitcode=0x");
    if (*ns < 0 || (pages > 0 && *faults <= 0))
      snprintf(note, note_size, "qemu-system-x86_64 (exit %d): no marks from the guest: %s", status,
               tail);
    else if (panic && strtol(panic + strlen("exitcode=0x"), NULL, 16) != 0)
      snprintf(note, note_size, "bench_faults under qemu failed: %s", tail);
    else
      result = 0;
  }
  free(out);
  return result;
}

void bench_qemu_run(const struct bench_env *env, const struct bench_options *opt,
                    struct bench_results *res) {
  char qemu[4096], kernel[4096], initrd[4096], err[512];
  res->qemu_measured = 0;
  if (find_in_path("qemu-system-x86_64", qemu, sizeof qemu) != 0) {
    snprintf(res->qemu_note, sizeof res->qemu_note,
             "qemu-system-x86_64 is not installed (Debian: qemu-system-x86)");
    return;
  }
  if (find_kernel(kernel, sizeof kernel) != 0) {
    snprintf(res->qemu_note, sizeof res->qemu_note,
             "no readable kernel image /boot/vmlinuz-* (Debian: linux-image-amd64)");
    return;
  }
  snprintf(initrd, sizeof initrd, "%s/qemu-initrd.cpio", env->tmpdir);
  if (write_initrd(env, initrd, err, sizeof err) != 0) {
    snprintf(res->qemu_note, sizeof res->qemu_note, "cannot build the initramfs: %.200s", err);
    unlink(initrd);
    return;
  }
  /* The kernel and its page tables besides the workload's pages; the N = 0
   * twin gets the same RAM. */
  unsigned long mib = 512 + (unsigned long)opt->anon_pages * 4096 / (1 << 20) * 11 / 10;
  if (mib < 1024)
    mib = 1024;
  /* Each run is a whole boot (seconds under TCG): --quick makes one, and
   * no N = 0 twin, and says so. */
  int runs = opt->quick ? 1 : opt->repeats;
  for (int r = 0; r < runs; r++) {
    if (env->verbose)
      fprintf(stderr, "bench: qemu-system-x86_64 (%s)\n", kernel);
    double ns, faults, ns0 = 0, faults0 = 0;
    if (run_once(qemu, kernel, initrd, opt->anon_pages, mib, &ns, &faults, res->qemu_note,
                 sizeof res->qemu_note) != 0 ||
        (!opt->quick && run_once(qemu, kernel, initrd, 0, mib, &ns0, &faults0, res->qemu_note,
                                 sizeof res->qemu_note) != 0)) {
      res->qemu_ns.n = 0;
      unlink(initrd);
      return;
    }
    bench_stat_add(&res->qemu_ns, faults > faults0 ? (ns - ns0) / (faults - faults0) : 0);
  }
  unlink(initrd);
  res->qemu_measured = 1;
  if (opt->quick)
    snprintf(res->qemu_note, sizeof res->qemu_note,
             "--quick: one boot, without the N = 0 run subtracted");
}
