#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each: first every regression
# input of tests/fuzz/regressions/<target>/ (inputs that once crashed), then SECONDS of fuzzing
# from the seed corpus tests/fuzz/corpus/<target>/. Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
# A crash leaves its input in build-fuzz/crashes/<target>/; copy it to the regressions folder
# once it is fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(interactions events reviews documents timestamp state)
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCSKPI_BUILD_FUZZERS=ON -DCSKPI_BUILD_TESTS=OFF -DCSKPI_BUILD_EXAMPLES=OFF -DCSKPI_BUILD_BENCHMARKS=OFF \
  -DCSKPI_BUILD_CLI=OFF -DCSKPI_BUILD_PYTHON=OFF >/dev/null
cmake --build build-fuzz -j2 --target "${targets[@]/#/fuzz_}"
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=0
for t in "${targets[@]}"; do
  bin=build-fuzz/tests/fuzz/fuzz_$t
  reg=tests/fuzz/regressions/$t
  if compgen -G "$reg/*" >/dev/null; then
    echo "fuzz_$t: $(ls "$reg" | wc -l) regression inputs"
    "$bin" -runs=0 "$reg"/* 2>&1 | tail -1
  fi
  work=build-fuzz/corpus/$t crashes=build-fuzz/crashes/$t
  mkdir -p "$work" "$crashes"
  echo "fuzz_$t: ${seconds}s"
  "$bin" -max_total_time="$seconds" -max_len=8192 -timeout=20 -rss_limit_mb=4096 -print_final_stats=0 \
    -artifact_prefix="$crashes/" "$work" "tests/fuzz/corpus/$t" 2>&1 | grep -E "DONE|ERROR|invariant|SUMMARY" || true
  if compgen -G "$crashes/*" >/dev/null; then
    echo "fuzz_$t: crash inputs in $crashes" >&2
    exit 1
  fi
done
