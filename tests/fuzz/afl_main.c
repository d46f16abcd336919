/*
 * AFL++ entry for the layout fuzz target (built with afl-clang-fast): a
 * persistent-mode loop over shared-memory test cases.  Built with any other
 * compiler it reads one input from stdin, so the same file also replays a
 * crash AFL++ saved.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz_layout.h"

#ifdef __AFL_FUZZ_TESTCASE_LEN
__AFL_FUZZ_INIT();
#endif

int main(void) {
#ifdef __AFL_FUZZ_TESTCASE_LEN
  __AFL_INIT();
  unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;
  while (__AFL_LOOP(10000)) {
    LLVMFuzzerTestOneInput(buf, (size_t)__AFL_FUZZ_TESTCASE_LEN);
  }
#else
  static uint8_t buf[1 << 20];
  size_t n = fread(buf, 1, sizeof(buf), stdin);
  LLVMFuzzerTestOneInput(buf, n);
#endif
  return 0;
}
