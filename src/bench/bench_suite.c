/*
 * The measurements of `faultsim bench`.  Each timed figure: `repeats`
 * repetitions; in each, the faultsim run and its N = 0 twin (and the native
 * pair) run back to back, so drift on a shared host hits both sides alike.
 * Fault costs are differences between the marks around the measured loop
 * minus the same difference with nothing in the loop (N = 0), divided by the
 * difference in the machine's own fault counters (natively: ru_minflt).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define PAGE 4096L

static uint64_t ram_for_pages(long pages, int copies) {
  /* The workload's pages (copies of them), page tables, the kernel, slack. */
  uint64_t mib = 64 + ((uint64_t)pages * PAGE * (uint64_t)copies * 102 / 100 >> 20);
  return mib > FS_RAM_MAX_MIB ? FS_RAM_MAX_MIB : mib;
}

static void note(const struct bench_env *env, const char *fmt, const char *what) {
  if (env->verbose)
    fprintf(stderr, fmt, what);
}

/* Per-fault ns from a measured run and its N = 0 twin. */
static double per_fault(double ns, double ns0, double faults) {
  return faults > 0 ? (ns - ns0) / faults : 0;
}

static int run_pair(const struct bench_env *env, const struct bench_image *img,
                    const struct bench_image *img0, struct bench_faultsim_run *run,
                    struct bench_faultsim_run *run0, int profile, char *err, size_t err_size) {
  if (bench_run_faultsim(env, img, profile, run, err, err_size) != 0)
    return -1;
  if (bench_run_faultsim(env, img0, profile, run0, err, err_size) != 0) {
    bench_faultsim_run_free(run);
    return -1;
  }
  return 0;
}

static double faults_of(const struct bench_faultsim_run *r) {
  return (double)r->result->report.stats.faults_total;
}

/* ---- 1 and 3: lazy anonymous faults ------------------------------------- */
static int bench_anon(const struct bench_env *env, const struct bench_options *opt,
                      struct bench_results *res, char *err, size_t err_size) {
  char n_text[32];
  snprintf(n_text, sizeof n_text, "%ld", opt->anon_pages);
  char *args[] = {"anon", n_text, NULL}, *args0[] = {"anon", "0", NULL};
  struct bench_image img, img0;
  uint64_t ram = ram_for_pages(opt->anon_pages, 1);
  if (bench_image_build(env, &img, ram, NULL, NULL, args, err, err_size) != 0)
    return -1;
  if (bench_image_build(env, &img0, ram, NULL, NULL, args0, err, err_size) != 0) {
    bench_image_free(&img);
    return -1;
  }
  int status = -1;
  for (int r = 0; r < opt->repeats; r++) {
    note(env, "bench: %s\n", "anonymous faults");
    struct bench_faultsim_run run, run0;
    if (run_pair(env, &img, &img0, &run, &run0, 0, err, err_size) != 0)
      goto out;
    double ns = bench_marks_ns(&run.marks, "begin", "end", 0);
    double ns0 = bench_marks_ns(&run0.marks, "begin", "end", 0);
    double fs = per_fault(ns, ns0, faults_of(&run) - faults_of(&run0));
    bench_faultsim_run_free(&run);
    bench_faultsim_run_free(&run0);

    struct bench_marks nat, nat0;
    if (bench_run_native(env, args, &nat, err, err_size) != 0 ||
        bench_run_native(env, args0, &nat0, err, err_size) != 0)
      goto out;
    double nns = bench_marks_ns(&nat, "begin", "end", 1);
    double nns0 = bench_marks_ns(&nat0, "begin", "end", 1);
    double nf =
        bench_marks_minflt(&nat, "begin", "end") - bench_marks_minflt(&nat0, "begin", "end");
    double native = per_fault(nns, nns0, nf);
    bench_stat_add(&res->anon_ns, fs);
    bench_stat_add(&res->anon_ns_native, native);
    bench_stat_add(&res->anon_ratio, native > 0 ? fs / native : 0);
  }

  /* The handler's exact path length, N against N = 0. */
  note(env, "bench: %s\n", "instruction profile");
  struct bench_faultsim_run run, run0;
  if (run_pair(env, &img, &img0, &run, &run0, 1, err, err_size) != 0)
    goto out;
  double faults = (double)run.profile.pf_handled - (double)run0.profile.pf_handled;
  if (faults > 0) {
    res->anon_insns_per_fault = ((double)run.profile.insns - (double)run0.profile.insns) / faults;
    for (int p = 0; p < PROFILE_PHASE_COUNT; p++)
      res->phase_insns[p] =
          ((double)run.profile.phase_insns[p] - (double)run0.profile.phase_insns[p]) / faults;
    res->top_fn_count = run.profile.fn_count;
    for (unsigned i = 0; i < run.profile.fn_count; i++) {
      res->top_fns[i] = run.profile.fns[i];
      double base = 0;
      for (unsigned j = 0; j < run0.profile.fn_count; j++)
        if (strcmp(run0.profile.fns[j].name, run.profile.fns[i].name) == 0)
          base = (double)run0.profile.fns[j].insns;
      res->top_fn_insns[i] = ((double)run.profile.fns[i].insns - base) / faults;
    }
  }
  bench_faultsim_run_free(&run);
  bench_faultsim_run_free(&run0);
  status = 0;
out:
  bench_image_free(&img);
  bench_image_free(&img0);
  return status;
}

