#!/usr/bin/python3
"""RD curves of WebP and AVIF 4:4:4 on a folder of images, for comparison with `hvic rd`.

  rd_webp_avif.py DIR --out PREFIX

Encodes every PNG in DIR with Debian's cwebp (libwebp, -m 6, quality 5..95) and avifenc
(libavif with aom, 4:4:4, speed 6, quantizer 8..56), decodes with dwebp / avifdec, and writes
PREFIX-webp.json and PREFIX-avif444.json in CompressAI's format (means over the images of bpp,
PSNR-RGB and MS-SSIM, measured by `hvic compare`, as hvic rd measures them).
bpp counts the whole file (container included), as hvic rd does for .hvic files and JPEG.
A codec whose tools are missing is skipped with a note; the exit status is 0 then.
BD-rate against the JPEG anchor: `hvic rd --bd PREFIX-jpeg420.json PREFIX-webp.json`.
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CODECS = {
    "webp": {"tools": ("cwebp", "dwebp"), "settings": [5, 10, 20, 30, 45, 60, 75, 85, 92, 97],
             "desc": "libwebp cwebp -m 6 -q Q"},
    "avif444": {"tools": ("avifenc", "avifdec"), "settings": [56, 50, 44, 38, 32, 26, 20, 14, 8],
                "desc": "libavif avifenc (aom) -y 444 -s 6 --min Q --max Q"},
}


def code(codec, q, src, tmp):
    comp, dec = os.path.join(tmp, "c"), os.path.join(tmp, "d.png")
    if codec == "webp":
        enc = ["cwebp", "-quiet", "-m", "6", "-q", str(q), src, "-o", comp]
        decode = ["dwebp", "-quiet", comp, "-o", dec]
    else:
        comp += ".avif"
        enc = ["avifenc", "-y", "444", "-s", "6", "-j", "1", "--min", str(q), "--max", str(q), src, comp]
        decode = ["avifdec", comp, dec]
    subprocess.run(enc, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(decode, check=True, stdout=subprocess.DEVNULL)
    return os.path.getsize(comp), dec


def compare(hvic, ref, test):
    """(PSNR-RGB dB, MS-SSIM) of test against ref, from `hvic compare`."""
    out = subprocess.run([hvic, "compare", ref, test], check=True, capture_output=True, text=True).stdout
    vals = dict(line.split(":", 1) for line in out.splitlines())
    return float(vals["psnr-rgb"].split()[0]), float(vals["ms-ssim"].split()[0])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir")
    ap.add_argument("--out", required=True, help="output prefix")
    ap.add_argument("--hvic", default=os.path.join(ROOT, "build/hvic"), help="hvic binary (default: %(default)s)")
    args = ap.parse_args()
    files = sorted(glob.glob(os.path.join(args.dir, "*.png")))
    if not files:
        sys.exit(f"rd_webp_avif: no PNG images in {args.dir}")
    sizes = [Image.open(f).size for f in files]
    for name, c in CODECS.items():
        missing = [t for t in c["tools"] if not shutil.which(t)]
        if missing:
            print(f"rd_webp_avif: {name} skipped ({', '.join(missing)} not installed)")
            continue
        res = {"bpp": [], "psnr-rgb": [], "ms-ssim": [], "q": []}
        with tempfile.TemporaryDirectory() as tmp:
            for q in c["settings"]:
                rows = []
                for k, (f, (w, h)) in enumerate(zip(files, sizes)):
                    src = os.path.join(tmp, f"in{k}.png")
                    if not os.path.exists(src):  # RGB without metadata or alpha, as hvic rd codes it
                        Image.open(f).convert("RGB").save(src)
                    nbytes, dec = code(name, q, src, tmp)
                    rows.append((8.0 * nbytes / (w * h),) + compare(args.hvic, src, dec))
                m = np.mean(np.array(rows), axis=0)
                for k, v in zip(("bpp", "psnr-rgb", "ms-ssim"), m):
                    res[k].append(float(v))
                res["q"].append(q)
                print(f"{name:8s} q={q:<3d} {m[0]:.4f} bpp {m[1]:.3f} dB MS-SSIM {m[2]:.5f}", flush=True)
        order = np.argsort(res["bpp"])
        res = {k: [v[i] for i in order] for k, v in res.items()}
        with open(f"{args.out}-{name}.json", "w") as f:
            json.dump({"name": name, "description": f"{c['desc']}; means over {len(files)} images",
                       "results": res}, f, indent=2)


if __name__ == "__main__":
    main()
