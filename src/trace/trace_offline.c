#include "trace_offline.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host_env.h"
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/page_cache.h>
#include <kernel/vm_fault.h>
#include <kernel/vm_map.h>
#include <kernel/vm_space.h>

#include "cpio_writer.h"
#include "trace_compare.h"
#include "trace_reader.h"

struct replay_process {
  uint32_t pid;
  struct pt_space *pt;
  struct vm_space *vs;
  uint32_t regions_pending; /* REGION records still due after an EXEC */
};

struct replay_file {
  uint32_t id;
  struct vfs_file *file;
};

struct offline_state {
  struct replay_process *procs;
  size_t proc_count;
  struct replay_file *files;
  size_t file_count;
  const struct trace_header_info *header;
  uint32_t *header_file_ids; /* the inode number of each header file */
  /* Where the last few events start in the file: copied out only when a
   * divergence is reported, so the fast path copies no line. */
  uint64_t recent[TRACE_HISTORY_LINES];
  uint64_t recent_count;
  const char *path;
};

/* Traces name files by their initramfs inode; the header lists the files
 * the archive held, so cpio_writer's numbering rule ties each id to a header
 * file and so to its size. */
static void number_header_files(struct offline_state *st) {
  const struct trace_header_info *h = st->header;
  st->header_file_ids = calloc(h->file_count + 1, sizeof(uint32_t));
  const char **paths = calloc(h->file_count + 1, sizeof(*paths));
  if (st->header_file_ids != NULL && paths != NULL) {
    for (size_t i = 0; i < h->file_count; i++)
      paths[i] = h->files[i].guest_path;
    if (cpio_inode_numbers(paths, h->file_count, st->header_file_ids) != 0)
      memset(st->header_file_ids, 0, (h->file_count + 1) * sizeof(uint32_t));
  }
  free(paths);
}

/* The host file standing for file id `id`: its content does not matter to
 * decisions, only its identity (the page cache is keyed by it) and length. */
static struct vfs_file *file_for(struct offline_state *st, uint32_t id, uint64_t min_size) {
  if (id == 0)
    return NULL;
  for (size_t i = 0; i < st->file_count; i++)
    if (st->files[i].id == id)
      return st->files[i].file;
  uint64_t size = min_size;
  for (size_t f = 0; f < st->header->file_count; f++)
    if (st->header_file_ids && st->header_file_ids[f] == id)
      size = st->header->files[f].size;
  void *zeros = calloc(1, size ? size : 1);
  struct vfs_file *file = zeros ? host_file_create(zeros, size) : NULL;
  free(zeros);
  struct replay_file *grown = realloc(st->files, (st->file_count + 1) * sizeof(*grown));
  if (file == NULL || grown == NULL) {
    if (file != NULL)
      host_file_destroy(file);
    return NULL;
  }
  st->files = grown;
  st->files[st->file_count++] = (struct replay_file){id, file};
  return file;
}

static struct replay_process *process_of(struct offline_state *st, uint32_t pid) {
  for (size_t i = 0; i < st->proc_count; i++)
    if (st->procs[i].pid == pid)
      return &st->procs[i];
  return NULL;
}

static void process_end(struct offline_state *st, struct replay_process *p) {
  if (p->vs != NULL)
    vm_space_destroy(p->vs);
  host_pt_destroy(p->pt);
  *p = st->procs[--st->proc_count];
}

static struct replay_process *process_start(struct offline_state *st, uint32_t pid) {
  struct replay_process *old = process_of(st, pid);
  if (old != NULL)
    process_end(st, old);
  struct replay_process *grown = realloc(st->procs, (st->proc_count + 1) * sizeof(*grown));
  if (grown == NULL)
    return NULL;
  st->procs = grown;
  struct replay_process *p = &st->procs[st->proc_count];
  *p = (struct replay_process){.pid = pid, .pt = host_pt_create()};
  p->vs = p->pt ? vm_space_create(p->pt, NULL) : NULL;
  if (p->vs == NULL) {
    host_pt_destroy(p->pt);
    return NULL;
  }
  p->vs->pid = (int)pid;
  st->proc_count++;
  return p;
}

/* Restores what vm_space_layout_exec set besides the regions, from the
 * regions themselves: the image's end is the break, the stack region gives
 * the stack, the guard right below it the stack guard. */
