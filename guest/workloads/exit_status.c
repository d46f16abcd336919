/*
 * exit_status: main's return value must become the process exit status.
 * Exits with the number in argv[1] (0..255), printing nothing; with a
 * missing or malformed argument prints "usage: exit_status N" and exits 2.
 */
#include "rt.h"

int main(int argc, char **argv) {
  long v;
  if (argc != 2 || rt_parse_long(argv[1], &v) != 0 || v < 0 || v > 255) {
    rt_printf("usage: exit_status N\n");
    return 2;
  }
  return (int)v;
}
