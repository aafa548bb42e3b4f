#!/bin/sh
# gdk-pixbuf-thumbnailer (Debian's libgdk-pixbuf2.0-bin) makes a PNG thumbnail
# of a .hvic file through the loader, as a file manager would, and fails
# cleanly on a damaged one.
# Usage: thumbnail_test.sh HVIC_TOOL THUMBNAILER IMAGE.png WORKDIR   (GDK_PIXBUF_MODULE_FILE set)
set -u
hvic=$1 thumbnailer=$2 img=$3 work=$4
mkdir -p "$work" && cd "$work" || exit 2
fails=0
pass() { echo "ok    $1"; }
bad() { echo "FAIL  $1"; fails=$((fails + 1)); }
png_size() { od -An -tu1 -j16 -N8 "$1" | awk '{print $1*16777216+$2*65536+$3*256+$4 "x" $5*16777216+$6*65536+$7*256+$8}'; }

"$hvic" encode "$img" -o t.hvic -q 60 || exit 2
rm -f thumb.png
"$thumbnailer" -s 128 t.hvic thumb.png 2> err.txt
rc=$?
# the test image is 256x192: the thumbnail's longer side is 128
size=$(png_size thumb.png 2>/dev/null)
[ "$rc" -eq 0 ] && [ "$size" = "128x96" ] && pass "thumbnail of a .hvic is a 128x96 PNG" \
    || bad "thumbnailer: exit $rc, size '$size', $(cat err.txt)"

head -c 500 t.hvic > cut.hvic
rm -f cut.png
"$thumbnailer" -s 128 cut.hvic cut.png 2> err.txt
rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] && [ ! -s cut.png ] && pass "truncated file: thumbnailer fails without crashing (exit $rc)" \
    || bad "truncated: exit $rc, $(cat err.txt)"

[ "$fails" -eq 0 ] && echo "PASS" || echo "FAIL: $fails"
[ "$fails" -eq 0 ]