static void finish_layout(struct vm_space *vs) {
  uint64_t image_end = 0, stack_bottom = 0, stack_top = 0;
  for (struct vm_region *r = vm_region_first(&vs->regions); r;
       r = vm_region_next(&vs->regions, r)) {
    if ((r->type == VM_REGION_TEXT || r->type == VM_REGION_DATA || r->type == VM_REGION_BSS) &&
        r->end > image_end)
      image_end = r->end;
    if (r->type == VM_REGION_STACK) {
      stack_bottom = r->start;
      stack_top = r->end;
    }
  }
  uint64_t guard_lo = stack_bottom;
  struct vm_region *below = stack_bottom ? vm_region_find(&vs->regions, stack_bottom - 1) : NULL;
  if (below != NULL && below->type == VM_REGION_GUARD && below->end == stack_bottom)
    guard_lo = below->start;
  vs->stack_top = stack_top;
  vs->stack_bottom = stack_bottom;
  vs->mmap_base = guard_lo - VM_MMAP_GUARD_SIZE;
  vs->brk_start = vs->brk_current = image_end ? image_end : VM_USER_MIN;
  vs->brk_limit = vs->brk_start + VM_HEAP_MAX_SIZE;
  vs->mmap_floor = vs->brk_limit + VM_HEAP_GUARD_SIZE;
  vs->mmap_cursor = vs->mmap_base;
  vs->mmap_hole_above = 0;
}

static int64_t replay_call(struct offline_state *st, struct vm_space *vs,
                           const struct fs_trace_record *rec) {
  const struct fs_trace_layout_call *c = &rec->u.call;
  /* A call that failed for want of memory is replayed with every frame
   * allocation failing, so it meets the same shortage. */
  int starve = c->result == -ENOMEM;
  if (starve)
    host_frames_fail_every(1);
  int64_t result = 0;
  switch (rec->kind) {
  case FS_TRACE_BRK:
    result = (int64_t)vm_brk(vs, c->addr);
    break;
  case FS_TRACE_MMAP: {
    const struct vfs_file *file = file_for(st, c->file_id, c->offset + c->length);
    uint64_t at = 0;
    int err;
    if (c->result >= 0) /* the recorded placement, whatever the hint was */
      err = vm_mmap(vs, (uint64_t)c->result, c->length, c->prot,
                    (c->flags & ~VM_MAP_FIXED_NOREPLACE) | VM_MAP_FIXED, file, c->offset, &at);
    else
      err = vm_mmap(vs, c->addr, c->length, c->prot, c->flags, file, c->offset, &at);
    result = err ? err : (int64_t)at;
    break;
  }
  case FS_TRACE_MUNMAP:
    result = vm_munmap(vs, c->addr, c->length);
    break;
  case FS_TRACE_MPROTECT:
    result = vm_mprotect(vs, c->addr, c->length, c->prot);
    break;
  default:
    break;
  }
  if (starve)
    host_frames_fail_every(0);
  return result;
}

static int diverge(struct offline_state *st, FILE *out, const struct trace_event *ev,
                   const char *what) {
  fprintf(out,
          "offline replay: divergence at line %" PRIu64 " (seq %" PRIu64 ", pid %" PRIu32 "): %s\n",
          ev->line, ev->seq, ev->record.pid, what);
  fprintf(out, "  recorded: %s\n", ev->text);
  struct trace_history history = {.count = 0};
  FILE *again = fopen(st->path, "r");
  uint64_t first =
      st->recent_count > TRACE_HISTORY_LINES ? st->recent_count - TRACE_HISTORY_LINES : 0;
  char *line = NULL;
  size_t cap = 0;
  for (uint64_t i = first; again != NULL && i < st->recent_count; i++) {
    ssize_t n;
    if (fseeko(again, (off_t)st->recent[i % TRACE_HISTORY_LINES], SEEK_SET) != 0 ||
        (n = getline(&line, &cap, again)) <= 0)
      break;
    if (line[n - 1] == '\n')
      line[n - 1] = '\0';
    trace_history_push(&history, line);
  }
  free(line);
  if (again != NULL)
    fclose(again);
  trace_history_print(&history, out);
  return 1;
}

