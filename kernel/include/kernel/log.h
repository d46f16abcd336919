/* Kernel logging.  In the guest it writes to the serial console; host builds of
 * kernel sources (the fault core) link a host implementation. */
#ifndef KERNEL_LOG_H
#define KERNEL_LOG_H

#include <faultsim/abi.h>

/* Messages above this level cost one comparison and nothing else. */
extern int klog_level;

void klog_write(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
_Noreturn void kpanic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define klog(level, ...)                                                                           \
  do {                                                                                             \
    if ((level) <= klog_level)                                                                     \
      klog_write((level), __VA_ARGS__);                                                            \
  } while (0)

#endif /* KERNEL_LOG_H */
