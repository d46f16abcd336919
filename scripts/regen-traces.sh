#!/usr/bin/env bash
# Regenerates the golden traces in traces/ after an intended change of a
# fault decision or of the trace format:
#
#   scripts/regen-traces.sh [BUILD_DIR [OUT_DIR]]   (defaults: build, traces)
#
# One trace per workload under guest/, traces/WORKLOAD.jsonl, recorded with
# the arguments, environment, --ram, faultsim-args and input files of the
# workload's first entry in tests/e2e/expectations.txt that runs under
# faultsim (scripts/lib/manifest.sh reads the table; input.txt is the file
# tests/e2e generates at configure time).  Review the change with
# `faultsim trace diff OLD NEW` before committing the new files; OUT_DIR
# records them elsewhere (to compare, or to try the script).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
build="$(cd "$build" && pwd)"
out="${2:-$root/traces}"
faultsim="$build/faultsim"
guest="$build/guest"
data="$build/tests/e2e/data"
# shellcheck source-path=SCRIPTDIR source=lib/manifest.sh
. "$root/scripts/lib/manifest.sh"

for needed in "$faultsim" "$guest/hello" "$data/input.txt"; do
  [[ -e "$needed" ]] || { echo "regen-traces: $needed missing: build $build first" >&2; exit 2; }
done
mkdir -p "$out"
out="$(cd "$out" && pwd)"

count=0
while IFS=$'\037' read -r name workload ram args env fargs; do
  manifest_command "$data" "$ram" "$args" "$env" "$fargs"
  [[ -x "$guest/$workload" ]] || { echo "regen-traces: $guest/$workload missing" >&2; exit 2; }
  status=0
  # The workloads' own exit statuses (signals included) are expected here.
  (cd "$build" && "$faultsim" run --trace "$out/$workload.jsonl" "${run_opts[@]}" \
     "$guest/$workload" "${run_argv[@]}" </dev/null >/dev/null 2>&1) || status=$?
  printf '%-16s exit %3d, %6d lines  (entry %s)\n' "$workload" "$status" \
    "$(wc -l < "$out/$workload.jsonl")" "$name"
  count=$((count + 1))
done < <(manifest_first_per_workload "$root/tests/e2e/expectations.txt")
echo "regen-traces: $count traces in $out"
