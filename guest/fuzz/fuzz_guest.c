/*
 * The in-machine fuzzer's workload: reads a program from /fuzz/program
 * (include/faultsim/fuzz_program.h) and executes its operations one by one,
 * each announced by a marker mprotect and followed by one fz_log record on
 * stdout.  It decides nothing: the host generated the program and checks
 * every fault decision against the oracle.  A fatal fault simply ends it.
 */
#include <faultsim/fuzz_program.h>

#include "rt.h"

#define SYS_pread64 17

static struct fz_op ops[FZ_MAX_OPS];
static uint64_t slots[FZ_SLOTS];
static long fds[FZ_FILES];
static uint64_t brk_start;
/* Where an exec access into zero bytes (add %al,(%rax)) writes harmlessly. */
static volatile uint8_t exec_scratch[64];

static void log_op(uint32_t op, uint32_t kind, int64_t value) {
  struct fz_log rec = {op, kind, value};
  rt_write(1, &rec, sizeof rec);
}

static uint64_t resolve(const struct fz_op *op) {
  switch (op->base) {
  case FZ_BASE_SLOT:
    return slots[op->slot % FZ_SLOTS] + op->addr;
  case FZ_BASE_BRK:
    return brk_start + op->addr;
  default:
    return op->addr;
  }
}

static long fd_of(uint8_t file) {
  if (file < FZ_FILES)
    return fds[file];
  if (file == FZ_FILE_CONSOLE)
    return 1;
  if (file == FZ_FILE_BADFD)
    return FZ_BADFD;
  return -1;
}

static void exec_at(uint64_t target) {
  /* The target is ret (0xc3) bytes or faults fatally; rax points somewhere
   * harmless for zero bytes (add %al,(%rax)).  The call's push must not
   * land in this function's red zone. */
  uint64_t scratch = (uint64_t)exec_scratch;
  __asm__ volatile("sub $128, %%rsp\n\tcall *%1\n\tadd $128, %%rsp"
                   : "+a"(scratch)
                   : "r"(target)
                   : "memory", "cc", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11");
}

static int64_t run(const struct fz_op *op) {
  uint64_t a = resolve(op);
  switch (op->kind) {
  case FZ_OP_MMAP: {
    long r = rt_mmap((void *)a, op->len, (int)op->prot, (int)op->flags, (int)fd_of(op->file),
                     (long)op->off);
    if (op->dest < FZ_SLOTS)
      slots[op->dest] = (uint64_t)r;
    return r;
  }
  case FZ_OP_MUNMAP:
    return rt_munmap((void *)a, op->len);
  case FZ_OP_MPROTECT:
    return rt_mprotect((void *)a, op->len, (int)op->prot);
  case FZ_OP_BRK:
    return rt_brk((void *)a);
  case FZ_OP_READ:
    return *(volatile uint8_t *)a;
  case FZ_OP_WRITE:
    *(volatile uint8_t *)a = (uint8_t)op->value;
    return 0;
  case FZ_OP_EXEC:
    exec_at(a);
    return 0;
  case FZ_OP_KREAD:
    return rt_write(2, (const void *)a, op->len);
  case FZ_OP_KWRITE:
    return rt_syscall6(SYS_pread64, fd_of(op->file), (long)a, (long)op->len, (long)op->off, 0, 0);
  default:
    return -RT_EINVAL;
  }
}

static _Noreturn void bad_program(void) {
  log_op(FZ_LOG_START, 0, -1);
  rt_exit_group(2);
}

int main(void) {
  struct fz_header h;
  long fd = rt_open("/fuzz/program", RT_O_RDONLY, 0);
  if (fd < 0 || rt_read((int)fd, &h, sizeof h) != (long)sizeof h || h.magic != FZ_MAGIC ||
      h.version != FZ_VERSION || h.op_count > FZ_MAX_OPS)
    bad_program();
  long want = (long)(h.op_count * sizeof(struct fz_op));
  if (rt_read((int)fd, ops, (size_t)want) != want)
    bad_program();
  rt_close((int)fd);
  static const char *const names[FZ_FILES] = {"/fuzz/f0", "/fuzz/f1", "/fuzz/f2",
                                              "/fuzz/f3", "/fuzz/f4", "/fuzz/f5"};
  for (unsigned i = 0; i < FZ_FILES; i++)
    fds[i] = rt_open(names[i], RT_O_RDONLY, 0);
  brk_start = (uint64_t)rt_brk(0);
  log_op(FZ_LOG_START, 0, (int64_t)brk_start);
  for (uint32_t i = 0; i < h.op_count; i++) {
    rt_mprotect((void *)FZ_MARK(i), 0, 0);
    log_op(i, ops[i].kind, run(&ops[i]));
  }
  return 0;
}
