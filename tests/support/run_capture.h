/*
 * Test support: run a program, feed it stdin, capture stdout, stderr and how
 * it ended.  Shared by the e2e tests of every area.
 */
#ifndef FAULTSIM_TEST_RUN_CAPTURE_H
#define FAULTSIM_TEST_RUN_CAPTURE_H

#include <stddef.h>

struct run_output {
  char *out; /* stdout, malloc'd, NUL-terminated (may hold other NULs) */
  size_t out_len;
  char *err; /* stderr, likewise */
  size_t err_len;
  int exited;      /* 1: exited normally, exit_status is valid */
  int exit_status; /* 0..255, or -1 when it did not exit */
  int signal;      /* the signal that ended it, or 0 */
  int timed_out;   /* 1: killed with SIGKILL after the timeout */
};

/* Runs argv[0] (a path; PATH is not searched) with argv and the caller's
 * environment, writes stdin_text (NULL: empty stdin) to its stdin, and waits
 * for it.  Returns 0 when the child ran (whatever its outcome; an exec
 * failure shows as exit status 127 with a message on its stderr), -1 with
 * errno when it could not be started.  Free out with run_output_free. */
int run_capture(char *const argv[], const char *stdin_text, struct run_output *out);

/* The same with a time limit in milliseconds (0: none): past it the child is
 * killed and out->timed_out is set. */
int run_capture_timeout(char *const argv[], const char *stdin_text, unsigned timeout_ms,
                        struct run_output *out);

void run_output_free(struct run_output *out);

/* True when some line of text starts with prefix. */
int text_has_line_starting_with(const char *text, const char *prefix);

/* The number of lines in text (a last line without '\n' counts). */
size_t text_line_count(const char *text);

#endif /* FAULTSIM_TEST_RUN_CAPTURE_H */
