/*
 * The faultsim subcommands and the exit statuses they share.  main.c
 * dispatches `faultsim COMMAND ...` to cmd_COMMAND(argc, argv) with argv[0]
 * being the command name.
 */
#ifndef FAULTSIM_COMMANDS_H
#define FAULTSIM_COMMANDS_H

/* Exit statuses of faultsim itself; 0..255 otherwise mirror the guest's. */
enum faultsim_exit {
  FAULTSIM_EXIT_USAGE = 2,         /* bad command line or unreadable input file */
  FAULTSIM_EXIT_BAD_PROGRAM = 3,   /* PROGRAM unreadable or not runnable        */
  FAULTSIM_EXIT_MACHINE = 4,       /* the machine failed to start or stopped abnormally */
  FAULTSIM_EXIT_SIGNAL_BASE = 128, /* + signal number */
};

int cmd_run(int argc, char **argv);    /* cmd_run.c */
int cmd_replay(int argc, char **argv); /* cmd_replay.c */
int cmd_trace(int argc, char **argv);  /* cmd_trace.c */
int cmd_fuzz(int argc, char **argv);   /* cmd_fuzz.c */
int cmd_bench(int argc, char **argv);  /* cmd_bench.c */

#endif /* FAULTSIM_COMMANDS_H */
