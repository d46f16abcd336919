/* What every subcommand's command line shares: whole-string numbers, the
 * wording of option and usage errors, base names. */
#ifndef FAULTSIM_CLI_H
#define FAULTSIM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct option;

/* Parses text as a number in [min, max]: digits only (decimal, or "0x" hex
 * when hex is set), no sign, blank or suffix, so that a typo never becomes
 * another number.  Returns 0, or -1 and leaves *value alone. */
int cli_parse_u64(const char *text, uint64_t min, uint64_t max, bool hex, uint64_t *value);

/* Words getopt_long's ':' (missing argument) or '?' (unknown option, or an
 * argument given to a long option that takes none) result into err, as
 * getopt itself would have printed it.  Call right after getopt_long
 * returned result, with a leading ':' in its optstring and opterr = 0. */
void cli_option_error(int result, const struct option *options, char *const *argv, char *err,
                      size_t err_size);

/* Prints "faultsim COMMAND: MESSAGE" and the hint to --help on stderr
 * (command NULL: faultsim itself) and returns the usage exit status, 2. */
int cli_usage_error(const char *command, const char *message);

/* Where the last `lines` lines of text start, at most max_bytes before its
 * end (a final newline does not count as a line): the tail of a long log
 * for a message. */
const char *cli_text_tail(const char *text, int lines, size_t max_bytes);

/* The last component of path (all of it when there is no '/'). */
const char *cli_base_name(const char *path);

#endif /* FAULTSIM_CLI_H */
