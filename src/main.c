/* faultsim: dispatches `faultsim COMMAND [ARGS]` to the command's file. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

struct command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
};

static const struct command commands[] = {
    {"run", cmd_run, "boot the kernel and run a static x86-64 program"},
    {"replay", cmd_replay, "re-run a recorded trace and compare it event by event"},
    {"trace", cmd_trace, "inspect traces: stats TRACE, diff A B"},
    {"fuzz", cmd_fuzz, "fuzz the fault handler inside the machine against the oracle"},
    {"bench", cmd_bench, "measure fault costs against native Linux (--quick, --json FILE)"},
};

static void print_help(FILE *out) {
  fputs("Usage: faultsim [--help] [--version] COMMAND [ARGS]...\n"
        "A deterministic x86-64 machine that boots the faultsim kernel and runs\n"
        "static Linux programs in ring 3.\n"
        "\n"
        "Commands:\n",
        out);
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fputs("\n"
        "Run 'faultsim COMMAND --help' for the options of a command.\n",
        out);
}

int main(int argc, char **argv) {
  static const struct option options[] = {
      {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'V'},
      {NULL, 0, NULL, 0},
  };
  /* "+": the first non-option is the command; its options are its own.
   * ":": a missing argument is told apart from an unknown option. */
  opterr = 0;
  int option;
  while ((option = getopt_long(argc, argv, "+:hV", options, NULL)) != -1) {
    switch (option) {
    case 'h':
      print_help(stdout);
      return 0;
    case 'V':
      printf("faultsim %s\n", FAULTSIM_VERSION);
      return 0;
    default: {
      char message[256];
      cli_option_error(option, options, argv, message, sizeof(message));
      return cli_usage_error(NULL, message);
    }
    }
  }
  if (optind >= argc)
    return cli_usage_error(NULL, "missing COMMAND");
  const char *name = argv[optind];
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    if (strcmp(name, commands[i].name) == 0)
      return commands[i].run(argc - optind, argv + optind);
  char message[256];
  snprintf(message, sizeof(message), "unknown command '%s'", name);
  return cli_usage_error(NULL, message);
}
