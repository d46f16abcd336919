/* One fuzz machine: initramfs, boot to the snapshot point, runs (see
 * fuzz_machine.h). */
#include "fuzz_machine.h"

#include <elf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cpio_writer.h"
#include "fuzz_guest_path.h"
#include "machine/machine.h"
#include "run_args.h"

extern const unsigned char faultsim_fuzz_guest_start[];
extern const unsigned char faultsim_fuzz_guest_end[];

/* The printed `faultsim run` reproducer command gives no --stack-guard, so
 * the fuzz machine must use run's default. */
#define STACK_GUARD_PAGES RUN_DEFAULT_STACK_GUARD_PAGES
/* Kernel log lines kept with a run that stopped the machine. */
#define LOG_TAIL_LINES 12

/* A growable byte buffer behind a FILE (fopencookie): what the guest writes
 * to fd 1 and 2. */
struct sink {
  uint8_t *data;
  size_t size, capacity;
  bool failed;
};

struct fuzz_machine {
  uint64_t ram_mib;
  const void *kernel_elf;
  size_t kernel_elf_size;
  void *initramfs;
  size_t initramfs_size;
  size_t program_offset; /* of /fuzz/program's data in the archive */
  struct fuzz_check_files files;
  struct machine *m;
  struct machine_snapshot *snap;
  struct sink out, err;
  FILE *out_file, *err_file;
  struct fs_trace_record *records;
  size_t record_count, record_capacity;
  bool records_failed;
  struct machine_result result;
  char log_tail[2048]; /* of the last run that stopped the machine */
};

const uint8_t *fuzz_guest_elf(size_t *size) {
  *size = (size_t)(faultsim_fuzz_guest_end - faultsim_fuzz_guest_start);
  return faultsim_fuzz_guest_start;
}

const char *fuzz_guest_build_path(void) {
  return FAULTSIM_FUZZ_GUEST_BUILD_PATH;
}

static bool sink_append(struct sink *s, const void *buf, size_t n) {
  if (s->size + n > s->capacity) {
    size_t cap = s->capacity ? s->capacity : 4096;
    while (cap < s->size + n)
      cap *= 2;
    uint8_t *grown = realloc(s->data, cap);
    if (!grown) {
      s->failed = true;
      return false;
    }
    s->data = grown;
    s->capacity = cap;
  }
  memcpy(s->data + s->size, buf, n);
  s->size += n;
  return true;
}

static ssize_t sink_write(void *cookie, const char *buf, size_t n) {
  return sink_append(cookie, buf, n) ? (ssize_t)n : -1;
}

static FILE *sink_open(struct sink *s) {
  cookie_io_functions_t io = {.write = sink_write};
  FILE *f = fopencookie(s, "w", io);
  if (f)
    setvbuf(f, NULL, _IONBF, 0); /* every write reaches the sink at once */
  return f;
}

static void on_trace(void *opaque, const void *record, size_t size) {
  struct fuzz_machine *fm = opaque;
  if (size != sizeof(struct fs_trace_record))
    return;
  if (fm->record_count == fm->record_capacity) {
    size_t cap = fm->record_capacity ? fm->record_capacity * 2 : 256;
    struct fs_trace_record *grown = realloc(fm->records, cap * sizeof *grown);
    if (!grown) {
      fm->records_failed = true;
      return;
    }
    fm->records = grown;
    fm->record_capacity = cap;
  }
  memcpy(&fm->records[fm->record_count++], record, size);
}

/* Packs the guest, the program slot and the files, and notes the inodes
 * the kernel will give them and where the slot's bytes are. */
