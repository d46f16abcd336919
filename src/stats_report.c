#include "stats_report.h"

#include <inttypes.h>

static void print_counter(FILE *out, const char *name, uint64_t value) {
  fprintf(out, "%s %" PRIu64 "\n", name, value);
}

void stats_report_print(FILE *out, const struct fs_kernel_report *report, uint64_t instructions) {
  fputs("faultsim stats:\n", out);
  if (report != NULL) {
    const struct fs_fault_stats *stats = &report->stats;
#define PRINT_SCALAR(name) print_counter(out, #name, stats->name);
    FS_FAULT_STATS_SCALARS(PRINT_SCALAR)
#undef PRINT_SCALAR
    static const char *const region_names[] = FS_REGION_TYPE_NAMES;
    _Static_assert(sizeof(region_names) / sizeof(region_names[0]) == FS_REGION_TYPE_COUNT,
                   "one name per region type");
    for (int type = FS_REGION_NONE + 1; type < FS_REGION_TYPE_COUNT; type++) {
      fprintf(out, "lazy_%s %" PRIu64 "\n", region_names[type], stats->lazy_by_type[type]);
    }
    print_counter(out, "frames_total", report->frames_total);
    print_counter(out, "frames_free_boot", report->frames_free_boot);
    print_counter(out, "frames_free_exit", report->frames_free_exit);
    print_counter(out, "frame_allocs", report->frame_allocs);
    print_counter(out, "frame_alloc_failures", report->frame_alloc_failures);
    print_counter(out, "frame_allocs_run", report->frame_allocs_run);
  }
  print_counter(out, "instructions", instructions);
}
