#!/bin/sh
# hvic encode / decode / info --latents-hash from the command line.
# Usage: cli_codec.sh HVIC MAKE_MODEL_VARIANT MODEL TESTIMAGES WORKDIR
set -u
hvic=$1 variant=$2 model=$3 images=$4 work=$5
rm -rf "$work"; mkdir -p "$work"; cd "$work" || exit 1
export HVIC_MODEL="$model"
img=$images/rd_seeding_203x185.png
fails=0
pass() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }

# expect_error NAME EXIT CMD...: fails with status EXIT and exactly one line on stderr
expect_error() {
    name=$1 want=$2; shift 2
    "$@" > out.txt 2> err.txt
    rc=$?
    lines=$(wc -l < err.txt)
    if [ "$rc" -eq "$want" ] && [ "$lines" -eq 1 ]; then pass "$name: $(cat err.txt)"
    else bad "$name: exit $rc (want $want), $lines stderr line(s): $(cat err.txt)"; fi
}

# round trip, files and pipes
"$hvic" encode "$img" -o a.hvic && pass "encode" || bad "encode"
"$hvic" decode a.hvic -o a.png && pass "decode" || bad "decode"
"$hvic" encode - -o - < "$img" > b.hvic && cmp -s a.hvic b.hvic && pass "encode stdin/stdout" || bad "encode stdin/stdout"
"$hvic" decode - -o - < a.hvic > b.png && cmp -s a.png b.png && pass "decode stdin/stdout" || bad "decode stdin/stdout"
h=$("$hvic" info a.hvic --latents-hash) && pass "info --latents-hash: $h" || bad "info --latents-hash"
"$hvic" encode "$img" -o c.hvic -q 20 -v --check 2> v.txt && grep -q "PSNR" v.txt && grep -q "bpp" v.txt \
    && grep -q "BLAS" v.txt && pass "encode -v --check" || bad "encode -v --check: $(cat v.txt)"
"$hvic" encode "$img" -o d.hvic --beta 100 && "$hvic" encode "$img" -o e.hvic --beta 100,300 \
    && pass "--beta B and --beta BY,BZ" || bad "--beta"
[ "$(wc -c < c.hvic)" -lt "$(wc -c < a.hvic)" ] && pass "lower quality is smaller" || bad "quality vs size"
ls .hvic-* > /dev/null 2>&1 && bad "temporary files left" || pass "no temporary files left"

# decoded pixels do not depend on the decoder's threads (two bands here)
for t in 1 2 3; do "$hvic" decode a.hvic -o "t$t.png" --threads $t; done
cmp -s a.png t1.png && cmp -s a.png t2.png && cmp -s a.png t3.png \
    && pass "decode: same PNG on 1, 2, 3 threads" || bad "decode: PNG depends on --threads"

# byte-identical across OpenBLAS core types and thread counts (the AVX-512
# cores only where the CPU has AVX-512: forced onto an AVX2 CPU, OpenBLAS's
# SkylakeX kernels die of an illegal instruction)
cores=Haswell
grep -qw avx512f /proc/cpuinfo && cores="Haswell Cooperlake SkylakeX"
echo "OpenBLAS cores compared: $cores"
for core in $cores; do
    for t in 1 2; do
        OPENBLAS_CORETYPE=$core OPENBLAS_NUM_THREADS=$t "$hvic" encode "$img" -o "x_$core$t.hvic" --threads $t
        cmp -s a.hvic "x_$core$t.hvic" && pass "identical: $core, $t thread(s)" || bad "differs: $core, $t thread(s)"
    done
done

# damaged files
size=$(wc -c < a.hvic)
head -c $((size - 1)) a.hvic > trunc.hvic
expect_error "truncated file" 1 "$hvic" decode trunc.hvic -o t.png
head -c 30 a.hvic > trunc30.hvic
expect_error "truncated header" 1 "$hvic" decode trunc30.hvic -o t.png
k=$((size / 2))
head -c $k a.hvic > flip.hvic; printf 'Z' >> flip.hvic; tail -c +$((k + 2)) a.hvic >> flip.hvic
cmp -s a.hvic flip.hvic && { head -c $k a.hvic > flip.hvic; printf 'Y' >> flip.hvic; tail -c +$((k + 2)) a.hvic >> flip.hvic; }
expect_error "changed byte (CRC)" 1 "$hvic" decode flip.hvic -o t.png
grep -q checksum err.txt && pass "CRC error named" || bad "CRC error not named: $(cat err.txt)"
expect_error "not an hvic file" 1 "$hvic" decode "$img" -o t.png
[ -e t.png ] && bad "output written on error" || pass "no output on error"

