#!/bin/sh
# Install into a scratch prefix, then build and run a program against it
# using only `pkg-config --cflags --libs hvic` (shared) and --static.
# Usage: install_test.sh BUILD_DIR WORKDIR C_COMPILER
set -eu
BUILD=$1 WORK=$2 CC=$3
PREFIX=$WORK/prefix
rm -rf "$PREFIX"
mkdir -p "$WORK"
cmake --install "$BUILD" --prefix "$PREFIX" >/dev/null
LIBDIR=$(find "$PREFIX" -name hvic.pc -path '*pkgconfig*' -exec dirname {} \;)
test -n "$LIBDIR"
export PKG_CONFIG_PATH=$LIBDIR
test -f "$PREFIX/include/hvic.h"
test -f "$PREFIX/include/hvic_advanced.h"
test -x "$PREFIX/bin/hvic"
test -d "$PREFIX/share/hvic/models"
pkg-config --exists hvic
# libhvic needs neither libpng nor libjpeg (image files are tools/imageio's)
case " $(pkg-config --libs --static hvic) $(pkg-config --print-requires-private hvic | tr '\n' ' ')" in
    *png*|*jpeg*) echo "install_test: pkg-config lists libpng or libjpeg" >&2; exit 1 ;;
esac
test "$(pkg-config --variable=modeldir hvic)" = "$PREFIX/share/hvic/models"

cat >"$WORK/use_hvic.c" <<'C'
#include <hvic.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
    if (hvic_crc32(0, "123456789", 9) != 0xCBF43926u) return 1;
    if (strcmp(hvic_strerror(HVIC_ERR_CRC), "checksum mismatch (file damaged)") != 0) return 1;
    uint8_t pa[3] = {0, 0, 0}, pb[3] = {0, 0, 3};      /* MSE 3: 10 log10(255^2 / 3) dB */
    hvic_image a = {1, 1, 3, pa}, b = {1, 1, 3, pb};
    double db = 0;
    if (hvic_psnr(&a, &b, &db) != HVIC_OK || db < 43.35 || db > 43.37) return 1;
    if (hvic_version_number() != HVIC_VERSION_NUMBER) return 1;
    hvic_decode_params dp;
    if (!hvic_decode_params_init(&dp, HVIC_ABI_VERSION) || hvic_decode_params_init(&dp, HVIC_ABI_VERSION + 1))
        return 1;
    printf("hvic %s\n", hvic_version());
    return 0;
}
C
# shellcheck disable=SC2046
$CC -o "$WORK/use_shared" "$WORK/use_hvic.c" $(pkg-config --cflags --libs hvic)
LD_LIBRARY_PATH=$(pkg-config --variable=libdir hvic) "$WORK/use_shared"
# shellcheck disable=SC2046
$CC -o "$WORK/use_static" "$WORK/use_hvic.c" $(pkg-config --cflags hvic) \
    "$(pkg-config --variable=libdir hvic)/libhvic.a" $(pkg-config --static --libs-only-L --libs-only-l hvic | sed 's/-lhvic//')
"$WORK/use_static"
"$PREFIX/bin/hvic" --version
echo "install_test: 1 passed, 0 failed"
