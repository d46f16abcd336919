#include "cli_number.h"

#include <errno.h>
#include <stdlib.h>

int cli_parse_u64(const char *text, uint64_t min, uint64_t max, bool hex, uint64_t *value) {
  /* strtoull itself would skip blanks and accept a sign. */
  if (text[0] < '0' || text[0] > '9')
    return -1;
  errno = 0;
  char *end;
  unsigned long long parsed = strtoull(text, &end, hex ? 0 : 10);
  if (errno != 0 || *end != '\0' || parsed < min || parsed > max)
    return -1;
  *value = parsed;
  return 0;
}
