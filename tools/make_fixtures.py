#!/usr/bin/python3
"""Regenerate the image fixtures in testimages/ (run once; outputs are committed).

PNGs are written by hand (struct + zlib) so every colour type, bit depth,
tRNS, interlacing and damaged variant is exactly controlled. JPEGs use PIL
(Debian: python3-pil), run with /usr/bin/python3. The pixel values here are
mirrored in tests/test_image_io.c; change both together.

Usage: /usr/bin/python3 tools/make_fixtures.py [OUTDIR]   (default testimages/)
"""
import io
import os
import struct
import sys
import zlib

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "testimages")

SIG = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def chunk(ctype, data):
    return (struct.pack(">I", len(data)) + ctype + data +
            struct.pack(">I", zlib.crc32(ctype + data) & 0xFFFFFFFF))


def ihdr(w, h, depth, ctype, interlace=0):
    return chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, interlace))


def pack_row(samples, depth):
    """Pack one row of integer samples at the given bit depth."""
    if depth == 8:
        return bytes(samples)
    if depth == 16:
        return b"".join(struct.pack(">H", s) for s in samples)
    out, acc, nbits = bytearray(), 0, 0
    for s in samples:
        acc = (acc << depth) | s
        nbits += depth
        if nbits == 8:
            out.append(acc)
            acc, nbits = 0, 0
    if nbits:
        out.append(acc << (8 - nbits))
    return bytes(out)


def filter_sub(row, bpp):
    return bytes([1]) + bytes((row[i] - (row[i - bpp] if i >= bpp else 0)) & 0xFF
                              for i in range(len(row)))


