#!/usr/bin/env bash
# Proves both ways a C++ project consumes cskpi: install + find_package, and add_subdirectory.
set -euo pipefail
src=$1; work=$2
rm -rf "$work"; mkdir -p "$work"
cmake -S "$src" -B "$work/lib" -DCSKPI_BUILD_TESTS=OFF -DCSKPI_BUILD_EXAMPLES=OFF \
      -DCSKPI_BUILD_BENCHMARKS=OFF -DCSKPI_BUILD_CLI=OFF -DCMAKE_INSTALL_PREFIX="$work/prefix" >/dev/null
cmake --install "$work/lib" >/dev/null
cmake -S "$src/tests/consumer/project" -B "$work/installed" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/installed" -j2 >/dev/null
"$work/installed/consumer"
cmake -S "$src/tests/consumer/project" -B "$work/subdir" -DCSKPI_SOURCE="$src" >/dev/null
cmake --build "$work/subdir" -j2 >/dev/null
"$work/subdir/consumer"
echo "consumer: find_package and add_subdirectory both work"
