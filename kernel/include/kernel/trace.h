/* Trace records (boot flag FS_BOOT_TRACE): the kernel fills one struct
 * fs_trace_record (<faultsim/abi.h>) and sends its physical address to
 * FS_PORT_TRACE; the host copies and formats it.  When tracing is off every
 * emission point costs one test of trace_enabled. */
#ifndef KERNEL_TRACE_H
#define KERNEL_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <faultsim/abi.h>

struct vm_space;
struct vm_fault_result;
struct vfs_file;

extern bool trace_enabled;

void trace_init(bool on);

/* The out-of-line emitters; call them through the wrappers below. */
void trace_emit_fault(int pid, uint64_t rip, uint64_t addr, uint32_t err,
                      const struct vm_fault_result *res);
void trace_emit_exec(int pid, struct vm_space *vs, const char *path, uint64_t entry,
                     const struct vfs_file *file);
void trace_emit_call(int pid, enum fs_trace_kind kind, uint64_t addr, uint64_t length,
                     uint64_t offset, int64_t result, uint32_t prot, uint32_t flags,
                     const struct vfs_file *file);
void trace_emit_exit(int pid, uint32_t kind, uint32_t code);

/* The file id traces use: the VFS inode number, 0 for anonymous memory. */
uint32_t trace_file_id(const struct vfs_file *f);

#define TRACE(call)                                                                                \
  do {                                                                                             \
    if (__builtin_expect(trace_enabled, 0))                                                        \
      call;                                                                                        \
  } while (0)

#endif /* KERNEL_TRACE_H */
