/* klog/kpanic (kernel/include/kernel/log.h) on the serial console.  Each
 * message is one line: "[level] text\n"; the level threshold comes from the
 * boot info (klog_level is set by kmain before anything else logs). */
#include <stdarg.h>
#include <faultsim/abi.h>
#include <kernel/cpu.h>
#include <kernel/kprintf.h>
#include <kernel/log.h>
#include <kernel/serial.h>

int klog_level = FS_LOG_WARN;

static const char *const level_tag[] = {"error", "warn", "info", "debug"};

static void vlog(const char *prefix, const char *fmt, va_list ap) {
  char buf[512];
  size_t n = (size_t)ksnprintf(buf, sizeof buf, "%s", prefix);
  if (n >= sizeof buf)
    n = sizeof buf - 1;
  int m = kvsnprintf(buf + n, sizeof buf - n, fmt, ap);
  n += (size_t)m < sizeof buf - n ? (size_t)m : sizeof buf - n - 1;
  /* One message is one line, whatever the caller passed. */
  if (n > 0 && buf[n - 1] == '\n')
    n--;
  serial_write(buf, n);
  serial_putc('\n');
}

void klog_write(int level, const char *fmt, ...) {
  char prefix[16];
  const char *tag = level >= 0 && level <= FS_LOG_DEBUG ? level_tag[level] : "?";
  ksnprintf(prefix, sizeof prefix, "[%s] ", tag);
  va_list ap;
  va_start(ap, fmt);
  vlog(prefix, fmt, ap);
  va_end(ap);
}

_Noreturn void kpanic(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog("PANIC: ", fmt, ap);
  va_end(ap);
  outl(FS_PORT_EXIT, FS_EXIT_VALUE(FS_EXIT_PANIC, 0));
  halt_forever();
}