static int build_initramfs(struct fuzz_machine *fm, char *err, size_t err_size) {
  static uint8_t empty_slot[FZ_SLOT_SIZE];
  static const char *const names[FZ_FILES] = {"/fuzz/f0", "/fuzz/f1", "/fuzz/f2",
                                              "/fuzz/f3", "/fuzz/f4", "/fuzz/f5"};
  struct cpio_writer *w = cpio_writer_new();
  if (!w) {
    snprintf(err, err_size, "out of memory");
    return -1;
  }
  int r = cpio_writer_add_file(w, FUZZ_GUEST_PATH, fm->files.elf, fm->files.elf_size,
                               CPIO_MODE_EXEC, err, err_size);
  if (r == 0)
    r = cpio_writer_add_file(w, FUZZ_PROGRAM_PATH, empty_slot, sizeof empty_slot, CPIO_MODE_FILE,
                             err, err_size);
  for (unsigned k = 0; k < FZ_FILES && r == 0; k++)
    r = cpio_writer_add_file(w, names[k], fm->files.data[k], fm->files.size[k], CPIO_MODE_FILE, err,
                             err_size);
  if (r == 0)
    r = cpio_writer_finish(w, &fm->initramfs, &fm->initramfs_size, err, err_size);
  /* Lookups of files just added cannot fail; checked all the same. */
  uint32_t program_ino;
  size_t unused;
  if (r == 0) {
    r = cpio_writer_lookup(w, FUZZ_GUEST_PATH, &fm->files.elf_ino, &unused) |
        cpio_writer_lookup(w, FUZZ_PROGRAM_PATH, &program_ino, &fm->program_offset);
    for (unsigned k = 0; k < FZ_FILES; k++)
      r |= cpio_writer_lookup(w, names[k], &fm->files.ino[k], &unused);
    if (r != 0)
      snprintf(err, err_size, "initramfs: the fuzz files are missing from the archive");
  }
  cpio_writer_free(w);
  return r;
}

/* Boots a machine and runs it to the kernel's snapshot point. */
static struct machine *boot(struct fuzz_machine *fm, char *err, size_t err_size) {
  static char guest_path[] = FUZZ_GUEST_PATH;
  static char *const argv[] = {guest_path, NULL};
  struct machine_config cfg = {
      .ram_mib = fm->ram_mib,
      .kernel_elf = fm->kernel_elf,
      .kernel_elf_size = fm->kernel_elf_size,
      .initramfs = fm->initramfs,
      .initramfs_size = fm->initramfs_size,
      .argc = 1,
      .argv = argv,
      .boot_flags = FS_BOOT_TRACE | FS_BOOT_SNAPSHOT,
      .log_level = FS_LOG_WARN,
      .stack_guard_pages = STACK_GUARD_PAGES,
      .cmdline = FUZZ_GUEST_PATH,
      .guest_stdout = fm->out_file,
      .guest_stderr = fm->err_file,
      .on_trace = on_trace,
      .trace_opaque = fm,
  };
  struct machine *m = machine_create(&cfg, err, err_size);
  if (!m)
    return NULL;
  if (machine_run_to_snapshot_point(m, &fm->result) != 0) {
    snprintf(err, err_size, "the kernel did not reach its snapshot point: %s",
             fm->result.diagnosis);
    machine_destroy(m);
    return NULL;
  }
  return m;
}

/* Every PT_LOAD of the (embedded, trusted) guest ELF within the bounds. */
static bool guest_fits_image_bounds(const uint8_t *elf, size_t size) {
  Elf64_Ehdr eh;
  if (size < sizeof eh)
    return false;
  memcpy(&eh, elf, sizeof eh);
  for (unsigned i = 0; i < eh.e_phnum; i++) {
    Elf64_Phdr ph;
    uint64_t at = eh.e_phoff + (uint64_t)i * sizeof ph;
    if (at > size || size - at < sizeof ph)
      return false;
    memcpy(&ph, elf + at, sizeof ph);
    if (ph.p_type == PT_LOAD &&
        (ph.p_vaddr < FUZZ_GUEST_IMAGE_START || ph.p_vaddr + ph.p_memsz > FUZZ_GUEST_IMAGE_END))
      return false;
  }
  return true;
}

