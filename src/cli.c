#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

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

/* The long option argv[optind - 1] names ("--NAME" or "--NAME=VALUE", NAME
 * possibly abbreviated) when getopt reported it by its val, else NULL: a
 * short option in a cluster leaves optind on the element before. */
static const struct option *long_option_at(const struct option *options, char *const *argv) {
  const char *text = optind > 0 ? argv[optind - 1] : NULL;
  if (text == NULL || strncmp(text, "--", 2) != 0)
    return NULL;
  text += 2;
  size_t length = strcspn(text, "=");
  const struct option *found = NULL;
  for (const struct option *o = options; o->name != NULL; o++) {
    if (strncmp(o->name, text, length) != 0)
      continue;
    if (o->name[length] == '\0')
      return o->val == optopt ? o : NULL; /* an exact name wins */
    if (found == NULL)
      found = o;
  }
  return found != NULL && found->val == optopt ? found : NULL;
}

void cli_option_error(int result, const struct option *options, char *const *argv, char *err,
                      size_t err_size) {
  const struct option *named = optopt != 0 ? long_option_at(options, argv) : NULL;
  if (result == ':') {
    if (named != NULL)
      snprintf(err, err_size, "option '--%s' requires an argument", named->name);
    else
      snprintf(err, err_size, "option requires an argument -- '%c'", optopt);
  } else if (named != NULL) {
    snprintf(err, err_size, "option '--%s' doesn't allow an argument", named->name);
  } else if (optopt != 0) {
    snprintf(err, err_size, "invalid option -- '%c'", optopt);
  } else {
    snprintf(err, err_size, "unrecognized option '%s'", argv[optind - 1]);
  }
}

int cli_usage_error(const char *command, const char *message) {
  const char *space = command ? " " : "";
  command = command ? command : "";
  fprintf(stderr, "faultsim%s%s: %s\nTry 'faultsim%s%s --help' for more information.\n", space,
          command, message, space, command);
  return FAULTSIM_EXIT_USAGE;
}

const char *cli_base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

const char *cli_text_tail(const char *text, int lines, size_t max_bytes) {
  size_t length = strlen(text);
  const char *end = text + length, *start = end;
  /* Skip a final newline, then step back over the wanted number of lines. */
  if (start > text && start[-1] == '\n')
    start--;
  int seen = 0;
  while (start > text && (size_t)(end - start) < max_bytes) {
    if (start[-1] == '\n' && ++seen == lines)
      break;
    start--;
  }
  return start;
}