def png(w, h, depth, ctype, rows, plte=None, trns=None, sub=False):
    """rows: list of h lists of w*channels samples. Non-interlaced."""
    bpp = max(1, CHANNELS[ctype] * depth // 8)
    raw = b""
    for r in rows:
        packed = pack_row(r, depth)
        raw += filter_sub(packed, bpp) if sub else b"\x00" + packed
    data = SIG + ihdr(w, h, depth, ctype)
    if plte:
        data += chunk(b"PLTE", b"".join(bytes(c) for c in plte))
    if trns is not None:
        data += chunk(b"tRNS", trns)
    return data + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
         (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def png_rgb8_interlaced(w, h, pix):
    """pix(x, y) -> (r, g, b). Adam7, filter 0."""
    raw = b""
    for x0, y0, dx, dy in ADAM7:
        xs = list(range(x0, w, dx))
        ys = list(range(y0, h, dy))
        if not xs or not ys:
            continue
        for y in ys:
            raw += b"\x00" + bytes(v for x in xs for v in pix(x, y))
    return (SIG + ihdr(w, h, 8, 2, 1) + chunk(b"IDAT", zlib.compress(raw, 9)) +
            chunk(b"IEND", b""))


def interlaced_pixel(x, y):
    return (x * 20 + 5, y * 30 + 7, (x + y) * 10)


# Metadata fixtures (meta.png, meta.jpg, gray_icc.jpg): mirrored in
# tests/test_image_io.c (EXIF_TIFF, XMP_PACKET, ICC size and header).
EXIF_TIFF = b"MM\x00\x2a\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00"  # no entries
XMP_PACKET = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"/>'


def srgb_icc():
    """Little CMS's built-in sRGB profile (588 bytes), via PIL.ImageCms."""
    from PIL import ImageCms
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def png_with_meta(w, h, rows, icc):
    """8-bit RGB with iCCP and iTXt XMP before IDAT, eXIf after it."""
    raw = b"".join(b"\x00" + bytes(r) for r in rows)
    itxt = b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + XMP_PACKET
    return (SIG + ihdr(w, h, 8, 2) +
            chunk(b"iCCP", b"ICC profile\x00\x00" + zlib.compress(icc, 9)) +
            chunk(b"iTXt", itxt) + chunk(b"IDAT", zlib.compress(raw, 9)) +
            chunk(b"eXIf", EXIF_TIFF) + chunk(b"IEND", b""))


def jpeg_with_meta(jpeg, icc):
    """Insert APP1 Exif, APP1 XMP and APP2 ICC_PROFILE after SOI."""
    def seg(marker, payload):
        return b"\xff" + bytes([marker]) + struct.pack(">H", len(payload) + 2) + payload
    return (jpeg[:2] + seg(0xE1, b"Exif\x00\x00" + EXIF_TIFF) +
            seg(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + XMP_PACKET) +
            seg(0xE2, b"ICC_PROFILE\x00\x01\x01" + icc) + jpeg[2:])


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def main():
    os.makedirs(OUT, exist_ok=True)
    # 8-bit gray, 4x2
    write("gray8.png", png(4, 2, 8, 0, [[0, 1, 127, 128], [200, 254, 255, 64]]))
    # 1-bit gray, 8x1: 10110001
    write("gray1.png", png(8, 1, 1, 0, [[1, 0, 1, 1, 0, 0, 0, 1]]))
    # 16-bit gray, 256x256: every value 0..65535 once (v = y*256 + x)
    write("gray16_all.png", png(256, 256, 16, 0,
                                [[y * 256 + x for x in range(256)] for y in range(256)],
                                sub=True))
    # 8-bit RGB, 3x2
    rgb8 = [[255, 0, 0, 0, 255, 0, 0, 0, 255], [10, 20, 30, 128, 128, 128, 250, 251, 252]]
    write("rgb8.png", png(3, 2, 8, 2, rgb8))
    # 16-bit RGB, 3x1
    write("rgb16.png", png(3, 1, 16, 2, [[0, 65535, 32768, 129, 128, 65407,
                                          2570, 51528, 1000]]))
    # gray+alpha 8-bit, 2x1
    write("gray_alpha.png", png(2, 1, 8, 4, [[10, 255, 200, 0]]))
    # palette, 4-bit, 4x1, indices 3 2 1 0
    plte = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (7, 8, 9)]
    write("palette.png", png(4, 1, 4, 3, [[3, 2, 1, 0]], plte=plte))
    write("palette_trns.png", png(4, 1, 4, 3, [[3, 2, 1, 0]], plte=plte, trns=b"\xff\x00"))
    # RGBA 8-bit, 2x1
    write("rgba.png", png(2, 1, 8, 6, [[1, 2, 3, 255, 4, 5, 6, 0]]))
    # RGB with a tRNS colour key
    write("rgb_trns.png", png(2, 1, 8, 2, [[1, 2, 3, 4, 5, 6]], trns=struct.pack(">HHH", 1, 2, 3)))
    # Adam7-interlaced RGB 8-bit, 9x7
    inter = png_rgb8_interlaced(9, 7, interlaced_pixel)
    write("rgb8_interlaced.png", inter)

    # Damaged PNGs
    good = png(3, 2, 8, 2, rgb8)
    idat = good.index(b"IDAT")
    bad = bytearray(good)
    bad[idat + 6] ^= 0x55            # a byte of IDAT data: CRC no longer matches
    write("corrupt_crc.png", bytes(bad))
    write("garbage.png", SIG + bytes((i * 37 + 11) & 0xFF for i in range(64)))
    idat = inter.index(b"IDAT")
    write("truncated.png", inter[:idat + 4 + 20])  # cut inside IDAT data
    # IHDR claims 20000x20000 (valid CRC); no pixel data follows
    write("huge.png", SIG + ihdr(20000, 20000, 8, 2) + chunk(b"IEND", b""))

    write("unknown.bin", b"GIF89a" + bytes(range(26)))

    from PIL import Image  # only needed for JPEGs

    def jpeg(img, **kw):
        b = io.BytesIO()
        img.save(b, "JPEG", **kw)
        return b.getvalue()

    g = Image.new("L", (16, 8), 60)
    g.paste(200, (8, 0, 16, 8))
    write("gray.jpg", jpeg(g, quality=95))
    c = Image.new("RGB", (16, 8), (200, 30, 40))
    c.paste((20, 180, 90), (8, 0, 16, 8))
    write("rgb.jpg", jpeg(c, quality=95, subsampling=0))
    k = Image.new("CMYK", (8, 8), (10, 20, 30, 40))
    write("cmyk.jpg", jpeg(k, quality=90))
    # Truncated: a noisy 32x32 image cut half-way through the entropy-coded scan
    n = Image.new("RGB", (32, 32))
    n.putdata([((x * 7 + y * 13) % 256, (x * x + y) % 256, (x * y * 5) % 256)
               for y in range(32) for x in range(32)])
    full = jpeg(n, quality=90)
    sos = full.index(b"\xff\xda")
    write("truncated.jpg", full[:sos + (len(full) - sos) // 2])

    icc = srgb_icc()
    write("meta.png", png_with_meta(4, 2, [[v * 8 % 256 for v in range(y * 12, y * 12 + 12)]
                                           for y in range(2)], icc))
    write("meta.jpg", jpeg_with_meta(jpeg(c, quality=95), icc))
    gray_icc = icc[:16] + b"GRAY" + icc[20:]  # header says gray: must be left out
    write("gray_icc.jpg", jpeg_with_meta(jpeg(g, quality=95), gray_icc))


if __name__ == "__main__":
    main()
