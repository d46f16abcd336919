#!/bin/bash
# Runs one gdb end-to-end test: starts `faultsim run --gdb 127.0.0.1:0`
# with the given arguments, waits (bounded) for its "listening" line, runs
# the real gdb in batch mode on the generated script plus TEST_SCRIPT (and,
# for the reconnect test, a second gdb on RECONNECT_SCRIPT), then checks:
#   - every line of PATTERNS (extended regexes) occurs in gdb's output;
#   - faultsim's exit status is EXPECTED_STATUS;
#   - when the script printed the marker `# cr2` (then `p/x $cr2`), CR2 must
#     be parsed from the line after it and equal the address of the first
#     `monitor fault` (which must be there too);
#   - when gdb printed `monitor fault`'s "fault #N: address A" and a
#     `monitor trace` line for record #N, that record's address is A.
# Environment: INTERRUPT_ON=TEXT sends SIGINT to gdb (what a terminal's
# Ctrl-C does) once the program's output (faultsim's stdout) contains TEXT:
# polled, up to 60 s, never a fixed delay.
# Usage: run_gdb_test.sh FAULTSIM GDB TEST_SCRIPT RECONNECT_SCRIPT|- PATTERNS
#        EXPECTED_STATUS -- RUN_ARGS...
set -u
faultsim=$1 gdb=$2 test_script=$3 reconnect_script=$4 patterns=$5 expected=$6
shift 7
work=$(mktemp -d)
fs_pid=
trap '[ -n "$fs_pid" ] && kill "$fs_pid" 2>/dev/null; rm -rf "$work"' EXIT

timeout 60 "$faultsim" run --gdb 127.0.0.1:0 --gdb-script "$work/connect.gdb" "$@" \
  >"$work/guest.out" 2>"$work/faultsim.err" &
fs_pid=$!
for _ in $(seq 300); do
  grep -q "gdb stub listening" "$work/faultsim.err" && break
  kill -0 "$fs_pid" 2>/dev/null || break
  sleep 0.1
done
if ! grep -q "gdb stub listening" "$work/faultsim.err"; then
  echo "FAIL: faultsim did not start listening"; cat "$work/faultsim.err"; exit 1
fi

run_gdb() {
  # CTest's TIMEOUT bounds gdb; faultsim has its own timeout above.
  "$gdb" -batch -nx -x "$work/connect.gdb" -x "$1" >>"$work/gdb.out" 2>&1 &
  local gdb_pid=$!
  if [ -n "${INTERRUPT_ON:-}" ] && [ "$1" = "$test_script" ]; then
    local running=
    for _ in $(seq 600); do
      if grep -qF -- "$INTERRUPT_ON" "$work/guest.out"; then
        running=1
        break
      fi
      kill -0 "$gdb_pid" 2>/dev/null || break
      sleep 0.1
    done
    if [ -z "$running" ]; then
      echo "FAIL: the program never printed '$INTERRUPT_ON'"
      kill "$gdb_pid" 2>/dev/null
      cat "$work/gdb.out" "$work/faultsim.err"
      exit 1
    fi
    kill -INT "$gdb_pid"
  fi
  wait "$gdb_pid"
}
run_gdb "$test_script"
if [ "$reconnect_script" != "-" ]; then
  echo "=== reconnect ===" >>"$work/gdb.out"
  run_gdb "$reconnect_script"
fi
wait "$fs_pid"
status=$?
fs_pid=
fail=0
while IFS= read -r pattern; do
  [ -z "$pattern" ] && continue
  if ! grep -Eq -- "$pattern" "$work/gdb.out"; then
    echo "FAIL: gdb output lacks /$pattern/"; fail=1
  fi
done <"$patterns"
if [ "$status" != "$expected" ]; then
  echo "FAIL: faultsim exited $status, expected $expected"; fail=1
fi
fault_line=$(grep -m1 '^fault #[0-9]*: address 0x[0-9a-f]*,' "$work/gdb.out")
fault_index=$(sed -n 's/^fault #\([0-9]*\): .*/\1/p' <<<"$fault_line")
fault=$(sed -n 's/^fault #[0-9]*: address \(0x[0-9a-f]*\),.*/\1/p' <<<"$fault_line")
if grep -q '^# cr2' "$work/gdb.out"; then
  cr2=$(grep -A1 '^# cr2' "$work/gdb.out" | sed -n 's/^\$[0-9]* = \(0x[0-9a-f]*\)$/\1/p' | head -1)
  if [ -z "$cr2" ]; then
    echo "FAIL: '# cr2' printed but no CR2 value after it"; fail=1
  elif [ -z "$fault" ]; then
    echo "FAIL: CR2 printed but no 'fault #N: address A' from monitor fault"; fail=1
  elif [ "$cr2" != "$fault" ]; then
    echo "FAIL: CR2 $cr2 differs from the fault address $fault"; fail=1
  fi
fi
if [ -n "$fault_index" ]; then
  record=$(sed -n "s/^#$fault_index pid [0-9]* addr \(0x[0-9a-f]*\) .*/\1/p" "$work/gdb.out" | head -1)
  if [ -n "$record" ] && [ "$record" != "$fault" ]; then
    echo "FAIL: trace record #$fault_index is at $record, fault #$fault_index at $fault"; fail=1
  fi
fi
if [ "$fail" != 0 ] || [ -n "${GDB_TEST_VERBOSE:-}" ]; then
  echo "--- gdb output ---"; cat "$work/gdb.out"
  echo "--- faultsim stderr ---"; cat "$work/faultsim.err"
fi
exit "$fail"