/* ---- 2: file-backed faults ---------------------------------------------- */
static int write_data_file(const char *path, long pages, char *err, size_t err_size) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    snprintf(err, err_size, "%s: %s", path, strerror(errno));
    return -1;
  }
  static char page[PAGE];
  for (long i = 0; i < pages; i++) {
    memset(page, (int)(i & 0xff) | 1, sizeof page);
    if (write(fd, page, sizeof page) != (ssize_t)sizeof page) {
      snprintf(err, err_size, "%s: %s", path, strerror(errno));
      close(fd);
      return -1;
    }
  }
  close(fd);
  return 0;
}

static int bench_file(const struct bench_env *env, const struct bench_options *opt,
                      struct bench_results *res, char *err, size_t err_size) {
  char path[4096], n_text[32];
  snprintf(path, sizeof path, "%s/bench-file.dat", env->tmpdir);
  snprintf(n_text, sizeof n_text, "%ld", opt->file_pages);
  if (write_data_file(path, opt->file_pages, err, err_size) != 0)
    return -1;
  char *args[] = {"file", n_text, "/data/bench.dat", NULL};
  char *args0[] = {"file", "0", "/data/bench.dat", NULL};
  char *nargs[] = {"file", n_text, path, NULL};
  char *nargs0[] = {"file", "0", path, NULL};
  /* The file sits in the initramfs and again in the page cache. */
  uint64_t ram = ram_for_pages(opt->file_pages, 2);
  struct bench_image img, img0;
  int status = -1;
  if (bench_image_build(env, &img, ram, path, "/data/bench.dat", args, err, err_size) != 0)
    goto done;
  if (bench_image_build(env, &img0, ram, path, "/data/bench.dat", args0, err, err_size) != 0) {
    bench_image_free(&img);
    goto done;
  }
  for (int r = 0; r < opt->repeats; r++) {
    note(env, "bench: %s\n", "file faults");
    struct bench_faultsim_run run, run0;
    if (run_pair(env, &img, &img0, &run, &run0, 0, err, err_size) != 0)
      goto out;
    const struct fs_fault_stats *s = &run.result->report.stats, *s0 = &run0.result->report.stats;
    double cold = per_fault(bench_marks_ns(&run.marks, "begin", "cold", 0),
                            bench_marks_ns(&run0.marks, "begin", "cold", 0),
                            (double)s->file_pages_read - (double)s0->file_pages_read);
    double warm = per_fault(bench_marks_ns(&run.marks, "cold", "warm", 0),
                            bench_marks_ns(&run0.marks, "cold", "warm", 0),
                            (double)s->page_cache_hits - (double)s0->page_cache_hits);
    bench_faultsim_run_free(&run);
    bench_faultsim_run_free(&run0);
    bench_stat_add(&res->file_cold_ns, cold);
    bench_stat_add(&res->file_warm_ns, warm);

    struct bench_marks nat, nat0;
    if (bench_run_native(env, nargs, &nat, err, err_size) != 0 ||
        bench_run_native(env, nargs0, &nat0, err, err_size) != 0)
      goto out;
    /* Natively both mappings hit the host's page cache (the file was just
     * written): one figure, over both. */
    double nf =
        bench_marks_minflt(&nat, "begin", "warm") - bench_marks_minflt(&nat0, "begin", "warm");
    bench_stat_add(&res->file_ns_native, per_fault(bench_marks_ns(&nat, "begin", "warm", 1),
                                                   bench_marks_ns(&nat0, "begin", "warm", 1), nf));
  }
  status = 0;
out:
  bench_image_free(&img);
  bench_image_free(&img0);
done:
  unlink(path);
  return status;
}

