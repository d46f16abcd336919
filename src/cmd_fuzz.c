/* `faultsim fuzz`: in-machine fuzzing of the fault handler against the
 * oracle (docs/fuzzing.md).  Workers are forked processes, each with its own
 * machine; worker w of J runs iterations w, w+J, w+2J, ... so the set of
 * programs tested does not depend on J. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "fuzz/fuzz_args.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_gen.h"
#include "fuzz/fuzz_machine.h"
#include "fuzz/fuzz_text.h"
#include "host_file.h"
#include "kernel_image.h"

/* Shared between the parent and its workers (MAP_SHARED). */
struct fuzz_shared {
  volatile uint64_t done[FUZZ_MAX_JOBS];
  volatile int stop; /* a worker found a mismatch */
};

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_file(const char *path, const void *data, size_t size) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return -1;
  size_t n = fwrite(data, 1, size, f);
  return fclose(f) == 0 && n == size ? 0 : -1;
}

/* The embedded kernel or --kernel FILE, loaded once before any worker
 * starts. */
static struct kernel_image kernel;

static struct fuzz_machine *new_machine(const struct fuzz_args *a, char *why, size_t why_size) {
  return fuzz_machine_new(a->ram_mib, kernel.elf, kernel.size, why, why_size);
}

/* " --kernel FILE" when one was given: the printed commands must be exact. */
static void print_kernel_option(const struct fuzz_args *a) {
  if (a->kernel)
    printf(" --kernel %s", a->kernel);
}

static int write_text(const char *path, const struct fuzz_program *p) {
  FILE *f = fopen(path, "w");
  if (!f)
    return -1;
  int r = fuzz_program_write_text(f, p);
  return fclose(f) == 0 && r == 0 ? 0 : -1;
}

/* The reproducer (program text, what a regression test keeps), the program
 * image and backing files `faultsim run` needs, and the commands. */
static void report_mismatch(const struct fuzz_args *a, uint64_t iteration,
                            const struct fuzz_program *p, const char *why) {
  char path[4096], image[4096], files_dir[4096];
  snprintf(path, sizeof path, "%s/fuzz-mismatch-%llu-%llu.txt", a->out_dir,
           (unsigned long long)a->seed, (unsigned long long)iteration);
  snprintf(image, sizeof image, "%s/fuzz-mismatch-%llu-%llu.bin", a->out_dir,
           (unsigned long long)a->seed, (unsigned long long)iteration);
  snprintf(files_dir, sizeof files_dir, "%s/fuzz-files", a->out_dir);
  printf("fuzz: MISMATCH at iteration %llu (seed %llu): %s\n", (unsigned long long)iteration,
         (unsigned long long)a->seed, why);
  mkdir(files_dir, 0777);
  int ok = write_text(path, p) == 0 && write_file(image, p, fuzz_program_size(p)) == 0;
  for (unsigned k = 0; k < FZ_FILES && ok; k++) {
    char fpath[4200];
    size_t size;
    const uint8_t *data = fuzz_file_data(k, &size);
    snprintf(fpath, sizeof fpath, "%s/f%u", files_dir, k);
    ok = write_file(fpath, data, size) == 0;
  }
  if (!ok) {
    printf("fuzz: cannot write the reproducer %s: %s\n", path, strerror(errno));
    return;
  }
  printf("fuzz: reproducer: %s\n", path);
  printf("fuzz: replay it:  faultsim fuzz --ram %llu", (unsigned long long)a->ram_mib);
  print_kernel_option(a);
  printf(" --reproduce %s\n", path);
  printf("fuzz: trace or debug it: faultsim run --ram %llu", (unsigned long long)a->ram_mib);
  print_kernel_option(a);
  printf(" --trace fuzz.jsonl --file %s:/fuzz/program", image);
  for (unsigned k = 0; k < FZ_FILES; k++)
    printf(" --file %s/f%u:/fuzz/f%u", files_dir, k, k);
  printf(" %s   (add --gdb 1234 to step it)\n", fuzz_guest_build_path());
  fflush(stdout);
}

/* Runs p once (and from a fresh boot with --check-reset); 0 ok, 1 mismatch,
 * -1 host error. */
