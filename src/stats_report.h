/*
 * The `--stats` report: the kernel's counters, one `name value` line each,
 * under the header line `faultsim stats:`.  One function so every command
 * that shows counters prints the same names in the same order.
 */
#ifndef FAULTSIM_STATS_REPORT_H
#define FAULTSIM_STATS_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include <faultsim/abi.h>

/* Prints the header, the FS_FAULT_STATS_SCALARS counters, lazy_<type> for
 * each region type but "none", the frame counters and `instructions`.  With
 * report == NULL (the kernel sent none) only the header and `instructions`
 * are printed. */
void stats_report_print(FILE *out, const struct fs_kernel_report *report, uint64_t instructions);

#endif /* FAULTSIM_STATS_REPORT_H */
