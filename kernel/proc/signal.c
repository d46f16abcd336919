/* Fatal signal delivery (see <kernel/signal.h>). */
#include <faultsim/abi.h>
#include <kernel/log.h>
#include <kernel/signal.h>

const char *signal_name(int sig) {
  switch (sig) {
  case SIGILL:
    return "SIGILL";
  case SIGTRAP:
    return "SIGTRAP";
  case SIGABRT:
    return "SIGABRT";
  case SIGBUS:
    return "SIGBUS";
  case SIGFPE:
    return "SIGFPE";
  case SIGKILL:
    return "SIGKILL";
  case SIGSEGV:
    return "SIGSEGV";
  default:
    return "SIG?";
  }
}

_Noreturn void signal_fatal(struct process *p, int sig, uint64_t rip, uint64_t addr) {
  klog(FS_LOG_INFO, "pid %d: %s at rip 0x%lx addr 0x%lx", p->pid, signal_name(sig), rip, addr);
  process_exit(p, FS_EXIT_SIGNALED, (uint32_t)sig);
}

_Noreturn void signal_fault(struct process *p, int sig, const char *si_code, uint64_t rip,
                            uint64_t addr) {
  klog(FS_LOG_INFO, "pid %d: %s (%s) at rip 0x%lx addr 0x%lx", p->pid, signal_name(sig), si_code,
       rip, addr);
  process_exit(p, FS_EXIT_SIGNALED, (uint32_t)sig);
}
