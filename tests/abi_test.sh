#!/bin/sh
# The ABI of libhvic.so against the committed baseline tests/abi/libhvic.abi
# (Debian's abigail-tools): any change of an exported function or of a type
# defined in codec/hvic.h or codec/hvic_advanced.h fails, so that an ABI
# break is a decision, not an accident (tests/abi/hvic.abignore leaves out
# the types of internal headers). After a deliberate change (and a new HVIC_ABI_VERSION or
# soname where callers are affected), regenerate the baseline:
#     sh tests/abi_test.sh build/libhvic.so codec tests/abi/libhvic.abi --update
# Usage: abi_test.sh LIBHVIC.so HEADERS_DIR BASELINE [--update]
set -eu
lib=$1 baseline=$3
# Only the public headers count: types of internal headers (the layout of the
# opaque hvic_model, say) are no part of the ABI.
headers=$(mktemp -d)
trap 'rm -rf "$headers"' EXIT
cp "$2/hvic.h" "$2/hvic_advanced.h" "$headers/"
if [ "${4:-}" = "--update" ]; then
    abidw --no-corpus-path --no-comp-dir-path --headers-dir "$headers" --out-file "$baseline" "$lib"
    echo "wrote $baseline"
    exit 0
fi
if abidiff --no-added-syms --suppressions "$(dirname "$baseline")/hvic.abignore" \
    --headers-dir1 "$headers" --headers-dir2 "$headers" "$baseline" "$lib"; then
    echo "PASS: the ABI of $(basename "$lib") matches $baseline"
else
    rc=$?
    echo "FAIL: abidiff exit $rc: the ABI changed (see above); if deliberate, regenerate with --update"
    exit 1
fi
