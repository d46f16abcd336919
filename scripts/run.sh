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

# The workloads and how to run them come from the one table the tests use
# (scripts/lib/manifest.sh): every `test` that runs under faultsim, with its
# args, env, --ram and faultsim-args.  An argument @FILE is a host file from
# the tests' data directory, placed in the guest as /data/FILE.
# shellcheck source-path=SCRIPTDIR source=lib/manifest.sh
. "$top/scripts/lib/manifest.sh"

summary="$out/summary.txt"
printf '%-24s %5s %7s %6s %6s %6s %6s %5s %10s\n' workload exit faults lazy guard prot inval oom \
  instructions >"$summary"

while IFS=$'\037' read -r name prog ram args env fargs; do
  manifest_command "$data_dir" "$ram" "$args" "$env" "$fargs"
  set +e
  "$faultsim" run --stats --trace "$out/traces/$name.jsonl" "${run_opts[@]}" "$guest_dir/$prog" \
    "${run_argv[@]}" \
    </dev/null >"$out/runs/$name.stdout" 2>"$out/runs/$name.stderr"
  status=$?
  set -e
  stat() { awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }' "$out/runs/$name.stderr"; }
  lazy=0
  for t in text data bss heap stack mmap_anon mmap_file; do
    lazy=$((lazy + $(stat "lazy_$t")))
  done
  printf '%-24s %5s %7s %6s %6s %6s %6s %5s %10s\n' "$name" "$status" "$(stat faults_total)" \
    "$lazy" "$(stat guard_hits)" "$(stat protection_violations)" "$(stat invalid_addresses)" \
    "$(stat oom_kills)" "$(stat instructions)" >>"$summary"
done < <(manifest_entries "$top/tests/e2e/expectations.txt")

cat "$summary"
echo "run.sh: outputs in $out/runs, traces in $out/traces, summary in $summary"
