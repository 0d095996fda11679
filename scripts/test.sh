#!/usr/bin/env bash
# README command 2: install what is missing, check the C++ formatting (scripts/check-format.sh),
# build the command line, the Python module and the examples, run the Python, example and
# packaging tests; then the hardening passes: the C++ doctest executables built with ASan/UBSan
# and run, the malformed-input corpus, ThreadSanitizer on the monitor, and a short run of each
# fuzz target (docs/HARDENING.md). FUZZ_SECONDS (default 30) sets the fuzz time. The doctest
# executables are built once, in the sanitizer build: a Release copy would add ten minutes of
# compiling and find nothing the sanitized run does not.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each step says how long it took: CI's budget is 45 minutes.
step() {
  local t0=$SECONDS
  "$@"
  echo "cskpi test step: $1 took $((SECONDS - t0)) s" >&2
}
step scripts/install-deps.sh
step scripts/check-format.sh
step scripts/build.sh -DCSKPI_BUILD_TESTS=ON -DCSKPI_BUILD_CPP_TESTS=OFF -DCSKPI_BUILD_EXAMPLES=ON -DCSKPI_BUILD_PYTHON=ON
step ctest --test-dir build --output-on-failure -j2
step scripts/sanitize.sh
step scripts/fuzz.sh "${FUZZ_SECONDS:-30}"
