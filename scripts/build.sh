#!/usr/bin/env bash
# Configures and builds cskpi in ./build (Release, Debian's /usr/bin/python3 for the Python side).
#   scripts/build.sh [-DOPTION=VALUE ...] [--target NAME]
set -euo pipefail
cd "$(dirname "$0")/.."
cmake_args=(); build_args=()
while (($#)); do
  case $1 in
    --target) build_args+=(--target "$2"); shift 2 ;;
    *) cmake_args+=("$1"); shift ;;
  esac
done
gen=(); [ -f build/CMakeCache.txt ] || { command -v ninja >/dev/null && gen=(-G Ninja); }
cmake -S . -B build "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DPython_EXECUTABLE=/usr/bin/python3 "${cmake_args[@]}" >/dev/null
cmake --build build -j2 "${build_args[@]}"
