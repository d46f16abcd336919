/*
 * The full-system emulator column: the anonymous-fault workload under
 * qemu-system-x86_64 (TCG) with the host's Debian kernel.  Needs both the
 * emulator and a kernel image; without them the figure is skipped with a
 * note (the rest of the benchmark does not depend on it).
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

/* First executable `name` on PATH, into out. */
static int find_in_path(const char *name, char *out, size_t size) {
  const char *path = getenv("PATH");
  if (!path)
    path = "/usr/bin:/bin";
  while (*path) {
    size_t len = strcspn(path, ":");
    snprintf(out, size, "%.*s/%s", (int)len, path, name);
    if (len > 0 && access(out, X_OK) == 0)
      return 0;
    path += len + (path[len] == ':');
  }
  return -1;
}

void bench_qemu_run(const struct bench_env *env, const struct bench_options *opt,
                    struct bench_results *res) {
  (void)env;
  (void)opt;
  char qemu[4096];
  res->qemu_measured = 0;
  if (find_in_path("qemu-system-x86_64", qemu, sizeof qemu) != 0) {
    snprintf(res->qemu_note, sizeof res->qemu_note,
             "qemu-system-x86_64 is not installed (Debian: qemu-system-x86)");
    return;
  }
  glob_t g;
  int found = glob("/boot/vmlinuz-*", 0, NULL, &g) == 0 && g.gl_pathc > 0;
  globfree(&g);
  if (!found) {
    snprintf(res->qemu_note, sizeof res->qemu_note,
             "no kernel image /boot/vmlinuz-* (Debian: linux-image-amd64)");
    return;
  }
  snprintf(res->qemu_note, sizeof res->qemu_note,
           "qemu-system-x86_64 and a kernel are present, but the qemu column is not "
           "implemented yet");
}
