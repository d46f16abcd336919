/*
 * Helpers of the CMocka end-to-end tests that drive the faultsim binary
 * (tests/host, tests/trace): run it, write and read files, and main's
 * argument checks.  The helpers fail the current test through CMocka's
 * assertions; include <cmocka.h> before this header.
 */
#ifndef FAULTSIM_TEST_E2E_TEST_H
#define FAULTSIM_TEST_E2E_TEST_H

#include <stddef.h>
#include <sys/types.h>

#include "run_capture.h"

/* Runs `faultsim ARGS...` (args NULL-terminated) within timeout_ms and
 * asserts that it ran, was not killed for the timeout and was not killed by
 * a signal: what it printed and its exit status are the caller's to check. */
void e2e_run(const char *faultsim, char *const args[], unsigned timeout_ms, struct run_output *out);

#define E2E_RUN(out, faultsim, timeout_ms, ...)                                                    \
  e2e_run((faultsim), (char *const[]){__VA_ARGS__, NULL}, (timeout_ms), (out))

/* Starts argv[0] with argv in the background, stdin, stdout and stderr on
 * /dev/null; returns its pid (asserts that it started).  The caller reaps it. */
pid_t e2e_spawn_quiet(char *const argv[]);

/* "DIR/NAME", malloc'd. */
char *e2e_path(const char *dir, const char *name);

/* Writes size bytes to path (replacing it), asserting success. */
void e2e_write_file(const char *path, const void *data, size_t size);

/* The whole file, malloc'd and NUL-terminated; its size in *size unless NULL. */
char *e2e_slurp(const char *path, size_t *size);

/* True when the file exists and holds at least n '\n'-terminated lines. */
int e2e_file_has_lines(const char *path, size_t n);

/* For main, whose last argument is the scratch directory: argc must be
 * 1 + count, else prints "usage: ARGV0 USAGE" and returns 2; then creates
 * argv[count] (an existing directory is fine), or prints why not and returns
 * 2.  0 when main can go on. */
int e2e_main_args(int argc, char **argv, int count, const char *usage);

#endif /* FAULTSIM_TEST_E2E_TEST_H */
