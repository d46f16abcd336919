#!/usr/bin/env bash
# Regenerates the golden traces in traces/ after an intended change of a
# fault decision or of the trace format:
#
#   scripts/regen-traces.sh [BUILD_DIR]     (default: build)
#
# One trace per workload under guest/, with the arguments and input files of
# its entry in tests/e2e/expectations.txt (input.txt is the file tests/e2e
# generates at configure time).  Review the change with
# `faultsim trace diff OLD NEW` before committing the new files.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
build="$(cd "$build" && pwd)"
faultsim="$build/faultsim"
guest="$build/guest"
data="$build/tests/e2e/data"
out="$root/traces"

for needed in "$faultsim" "$guest/hello" "$data/input.txt"; do
  [[ -e "$needed" ]] || { echo "regen-traces: $needed missing: build $build first" >&2; exit 2; }
done
mkdir -p "$out"

# NAME WORKLOAD [faultsim options --] [ARGS...]: options before "--" go to
# `faultsim run`, the rest to the program.
record() {
  local name="$1" workload="$2"
  shift 2
  local options=()
  if [[ " $* " == *" -- "* ]]; then
    while [[ "$1" != "--" ]]; do options+=("$1"); shift; done
    shift
  fi
  local status=0
  # The workloads' own exit statuses (signals included) are expected here.
  (cd "$build" && "$faultsim" run --trace "$out/$name.jsonl" "${options[@]}" \
     "$guest/$workload" "$@" >/dev/null 2>&1) || status=$?
  printf '%-16s exit %3d, %6d lines\n' "$name" "$status" "$(wc -l < "$out/$name.jsonl")"
}

record hello hello
record echo_args echo_args --env "GREETING=hello world" --env HOME=/ -- one "two words" ""
record exit_status exit_status 42
record null_deref null_deref
record hello_musl hello_musl
record stack_growth stack_growth
record lazy_bss lazy_bss
record stack_overflow stack_overflow
record text_fault text_fault
record data_bss_split data_bss_split
record heap_brk heap_brk
record mmap_anon mmap_anon
record mmap_file mmap_file --file "$data/input.txt:/data/input.txt" -- /data/input.txt
record write_text write_text
record exec_data exec_data
record prot_none prot_none
record mprotect_ro mprotect_ro
record munmap_touch munmap_touch
record wild_kernel wild_kernel
record bad_user_ptr bad_user_ptr
record lazy_user_buf lazy_user_buf --file "$data/input.txt:/data/input.txt" -- /data/input.txt
record oom oom --ram 8 --
record faultstat faultstat
record huge_sparse huge_sparse
