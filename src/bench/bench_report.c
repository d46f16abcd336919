/* The benchmark's table (stdout) and JSON document (--json FILE). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"

static const char *const phase_keys[PROFILE_PHASE_COUNT] = {
    [PROFILE_ENTRY] = "entry_exit", [PROFILE_CLASSIFY] = "classification",
    [PROFILE_ALLOC] = "allocation", [PROFILE_ZERO] = "zeroing",
    [PROFILE_MAP] = "mapping",
};

/* "model name" from /proc/cpuinfo, for the record of where figures come from. */
static void cpu_model(char *out, size_t size) {
  snprintf(out, size, "unknown");
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (!f)
    return;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    char *colon = strchr(line, ':');
    if (strncmp(line, "model name", 10) == 0 && colon) {
      colon += 1 + strspn(colon + 1, " \t");
      colon[strcspn(colon, "\n")] = '\0';
      snprintf(out, size, "%s", colon);
      break;
    }
  }
  fclose(f);
}

static void row(FILE *out, const char *name, const struct bench_stat *s, const char *unit,
                int decimals) {
  if (s->n == 0) {
    fprintf(out, "  %-44s %12s\n", name, "-");
    return;
  }
  fprintf(out, "  %-44s %12.*f %12.*f %12.*f  %s\n", name, decimals, bench_stat_median(s), decimals,
          bench_stat_min(s), decimals, bench_stat_max(s), unit);
}

static void exact(FILE *out, const char *name, double value, const char *unit) {
  fprintf(out, "  %-44s %12.1f %12s %12s  %s\n", name, value, "", "", unit);
}

void bench_report_table(FILE *out, const struct bench_options *opt,
                        const struct bench_results *res) {
  char cpu[256];
  struct utsname u;
  cpu_model(cpu, sizeof cpu);
  if (uname(&u) != 0)
    snprintf(u.release, sizeof u.release, "unknown");
  fprintf(out, "faultsim bench%s: %d runs per figure; host: %s, %ld cores, Linux %s\n",
          opt->quick ? " --quick" : "", opt->repeats, cpu, sysconf(_SC_NPROCESSORS_ONLN),
          u.release);
  fprintf(out, "  anon N=%ld, file N=%ld, regions: %ld faults, replay: %ld events\n\n",
          opt->anon_pages, opt->file_pages, opt->region_faults, res->replay_events);
  fprintf(out, "  %-44s %12s %12s %12s\n", "figure", "median", "min", "max");
  row(out, "lazy anonymous fault, faultsim", &res->anon_ns, "ns/fault", 0);
  row(out, "lazy anonymous fault, native Linux", &res->anon_ns_native, "ns/fault", 0);
  row(out, "  ratio faultsim / native", &res->anon_ratio, "", 3);
  if (res->qemu_measured) {
    row(out, "lazy anonymous fault, qemu-system-x86_64 TCG", &res->qemu_ns, "ns/fault", 0);
    if (res->qemu_note[0] != '\0')
      fprintf(out, "  %-44s (%s)\n", "", res->qemu_note);
  } else
    fprintf(out, "  %-44s %12s  (%s)\n", "lazy anonymous fault, qemu-system-x86_64", "skipped",
            res->qemu_note);
  row(out, "file fault, cold (from the VFS)", &res->file_cold_ns, "ns/fault", 0);
  row(out, "file fault, warm (page cache)", &res->file_warm_ns, "ns/fault", 0);
  row(out, "file fault, native Linux (page cache)", &res->file_ns_native, "ns/fault", 0);
  exact(out, "guest instructions per lazy anon fault", res->anon_insns_per_fault, "exact");
  for (int p = 0; p < PROFILE_PHASE_COUNT; p++) {
    char name[64];
    snprintf(name, sizeof name, "  %s", machine_profile_phase_name((enum machine_profile_phase)p));
    exact(out, name, res->phase_insns[p], "insns/fault");
  }
  for (int i = 0; i < BENCH_REGION_KS; i++) {
    char name[64];
    snprintf(name, sizeof name, "fault with K=%ld regions", res->regions[i].k);
    row(out, name, &res->regions[i].ns_per_fault, "ns/fault", 0);
    snprintf(name, sizeof name, "  guest instructions, K=%ld", res->regions[i].k);
    exact(out, name, res->regions[i].insns_per_fault, "insns/fault");
  }
  char name[64];
  snprintf(name, sizeof name, "  ratio K=%ld / K=%ld", res->regions[BENCH_REGION_KS - 1].k,
           res->regions[0].k);
  row(out, name, &res->region_ratio, "", 3);
  row(out, "replay --offline", &res->offline_events_per_s, "events/s", 0);
  row(out, "run --trace (original run)", &res->run_s, "s", 3);
  row(out, "full replay", &res->replay_s, "s", 3);
  row(out, "  ratio full replay / original run", &res->full_replay_ratio, "", 3);
  row(out, "start-up to the program's first write", &res->startup_first_ms, "ms", 2);
  row(out, "start-up to exit (program exits at once)", &res->startup_exit_ms, "ms", 2);
  row(out, "  native Linux, to exit", &res->native_exit_ms, "ms", 2);
  fprintf(out, "\n  where the #PF handler's instructions go (per lazy anonymous fault):\n");
  for (unsigned i = 0; i < res->top_fn_count && i < 12; i++)
    if (res->top_fn_insns[i] >= 0.5)
      fprintf(out, "    %-40s %8.1f\n", res->top_fns[i].name, res->top_fn_insns[i]);
}

