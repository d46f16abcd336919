#!/usr/bin/env bash
# The main job: set up, build, run every bundled workload inside faultsim and
# write each one's output, counters and (when tracing is available) trace,
# plus a summary table, under out/.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"

"$top/scripts/setup.sh"
cmake -S "$top" -B "$top/build" >/dev/null
cmake --build "$top/build" -j"$(nproc 2>/dev/null || echo 2)"

faultsim="$top/build/faultsim"
manifest="$top/build/guest/workloads.tsv"
out="$top/out"
rm -rf "$out"
mkdir -p "$out/runs"

summary="$out/summary.txt"
printf '%-16s %6s %8s %6s %6s %6s %6s %6s\n' workload exit faults lazy guard prot inval oom >"$summary"

# The manifest lists: name, then the faultsim options and program arguments.
while IFS=$'\t' read -r name args; do
  [ -n "$name" ] || continue
  read -r -a argv <<<"$args"
  set +e
  "$faultsim" run --stats "${argv[@]}" >"$out/runs/$name.stdout" 2>"$out/runs/$name.stderr"
  status=$?
  set -e
  stat() { awk -v k="$1" '$1 == k { print $2 }' "$out/runs/$name.stderr" | tail -1; }
  lazy=0
  for t in text data bss heap stack mmap_anon mmap_file; do
    v=$(stat "lazy_$t"); lazy=$((lazy + ${v:-0}))
  done
  printf '%-16s %6s %8s %6s %6s %6s %6s %6s\n' "$name" "$status" "$(stat faults_total)" "$lazy" \
    "$(stat guard_hits)" "$(stat protection_violations)" "$(stat invalid_addresses)" \
    "$(stat oom_kills)" >>"$summary"
done <"$manifest"

cat "$summary"
echo "run.sh: outputs in $out/runs, summary in $summary"
