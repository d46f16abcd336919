#!/usr/bin/env bash
# The main job: set up, build, run every bundled workload inside faultsim and
# write each one's output, counters and fault trace, plus a summary table,
# under out/.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"

"$top/scripts/setup.sh"
cmake -S "$top" -B "$top/build" >/dev/null
cmake --build "$top/build" -j"$(nproc 2>/dev/null || echo 2)"

faultsim="$top/build/faultsim"
guest_dir="$top/build/guest"
data_dir="$top/build/tests/e2e/data"
out="$top/out"
rm -rf "$out"
mkdir -p "$out/runs" "$out/traces"

# The workloads and their arguments come from the one table the tests use:
# every `test` that runs under faultsim, with its args and --ram.  An
# argument @FILE is a host file from the tests' data directory, placed in
# the guest as /data/FILE.  An empty field would vanish (tab is IFS
# whitespace to `read`), so a missing --ram is written as "-".
manifest() {
  awk '
    function flush() { if (name != "") print name "\t" prog "\t" (ram == "" ? "-" : ram) "\t" args; name = "" }
    /^test / { flush(); if ($4 != "native") { name = $2; prog = $3; ram = ""; args = "" } next }
    /^  args / && name != "" { sub(/^  args /, ""); args = $0; next }
    /^  ram / && name != "" { ram = $2; next }
    END { flush() }
  ' "$top/tests/e2e/expectations.txt"
}

summary="$out/summary.txt"
printf '%-18s %5s %7s %6s %6s %6s %6s %5s %10s\n' workload exit faults lazy guard prot inval oom \
  instructions >"$summary"

while IFS=$'\t' read -r name prog ram args; do
  eval "argv=($args)" # the table quotes arguments shell-style
  opts=(--stats --trace "$out/traces/$name.jsonl")
  [ "$ram" != - ] && opts+=(--ram "$ram")
  for i in "${!argv[@]}"; do
    if [[ ${argv[$i]} == @* ]]; then
      file=${argv[$i]#@}
      opts+=(--file "$data_dir/$file:/data/$file")
      argv[$i]="/data/$file"
    fi
  done
  set +e
  "$faultsim" run "${opts[@]}" "$guest_dir/$prog" "${argv[@]}" \
    >"$out/runs/$name.stdout" 2>"$out/runs/$name.stderr"
  status=$?
  set -e
  stat() { awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }' "$out/runs/$name.stderr"; }
  lazy=0
  for t in text data bss heap stack mmap_anon mmap_file; do
    lazy=$((lazy + $(stat "lazy_$t")))
  done
  printf '%-18s %5s %7s %6s %6s %6s %6s %5s %10s\n' "$name" "$status" "$(stat faults_total)" \
    "$lazy" "$(stat guard_hits)" "$(stat protection_violations)" "$(stat invalid_addresses)" \
    "$(stat oom_kills)" "$(stat instructions)" >>"$summary"
done < <(manifest)

cat "$summary"
echo "run.sh: outputs in $out/runs, traces in $out/traces, summary in $summary"