struct fuzz_machine *fuzz_machine_new(uint64_t ram_mib, const void *kernel_elf,
                                      size_t kernel_elf_size, char *err, size_t err_size) {
  struct fuzz_machine *fm = calloc(1, sizeof *fm);
  if (!fm) {
    snprintf(err, err_size, "out of memory");
    return NULL;
  }
  fm->ram_mib = ram_mib;
  fm->kernel_elf = kernel_elf;
  fm->kernel_elf_size = kernel_elf_size;
  fm->files.elf = fuzz_guest_elf(&fm->files.elf_size);
  if (!guest_fits_image_bounds(fm->files.elf, fm->files.elf_size)) {
    snprintf(err, err_size,
             "the fuzz guest does not lie inside [%#llx, %#llx), where the "
             "generator expects it: widen FUZZ_GUEST_IMAGE_END",
             FUZZ_GUEST_IMAGE_START, FUZZ_GUEST_IMAGE_END);
    free(fm);
    return NULL;
  }
  fm->files.stack_guard_pages = STACK_GUARD_PAGES;
  for (unsigned k = 0; k < FZ_FILES; k++)
    fm->files.data[k] = fuzz_file_data(k, &fm->files.size[k]);
  fm->out_file = sink_open(&fm->out);
  fm->err_file = sink_open(&fm->err);
  if (!fm->out_file || !fm->err_file) {
    snprintf(err, err_size, "out of memory");
    goto fail;
  }
  if (build_initramfs(fm, err, err_size) != 0)
    goto fail;
  fm->m = boot(fm, err, err_size);
  if (!fm->m)
    goto fail;
  fm->snap = machine_snapshot_take(fm->m, err, err_size);
  if (!fm->snap)
    goto fail;
  return fm;
fail:
  fuzz_machine_free(fm);
  return NULL;
}

void fuzz_machine_free(struct fuzz_machine *fm) {
  if (!fm)
    return;
  if (fm->m) {
    machine_snapshot_free(fm->m, fm->snap);
    machine_destroy(fm->m);
  }
  if (fm->out_file)
    fclose(fm->out_file);
  if (fm->err_file)
    fclose(fm->err_file);
  free(fm->out.data);
  free(fm->err.data);
  free(fm->records);
  free(fm->initramfs);
  free(fm);
}

int fuzz_machine_run(struct fuzz_machine *fm, const struct fuzz_program *p, bool fresh,
                     struct fuzz_run *run, char *err, size_t err_size) {
  struct machine *m = fm->m;
  fm->out.size = fm->err.size = 0;
  fm->out.failed = fm->err.failed = false;
  fm->record_count = 0;
  fm->records_failed = false;
  if (fresh) {
    m = boot(fm, err, err_size);
    if (!m)
      return -1;
  } else if (machine_snapshot_restore(m, fm->snap) != 0) {
    snprintf(err, err_size, "restoring the snapshot failed");
    return -1;
  }
  /* The slot holds zeros at the snapshot; the guest reads the header's count. */
  uint64_t slot = machine_initramfs_phys(m) + fm->program_offset;
  size_t size = fuzz_program_size(p);
  if (size > FZ_SLOT_SIZE || machine_write_phys(m, slot, &p->header, sizeof p->header) != 0 ||
      machine_write_phys(m, slot + sizeof p->header, p->ops, size - sizeof p->header) != 0) {
    snprintf(err, err_size, "the program does not fit /fuzz/program");
    if (fresh)
      machine_destroy(m);
    return -1;
  }
  machine_run(m, &fm->result);
  if (fm->out.failed || fm->err.failed || fm->records_failed) {
    snprintf(err, err_size, "out of memory capturing the run");
    if (fresh)
      machine_destroy(m);
    return -1;
  }
  memset(run, 0, sizeof *run);
  struct fuzz_observed *o = &run->obs;
  o->records = fm->records;
  o->record_count = fm->record_count;
  o->out = fm->out.data;
  o->out_size = fm->out.size;
  o->err = fm->err.data;
  o->err_size = fm->err.size;
  o->end = fm->result.outcome == MACHINE_EXITED     ? FUZZ_END_EXITED
           : fm->result.outcome == MACHINE_SIGNALED ? FUZZ_END_SIGNALED
                                                    : FUZZ_END_MACHINE;
  o->code = fm->result.code;
  o->have_report = fm->result.have_report;
  o->report = fm->result.report;
  run->instructions = fm->result.instructions;
  run->diagnosis = fm->result.diagnosis;
  if (o->end == FUZZ_END_MACHINE) {
    /* Copied: a fresh boot's machine and its log are gone below. */
    snprintf(fm->log_tail, sizeof fm->log_tail, "%s",
             cli_text_tail(machine_kernel_log(m), LOG_TAIL_LINES, sizeof fm->log_tail - 1));
    run->kernel_log_tail = fm->log_tail;
  }
  if (fresh)
    machine_destroy(m);
  return 0;
}

const struct fuzz_check_files *fuzz_machine_files(const struct fuzz_machine *fm) {
  return &fm->files;
}