/* ---- 4: scaling with the number of regions ------------------------------- */
static int bench_regions(const struct bench_env *env, const struct bench_options *opt,
                         struct bench_results *res, char *err, size_t err_size) {
  struct bench_image img[BENCH_REGION_KS], img0[BENCH_REGION_KS];
  char k_text[BENCH_REGION_KS][32], f_text[32];
  int built = 0, status = -1;
  snprintf(f_text, sizeof f_text, "%ld", opt->region_faults);
  for (; built < BENCH_REGION_KS; built++) {
    long k = opt->region_ks[built];
    snprintf(k_text[built], sizeof k_text[built], "%ld", k);
    char *args[] = {"regions", k_text[built], f_text, "1", NULL};
    char *args0[] = {"regions", k_text[built], "0", "1", NULL};
    /* Region nodes and page tables: one table page per region at most. */
    uint64_t ram = ram_for_pages(opt->region_faults + k, 2);
    if (bench_image_build(env, &img[built], ram, NULL, NULL, args, err, err_size) != 0)
      goto out;
    if (bench_image_build(env, &img0[built], ram, NULL, NULL, args0, err, err_size) != 0) {
      bench_image_free(&img[built]);
      goto out;
    }
    res->regions[built].k = k;
  }
  for (int r = 0; r < opt->repeats; r++) {
    double first = 0;
    for (int i = 0; i < BENCH_REGION_KS; i++) {
      note(env, "bench: regions K=%s\n", k_text[i]);
      struct bench_faultsim_run run, run0;
      if (run_pair(env, &img[i], &img0[i], &run, &run0, 0, err, err_size) != 0)
        goto out;
      double ns = per_fault(bench_marks_ns(&run.marks, "begin", "end", 0),
                            bench_marks_ns(&run0.marks, "begin", "end", 0),
                            faults_of(&run) - faults_of(&run0));
      bench_faultsim_run_free(&run);
      bench_faultsim_run_free(&run0);
      bench_stat_add(&res->regions[i].ns_per_fault, ns);
      if (i == 0)
        first = ns;
      if (i == BENCH_REGION_KS - 1 && first > 0)
        bench_stat_add(&res->region_ratio, ns / first);
    }
  }
  for (int i = 0; i < BENCH_REGION_KS; i++) {
    note(env, "bench: regions profile K=%s\n", k_text[i]);
    struct bench_faultsim_run run, run0;
    if (run_pair(env, &img[i], &img0[i], &run, &run0, 1, err, err_size) != 0)
      goto out;
    double faults = (double)run.profile.pf_handled - (double)run0.profile.pf_handled;
    res->regions[i].insns_per_fault =
        faults > 0 ? ((double)run.profile.insns - (double)run0.profile.insns) / faults : 0;
    bench_faultsim_run_free(&run);
    bench_faultsim_run_free(&run0);
  }
  status = 0;
out:
  while (built-- > 0) {
    bench_image_free(&img[built]);
    bench_image_free(&img0[built]);
  }
  return status;
}

