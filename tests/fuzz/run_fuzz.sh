#!/bin/sh
# Runs one libFuzzer harness for a while on its committed corpus (and the
# inputs it found before in WORK), failing on any crash, leak, timeout or
# out-of-memory. Findings are written as WORK/NAME-crash-*, -leak-*, -timeout-*,
# -oom-*: copy them into tests/fuzz/corpus/NAME/ as regression files.
# Usage: run_fuzz.sh HARNESS NAME SECONDS CORPUS DICT WORK
set -eu
harness=$1 name=$2 seconds=$3 corpus=$4 dict=$5 work=$6
mkdir -p "$work/$name-corpus"
exec "$harness" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 -print_final_stats=1 \
    -dict="$dict" -artifact_prefix="$work/$name-" "$work/$name-corpus" "$corpus"
