/*
 * hello_musl: an ordinary program against a real libc (musl, static).  Its
 * startup is what a typical static binary does before main: TLS set-up
 * (arch_prctl ARCH_SET_FS), set_tid_address, then stdio: ioctl(TIOCGWINSZ)
 * on the first stdout write, output through writev, exit_group at the end.
 * Prints "hello from musl 42\n"; exits 0.
 */
#include <stdio.h>

int main(void) {
  printf("hello from musl %d\n", 42);
  return 0;
}