static int run_one(struct fuzz_machine *fm, const struct fuzz_args *a, const struct fuzz_program *p,
                   bool fresh, char *why, size_t why_size) {
  struct fuzz_run run;
  if (fuzz_machine_run(fm, p, fresh, &run, why, why_size) != 0)
    return -1;
  if (run.obs.end == FUZZ_END_MACHINE) {
    /* The diagnosis says where the CPU stopped; the log says what the
     * kernel was doing (a panic's message is only there). */
    snprintf(why, why_size, "the machine stopped abnormally: %.1800s\nkernel log (tail):\n%.2000s",
             run.diagnosis, run.kernel_log_tail ? run.kernel_log_tail : "");
    return 1;
  }
  int r = fuzz_check(p, fuzz_machine_files(fm), &run.obs, why, why_size);
  if (r != 0 || !a->check_reset || fresh)
    return r;
  /* Keep the snapshot run's observations before the fresh boot reuses the
   * buffers. */
  size_t nrec = run.obs.record_count, nout = run.obs.out_size, nerr = run.obs.err_size;
  void *rec = malloc(nrec * sizeof *run.obs.records + 1), *out = malloc(nout + 1),
       *err = malloc(nerr + 1);
  if (!rec || !out || !err) {
    free(rec), free(out), free(err);
    snprintf(why, why_size, "out of memory");
    return -1;
  }
  /* The buffers are NULL while nothing was written to them. */
  if (nrec)
    memcpy(rec, run.obs.records, nrec * sizeof *run.obs.records);
  if (nout)
    memcpy(out, run.obs.out, nout);
  if (nerr)
    memcpy(err, run.obs.err, nerr);
  enum fuzz_end end = run.obs.end;
  int code = run.obs.code;
  uint64_t insns = run.instructions;
  struct fuzz_run fresh_run;
  r = fuzz_machine_run(fm, p, true, &fresh_run, why, why_size);
  if (r == 0) {
    const struct fuzz_observed *f = &fresh_run.obs;
    if (f->record_count != nrec ||
        (nrec && memcmp(f->records, rec, nrec * sizeof *f->records) != 0))
      snprintf(why, why_size, "reset differs from a fresh boot: the trace (%zu vs %zu records)",
               nrec, f->record_count),
          r = 1;
    else if (f->out_size != nout || (nout && memcmp(f->out, out, nout) != 0) ||
             f->err_size != nerr || (nerr && memcmp(f->err, err, nerr) != 0))
      snprintf(why, why_size, "reset differs from a fresh boot: the guest's output"), r = 1;
    else if (f->end != end || f->code != code || fresh_run.instructions != insns)
      snprintf(why, why_size,
               "reset differs from a fresh boot: end %d/%d code %d/%d instructions %llu/%llu", end,
               f->end, code, f->code, (unsigned long long)insns,
               (unsigned long long)fresh_run.instructions),
          r = 1;
  }
  free(rec), free(out), free(err);
  return r;
}

/* One worker: iterations first, first+stride, ...  Returns 0, 1 or the host
 * error status. */
static int worker(const struct fuzz_args *a, unsigned first, unsigned stride,
                  struct fuzz_shared *shared) {
  char why[4096];
  struct fuzz_machine *fm = new_machine(a, why, sizeof why);
  if (!fm) {
    fprintf(stderr, "faultsim fuzz: cannot start the machine: %s\n", why);
    return FAULTSIM_EXIT_MACHINE;
  }
  struct fuzz_program *p = malloc(sizeof *p);
  int status = p ? 0 : FAULTSIM_EXIT_MACHINE;
  for (uint64_t i = first; status == 0 && i < a->iterations && !shared->stop; i += stride) {
    fuzz_generate(a->seed, i, p);
    int r = run_one(fm, a, p, false, why, sizeof why);
    if (r < 0) {
      fprintf(stderr, "faultsim fuzz: iteration %llu: %s\n", (unsigned long long)i, why);
      status = FAULTSIM_EXIT_MACHINE;
    } else if (r > 0) {
      shared->stop = 1;
      report_mismatch(a, i, p, why);
      status = 1;
    } else if (a->verbose) {
      fprintf(stderr, "fuzz: iteration %llu: %u ops: ok\n", (unsigned long long)i,
              p->header.op_count);
    }
    shared->done[first]++;
  }
  free(p);
  fuzz_machine_free(fm);
  return status;
}

static uint64_t total_done(const struct fuzz_shared *s, unsigned jobs) {
  uint64_t n = 0;
  for (unsigned j = 0; j < jobs; j++)
    n += s->done[j];
  return n;
}

static void progress(const struct fuzz_args *a, const struct fuzz_shared *s, double start,
                     int mismatches) {
  uint64_t n = total_done(s, a->jobs);
  double dt = now() - start;
  fprintf(stderr, "fuzz: %llu/%llu iterations, %.1f layouts/s, %d mismatches\n",
          (unsigned long long)n, (unsigned long long)a->iterations, dt > 0 ? n / dt : 0.0,
          mismatches);
}

/* A finding must not be lost to a missing directory after hours of running:
 * --out is made (one level) and checked before the first iteration. */
static int prepare_out_dir(const char *dir) {
  struct stat st;
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "faultsim fuzz: --out %s: %s\n", dir, strerror(errno));
    return -1;
  }
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK) != 0) {
    fprintf(stderr, "faultsim fuzz: --out %s: not a writable directory\n", dir);
    return -1;
  }
  return 0;
}

