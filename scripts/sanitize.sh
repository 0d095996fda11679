#!/usr/bin/env bash
# AddressSanitizer + UBSan: builds the C++ test executables and the command line with both
# sanitizers (build-asan/), runs the C++ tests, then the malformed-input corpus
# (tests/data/malformed/) through the sanitized command line; then ThreadSanitizer on the live
# monitor's tests (build-tsan/: producers on many threads, snapshots). Any sanitizer report fails.
# Built with clang: its sanitized builds of these files compile in about two thirds of GCC's time
# (the Release build, the Python module and the examples stay on GCC, so both compilers build
# every header).
set -euo pipefail
cd "$(dirname "$0")/.."
export CC=clang CXX=clang++
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
  -DCSKPI_SANITIZE=ON -DCSKPI_BUILD_TESTS=ON -DCSKPI_BUILD_PYTHON=OFF -DCSKPI_BUILD_EXAMPLES=OFF \
  -DCSKPI_BUILD_BENCHMARKS=OFF -DPython_EXECUTABLE=/usr/bin/python3 >/dev/null
areas=$(sed -n 's/^ *foreach(area \(.*\))$/\1/p' tests/CMakeLists.txt)
targets=(cskpi_cli)
for a in $areas; do targets+=("test_$a"); done
cmake --build build-asan -j2 --target "${targets[@]}"
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
(cd build-asan && ctest --output-on-failure -j2 -R '^cpp\.' -E 'headers_compile_with_clang')
CSKPI_CLI="$PWD/build-asan/cskpi" /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/python/test_malformed.py

cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
  -DCSKPI_SANITIZE_THREAD=ON -DCSKPI_BUILD_TESTS=ON -DCSKPI_BUILD_PYTHON=OFF -DCSKPI_BUILD_EXAMPLES=OFF \
  -DCSKPI_BUILD_BENCHMARKS=OFF -DPython_EXECUTABLE=/usr/bin/python3 >/dev/null
cmake --build build-tsan -j2 --target test_monitor
TSAN_OPTIONS=halt_on_error=1 build-tsan/tests/test_monitor
