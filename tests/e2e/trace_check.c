/*
 * trace_check: the kernel side of traces.  Boots the kernel on the machine
 * with FS_BOOT_TRACE, runs one workload (mmap_file: exec, brk-free, file and
 * anonymous faults, mmap, munmap) and checks the records the kernel sends:
 * an EXEC first, then exactly region_count REGION records in address order,
 * one FAULT record per fault the report counts, MMAP/MUNMAP records with
 * their results, file ids that name the VFS inodes, and an EXIT last.
 *
 *   trace_check KERNEL_ELF WORKLOAD_ELF INPUT_FILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <faultsim/abi.h>

#include "cpio_writer.h"
#include "machine.h"

#define MAX_RECORDS 4096

static struct fs_trace_record records[MAX_RECORDS];
static size_t count, bad_size;

static void on_trace(void *opaque, const void *record, size_t size) {
  (void)opaque;
  (void)size; /* the machine may not know the size: the record says it */
  struct fs_trace_record r;
  memcpy(&r, record, sizeof r);
  if (r.size != sizeof r)
    bad_size++;
  if (count < MAX_RECORDS)
    records[count++] = r;
}

static void *slurp(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  void *buf = malloc(n ? (size_t)n : 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
    perror(path);
    exit(2);
  }
  fclose(f);
  *size = (size_t)n;
  return buf;
}

static int failures;
#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "FAIL: %s:%d: %s\n", __FILE__, __LINE__, #cond);                             \
      failures++;                                                                                  \
    }                                                                                              \
  } while (0)

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: trace_check KERNEL_ELF WORKLOAD_ELF INPUT_FILE\n");
    return 2;
  }
  size_t ksize, wsize, isize;
  void *kernel = slurp(argv[1], &ksize), *workload = slurp(argv[2], &wsize);
  void *input = slurp(argv[3], &isize);
  char err[256] = "";
  struct cpio_writer *w = cpio_writer_new();
  void *archive;
  size_t archive_size;
  if (!w ||
      cpio_writer_add_file(w, "/bin/mmap_file", workload, wsize, CPIO_MODE_EXEC, err, sizeof err) ||
      cpio_writer_add_file(w, "/data/input.txt", input, isize, CPIO_MODE_FILE, err, sizeof err) ||
      cpio_writer_finish(w, &archive, &archive_size, err, sizeof err)) {
    fprintf(stderr, "initramfs: %s\n", err);
    return 2;
  }
  char *const gargv[] = {"/bin/mmap_file", "/data/input.txt"};
  FILE *out = tmpfile();
  struct machine_config cfg = {.ram_mib = 64,
                               .kernel_elf = kernel,
                               .kernel_elf_size = ksize,
                               .initramfs = archive,
                               .initramfs_size = archive_size,
                               .argc = 2,
                               .argv = gargv,
                               .boot_flags = FS_BOOT_TRACE,
                               .log_level = FS_LOG_WARN,
                               .stack_guard_pages = 256,
                               .guest_stdout = out,
                               .guest_stderr = out,
                               .on_trace = on_trace};
  struct machine *m = machine_create(&cfg, err, sizeof err);
  if (!m) {
    fprintf(stderr, "machine_create: %s\n", err);
    return 2;
  }
  static struct machine_result result;
  machine_run(m, &result);
  CHECK(result.outcome == MACHINE_EXITED && result.code == 0);
  CHECK(result.have_report);
  CHECK(bad_size == 0);
  CHECK(count > 0 && count < MAX_RECORDS);

  /* EXEC, then its regions in address order. */
  CHECK(records[0].kind == FS_TRACE_EXEC);
  const struct fs_trace_exec *ex = &records[0].u.exec;
  CHECK(!strcmp(ex->path, "/bin/mmap_file"));
  CHECK(ex->file_id != 0 && ex->entry >= 0x400000);
  CHECK(ex->region_count >= 6 && ex->region_count < count);
  uint64_t prev_end = 0;
  int text = 0, stack = 0, guards = 0;
  for (uint32_t i = 1; i <= ex->region_count && i < count; i++) {
    const struct fs_trace_region *r = &records[i].u.region;
    CHECK(records[i].kind == FS_TRACE_REGION);
    CHECK(r->start >= prev_end && r->end > r->start);
    prev_end = r->end;
    text += r->type == FS_REGION_TEXT && r->file_id == ex->file_id && r->prot == 5;
    stack += r->type == FS_REGION_STACK && r->file_id == 0;
    guards += r->type == FS_REGION_GUARD;
  }
  CHECK(text == 1 && stack == 1 && guards == 3);

  /* The rest: faults, calls, and the exit last. */
  size_t faults = 0, mmaps = 0, munmaps = 0, file_faults = 0;
  uint32_t input_id = 0;
  for (size_t i = 1 + ex->region_count; i < count; i++) {
    const struct fs_trace_record *r = &records[i];
    CHECK(r->pid == 1);
    if (r->kind == FS_TRACE_FAULT) {
      faults++;
      if (r->u.fault.region.type == FS_REGION_MMAP_FILE &&
          r->u.fault.decision == FS_DECISION_LAZY) {
        file_faults++;
        CHECK(r->u.fault.frame != 0 && r->u.fault.region.file_id != 0);
        CHECK(r->u.fault.region.file_id != ex->file_id);
        CHECK(!input_id || input_id == r->u.fault.region.file_id);
        input_id = r->u.fault.region.file_id;
      }
    } else if (r->kind == FS_TRACE_MMAP) {
      mmaps++;
      CHECK(r->u.call.result > 0 && r->u.call.file_id != 0 && r->u.call.prot == FS_PROT_READ);
    } else if (r->kind == FS_TRACE_MUNMAP) {
      munmaps++;
      CHECK(r->u.call.result == 0);
    } else {
      CHECK(r->kind == FS_TRACE_EXIT && i == count - 1);
    }
  }
  CHECK(records[count - 1].kind == FS_TRACE_EXIT);
  CHECK(records[count - 1].u.exit.kind == FS_EXIT_NORMAL && records[count - 1].u.exit.code == 0);
  CHECK(faults == result.report.stats.faults_total);
  CHECK(file_faults == result.report.stats.lazy_by_type[FS_REGION_MMAP_FILE]);
  CHECK(mmaps == 2 && munmaps == 2);
  fprintf(stderr, "trace_check: %zu records (%zu faults), %d failures\n", count, faults, failures);
  machine_destroy(m);
  fclose(out);
  cpio_writer_free(w);
  free(archive);
  free(kernel);
  free(workload);
  free(input);
  return failures ? 1 : 0;
}
