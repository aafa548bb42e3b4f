#!/bin/sh
# libhvic.so exports exactly the functions its public headers (codec/hvic.h,
# codec/hvic_advanced.h) declare HVIC_API (issue 16): nothing internal leaks
# into the dynamic symbol table, and nothing public is missing.
# Usage: symbols_test.sh LIBHVIC.so HEADER...
set -eu
lib=$1
shift
tmp=${TMPDIR:-/tmp}/hvic-symbols.$$
trap 'rm -f "$tmp".*' EXIT
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVWi]$/ {print $3}' | sed 's/@.*//' | sort -u > "$tmp.exported"
cat "$@" | grep -E '^HVIC_API ' | sed -E 's/\(.*//; s/.*[ *]//' | sort -u > "$tmp.declared"
if cmp -s "$tmp.exported" "$tmp.declared"; then
    echo "PASS: $(wc -l < "$tmp.declared") symbols, exactly those of the public headers"
else
    echo "FAIL: exported (<) and declared (>) differ:"
    diff "$tmp.exported" "$tmp.declared" || true
    exit 1
fi
