#!/bin/sh
# The ABI of libhvic.so against the committed baseline tests/abi/libhvic.abi
# (Debian's abigail-tools): any change of an exported function or of a type
# reachable from codec/hvic.h fails, so that an ABI break is a decision, not
# an accident. After a deliberate change (and a new HVIC_ABI_VERSION or
# soname where callers are affected), regenerate the baseline:
#     sh tests/abi_test.sh build/libhvic.so codec tests/abi/libhvic.abi --update
# Usage: abi_test.sh LIBHVIC.so HEADERS_DIR BASELINE [--update]
set -eu
lib=$1 headers=$2 baseline=$3
if [ "${4:-}" = "--update" ]; then
    abidw --no-corpus-path --no-comp-dir-path --headers-dir "$headers" --out-file "$baseline" "$lib"
    echo "wrote $baseline"
    exit 0
fi
if abidiff --no-added-syms --headers-dir1 "$headers" --headers-dir2 "$headers" "$baseline" "$lib"; then
    echo "PASS: the ABI of $(basename "$lib") matches $baseline"
else
    rc=$?
    echo "FAIL: abidiff exit $rc: the ABI changed (see above); if deliberate, regenerate with --update"
    exit 1
fi
