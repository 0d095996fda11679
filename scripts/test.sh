#!/usr/bin/env bash
# README command 2: install what is missing, check the C++ formatting (scripts/check-format.sh),
# build everything, run every test (C++ and Python);
# then the hardening passes: the ASan/UBSan build with the malformed-input corpus, and a short
# run of each fuzz target (docs/HARDENING.md). FUZZ_SECONDS (default 30) sets the fuzz time.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/check-format.sh
scripts/build.sh -DCSKPI_BUILD_TESTS=ON -DCSKPI_BUILD_EXAMPLES=ON -DCSKPI_BUILD_PYTHON=ON
(cd build && ctest --output-on-failure -j2)
scripts/sanitize.sh
scripts/fuzz.sh "${FUZZ_SECONDS:-30}"
