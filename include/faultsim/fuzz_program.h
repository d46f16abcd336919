/*
 * The in-machine fuzzer's program format (faultsim fuzz, docs/fuzzing.md):
 * what the host writes to /fuzz/program and the guest workload
 * guest/fuzz/fuzz_guest.c executes, and the log the guest writes back on
 * its stdout.  Shared by both sides, so fixed-width types only; all
 * little-endian.
 */
#ifndef FAULTSIM_FUZZ_PROGRAM_H
#define FAULTSIM_FUZZ_PROGRAM_H

#include <stdint.h>

#define FZ_MAGIC   0x5a465346u /* "FSFZ" */
#define FZ_VERSION 1u

/* /fuzz/program has this fixed size in the machine's initramfs (zero padded
 * after the program), so every iteration's program fits the same slot. */
#define FZ_SLOT_SIZE 65536u

#define FZ_SLOTS        16u   /* mmap results an op can address from      */
#define FZ_FILES        6u    /* backing files /fuzz/f0 .. /fuzz/f5       */
#define FZ_FILE_ANON    0xffu /* op.file: anonymous (fd -1)               */
#define FZ_FILE_CONSOLE 0xfeu /* op.file: fd 1, not mappable (-ENODEV)    */
#define FZ_FILE_BADFD   0xfdu /* op.file: an fd that is not open (-EBADF) */
#define FZ_BADFD        99

/* Before op i the guest calls mprotect(FZ_MARK(i), 0, 0): a no-op the kernel
 * traces, so the host knows which trace records belong to which op. */
#define FZ_MARK_BASE 0x6f0000000000ULL
#define FZ_MARK(i)   (FZ_MARK_BASE + (uint64_t)(i)*4096u)

enum fz_op_kind {
  FZ_OP_MMAP = 1,     /* slots[dest] = mmap(addr, len, prot, flags, fd(file), off) */
  FZ_OP_MUNMAP = 2,   /* munmap(addr, len) */
  FZ_OP_MPROTECT = 3, /* mprotect(addr, len, prot) */
  FZ_OP_BRK = 4,      /* brk(addr) */
  FZ_OP_READ = 5,     /* user load of the byte at addr; logs it */
  FZ_OP_WRITE = 6,    /* user store of (uint8_t)value at addr */
  FZ_OP_EXEC = 7,     /* user call to addr (rax = a scratch address) */
  FZ_OP_KREAD = 8,    /* write(2, addr, len): the kernel reads user memory */
  FZ_OP_KWRITE = 9,   /* pread64(fd(file), addr, len, off): the kernel writes it */
  FZ_OP_KIND_MAX = 9,
};

/* How op.addr is resolved: as is, relative to slots[slot], or relative to
 * the break the program started with. */
enum fz_base {
  FZ_BASE_ABS = 0,
  FZ_BASE_SLOT = 1,
  FZ_BASE_BRK = 2,
};

struct fz_header {
  uint32_t magic;   /* FZ_MAGIC */
  uint32_t version; /* FZ_VERSION */
  uint32_t op_count;
  uint32_t reserved;
};

struct fz_op {
  uint8_t kind; /* enum fz_op_kind */
  uint8_t base; /* enum fz_base */
  uint8_t slot; /* base slot for FZ_BASE_SLOT */
  uint8_t file; /* 0..FZ_FILES-1 or FZ_FILE_* */
  uint8_t dest; /* mmap: slot that receives the result (>= FZ_SLOTS: none) */
  uint8_t pad[3];
  uint32_t prot;
  uint32_t flags;
  uint64_t addr; /* absolute, or an offset (two's complement) from the base */
  uint64_t len;
  uint64_t off;   /* file offset */
  uint64_t value; /* write: the byte stored */
};

#define FZ_MAX_OPS ((FZ_SLOT_SIZE - sizeof(struct fz_header)) / sizeof(struct fz_op))

/* One record per op that completed, on the guest's stdout.  Op FZ_LOG_START
 * comes first: value = the break at start (or -1 for a bad program, then
 * the guest exits with status 2). */
#define FZ_LOG_START 0xffffffffu
struct fz_log {
  uint32_t op;
  uint32_t kind;
  int64_t value; /* syscall result, the byte read, or 0 */
};

#endif /* FAULTSIM_FUZZ_PROGRAM_H */
