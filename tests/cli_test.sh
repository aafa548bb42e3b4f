#!/bin/sh
# CLI behaviour: help/version, `info` output, one-line errors naming the file.
# Usage: cli_test.sh HVIC_BINARY TESTIMAGES_DIR SAMPLE.hvic WORKDIR
set -u
HVIC=$1 IMAGES=$2 SAMPLE=$3 WORK=$4
mkdir -p "$WORK"
OUT=$WORK/cli.out ERR=$WORK/cli.err
passed=0 failed=0

ok()   { passed=$((passed + 1)); echo "ok      $1"; }
fail() { failed=$((failed + 1)); echo "FAILED  $1"; echo "--- stdout"; cat "$OUT"; echo "--- stderr"; cat "$ERR"; }

# run NAME EXPECTED_STATUS ARGS...  (stdin from /dev/null unless redirected by caller)
run() {
    name=$1 want=$2
    shift 2
    "$HVIC" "$@" >"$OUT" 2>"$ERR"
    status=$?
    if [ "$want" = nonzero ]; then [ $status -ne 0 ]; else [ $status -eq "$want" ]; fi
}

# One line on stderr, "hvic: FILE: ...", nothing on stdout.
one_line_error() {
    [ "$(wc -l <"$ERR")" -eq 1 ] && grep -q "^hvic: $1: ." "$ERR" && [ ! -s "$OUT" ]
}

run help 0 --help && grep -Eq '^  info +FILE.hvic' "$OUT" \
    && ok help || fail help
run help_short 0 -h && grep -q 'Usage: hvic' "$OUT" && ok help_short || fail help_short
run version 0 --version && grep -qE '^hvic [0-9]+\.[0-9]+\.[0-9]+$' "$OUT" && ok version || fail version
run no_args 2 && grep -q 'Usage' "$ERR" && ok no_args || fail no_args
run unknown_command 2 frobnicate && [ "$(wc -l <"$ERR")" -eq 1 ] && grep -q 'frobnicate' "$ERR" \
    && ok unknown_command || fail unknown_command
# Every subcommand: --help prints its own usage on stdout and exits 0; a bad
# option names the subcommand's --help.
for c in $("$HVIC" --help | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p'); do
    run "help_$c" 0 "$c" --help && grep -q "hvic $c" "$OUT" && [ ! -s "$ERR" ] \
        && ok "help_$c" || fail "help_$c"
    run "bad_option_$c" 2 "$c" --no-such-option && [ "$(wc -l <"$ERR")" -eq 1 ] \
        && grep -q "hvic $c --help" "$ERR" && ok "bad_option_$c" || fail "bad_option_$c"
done

# Targets: one rate setting at a time, positive numbers only (checked before any work).
run target_conflict 2 encode "$IMAGES/rgb8.png" -o "$WORK/t.hvic" --target-size 1000 -q 50 \
    && grep -q 'give one of' "$ERR" && [ ! -e "$WORK/t.hvic" ] && ok target_conflict || fail target_conflict
run target_bad 2 encode "$IMAGES/rgb8.png" -o "$WORK/t.hvic" --target-psnr -3 \
    && grep -q 'positive number' "$ERR" && ok target_bad || fail target_bad
run target_fraction 2 encode "$IMAGES/rgb8.png" -o "$WORK/t.hvic" --target-size 10.5 \
    && grep -q 'whole bytes' "$ERR" && ok target_fraction || fail target_fraction

# compare: identical images give inf dB; different sizes are an error.
run compare_same 0 compare "$IMAGES/train_crop_256x192.png" "$IMAGES/train_crop_256x192.png" \
    && grep -q '^psnr-rgb:    inf dB$' "$OUT" && grep -q '^ms-ssim:     1.000000 ' "$OUT" \
    && ok compare_same || fail compare_same
run compare_sizes 1 compare "$IMAGES/rgb8.png" "$IMAGES/train_crop_256x192.png" \
    && one_line_error "$IMAGES/train_crop_256x192.png" && ok compare_sizes || fail compare_sizes
run compare_one 2 compare "$IMAGES/rgb8.png" && ok compare_one || fail compare_one

run info_no_file 2 info && [ "$(wc -l <"$ERR")" -eq 1 ] && ok info_no_file || fail info_no_file

run info_sample 0 info "$SAMPLE" \
    && grep -q '^dimensions:  64 x 48, 3 channels, 8 bits$' "$OUT" \
    && grep -q '^model:       sample-model.v1 (digest 0badf00d)$' "$OUT" \
    && grep -q '^layer z: .*192 x 1 x 1.*beta 0.25, gain position 8192 (2.0000 levels)' "$OUT" \
    && grep -q '^layer y: .*320 x 4 x 3.*beta 0.0125, gain position 6144 (1.5000 levels)' "$OUT" \
    && grep -qE '^  ZLAT +40 bytes$' "$OUT" && grep -qE '^  YLAT +600 bytes$' "$OUT" \
    && grep -qE '^  ICCP +[0-9]+ bytes \(zstd; 3000 bytes uncompressed\)$' "$OUT" \
    && [ ! -s "$ERR" ] \
    && ok info_sample || fail info_sample

# bpp = file bytes * 8 / (64*48)
size=$(wc -c <"$SAMPLE")
bpp=$(awk -v s="$size" 'BEGIN { printf "%.4f", s * 8 / (64 * 48) }')
grep -q "^bpp:         $bpp " "$OUT" && grep -q "^size:        $size bytes$" "$OUT" \
    && ok info_bpp || fail info_bpp

# info --json: one JSON object with the same figures.
run info_json 0 info --json "$SAMPLE" \
    && grep -q '"width": 64, "height": 48' "$OUT" && grep -q '"digest": "0badf00d"' "$OUT" \
    && grep -q '{"name": "y", "channels": 320, "height": 4, "width": 3, "beta": 0.0125, "gain_pos": 6144' "$OUT" \
    && grep -q '{"type": "ICCP", "size": [0-9]*, "uncompressed": 3000}' "$OUT" \
    && grep -q "\"size\": $size, " "$OUT" \
    && { ! command -v python3 >/dev/null || python3 -m json.tool "$OUT" >/dev/null; } \
    && ok info_json || fail info_json

"$HVIC" info - <"$SAMPLE" >"$OUT" 2>"$ERR" && grep -q '^file:        -$' "$OUT" \
    && ok info_stdin || fail info_stdin

run info_png 1 info "$IMAGES/rgb8.png" && one_line_error "$IMAGES/rgb8.png" \
    && grep -q 'not an hvic file' "$ERR" && ok info_not_hvic || fail info_not_hvic

run info_missing 1 info "$WORK/no such file.hvic" && one_line_error "$WORK/no such file.hvic" \
    && grep -q 'No such file' "$ERR" && ok info_missing || fail info_missing

# Damaged copy: one flipped byte in the middle.
DAMAGED=$WORK/damaged.hvic
cp "$SAMPLE" "$DAMAGED"
printf '\377' | dd of="$DAMAGED" bs=1 seek=100 conv=notrunc 2>/dev/null
run info_damaged 1 info "$DAMAGED" && one_line_error "$DAMAGED" && grep -q 'checksum' "$ERR" \
    && ok info_damaged || fail info_damaged

# Truncated copy.
TRUNC=$WORK/truncated.hvic
head -c 30 "$SAMPLE" >"$TRUNC"
run info_truncated 1 info "$TRUNC" && one_line_error "$TRUNC" && ok info_truncated || fail info_truncated

echo "cli_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