static int replay_event(struct offline_state *st, FILE *out, const struct trace_event *ev) {
  const struct fs_trace_record *rec = &ev->record;
  char what[512];
  if (rec->kind == FS_TRACE_EXEC) {
    struct replay_process *p = process_start(st, rec->pid);
    if (p == NULL)
      return diverge(st, out, ev, "out of host memory");
    p->regions_pending = rec->u.exec.region_count;
    return p->regions_pending == 0 ? (finish_layout(p->vs), 0) : 0;
  }
  struct replay_process *p = process_of(st, rec->pid);
  if (p == NULL) {
    snprintf(what, sizeof(what), "pid %" PRIu32 " has no exec before this event", rec->pid);
    return diverge(st, out, ev, what);
  }
  switch (rec->kind) {
  case FS_TRACE_REGION: {
    const struct fs_trace_region *r = &rec->u.region;
    if (p->regions_pending == 0)
      return diverge(st, out, ev, "a region record outside an exec layout");
    const struct vfs_file *file = file_for(st, r->file_id, r->file_offset + r->file_length);
    int err = vm_space_add_region(p->vs, (enum vm_region_type)r->type, r->start, r->end, r->prot,
                                  r->flags, file, r->file_offset, r->file_length);
    if (err != 0) {
      snprintf(what, sizeof(what), "the core rejects this region (%d)", err);
      return diverge(st, out, ev, what);
    }
    if (--p->regions_pending == 0)
      finish_layout(p->vs);
    return 0;
  }
  case FS_TRACE_BRK:
  case FS_TRACE_MMAP:
  case FS_TRACE_MUNMAP:
  case FS_TRACE_MPROTECT: {
    int64_t result = replay_call(st, p->vs, rec);
    if (result != rec->u.call.result) {
      snprintf(what, sizeof(what),
               "%s returns %s0x%" PRIx64 " in the core, %s0x%" PRIx64 " recorded",
               trace_kind_name(rec->kind), result < 0 ? "-" : "",
               (uint64_t)(result < 0 ? -result : result), rec->u.call.result < 0 ? "-" : "",
               (uint64_t)(rec->u.call.result < 0 ? -rec->u.call.result : rec->u.call.result));
      return diverge(st, out, ev, what);
    }
    return 0;
  }
  case FS_TRACE_FAULT: {
    const struct fs_trace_fault *f = &rec->u.fault;
    /* An OOM decision is reproduced by making the core's next allocation
     * fail: the question is the decision the core takes then, not whether
     * the host pool happens to run out at the same point as the guest's. */
    if (f->decision == FS_DECISION_OOM)
      host_frames_fail_every(1);
    struct vm_fault_result res;
    vm_region_handle_page_fault(p->vs, f->addr, f->error_code, f->rip, &res);
    if (f->decision == FS_DECISION_OOM)
      host_frames_fail_every(0);
    int same = res.decision == f->decision && res.populate == f->populate &&
               res.region_type == f->region.type;
    if (same && res.region_type != FS_REGION_NONE)
      same = res.region_start == f->region.start && res.region_end == f->region.end;
    if (!same) {
      snprintf(what, sizeof(what),
               "the core decides %s/%s in %s [0x%" PRIx64 ", 0x%" PRIx64
               "), recorded %s/%s in %s [0x%" PRIx64 ", 0x%" PRIx64 ")",
               trace_decision_name(res.decision), trace_populate_name(res.populate),
               trace_region_type_name(res.region_type), res.region_start, res.region_end,
               trace_decision_name(f->decision), trace_populate_name(f->populate),
               trace_region_type_name(f->region.type), f->region.start, f->region.end);
      return diverge(st, out, ev, what);
    }
    return 0;
  }
  case FS_TRACE_EXIT:
    process_end(st, p);
    return 0;
  default:
    return 0;
  }
}

int trace_offline_replay(const char *path, FILE *out, struct trace_offline_result *result) {
  memset(result, 0, sizeof(*result));
  char err[512];
  struct trace_reader *reader = trace_reader_open(path, err, sizeof(err));
  if (reader == NULL) {
    fprintf(out, "faultsim replay: %s\n", err);
    return 3;
  }
  trace_reader_set_fast(reader, 1);
  struct offline_state st = {.header = trace_reader_header(reader), .path = path};
  number_header_files(&st);
  size_t frames = (size_t)(st.header->ram_mib ? st.header->ram_mib : 64) * 256;
  int status = 0;
  if (!host_frames_init(frames)) {
    fprintf(out, "faultsim replay: out of host memory for %zu frames\n", frames);
    trace_reader_close(reader);
    free(st.header_file_ids);
    return 3;
  }
  host_log_echo(false);
  klog_level = FS_LOG_ERROR;
  clock_t start = clock();
  struct trace_event ev;
  for (;;) {
    enum trace_read_status rs = trace_reader_next(reader, &ev, err, sizeof(err));
    if (rs == TRACE_READ_END)
      break;
    if (rs != TRACE_READ_EVENT) {
      fprintf(out, "faultsim replay: %s: %s\n", path, err);
      status = 3;
      break;
    }
    result->events++;
    if (ev.record.kind == FS_TRACE_FAULT)
      result->faults++;
    if (replay_event(&st, out, &ev) != 0) {
      status = 1;
      break;
    }
    st.recent[st.recent_count++ % TRACE_HISTORY_LINES] = ev.offset;
  }
  result->seconds = (double)(clock() - start) / CLOCKS_PER_SEC;
  while (st.proc_count > 0)
    process_end(&st, &st.procs[0]);
  page_cache_clear();
  for (size_t i = 0; i < st.file_count; i++)
    host_file_destroy(st.files[i].file);
  free(st.files);
  free(st.procs);
  free(st.header_file_ids);
  host_frames_fini();
  trace_reader_close(reader);
  return status;
}
