#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite: every CTest test on the normal
# build, then the unit and end-to-end tests again with the host under ASan+UBSan.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"

"$top/scripts/setup.sh"

jobs=$(nproc 2>/dev/null || echo 2)

# FAULTSIM_REQUIRE_ALL_TESTS: a tool some tests need (gdb, clang's libFuzzer)
# missing is a configure error, not tests silently left out.  The configure
# output is shown: it says what was found.
build_and_test() { # dir, label regex, extra cmake args...
  local dir=$1 labels=$2
  shift 2
  cmake -S "$top" -B "$dir" -DFAULTSIM_REQUIRE_ALL_TESTS=ON "$@"
  cmake --build "$dir" -j"$jobs"
  ctest --test-dir "$dir" --output-on-failure -j"$jobs" -L "$labels"
}

echo "== normal build: all tests"
build_and_test "$top/build" '.*'
echo "== ASan+UBSan build: unit and end-to-end tests"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  build_and_test "$top/build/asan" 'unit|e2e' -DFAULTSIM_SANITIZE=ON
echo "test.sh: all tests passed"
