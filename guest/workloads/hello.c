/*
 * hello: the smallest useful program.  Exercises process start (crt0), one
 * write(2) to fd 1 and exit_group.
 * Prints exactly "hello, world\n"; exits 0.
 */
#include "rt.h"

int main(void) {
  static const char msg[] = "hello, world\n";
  return rt_write_all(1, msg, sizeof msg - 1) < 0 ? 1 : 0;
}
