#!/usr/bin/env bash
# Configures and builds cskpi in ./build (Release, Debian's /usr/bin/python3 for the Python side).
set -euo pipefail
cd "$(dirname "$0")/.."
gen=(); command -v ninja >/dev/null && gen=(-G Ninja)
cmake -S . -B build "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DPython_EXECUTABLE=/usr/bin/python3 "$@" >/dev/null
cmake --build build -j2
