#!/usr/bin/env bash
# Set up and build (tools/setup.sh), run the tests in build/, then build
# build-asan/ with AddressSanitizer + UndefinedBehaviorSanitizer
# (HVIC_SANITIZE=ON, clang when available) and run the tests there too;
# then a ThreadSanitizer build (build-tsan/) runs the threads test, and the
# libFuzzer harnesses (build-fuzz/, clang) run HVIC_FUZZ_SECONDS (default 60)
# each on their corpora; any finding fails the run.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
JOBS=${HVIC_JOBS:-2}

bash tools/setup.sh --tests

echo "== tests: build/ (Release)"
ctest --test-dir build --output-on-failure -j "$JOBS"

echo "== tests: build-asan/ (address,undefined)"
if [ ! -f build-asan/CMakeCache.txt ]; then
    cc=cc
    command -v clang >/dev/null 2>&1 && cc=clang
    CC=$cc cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DHVIC_SANITIZE=ON
fi
cmake --build build-asan -j "$JOBS"
ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    ctest --test-dir build-asan --output-on-failure -j "$JOBS"

echo "== tests: build-tsan/ (thread: one model, several threads encoding and decoding)"
if [ ! -f build-tsan/CMakeCache.txt ]; then
    CC=clang cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHVIC_TSAN=ON
fi
cmake --build build-tsan -j "$JOBS" --target test_threads
TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1} ctest --test-dir build-tsan --output-on-failure -R '^codec_threads$'

FUZZ_SECONDS=${HVIC_FUZZ_SECONDS:-60}
echo "== fuzz: build-fuzz/ (libFuzzer + address,undefined; ${FUZZ_SECONDS} s per harness)"
if [ ! -f build-fuzz/CMakeCache.txt ]; then
    CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHVIC_FUZZ=ON
fi
cmake -B build-fuzz -DHVIC_FUZZ_SECONDS="$FUZZ_SECONDS" >/dev/null
cmake --build build-fuzz -j "$JOBS" --target fuzz_container fuzz_model fuzz_image fuzz_decode
ctest --test-dir build-fuzz --output-on-failure -j "$JOBS" -L fuzz
