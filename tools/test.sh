#!/usr/bin/env bash
# Set up and build (tools/setup.sh), run the tests in build/, then build
# build-asan/ with AddressSanitizer + UndefinedBehaviorSanitizer
# (HVIC_SANITIZE=ON, clang when available) and run the tests there too.
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
