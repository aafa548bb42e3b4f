#!/bin/sh
# libhvic.so exports exactly the functions codec/hvic.h declares HVIC_API
# (issue 16): nothing internal leaks into the dynamic symbol table, and
# nothing public is missing.
# Usage: symbols_test.sh LIBHVIC.so HVIC.h
set -eu
lib=$1 header=$2
tmp=${TMPDIR:-/tmp}/hvic-symbols.$$
trap 'rm -f "$tmp".*' EXIT
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVWi]$/ {print $3}' | sed 's/@.*//' | sort -u > "$tmp.exported"
grep -E '^HVIC_API ' "$header" | sed -E 's/\(.*//; s/.*[ *]//' | sort -u > "$tmp.declared"
if cmp -s "$tmp.exported" "$tmp.declared"; then
    echo "PASS: $(wc -l < "$tmp.declared") symbols, exactly those of $(basename "$header")"
else
    echo "FAIL: exported (<) and declared (>) differ:"
    diff "$tmp.exported" "$tmp.declared" || true
    exit 1
fi
