#!/usr/bin/env bash
# Rate-distortion evaluation of hvic against JPEG on the Kodak set, in one
# command (from anywhere):
#
#   bash tools/kodak_rd.sh [KODAK_DIR] [hvic rd options, e.g. --model FILE]
#
# KODAK_DIR: the 24 Kodak PNGs (kodim01.png .. kodim24.png); default
# ../shared/data/kodak beside the repository. The script builds hvic if
# needed (tools/setup.sh), then runs, in the repository root,
#
#   ./build/hvic rd KODAK_DIR --out results/kodak --jobs 1 --coder auto [options]
#   /usr/bin/python3 tools/rd_plot.py -o results/kodak-rd.png \
#       results/kodak-hvic.json results/kodak-jpeg420.json results/kodak-jpeg444.json
#
# and writes, in results/:
#   kodak-images.csv     every image x setting: bytes, YLAT/ZLAT bytes, bpp,
#                        R_y/R_z bpp, PSNR, MS-SSIM, encode/decode seconds
#   kodak-hvic.json      hvic at the model's beta levels  } CompressAI format,
#   kodak-hvic-auto.json the same betas, encode --coder auto}
#   kodak-hvic-pixel.json the pixel coder, max error 1..16 }
#   kodak-jpeg420.json   libjpeg-turbo 4:2:0, q 5..95     } means over the
#   kodak-jpeg444.json   libjpeg-turbo 4:4:4, q 5..95     } 24 images
#   kodak-summary.txt    the table and BD-rates (hvic vs jpeg420) printed
#   kodak-rd.png         PSNR and MS-SSIM (dB) vs bpp, 1000 x 450 px
# and with --beta-grid also kodak-betagrid.csv and kodak-grid.png.
#
# Then the same for the screen-content set testimages/screen (results/screen-*),
# and, where Debian's webp and libavif-bin are installed, WebP and AVIF 4:4:4
# on both sets (tools/rd_webp_avif.py: PREFIX-webp.json, PREFIX-avif444.json,
# into the plots). The last lines, also in results/rd-bd.txt, are BD-rates
# against JPEG 4:2:0 on both sets. --no-others leaves WebP/AVIF out.
#
# The model is the default one (HVIC_MODEL, else the installed, else
# models/default.hvicm) unless --model FILE is given. Options given later
# override the defaults above (e.g. --jobs 2, --betas B1,B2,...).
# Kodak is for evaluation only: never train or tune on it.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DATA=$ROOT/../shared/data/kodak
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
    DATA=$(cd "$1" && pwd)  # relative to the caller's directory
    shift
fi
cd "$ROOT"
OUT=results/kodak
OTHERS=1
args=()
for a in "$@"; do
    if [ "$a" = "--no-others" ]; then OTHERS=0; else args+=("$a"); fi
done
set -- "${args[@]+"${args[@]}"}"

n=$(find "$DATA" -maxdepth 1 \( -iname '*.png' -o -iname '*.jpg' -o -iname '*.jpeg' \) 2>/dev/null | wc -l)
if [ "$n" -eq 0 ]; then
    echo "kodak_rd: no PNG/JPEG images in $DATA (give the Kodak directory as first argument)" >&2
    exit 1
fi
if ! /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
    echo "kodak_rd: /usr/bin/python3 has no matplotlib (bash tools/setup.sh --tests installs it)" >&2
    exit 1
fi

bash tools/setup.sh  # a quick no-op when built
mkdir -p results
# evaluate SET_DIR PREFIX [hvic rd options]: hvic and JPEG, WebP/AVIF, the plot
evaluate() {
    local dir=$1 out=$2
    shift 2
    rm -f "$out"-*  # no stale files from an earlier run
    echo "kodak_rd: $(basename "$dir") -> $out-*"
    ./build/hvic rd "$dir" --out "$out" --jobs 1 --coder auto "$@" | tee "$out-summary.txt"
    if [ "$OTHERS" = 1 ]; then
        /usr/bin/python3 tools/rd_webp_avif.py "$dir" --out "$out" | tee -a "$out-summary.txt"
    fi
    local jsons=() c
    for c in hvic hvic-auto hvic-pixel jpeg420 jpeg444 webp avif444; do  # no hvic curve without a model
        [ -f "$out-$c.json" ] && jsons+=("$out-$c.json")
    done
    /usr/bin/python3 tools/rd_plot.py -o "$out-rd.png" --xmax "$XMAX" "${jsons[@]}"
    if [ -f "$out-betagrid.csv" ]; then
        /usr/bin/python3 tools/rd_plot.py --beta-grid "$out-betagrid.csv" -o "$out-grid.png"
    fi
}
echo "kodak_rd: $n images from $DATA"
XMAX=3.5 evaluate "$DATA" "$OUT" "$@"  # the pixel coder's curve runs to 8 bpp on photos
XMAX=2.5 evaluate testimages/screen results/screen "$@"
{
    for set in kodak screen; do
        for c in hvic hvic-auto hvic-pixel webp avif444; do
            [ -f "results/$set-$c.json" ] || continue
            printf '%-7s %-10s vs JPEG 4:2:0: ' "$set" "$c"
            ./build/hvic rd --bd "results/$set-jpeg420.json" "results/$set-$c.json" |
                awk -F': *' '/^BD-rate \(PSNR\)/ {p = $2} /^BD-rate \(MS-SSIM/ {m = $2}
                             END {printf "BD-rate %s (PSNR), %s (MS-SSIM dB)\n", p, m}'

        done
    done
} | tee results/rd-bd.txt
echo "kodak_rd: wrote" results/kodak-* results/screen-* results/rd-bd.txt
