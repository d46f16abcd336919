/* FS_PORT_REPORT: the kernel's counters, sent once before it exits. */
#include <string.h>

#include "devices.h"
#include "machine_internal.h"

void report_out(struct machine *m, uint32_t report_phys) {
  struct fs_kernel_report report;
  if ((uint64_t)report_phys + sizeof report > m->ram.size) {
    serial_note(m, "[machine] kernel report outside RAM ignored\n");
    return;
  }
  memcpy(&report, m->ram.base + report_phys, sizeof report);
  if (report.magic != FS_REPORT_MAGIC) {
    serial_note(m, "[machine] kernel report with a bad magic ignored\n");
    return;
  }
  m->run.report = report;
  m->run.have_report = true;
}