static cJSON *spread(const struct bench_stat *s) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "median", bench_stat_median(s));
  cJSON_AddNumberToObject(o, "min", bench_stat_min(s));
  cJSON_AddNumberToObject(o, "max", bench_stat_max(s));
  cJSON_AddNumberToObject(o, "runs", s->n);
  return o;
}

/* key: the median at top level, median/min/max under "spread". */
static void add_stat(cJSON *doc, cJSON *spreads, const char *key, const struct bench_stat *s) {
  cJSON_AddNumberToObject(doc, key, bench_stat_median(s));
  cJSON_AddItemToObject(spreads, key, spread(s));
}

int bench_report_json(const char *path, const struct bench_options *opt,
                      const struct bench_results *res) {
  cJSON *doc = cJSON_CreateObject(), *spreads = cJSON_CreateObject();
  add_stat(doc, spreads, "anon_fault_ns", &res->anon_ns);
  add_stat(doc, spreads, "anon_fault_ns_native", &res->anon_ns_native);
  add_stat(doc, spreads, "anon_ratio_vs_native", &res->anon_ratio);
  add_stat(doc, spreads, "file_fault_ns_cold", &res->file_cold_ns);
  add_stat(doc, spreads, "file_fault_ns_warm", &res->file_warm_ns);
  add_stat(doc, spreads, "file_fault_ns_native", &res->file_ns_native);
  cJSON_AddNumberToObject(doc, "guest_insns_per_anon_fault", res->anon_insns_per_fault);
  cJSON *phases = cJSON_AddObjectToObject(doc, "guest_insns_per_anon_fault_phases");
  for (int p = 0; p < PROFILE_PHASE_COUNT; p++)
    cJSON_AddNumberToObject(phases, phase_keys[p], res->phase_insns[p]);
  cJSON *fns = cJSON_AddObjectToObject(doc, "guest_insns_per_anon_fault_functions");
  for (unsigned i = 0; i < res->top_fn_count; i++)
    if (res->top_fn_insns[i] >= 0.5)
      cJSON_AddNumberToObject(fns, res->top_fns[i].name, res->top_fn_insns[i]);
  cJSON *regions = cJSON_AddObjectToObject(doc, "region_scaling");
  cJSON *region_spreads = cJSON_AddObjectToObject(spreads, "region_scaling");
  for (int i = 0; i < BENCH_REGION_KS; i++) {
    char k[32];
    snprintf(k, sizeof k, "%ld", res->regions[i].k);
    cJSON *one = cJSON_AddObjectToObject(regions, k);
    cJSON_AddNumberToObject(one, "ns_per_fault", bench_stat_median(&res->regions[i].ns_per_fault));
    cJSON_AddNumberToObject(one, "guest_insns_per_fault", res->regions[i].insns_per_fault);
    cJSON_AddItemToObject(region_spreads, k, spread(&res->regions[i].ns_per_fault));
  }
  add_stat(doc, spreads, "region_scaling_ratio", &res->region_ratio);
  add_stat(doc, spreads, "offline_replay_events_per_s", &res->offline_events_per_s);
  add_stat(doc, spreads, "full_replay_vs_run_ratio", &res->full_replay_ratio);
  cJSON_AddNumberToObject(doc, "replay_events", (double)res->replay_events);
  add_stat(doc, spreads, "startup_ms", &res->startup_first_ms);
  add_stat(doc, spreads, "startup_exit_ms", &res->startup_exit_ms);
  add_stat(doc, spreads, "native_exit_ms", &res->native_exit_ms);
  if (res->qemu_measured)
    add_stat(doc, spreads, "qemu_anon_fault_ns", &res->qemu_ns);
  if (!res->qemu_measured || res->qemu_note[0] != '\0')
    cJSON_AddStringToObject(doc, "qemu_note", res->qemu_note);
  cJSON_AddItemToObject(doc, "spread", spreads);

  cJSON *cfg = cJSON_AddObjectToObject(doc, "config");
  cJSON_AddBoolToObject(cfg, "quick", opt->quick);
  cJSON_AddNumberToObject(cfg, "repeats", opt->repeats);
  cJSON_AddNumberToObject(cfg, "anon_pages", (double)opt->anon_pages);
  cJSON_AddNumberToObject(cfg, "file_pages", (double)opt->file_pages);
  cJSON_AddNumberToObject(cfg, "region_faults", (double)opt->region_faults);
  cJSON_AddNumberToObject(cfg, "churn_cycles", (double)opt->churn_cycles);
  cJSON_AddNumberToObject(cfg, "churn_pages", (double)opt->churn_pages);
  char cpu[256];
  struct utsname u;
  cpu_model(cpu, sizeof cpu);
  cJSON *host = cJSON_AddObjectToObject(doc, "host");
  cJSON_AddStringToObject(host, "cpu", cpu);
  cJSON_AddNumberToObject(host, "cores", (double)sysconf(_SC_NPROCESSORS_ONLN));
  cJSON_AddStringToObject(host, "kernel", uname(&u) == 0 ? u.release : "unknown");

  char *text = cJSON_Print(doc);
  cJSON_Delete(doc);
  if (!text) {
    errno = ENOMEM;
    return -1;
  }
  FILE *f = fopen(path, "w");
  int status = -1;
  if (f) {
    int ok = fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    status = fclose(f) == 0 && ok ? 0 : -1;
  }
  free(text);
  return status;
}
