/*
 * `faultsim bench` (cmd_bench.c): the benchmark's parts.  Figures are host
 * nanoseconds from CLOCK_MONOTONIC (only here: never in traces or runs) and
 * exact guest instruction counts.  Every timed figure is measured `repeats`
 * times, faultsim and native side by side in each repetition.
 */
#ifndef FAULTSIM_BENCH_H
#define FAULTSIM_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "machine/machine.h"
#include "machine/machine_profile.h"

#define BENCH_MAX_REPEATS 64
#define BENCH_MAX_MARKS   8
#define BENCH_REGION_KS   4

/* ---- statistics (bench_stats.c) ---------------------------------------- */
struct bench_stat {
  int n;
  double v[BENCH_MAX_REPEATS];
};
void bench_stat_add(struct bench_stat *s, double value);
double bench_stat_median(const struct bench_stat *s);
double bench_stat_min(const struct bench_stat *s);
double bench_stat_max(const struct bench_stat *s);

uint64_t bench_now_ns(void); /* CLOCK_MONOTONIC */

/* ---- running the workload (bench_guest.c) ------------------------------- */
struct bench_mark {
  char name[16];
  uint64_t host_ns; /* faultsim: when the host received the line */
  long ns;          /* natively: CLOCK_MONOTONIC read by the program; else -1 */
  long minflt;      /* natively: ru_minflt; else -1 */
};

struct bench_marks {
  int count;
  struct bench_mark m[BENCH_MAX_MARKS];
};

/* Parses a mark line's text, "mark NAME ns=T minflt=F tsc=C"
 * (guest/bench/bench_mark.h), into *mark (host_ns left alone).  0, or -1
 * when text is not one. */
int bench_mark_parse(const char *text, struct bench_mark *mark);

/* Elapsed ns between two named marks (host clock under faultsim, the
 * program's own natively), and the minflt difference; -1 / 0 if a mark is
 * missing. */
double bench_marks_ns(const struct bench_marks *marks, const char *from, const char *to,
                      int native);
double bench_marks_minflt(const struct bench_marks *marks, const char *from, const char *to);

/* Everything the faultsim side of a measurement needs; the initramfs is
 * built once per guest command and reused. */
struct bench_image {
  void *initramfs;
  size_t initramfs_size;
  uint64_t ram_mib;
  int argc;
  char *argv[8];
};

struct bench_env {
  const void *kernel_elf;
  size_t kernel_elf_size;
  const char *workload; /* host path of bench_faults */
  const char *faultsim; /* host path of the faultsim binary (spawned runs) */
  const char *tmpdir;   /* scratch files (the file workload's data, traces) */
  int verbose;
};

/* Packs the workload as /bin/bench_faults and an optional data file (host
 * path -> guest path); argv[0] is set to /bin/bench_faults. */
int bench_image_build(const struct bench_env *env, struct bench_image *img, uint64_t ram_mib,
                      const char *data_host, const char *data_guest, char *const *args, char *err,
                      size_t err_size);
void bench_image_free(struct bench_image *img);

struct bench_faultsim_run {
  struct bench_marks marks;
  struct machine_result *result; /* heap; freed by bench_faultsim_run_free */
  int have_profile;
  struct machine_profile profile;
};

/* Boots the machine in this process and runs the image to the end. */
int bench_run_faultsim(const struct bench_env *env, const struct bench_image *img, int profile,
                       struct bench_faultsim_run *out, char *err, size_t err_size);
void bench_faultsim_run_free(struct bench_faultsim_run *run);

/* Runs the workload natively (fork + exec) with args; collects its marks. */
int bench_run_native(const struct bench_env *env, char *const *args, struct bench_marks *marks,
                     char *err, size_t err_size);

/* Spawns argv (argv[0] a path) with stdout on a pipe and stdin/stderr on
 * /dev/null; *first_ns is the time from fork to the first stdout byte (-1
 * if none), *total_ns to its exit.  When out is not NULL, the start of its
 * stdout is kept there (NUL-terminated, out_size bytes at most).  Returns
 * its exit status, -1 on error. */
int bench_spawn(char *const *argv, double *first_ns, double *total_ns, char *out, size_t out_size);

/* fork + exec of argv with stdout (and stderr when with_stderr; /dev/null
 * otherwise) on a pipe, stdin from /dev/null, in a process group of its own
 * when own_group (so a timeout can kill all it started).  Returns the pid and
 * the pipe's read end, or -1. */
pid_t bench_spawn_piped(char *const *argv, int *read_fd, bool with_stderr, bool own_group);

/* ---- the measurements (bench_suite.c) ------------------------------------ */
struct bench_options {
  int quick;
  int repeats;
  long anon_pages;
  long file_pages;
  long region_faults;
  long region_ks[BENCH_REGION_KS];
  long churn_cycles, churn_pages;
};

struct bench_region_result {
  long k;
  struct bench_stat ns_per_fault;
  double insns_per_fault; /* exact: the #PF handler's, from the profile */
};

struct bench_results {
  struct bench_stat anon_ns, anon_ns_native, anon_ratio;
  struct bench_stat file_cold_ns, file_warm_ns, file_ns_native;
  double anon_insns_per_fault;
  double phase_insns[PROFILE_PHASE_COUNT]; /* per lazy anonymous fault */
  struct machine_profile_fn top_fns[MACHINE_PROFILE_TOP];
  double top_fn_insns[MACHINE_PROFILE_TOP]; /* per fault */
  unsigned top_fn_count;
  struct bench_region_result regions[BENCH_REGION_KS];
  struct bench_stat region_ratio;
  long replay_events;
  struct bench_stat offline_events_per_s, full_replay_ratio, run_s, replay_s, offline_s;
  struct bench_stat startup_first_ms, startup_exit_ms, native_exit_ms;
  int qemu_measured;
  struct bench_stat qemu_ns;
  char qemu_note[256]; /* why not measured; when measured, what --quick left out or "" */
};

int bench_suite_run(const struct bench_env *env, const struct bench_options *opt,
                    struct bench_results *res, char *err, size_t err_size);

/* qemu-system-x86_64 column (bench_qemu.c): measures into res->qemu_ns
 * (a note says what --quick left out), or leaves res->qemu_measured 0 with
 * a note saying why not. */
void bench_qemu_run(const struct bench_env *env, const struct bench_options *opt,
                    struct bench_results *res);

/* ---- output (bench_report.c) -------------------------------------------- */
void bench_report_table(FILE *out, const struct bench_options *opt,
                        const struct bench_results *res);
/* Writes the JSON document; 0 or -1 with errno. */
int bench_report_json(const char *path, const struct bench_options *opt,
                      const struct bench_results *res);

#endif