/* ---- 5: replay ----------------------------------------------------------- */
static int bench_replay(const struct bench_env *env, const struct bench_options *opt,
                        struct bench_results *res, char *err, size_t err_size) {
  char trace[4096], cycles[32], pages[32], ram[32];
  snprintf(trace, sizeof trace, "%s/bench-trace.jsonl", env->tmpdir);
  snprintf(cycles, sizeof cycles, "%ld", opt->churn_cycles);
  snprintf(pages, sizeof pages, "%ld", opt->churn_pages);
  snprintf(ram, sizeof ram, "%llu", (unsigned long long)ram_for_pages(opt->churn_pages, 1));
  char *run_argv[] = {(char *)env->faultsim, "run",   "--ram", ram,   "--trace", trace,
                      (char *)env->workload, "churn", cycles,  pages, NULL};
  char *offline_argv[] = {(char *)env->faultsim, "replay", "--offline", trace, NULL};
  char *full_argv[] = {(char *)env->faultsim, "replay", trace, (char *)env->workload, NULL};
  int status = -1;
  for (int r = 0; r < opt->repeats; r++) {
    note(env, "bench: %s\n", "replay");
    double first, t_run, t_off, t_full;
    char said[256];
    if (bench_spawn(run_argv, &first, &t_run, NULL, 0) != 0) {
      snprintf(err, err_size, "faultsim run --trace (replay benchmark) failed");
      goto out;
    }
    if (bench_spawn(offline_argv, &first, &t_off, said, sizeof said) != 0) {
      snprintf(err, err_size, "faultsim replay --offline failed on the benchmark's trace");
      goto out;
    }
    /* The replay counts the events it read (cmd_replay.c). */
    if (sscanf(said, "offline replay: %ld events", &res->replay_events) != 1)
      res->replay_events = -1;
    if (bench_spawn(full_argv, &first, &t_full, NULL, 0) != 0) {
      snprintf(err, err_size, "faultsim replay failed on the benchmark's trace");
      goto out;
    }
    bench_stat_add(&res->run_s, t_run / 1e9);
    bench_stat_add(&res->offline_s, t_off / 1e9);
    bench_stat_add(&res->replay_s, t_full / 1e9);
    bench_stat_add(&res->offline_events_per_s, (double)res->replay_events / (t_off / 1e9));
    bench_stat_add(&res->full_replay_ratio, t_full / t_run);
  }
  status = res->replay_events > 0 ? 0 : -1;
  if (status)
    snprintf(err, err_size, "faultsim replay --offline did not say how many events it read");
out:
  unlink(trace);
  return status;
}

/* ---- 6: start-up --------------------------------------------------------- */
static int bench_startup(const struct bench_env *env, const struct bench_options *opt,
                         struct bench_results *res, char *err, size_t err_size) {
  char *first_argv[] = {(char *)env->faultsim, "run", (char *)env->workload, "first", NULL};
  char *exit_argv[] = {(char *)env->faultsim, "run", (char *)env->workload, "exit", NULL};
  char *native_argv[] = {(char *)env->workload, "exit", NULL};
  for (int r = 0; r < opt->repeats; r++) {
    note(env, "bench: %s\n", "start-up");
    double first, total, unused, native;
    if (bench_spawn(first_argv, &first, &unused, NULL, 0) != 0 || first < 0 ||
        bench_spawn(exit_argv, &unused, &total, NULL, 0) != 0 ||
        bench_spawn(native_argv, &unused, &native, NULL, 0) != 0) {
      snprintf(err, err_size, "the start-up benchmark's runs failed");
      return -1;
    }
    bench_stat_add(&res->startup_first_ms, first / 1e6);
    bench_stat_add(&res->startup_exit_ms, total / 1e6);
    bench_stat_add(&res->native_exit_ms, native / 1e6);
  }
  return 0;
}

int bench_suite_run(const struct bench_env *env, const struct bench_options *opt,
                    struct bench_results *res, char *err, size_t err_size) {
  memset(res, 0, sizeof *res);
  if (bench_startup(env, opt, res, err, err_size) != 0 ||
      bench_anon(env, opt, res, err, err_size) != 0 ||
      bench_file(env, opt, res, err, err_size) != 0 ||
      bench_regions(env, opt, res, err, err_size) != 0 ||
      bench_replay(env, opt, res, err, err_size) != 0)
    return -1;
  bench_qemu_run(env, opt, res);
  return 0;
}
