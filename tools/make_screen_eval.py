#!/usr/bin/env python3
"""Make the screen-content evaluation set testimages/screen/ (issue 20), once; the images are committed.

Independent of the training set (tools/train/make_screen_data.py draws only on python3-doc,
matplotlib figures of random data and text set in fonts): these are headless Chromium screenshots
of other programs' HTML documentation as Debian ships it (nodejs, valgrind, libxslt1-dev)
at 768×512 like Kodak, plus the two real plots this repository ships. Writes
OUT/*.png (8-bit RGB) and OUT/SOURCES.txt.

Usage: make_screen_eval.py [--out testimages/screen]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# (name, page, window width, zoom, first row of the 768×512 crop in device pixels)
PAGES = [
    ("node_fs", "/usr/share/doc/nodejs/api/fs.html", 1024, 1.0, 300),
    ("node_http", "/usr/share/doc/nodejs/api/http.html", 1280, 1.0, 900),
    ("node_buffer", "/usr/share/doc/nodejs/api/buffer.html", 1024, 1.5, 1200),
    ("node_process", "/usr/share/doc/nodejs/api/process.html", 800, 1.0, 1500),
    ("node_index", "/usr/share/doc/nodejs/api/index.html", 1024, 1.0, 0),
    ("valgrind_core", "/usr/share/doc/valgrind/html/manual-core.html", 1024, 1.0, 400),
    ("valgrind_mc", "/usr/share/doc/valgrind/html/mc-manual.html", 1280, 1.25, 700),
    ("valgrind_faq", "/usr/share/doc/valgrind/html/faq.html", 1024, 1.0, 200),
    ("xslt_internals", "/usr/share/doc/libxslt1-dev/html/internals.html", 1024, 1.0, 600),
    ("xslt_index", "/usr/share/doc/libxslt1-dev/html/index.html", 900, 1.0, 0),
    ("valgrind_cg", "/usr/share/doc/valgrind/html/cg-manual.html", 1024, 1.0, 500),
    ("node_crypto", "/usr/share/doc/nodejs/api/crypto.html", 1440, 2.0, 2400),
]
PLOTS = [("plot_kodak_rd", "results/kodak-rd.png"), ("plot_loss", "models/loss.png")]
W, H = 768, 512


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "testimages/screen"))
    args = ap.parse_args()
    exe = shutil.which("chromium-headless-shell") or shutil.which("chromium")
    if not exe:
        sys.exit("make_screen_eval: chromium-headless-shell not found")
    os.makedirs(args.out, exist_ok=True)
    notes = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, page, width, zoom, row in PAGES:
            if not os.path.exists(page):
                sys.exit(f"make_screen_eval: {page} missing (install the package that ships it)")
            shot = os.path.join(tmp, "shot.png")
            subprocess.run([exe, "--no-sandbox", "--headless", "--disable-gpu", "--hide-scrollbars",
                            f"--window-size={width},3200", f"--force-device-scale-factor={zoom}",
                            f"--screenshot={shot}", "file://" + page],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60, check=True)
            a = np.asarray(Image.open(shot).convert("RGB"))
            crop = a[row:row + H, :W]
            assert crop.shape == (H, W, 3), (name, a.shape)
            Image.fromarray(crop).save(os.path.join(args.out, name + ".png"), optimize=True)
            pkg = subprocess.run(["dpkg", "-S", page], capture_output=True, text=True).stdout.split(":")[0]
            notes.append(f"{name}.png\t{page} ({pkg}), window {width} px wide, zoom {zoom}, rows {row}..{row + H}, "
                         f"columns 0..{W}")
    for name, path in PLOTS:
        img = Image.open(os.path.join(ROOT, path)).convert("RGB")
        img.save(os.path.join(args.out, name + ".png"), optimize=True)
        notes.append(f"{name}.png\t{path} of this repository at commit "
                     f"{subprocess.run(['git', '-C', ROOT, 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()}, "
                     f"converted to RGB ({img.size[0]}x{img.size[1]})")
    with open(os.path.join(args.out, "SOURCES.txt"), "w") as f:
        f.write("Screen-content evaluation set (tools/make_screen_eval.py). Never train or tune on it.\n")
        f.write("Documentation pages: licences of their Debian packages (nodejs: MIT; valgrind: GFDL/GPL-2; "
                "libxslt1-dev: MIT; shared-mime-info: GPL-2+).\n\n")
        f.write("\n".join(notes) + "\n")
    print(f"make_screen_eval: {len(notes)} images in {args.out}")


if __name__ == "__main__":
    main()
