/* /proc/self/faultstat: the kernel's fault counters as `name value` lines,
 * with the same names and order as the host's --stats (the
 * FS_FAULT_STATS_SCALARS list, then lazy_<type> for every region type but
 * "none").  The counters are kernel-wide; with one process at a time "self"
 * is that process.  The text is rendered when the file is opened. */
#include <faultsim/abi.h>
#include <kernel/fault_stats.h>
#include <kernel/kprintf.h>
#include <kernel/log.h>
#include <kernel/procfs.h>
#include <kernel/vfs.h>
#include <kernel/vm_fault.h>

static size_t append(char *buf, size_t cap, size_t at, const char *prefix, const char *name,
                     uint64_t value) {
  if (at >= cap)
    return at;
  int n = ksnprintf(buf + at, cap - at, "%s%s %lu\n", prefix, name, value);
  return n < 0 ? at : at + (size_t)n;
}

static size_t render_faultstat(char *buf, size_t cap) {
  const struct fs_fault_stats *s = &fault_stats;
  size_t at = 0;
#define FAULTSTAT_LINE(name) at = append(buf, cap, at, "", #name, s->name);
  FS_FAULT_STATS_SCALARS(FAULTSTAT_LINE)
#undef FAULTSTAT_LINE
  for (int t = FS_REGION_NONE + 1; t < FS_REGION_TYPE_COUNT; t++)
    at = append(buf, cap, at, "lazy_", vm_region_type_name((enum fs_region_type)t),
                s->lazy_by_type[t]);
  return at < cap ? at : cap - 1; /* ksnprintf keeps the last byte for NUL */
}

void procfs_init(void) {
  if (vfs_add_pseudo("/proc/self/faultstat", render_faultstat) != 0)
    klog(FS_LOG_WARN, "procfs: cannot add /proc/self/faultstat");
}