static int fuzz_many(const struct fuzz_args *a) {
  if (prepare_out_dir(a->out_dir) != 0)
    return FAULTSIM_EXIT_USAGE;
  struct fuzz_shared *s =
      mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (s == MAP_FAILED) {
    fputs("faultsim fuzz: out of memory\n", stderr);
    return FAULTSIM_EXIT_MACHINE;
  }
  unsigned jobs = a->jobs < a->iterations ? a->jobs : (unsigned)a->iterations;
  double start = now();
  unsigned running = 0;
  int status = 0, mismatches = 0;
  fflush(stdout);
  fflush(stderr);
  for (unsigned j = 0; j < jobs; j++) {
    pid_t pid = fork();
    if (pid == 0) {
      int r = worker(a, j, jobs, s);
      fflush(stdout);
      fflush(stderr);
      _exit(r);
    }
    if (pid < 0) {
      fprintf(stderr, "faultsim fuzz: fork: %s\n", strerror(errno));
      s->stop = 1;
      status = FAULTSIM_EXIT_MACHINE;
      break;
    }
    running++;
  }
  double last = start;
  while (running > 0) {
    int ws;
    pid_t pid = waitpid(-1, &ws, WNOHANG);
    if (pid == 0) {
      usleep(20000);
      if (now() - last >= 1.0) {
        last = now();
        progress(a, s, start, mismatches);
      }
      continue;
    }
    if (pid < 0)
      break;
    running--;
    int code = WIFEXITED(ws) ? WEXITSTATUS(ws) : FAULTSIM_EXIT_MACHINE;
    if (code == 1)
      mismatches++;
    if (code != 0) {
      s->stop = 1; /* the others finish their current iteration and exit */
      if (status == 0 || code == 1)
        status = code;
    }
  }
  double dt = now() - start;
  uint64_t n = total_done(s, a->jobs);
  if (last != start)
    progress(a, s, start, mismatches);
  printf("fuzz: %llu iterations, %d mismatch%s, %.1f layouts/s\n", (unsigned long long)n,
         mismatches, mismatches == 1 ? "" : "es", dt > 0 ? n / dt : 0.0);
  munmap(s, sizeof *s);
  return status;
}

static int reproduce(const struct fuzz_args *a) {
  struct host_file file;
  char why[4096];
  if (host_file_read(a->reproduce, &file, why, sizeof why) != 0) {
    fprintf(stderr, "faultsim fuzz: %s: %s\n", a->reproduce, why);
    return FAULTSIM_EXIT_USAGE;
  }
  struct fuzz_program *p = malloc(sizeof *p);
  if (!p) {
    host_file_free(&file);
    return FAULTSIM_EXIT_MACHINE;
  }
  int status;
  if (fuzz_program_load(file.data, file.size, p, why, sizeof why) != 0) {
    fprintf(stderr, "faultsim fuzz: %s: %s\n", a->reproduce, why);
    status = FAULTSIM_EXIT_USAGE;
  } else {
    struct fuzz_machine *fm = new_machine(a, why, sizeof why);
    if (!fm) {
      fprintf(stderr, "faultsim fuzz: cannot start the machine: %s\n", why);
      status = FAULTSIM_EXIT_MACHINE;
    } else {
      double start = now();
      int r = run_one(fm, a, p, true, why, sizeof why);
      double dt = now() - start;
      if (r < 0) {
        fprintf(stderr, "faultsim fuzz: %s\n", why);
        status = FAULTSIM_EXIT_MACHINE;
      } else {
        printf("fuzz: %s: %u ops: %s%s\n", a->reproduce, p->header.op_count,
               r ? "MISMATCH: " : "ok", r ? why : "");
        printf("fuzz: 1 iterations, %d mismatch%s, %.1f layouts/s\n", r, r == 1 ? "" : "es",
               dt > 0 ? 1 / dt : 0.0);
        status = r;
      }
      fuzz_machine_free(fm);
    }
  }
  free(p);
  host_file_free(&file);
  return status;
}

int cmd_fuzz(int argc, char **argv) {
  struct fuzz_args args;
  char message[512];
  int status;
  switch (parse_fuzz_args(argc, argv, &args, message, sizeof message)) {
  case FUZZ_ARGS_HELP:
    fputs(fuzz_args_help, stdout);
    status = 0;
    break;
  case FUZZ_ARGS_USAGE:
    status = cli_usage_error("fuzz", message);
    break;
  default:
    if (kernel_image_load(args.kernel, &kernel, message, sizeof message) != 0) {
      fprintf(stderr, "faultsim fuzz: %s\n", message);
      status = FAULTSIM_EXIT_USAGE;
      break;
    }
    status = args.reproduce ? reproduce(&args) : fuzz_many(&args);
    kernel_image_free(&kernel);
    break;
  }
  fflush(stdout);
  fflush(stderr);
  return status;
}
