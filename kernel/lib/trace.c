/* Trace emission (see <kernel/trace.h>).  One static record, reused: the
 * host copies it during the `out`, and there is one CPU, so nothing can
 * overwrite it while the host reads. */
#include <string.h>
#include <faultsim/abi.h>
#include <kernel/cpu.h>
#include <kernel/kaddr.h>
#include <kernel/trace.h>
#include <kernel/vfs.h>
#include <kernel/vm_fault.h>
#include <kernel/vm_space.h>

bool trace_enabled;

static struct fs_trace_record rec __attribute__((aligned(64)));

void trace_init(bool on) {
  trace_enabled = on;
}

uint32_t trace_file_id(const struct vfs_file *f) {
  return f ? f->ino : 0;
}

static void begin(int pid, enum fs_trace_kind kind) {
  memset(&rec, 0, sizeof rec);
  rec.size = sizeof rec;
  rec.kind = kind;
  rec.pid = (uint32_t)pid;
}

static void send(void) {
  outl(FS_PORT_TRACE, (uint32_t)image_phys(&rec));
}

static void region_of(const struct vm_region *r, struct fs_trace_region *out) {
  out->start = r->start;
  out->end = r->end;
  out->file_offset = r->file_offset;
  out->file_length = r->file_length;
  out->type = r->type;
  out->prot = r->prot;
  out->flags = r->flags;
  out->file_id = trace_file_id(r->file);
}

void trace_emit_fault(int pid, uint64_t rip, uint64_t addr, uint32_t err,
                      const struct vm_fault_result *res) {
  begin(pid, FS_TRACE_FAULT);
  struct fs_trace_fault *f = &rec.u.fault;
  f->rip = rip;
  f->addr = addr;
  f->error_code = err;
  f->decision = res->decision;
  f->populate = res->populate;
  f->frame = res->frame;
  /* The result's copy of the region (all 0 with FS_REGION_NONE). */
  f->region.type = res->region_type;
  f->region.start = res->region_start;
  f->region.end = res->region_end;
  f->region.file_offset = res->region_file_offset;
  f->region.file_length = res->region_file_length;
  f->region.prot = res->region_prot;
  f->region.flags = res->region_flags;
  f->region.file_id = trace_file_id(res->region_file);
  send();
}

void trace_emit_exec(int pid, struct vm_space *vs, const char *path, uint64_t entry,
                     const struct vfs_file *file) {
  begin(pid, FS_TRACE_EXEC);
  rec.u.exec.entry = entry;
  rec.u.exec.file_id = trace_file_id(file);
  strlcpy(rec.u.exec.path, path ? path : "", sizeof rec.u.exec.path);
  vm_lock_acquire(&vs->lock);
  rec.u.exec.region_count = (uint32_t)vm_region_count(&vs->regions);
  send();
  for (const struct vm_region *r = vm_region_first(&vs->regions); r;
       r = vm_region_next(&vs->regions, r)) {
    begin(pid, FS_TRACE_REGION);
    region_of(r, &rec.u.region);
    send();
  }
  vm_lock_release(&vs->lock);
}

void trace_emit_call(int pid, enum fs_trace_kind kind, uint64_t addr, uint64_t length,
                     uint64_t offset, int64_t result, uint32_t prot, uint32_t flags,
                     const struct vfs_file *file) {
  begin(pid, kind);
  struct fs_trace_layout_call *c = &rec.u.call;
  c->addr = addr;
  c->length = length;
  c->offset = offset;
  c->result = result;
  c->prot = prot;
  c->flags = flags;
  c->file_id = trace_file_id(file);
  send();
}

void trace_emit_exit(int pid, uint32_t kind, uint32_t code) {
  begin(pid, FS_TRACE_EXIT);
  rec.u.exit.kind = kind;
  rec.u.exit.code = code;
  send();
}