# models
"$variant" "$model" other.hvicm && pass "model variant" || bad "model variant"
expect_error "different model (digest)" 1 "$hvic" decode a.hvic -o t.png --model other.hvicm
grep -q "different model" err.txt && pass "mismatch named" || bad "mismatch not named"
expect_error "latents hash, different model" 1 "$hvic" info a.hvic --latents-hash --model other.hvicm
expect_error "model that is not one (decode)" 1 "$hvic" decode a.hvic -o t.png --model "$images/rgb8.png"
expect_error "model that is not one (encode)" 1 "$hvic" encode "$img" -o t.hvic --model "$images/rgb8.png"
expect_error "missing model" 1 "$hvic" decode a.hvic -o t.png --model nonexistent.hvicm
HVIC_MODEL=$work/nonexistent.hvicm expect_error "bad HVIC_MODEL" 1 "$hvic" decode a.hvic -o t.png

# refusing to overwrite the input
cp "$img" in.png; cp a.hvic in.hvic
expect_error "encode output = input" 1 "$hvic" encode in.png -o in.png
cmp -s in.png "$img" && pass "input kept" || bad "input overwritten"
expect_error "decode output = input" 1 "$hvic" decode in.hvic -o ./../"$(basename "$work")"/in.hvic
cmp -s in.hvic a.hvic && pass "input kept" || bad "input overwritten"
ln -s in.hvic link.hvic
expect_error "decode output = input via symlink" 1 "$hvic" decode link.hvic -o in.hvic

# usage and input errors
expect_error "missing input" 1 "$hvic" encode nonexistent.png -o t.hvic
expect_error "bad quality" 2 "$hvic" encode "$img" -o t.hvic -q 101
expect_error "bad beta" 2 "$hvic" encode "$img" -o t.hvic --beta -3
expect_error "q and beta" 2 "$hvic" encode "$img" -o t.hvic -q 3 --beta 10
expect_error "no output" 2 "$hvic" decode a.hvic
expect_error "unknown option" 2 "$hvic" decode a.hvic -o t.png --frobnicate
expect_error "bad decode threads" 2 "$hvic" decode a.hvic -o t.png --threads 65
expect_error "alpha image" 1 "$hvic" encode "$images/rgba.png" -o t.hvic
"$hvic" encode "$images/rgba.png" -o t.hvic --drop-alpha && pass "--drop-alpha" || bad "--drop-alpha"

# metadata: ICC, Exif and XMP go into the file and back out into the PNG;
# --strip leaves them out (and only them: the latents are the same)
"$hvic" encode "$images/meta.jpg" -o m.hvic -v 2> v.txt && grep -q "metadata: ICC 588, Exif 14, XMP 37" v.txt \
    && pass "encode keeps metadata" || bad "encode metadata: $(cat v.txt)"
"$hvic" info m.hvic > info.txt && grep -q ICCP info.txt && grep -q EXIF info.txt && grep -q XMP_ info.txt \
    && pass "info lists ICCP, EXIF, XMP_" || bad "info: $(cat info.txt)"
"$hvic" decode m.hvic -o m.png && grep -q iCCP m.png && grep -q eXIf m.png && grep -q "XML:com.adobe.xmp" m.png \
    && pass "decoded PNG has iCCP, eXIf, XMP" || bad "decoded PNG lacks metadata"
"$hvic" encode "$images/meta.jpg" -o s.hvic --strip && "$hvic" decode s.hvic -o s.png \
    && [ "$("$hvic" info m.hvic --latents-hash)" = "$("$hvic" info s.hvic --latents-hash)" ] \
    && ! grep -q ICCP s.hvic && ! grep -q iCCP s.png && ! grep -q eXIf s.png \
    && [ "$(wc -c < s.hvic)" -lt "$(wc -c < m.hvic)" ] \
    && pass "--strip: no metadata, same latents" || bad "--strip"
"$hvic" encode "$images/gray_icc.jpg" -o g.hvic 2> v.txt && grep -q "ICC profile left out" v.txt \
    && pass "gray ICC profile left out with a note" || bad "gray ICC: $(cat v.txt)"

# many files: each to DIR/NAME.ext, a bad file gets its own line and the others go on
mkdir -p many many_png
head -c 300 "$img" > broken.png
"$hvic" encode "$img" broken.png "$images/rgb.jpg" -o many/ --jobs 2 -q 75 > out.txt 2> err.txt
rc=$?
[ "$rc" -eq 1 ] && [ "$(wc -l < err.txt)" -eq 1 ] && grep -q '^hvic: broken.png: ' err.txt \
    && cmp -s a.hvic many/rd_seeding_203x185.hvic && [ -s many/rgb.hvic ] && [ ! -e many/broken.hvic ] \
    && pass "encode many files, one broken: exit 1, the others written" \
    || bad "encode many: exit $rc, $(cat err.txt), $(ls many)"
