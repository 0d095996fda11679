#!/usr/bin/env bash
# README command 2: install what is missing, build everything, run every test (C++ and Python).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh -DCSKPI_BUILD_TESTS=ON -DCSKPI_BUILD_EXAMPLES=ON -DCSKPI_BUILD_PYTHON=ON
cd build
ctest --output-on-failure -j2
