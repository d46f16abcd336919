# shellcheck shell=bash
# The workloads and how to run them under faultsim, read from the one table
# the tests use, tests/e2e/expectations.txt (format: tests/e2e/e2e_check.c).
# Sourced by scripts/run.sh (every entry) and scripts/regen-traces.sh (one
# golden trace per workload), so neither keeps a copy of the table.

# manifest_entries TABLE: one line per `test` entry that runs under faultsim
# (MODES both or faultsim), in table order, with six fields separated by
# \x1f (not blank to `read`, so empty fields survive):
#   NAME WORKLOAD RAM ARGS ENV FAULTSIM_ARGS
# RAM is empty for the default; ARGS, ENV and FAULTSIM_ARGS are the rest of
# their directive lines as written (tokens, see manifest_tokens).
manifest_entries() {
  awk '
    function rest(line, key) { sub("^[ \t]*" key "[ \t]*", "", line); return line }
    function flush() {
      if (name != "") print name "\037" prog "\037" ram "\037" args "\037" env "\037" fargs
      name = ""
    }
    $1 == "test" { flush(); if ($4 != "native") { name = $2; prog = $3; ram = args = env = fargs = "" } next }
    name == "" { next }
    $1 == "args" { args = rest($0, "args"); next }
    $1 == "env" { env = rest($0, "env"); next }
    $1 == "ram" { ram = $2; next }
    $1 == "faultsim-args" { fargs = rest($0, "faultsim-args"); next }
    END { flush() }
  ' "$1"
}

# manifest_first_per_workload TABLE: manifest_entries, only the first entry
# of each workload (the one its golden trace records).
manifest_first_per_workload() {
  manifest_entries "$1" | awk -F '\037' '!seen[$2]++'
}

# manifest_tokens TEXT: splits TEXT into the array manifest_tok as e2e_check
# does: blanks separate tokens, '#' starts a comment, and a "double-quoted"
# token may hold blanks and the C escapes \n \t \\ \" \xHH.
manifest_tokens() {
  local s=$1 n=${#1} i=0 c tok
  manifest_tok=()
  while ((i < n)); do
    c=${s:i:1}
    if [[ $c == [[:blank:]] ]]; then
      i=$((i + 1))
      continue
    fi
    [[ $c == '#' ]] && break
    tok=
    if [[ $c != '"' ]]; then
      while ((i < n)) && [[ ${s:i:1} != [[:blank:]] ]]; do
        tok+=${s:i:1}
        i=$((i + 1))
      done
    else
      i=$((i + 1))
      while :; do
        ((i < n)) || { echo "manifest: unterminated string in: $s" >&2; return 1; }
        c=${s:i:1}
        i=$((i + 1))
        [[ $c == '"' ]] && break
        if [[ $c == "\\" ]]; then
          c=${s:i:1}
          i=$((i + 1))
          case $c in
            n) c=$'\n' ;;
            t) c=$'\t' ;;
            "\\" | '"') ;;
            x)
              [[ ${s:i:2} == [0-9a-fA-F][0-9a-fA-F] ]] || { echo "manifest: bad \\x escape in: $s" >&2; return 1; }
              printf -v c '%b' "\\x${s:i:2}"
              i=$((i + 2))
              ;;
            *) echo "manifest: unknown escape \\$c in: $s" >&2; return 1 ;;
          esac
        fi
        tok+=$c
      done
    fi
    manifest_tok+=("$tok")
  done
}

# manifest_command DATA_DIR RAM ARGS ENV FAULTSIM_ARGS: the `faultsim run`
# options in the array run_opts and the program's arguments in run_argv, as
# e2e_check builds them: --ram, a --file DATA_DIR/FILE:/data/FILE for each
# argument @FILE (which becomes /data/FILE), an --env per ENV entry, then
# the entry's faultsim-args.
manifest_command() {
  local data_dir=$1 ram=$2 args=$3 env=$4 fargs=$5 a
  run_opts=()
  run_argv=()
  [[ -n $ram ]] && run_opts+=(--ram "$ram")
  manifest_tokens "$args" || return 1
  for a in "${manifest_tok[@]}"; do
    if [[ $a == @* ]]; then
      run_opts+=(--file "$data_dir/${a#@}:/data/${a#@}")
      run_argv+=("/data/${a#@}")
    else
      run_argv+=("$a")
    fi
  done
  manifest_tokens "$env" || return 1
  for a in "${manifest_tok[@]}"; do
    run_opts+=(--env "$a")
  done
  manifest_tokens "$fargs" || return 1
  run_opts+=("${manifest_tok[@]}")
}
