/* Whole-string numbers from the command line, shared by every subcommand. */
#ifndef FAULTSIM_CLI_NUMBER_H
#define FAULTSIM_CLI_NUMBER_H

#include <stdbool.h>
#include <stdint.h>

/* Parses text as a number in [min, max]: digits only (decimal, or "0x" hex
 * when hex is set), no sign, blank or suffix, so that a typo never becomes
 * another number.  Returns 0, or -1 and leaves *value alone. */
int cli_parse_u64(const char *text, uint64_t min, uint64_t max, bool hex, uint64_t *value);

#endif