cp a.hvic many/zz_copy.hvic
"$hvic" decode many/*.hvic -o many_png --jobs 2 2> err.txt && cmp -s a.png many_png/rd_seeding_203x185.png \
    && cmp -s a.png many_png/zz_copy.png && [ -s many_png/rgb.png ] \
    && pass "decode many files into a directory" || bad "decode many: $(cat err.txt)"
expect_error "several inputs need a directory" 2 "$hvic" encode "$img" "$img" -o not_a_dir.hvic
expect_error "same output name twice" 1 "$hvic" encode "$img" "$images/rd_seeding_203x185.png" -o many/

# --max-pixels: refused before decoding (rd_seeding is 203 x 185 = 37555 pixels)
"$hvic" decode a.hvic -o mp.png --max-pixels 37555 && cmp -s a.png mp.png \
    && pass "decode within --max-pixels" || bad "decode within --max-pixels"
expect_error "over --max-pixels" 1 "$hvic" decode a.hvic -o mp2.png --max-pixels 37554
[ ! -e mp2.png ] && pass "no output over --max-pixels" || bad "output written over --max-pixels"

# A 1.6 KB file that declares 16384 x 16384 pixels (tests/codec/test_limits.c made it)
expect_error "decompression bomb over --max-pixels" 1 "$hvic" decode "$images/bomb_16384.hvic" -o bomb.png \
    --max-pixels 100000000
grep -q "more pixels than --max-pixels" err.txt && pass "bomb refused by name" || bad "bomb: $(cat err.txt)"

# Bad images for encode: exit 1 and one line naming the file and the reason (README, bad input)
for case in "huge.png:too large" "corrupt_crc.png:corrupt" "truncated.png:truncated" "truncated.jpg:truncated" \
            "garbage.png:corrupt" "cmyk.jpg:unsupported" "rgba.png:alpha channel" "unknown.bin:not a recognised"; do
    f=${case%%:*} msg=${case#*:}
    expect_error "encode $f" 1 "$hvic" encode "$images/$f" -o bad.hvic
    grep -q "^hvic: $images/$f: .*$msg" err.txt && [ ! -e bad.hvic ] && pass "$f: '$msg', no output" \
        || bad "$f: $(cat err.txt)"
done

# The pixel coder: exact, within --max-error, no model needed; --coder auto
shot=$images/screen/node_fs.png
"$hvic" encode "$shot" -o p0.hvic --lossless && HVIC_MODEL=/nonexistent "$hvic" decode p0.hvic -o p0.png \
    && "$hvic" compare "$shot" p0.png | grep -q "psnr-rgb: *inf" && pass "--lossless: exact, decoded without a model" \
    || bad "--lossless round trip: $("$hvic" compare "$shot" p0.png)"
"$hvic" info p0.hvic | grep -q "coder: *pixel (no model), max error 0" && pass "info names the pixel coder" \
    || bad "info: $("$hvic" info p0.hvic)"
"$hvic" encode "$shot" -o p4.hvic --max-error 4 && "$hvic" decode p4.hvic -o p4.png \
    && [ "$(wc -c < p4.hvic)" -lt "$(wc -c < p0.hvic)" ] && pass "--max-error 4 is smaller" || bad "--max-error 4"
/usr/bin/python3 -c "
import sys; from PIL import Image; import numpy as np
a = np.asarray(Image.open(sys.argv[1]).convert('RGB'), int); b = np.asarray(Image.open(sys.argv[2]), int)
sys.exit(0 if a.shape == b.shape and abs(a - b).max() <= 4 else 1)" "$shot" p4.png \
    && pass "--max-error 4: every sample within 4" || bad "--max-error 4: bound broken"
"$hvic" encode "$shot" -o pm.hvic -q 75 && "$hvic" encode "$shot" -o pa.hvic -q 75 --coder auto \
    && [ "$(wc -c < pa.hvic)" -lt "$(wc -c < pm.hvic)" ] && "$hvic" info pa.hvic | grep -q "coder: *pixel" \
    && pass "--coder auto picks the pixel coder for a screenshot" || bad "--coder auto on a screenshot"
"$hvic" encode "$img" -o pp.hvic --coder auto && cmp -s pp.hvic a.hvic \
    && pass "--coder auto keeps the model's file for a photo" || bad "--coder auto on a photo"
expect_error "--max-error 32" 2 "$hvic" encode "$shot" -o x.hvic --max-error 32
expect_error "--lossless with -q" 2 "$hvic" encode "$shot" -o x.hvic --lossless -q 50
expect_error "--coder auto with a target" 2 "$hvic" encode "$shot" -o x.hvic --coder auto --target-bpp 1
expect_error "--coder other" 2 "$hvic" encode "$shot" -o x.hvic --coder pixel
HVIC_MODEL=/nonexistent expect_error "model file without a model" 1 "$hvic" decode a.hvic -o x.png

# A full disk: the write error is reported, exit 1
if [ -w /dev/full ]; then
    expect_error "decode to a full disk" 1 sh -c "'$hvic' decode a.hvic -o - > /dev/full"
    grep -q "No space left" err.txt && pass "full disk named" || bad "full disk: $(cat err.txt)"
fi

[ "$fails" -eq 0 ] && echo "PASS" || echo "FAIL: $fails"
[ "$fails" -eq 0 ]
