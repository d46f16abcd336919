/*
 * Snapshot and reset of a booted machine (faultsim fuzz runs thousands of
 * programs from one boot).
 *
 * RAM: at the snapshot the RAM mapping is replaced, at the same host address
 * (Unicorn keeps its pointer), by a MAP_PRIVATE view of a memfd holding the
 * saved image.  Guest and host writes then land in private copy-on-write
 * pages, and MADV_DONTNEED drops exactly those: a restore costs what the last
 * run dirtied, not the size of RAM (the kernel gives us dirty-page tracking;
 * soft-dirty bits are not needed).
 *
 * CPU: a uc_context holds the whole CPUX86State (registers, control
 * registers, MSRs, descriptor tables, CPL).  After restoring it Unicorn's TLB
 * must go: the page tables changed under it.
 *
 * Translated blocks are kept, although the restore rewrites RAM behind
 * QEMU's back (uc_ctl_flush_tb costs about 230 ms here, 50x a whole run).
 * Why a stale block cannot run: QEMU finds a block by virtual PC *and* the
 * physical page the current page tables give it, so a block can only run
 * from the frame it was translated from.  Kernel text is never written, so
 * its blocks always match RAM.  Every other executed frame is a user page the
 * kernel zeroes or fills (from the page cache or the file) before it maps
 * it, in the same run.  Filling is a guest write, and QEMU's
 * self-modifying-code tracking (kept in its own structures, which the
 * restore does not touch) drops every block of the frame on it; zeroing is
 * done by the host (FS_PORT_ZERO_FRAME), which drops the frame's blocks
 * itself (dev_zero.c).  So a block translated in an earlier run is dropped
 * before its frame can be executed again.  The reset-equals-fresh-boot test
 * (faultsim fuzz --check-reset) checks this.
 *
 * Host side: everything a run changes in struct machine (stop state, counts,
 * the kernel log, the report, the livelock detector).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devices.h"
#include "machine_internal.h"

struct machine_snapshot {
  uc_context *cpu;
  int memfd;
  /* host-side state at the snapshot */
  struct machine_run_state run;
  char *serial_text;
  size_t serial_length;
  uint64_t icount;
};

void snapshot_out(struct machine *m) {
  /* The kernel halts right after this `out`; the run ends there. */
  m->at_snapshot_point = true;
}

int machine_run_to_snapshot_point(struct machine *m, struct machine_result *result) {
  uc_err e = UC_ERR_OK;
  m->at_snapshot_point = false;
  if (m->run.stop == STOP_NONE)
    e = machine_run_cpu(m);
  if (m->run.stop == STOP_NONE && e == UC_ERR_OK && m->at_snapshot_point &&
      machine_halted_at_hlt(m)) {
    memset(result, 0, sizeof *result);
    return 0;
  }
  if (m->run.stop == STOP_NONE)
    machine_stop_with(m, STOP_ERROR,
                      e != UC_ERR_OK ? "emulation error before the snapshot point"
                                     : "the kernel stopped before its snapshot point (was "
                                       "FS_BOOT_SNAPSHOT set?)");
  machine_run(m, result); /* stopped: only fills in the result */
  return -1;
}

/* Replaces the RAM mapping by a private view of a memfd holding its bytes. */
static int ram_to_memfd(struct machine *m, int *memfd) {
  int fd = memfd_create("faultsim-ram", MFD_CLOEXEC);
  if (fd < 0)
    return -1;
  size_t done = 0;
  if (ftruncate(fd, (off_t)m->ram.size) != 0)
    goto fail;
  while (done < m->ram.size) {
    ssize_t n = pwrite(fd, m->ram.base + done, m->ram.size - done, (off_t)done);
    if (n <= 0)
      goto fail;
    done += (size_t)n;
  }
  void *at = mmap(m->ram.base, m->ram.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0);
  if (at != m->ram.base)
    goto fail; /* MAP_FIXED either succeeds in place or leaves the old mapping */
  *memfd = fd;
  return 0;
fail:
  close(fd);
  return -1;
}

struct machine_snapshot *machine_snapshot_take(struct machine *m, char *err, size_t err_size) {
  if (!m->at_snapshot_point || m->run.stop != STOP_NONE || m->debug) {
    snprintf(err, err_size, "the machine is not stopped at its snapshot point");
    return NULL;
  }
  struct machine_snapshot *s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(err, err_size, "out of memory");
    return NULL;
  }
  s->memfd = -1;
  s->serial_length = m->serial.length;
  s->serial_text = malloc(s->serial_length + 1);
  if (!s->serial_text) {
    snprintf(err, err_size, "out of memory");
    goto fail;
  }
  memcpy(s->serial_text, m->serial.text, s->serial_length + 1);
  if (uc_context_alloc(m->uc, &s->cpu) != UC_ERR_OK ||
      uc_context_save(m->uc, s->cpu) != UC_ERR_OK) {
    snprintf(err, err_size, "cannot save the CPU context");
    goto fail;
  }
  if (ram_to_memfd(m, &s->memfd) != 0) {
    snprintf(err, err_size, "cannot keep a copy of guest RAM (memfd): %m");
    goto fail;
  }
  s->run = m->run;
  s->icount = m->icount.count;
  return s;
fail:
  machine_snapshot_free(m, s);
  return NULL;
}

int machine_snapshot_restore(struct machine *m, const struct machine_snapshot *s) {
  /* Drops every page written since the snapshot: the next touch reads the
   * saved image again. */
  if (madvise(m->ram.base, m->ram.size, MADV_DONTNEED) != 0)
    return -1;
  if (uc_context_restore(m->uc, s->cpu) != UC_ERR_OK)
    return -1;
  uc_ctl_flush_tlb(m->uc);
  m->run = s->run;
  m->diagnosis[0] = '\0';
  memcpy(m->serial.text, s->serial_text, s->serial_length + 1);
  m->serial.length = s->serial_length;
  m->io_stepping = false;
  m->icount.count = s->icount;
  m->icount.current = NULL; /* the next block sets it */
  m->icount.stopped_at_io = false;
  m->at_snapshot_point = true;
  return 0;
}

void machine_snapshot_free(struct machine *m, struct machine_snapshot *s) {
  (void)m;
  if (!s)
    return;
  if (s->cpu)
    uc_context_free(s->cpu);
  /* The RAM mapping keeps the memfd's pages alive until machine_destroy. */
  if (s->memfd >= 0)
    close(s->memfd);
  free(s->serial_text);
  free(s);
}
