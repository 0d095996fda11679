#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each: first every regression
# input of tests/fuzz/regressions/<target>/ (inputs that once crashed), then SECONDS of fuzzing
# from the seed corpus tests/fuzz/corpus/<target>/. Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
# A crash leaves its input in build-fuzz/crashes/<target>/; copy it to the regressions folder
# once it is fixed. FUZZ_JOBS (default 2) targets run at a time.
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
# One target: its regression inputs, then fuzzing; its output goes to build-fuzz/<target>.log.
fuzz_one() {
  local t=$1 bin=build-fuzz/tests/fuzz/fuzz_$1 reg=tests/fuzz/regressions/$1
  local work=build-fuzz/corpus/$1 crashes=build-fuzz/crashes/$1
  mkdir -p "$work" "$crashes"
  {
    if compgen -G "$reg/*" >/dev/null; then
      echo "fuzz_$t: $(ls "$reg" | wc -l) regression inputs"
      "$bin" -runs=0 "$reg"/* 2>&1 | tail -1
    fi
    echo "fuzz_$t: ${seconds}s"
    "$bin" -max_total_time="$seconds" -max_len=8192 -timeout=20 -rss_limit_mb=4096 -print_final_stats=0 \
      -artifact_prefix="$crashes/" "$work" "tests/fuzz/corpus/$t" 2>&1 | grep -E "DONE|ERROR|invariant|SUMMARY" || true
  } >"build-fuzz/$t.log"
}
# A fuzzer uses one core: two targets run at a time.
jobs=${FUZZ_JOBS:-2}
failed=0
for ((i = 0; i < ${#targets[@]}; i += jobs)); do
  pids=()
  for t in "${targets[@]:i:jobs}"; do
    fuzz_one "$t" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || failed=1; done  # a regression input that fails
done
for t in "${targets[@]}"; do
  cat "build-fuzz/$t.log"
  if compgen -G "build-fuzz/crashes/$t/*" >/dev/null; then
    echo "fuzz_$t: crash inputs in build-fuzz/crashes/$t" >&2
    failed=1
  fi
done
exit $failed
