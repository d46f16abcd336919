#!/usr/bin/env bash
# Installs everything faultsim needs on Debian 12 (or 13), idempotently, as root
# or through sudo.
# Debian 12's Unicorn (2.0.1) cannot run a paged guest, so Unicorn 2.1.1 is taken from
# Debian 13 through an apt configuration private to this tree and unpacked under
# build/deps/unicorn; the system's apt sources are left untouched.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
deps="$top/build/deps"
uc_prefix="$deps/unicorn"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# What the build and the tests use: the toolchain, the libraries the host
# links (Capstone, libelf, CMocka, libcrypto, cJSON), musl-gcc for a guest
# workload, clang with its libFuzzer runtime and AFL++ for the fuzz targets,
# gdb for the debugger tests, and the archive keyring for Unicorn below.
packages=(
  build-essential cmake pkg-config git
  libcapstone-dev libelf-dev libcmocka-dev libssl-dev libcjson-dev
  musl-tools clang afl++ gdb
  debian-archive-keyring
)

install_missing() { # PACKAGE...
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      "${missing[@]}"
  fi
}

install_missing "${packages[@]}"
# libFuzzer's runtime comes with the release's default clang's version
# (Debian 12: clang 14, Debian 13: clang 19): libclang-rt-VERSION-dev.
clang_major=$(clang --version | sed -n 's/.*clang version \([0-9][0-9]*\)\..*/\1/p' | head -1)
if [ -z "$clang_major" ]; then
  echo "setup: cannot tell clang's version from 'clang --version'" >&2
  exit 1
fi
install_missing "libclang-rt-$clang_major-dev"

unicorn_ok() {
  [ -f "$uc_prefix/usr/lib/x86_64-linux-gnu/libunicorn.a" ] &&
    grep -Eq 'define UC_API_MINOR 1\b' "$uc_prefix/usr/include/unicorn/unicorn.h" 2>/dev/null
}

if ! unicorn_ok; then
  echo "setup: fetching Unicorn 2.1.1 (Debian 13 packages) into $uc_prefix"
  apt_dir="$deps/apt-trixie"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/debs"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" \
    > "$apt_dir/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
            -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache::Archives=$apt_dir/archives"
            -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
  apt-get "${apt_opts[@]}" update -q
  (cd "$apt_dir/debs" && rm -f ./*.deb && apt-get "${apt_opts[@]}" download libunicorn2t64 libunicorn-dev)
  rm -rf "$uc_prefix"
  mkdir -p "$uc_prefix"
  for deb in "$apt_dir"/debs/*.deb; do dpkg-deb -x "$deb" "$uc_prefix"; done
  unicorn_ok || { echo "setup: Unicorn 2.1.1 did not unpack into $uc_prefix" >&2; exit 1; }
fi
echo "setup: ready (Unicorn in $uc_prefix)"
