/* Signals.  For now every signal is fatal with the default action: the
 * process ends as if killed (exit kind FS_EXIT_SIGNALED, code = signal; a
 * shell would report status 128 + signal). */
#ifndef KERNEL_SIGNAL_H
#define KERNEL_SIGNAL_H

#include <stdint.h>
#include <kernel/process.h>

#define SIGILL  4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS  7
#define SIGFPE  8
#define SIGKILL 9
#define SIGSEGV 11

const char *signal_name(int sig);
/* Log "pid N: SIGxxx at rip R addr A" and end the process. */
_Noreturn void signal_fatal(struct process *p, int sig, uint64_t rip, uint64_t addr);
/* The same with the si_code a handler would see, for the log:
 * "pid N: SIGSEGV (SEGV_ACCERR) at rip R addr A". */
_Noreturn void signal_fault(struct process *p, int sig, const char *si_code, uint64_t rip,
                            uint64_t addr);

#endif /* KERNEL_SIGNAL_H */
