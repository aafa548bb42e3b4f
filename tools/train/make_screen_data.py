#!/usr/bin/env python3
"""Make the screen-content training set (issue 20) from Debian packages, deterministically.

Three kinds of image, all 8-bit RGB PNG at native resolution (never resampled, so text stays
sharp), each at least 256×256 so that training crops fit:
  doc_*    headless Chromium screenshots of the HTML pages of Debian's python3-doc, at several
           window widths and zoom levels (device scale factors), cut into tiles down the page;
  plot_*   matplotlib figures of random data (lines, bars, scatter, histograms, images with
           colour bars, legends, grids, titles) in matplotlib's bundled styles at several DPIs;
  text_*   paragraphs of python3-doc's reStructuredText sources set in Debian's font packages
           (DejaVu, Liberation, Noto, Hack, Fira Code) at several sizes, colours and backgrounds.

Everything is drawn from random.Random(--seed), so the same packages give the same files. No other
documentation set is used: the screen-content evaluation set (tools/make_screen_eval.py) is made
from other programs' documentation, so that evaluation stays independent of training.
Writes OUT/*.png and OUT/SOURCES.tsv (file, size, kind, source, package version, licence).

Needs Debian's chromium-headless-shell python3-doc python3-matplotlib python3-pil fonts-dejavu-core
fonts-dejavu-extra fonts-liberation2 fonts-noto-core fonts-hack fonts-firacode (apt-get install them).
Takes about 2 minutes on 2 cores: 373 images, 28 MiB, with the defaults.

Usage: make_screen_data.py [--out data/screen] [--docs 48] [--plots 120] [--texts 90] [--seed 0]
"""
import argparse
import glob
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image, ImageDraw, ImageFont

DOC_ROOT = "/usr/share/doc/python3-doc/html"
FONT_GLOBS = ["/usr/share/fonts/truetype/dejavu/*.ttf", "/usr/share/fonts/truetype/liberation2/*.ttf",
              "/usr/share/fonts/truetype/noto/NotoSans-*.ttf", "/usr/share/fonts/truetype/noto/NotoSerif-*.ttf",
              "/usr/share/fonts/truetype/noto/NotoSansMono-*.ttf", "/usr/share/fonts/truetype/hack/*.ttf",
              "/usr/share/fonts/truetype/firacode/*.ttf"]
FONT_PACKAGES = {"dejavu": "fonts-dejavu-core", "liberation2": "fonts-liberation2", "noto": "fonts-noto-core",
                 "hack": "fonts-hack", "firacode": "fonts-firacode"}
LICENCES = {"python3-doc": "PSF-2.0 (Python documentation)", "fonts-dejavu-core": "Bitstream Vera / public domain",
            "fonts-liberation2": "OFL-1.1", "fonts-noto-core": "OFL-1.1", "fonts-hack": "MIT / Bitstream Vera",
            "fonts-firacode": "OFL-1.1", "python3-matplotlib": "matplotlib licence (PSF-based); figures of random data"}
MIN_SIDE = 256


def pkg_version(name):
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", name], capture_output=True, text=True).stdout or "?"
    except OSError:
        return "?"


def chromium():
    for exe in ("chromium-headless-shell", "chromium", "chromium-browser"):
        path = shutil.which(exe)
        if path:
            return path
    sys.exit("make_screen_data: chromium-headless-shell not found (apt-get install chromium-headless-shell)")


def busy(a):
    """True when a tile has content: enough non-background pixels (blank page ends are dropped)."""
    g = a.astype(np.int16).mean(axis=2)
    return (np.abs(g - np.median(g)) > 24).mean() > 0.02


def save(out, name, img, rows, kind, source, package):
    w, h = img.size
    img.save(os.path.join(out, name), optimize=True)
    rows.append((name, f"{w}x{h}", kind, source, f"{package} {pkg_version(package)}",
                 LICENCES.get(package, "?")))


def make_docs(out, n, gen, rows):
    pages = sorted(p for p in glob.glob(os.path.join(DOC_ROOT, "**/*.html"), recursive=True)
                   if "/_static/" not in p and "genindex" not in p)
    if not pages:
        sys.exit(f"make_screen_data: no HTML under {DOC_ROOT} (apt-get install python3-doc)")
    exe = chromium()
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n):
            page = gen.choice(pages)
            width = gen.choice([800, 1024, 1280, 1440])
            zoom = gen.choice([1.0, 1.0, 1.25, 1.5, 2.0])
            height = 2400
            shot = os.path.join(tmp, "shot.png")
            cmd = [exe, "--no-sandbox", "--headless", "--disable-gpu", "--hide-scrollbars", "--mute-audio",
                   f"--window-size={width},{height}", f"--force-device-scale-factor={zoom}",
                   f"--screenshot={shot}", "file://" + page]
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60, check=True)
            a = np.asarray(Image.open(shot).convert("RGB"))
            tile_h = gen.choice([384, 512, 640])
            rel = os.path.relpath(page, DOC_ROOT)
            for t, y0 in enumerate(range(0, a.shape[0] - tile_h + 1, tile_h)):
                tile = a[y0:y0 + tile_h]
                if t > 3 or not busy(tile):
                    continue
                save(out, f"doc_{i:03d}_{t}.png", Image.fromarray(tile), rows, "screenshot",
                     f"{rel} window {width}x{height} zoom {zoom} rows {y0}-{y0 + tile_h}", "python3-doc")


def make_plots(out, n, gen, rows):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    styles = ["default", "classic", "ggplot", "bmh", "seaborn-v0_8-whitegrid", "seaborn-v0_8-darkgrid",
              "fivethirtyeight", "grayscale", "dark_background", "Solarize_Light2", "tableau-colorblind10"]
    styles = [s for s in styles if s in plt.style.available]
    for i in range(n):
        rng = np.random.default_rng(gen.randrange(1 << 30))
        style = gen.choice(styles)
        dpi = gen.choice([72, 96, 100, 120, 150])
        w, h = gen.uniform(4.0, 9.0), gen.uniform(3.0, 6.5)
        w, h = max(w, MIN_SIDE / dpi + 0.1), max(h, MIN_SIDE / dpi + 0.1)
        kind = gen.choice(["lines", "bars", "scatter", "hist", "image", "mixed"])
        with plt.style.context(style):
            nx = gen.choice([1, 1, 1, 2])
            fig, axes = plt.subplots(1, nx, figsize=(w, h), dpi=dpi, squeeze=False)
            for ax in axes[0]:
                k = kind if kind != "mixed" else gen.choice(["lines", "bars", "scatter", "hist"])
                series = gen.randint(1, 5)
                if k == "lines":
                    x = np.linspace(0, rng.uniform(1, 100), 200)
                    for s in range(series):
                        ax.plot(x, np.cumsum(rng.normal(size=x.size)) + s * 3, marker=gen.choice(["", "", "o", "s", "^"]),
                                markevery=20, linestyle=gen.choice(["-", "--", ":", "-."]), label=f"series {s + 1}")
                elif k == "bars":
                    cats = [f"c{j}" for j in range(gen.randint(3, 12))]
                    for s in range(series):
                        ax.bar(np.arange(len(cats)) + s * 0.8 / series, rng.uniform(1, 10, len(cats)),
                               width=0.8 / series, label=f"group {s + 1}")
                    ax.set_xticks(np.arange(len(cats)))
                    ax.set_xticklabels(cats)
                elif k == "scatter":
                    for s in range(series):
                        ax.scatter(rng.normal(s, 1, 80), rng.normal(0, 1, 80), s=rng.uniform(5, 60), alpha=0.8,
                                   label=f"set {s + 1}")
                elif k == "hist":
                    for s in range(series):
                        ax.hist(rng.normal(s, 1 + s * 0.3, 500), bins=gen.randint(10, 40), alpha=0.6, label=f"h{s + 1}")
                else:
                    im = ax.imshow(rng.normal(size=(gen.randint(8, 40), gen.randint(8, 40))).cumsum(0),
                                   cmap=gen.choice(["viridis", "magma", "coolwarm", "gray", "jet"]))
                    fig.colorbar(im, ax=ax)
                if k != "image":
                    if gen.random() < 0.7:
                        ax.legend(loc=gen.choice(["best", "upper left", "lower right"]))
                    ax.grid(gen.random() < 0.6)
                ax.set_title(gen.choice(["Throughput", "Loss against step", "Rate–distortion", "Latency (ms)",
                                         "Measured values", "Figure %d" % i]))
                ax.set_xlabel(gen.choice(["time (s)", "step", "bits per pixel", "size", "x"]))
                ax.set_ylabel(gen.choice(["value", "PSNR (dB)", "count", "y", "error"]))
            fig.tight_layout()
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=dpi)
            plt.close(fig)
        img = Image.open(buf).convert("RGB")
        if min(img.size) >= MIN_SIDE:
            save(out, f"plot_{i:03d}.png", img, rows, "figure", f"{kind}, style {style}, {dpi} dpi", "python3-matplotlib")


def make_texts(out, n, gen, rows):
    fonts = sorted(f for g in FONT_GLOBS for f in glob.glob(g))
    if not fonts:
        sys.exit("make_screen_data: no fonts found (apt-get install fonts-dejavu-core fonts-liberation2 ...)")
    sources = sorted(glob.glob(os.path.join(DOC_ROOT, "_sources/**/*.txt"), recursive=True))
    lines = []
    for s in sources[::7]:
        with open(s, encoding="utf-8", errors="replace") as f:
            lines += [l.rstrip() for l in f if l.strip()]
    palettes = [((255, 255, 255), (0, 0, 0)), ((250, 250, 245), (40, 40, 40)), ((30, 30, 30), (220, 220, 220)),
                ((0, 43, 54), (131, 148, 150)), ((255, 255, 224), (0, 0, 128)), ((240, 240, 255), (120, 0, 0))]
    for i in range(n):
        font_path = gen.choice(fonts)
        size = gen.choice([9, 10, 11, 12, 13, 14, 16, 18, 24, 32])
        font = ImageFont.truetype(font_path, size)
        bg, fg = gen.choice(palettes)
        if gen.random() < 0.3:  # a random colour, kept only with enough contrast to the background
            c = tuple(gen.randrange(256) for _ in range(3))
            fg = c if abs(sum(c) - sum(bg)) > 300 else fg
        w, h = gen.choice([(640, 480), (800, 600), (1024, 512), (512, 512)])
        img = Image.new("RGB", (w, h), bg)
        d = ImageDraw.Draw(img)
        y, start = 4, gen.randrange(max(1, len(lines) - 200))
        for line in lines[start:start + 400]:
            if y > h:
                break
            d.text((gen.choice([4, 8, 16]), y), line[:200], font=font, fill=fg)
            y += int(size * gen.choice([1.2, 1.35, 1.5]))
        fam = next((k for k in FONT_PACKAGES if f"/{k}/" in font_path), "dejavu")
        save(out, f"text_{i:03d}.png", img, rows, "text",
             f"{os.path.basename(font_path)} {size}px on {bg}", FONT_PACKAGES[fam])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="data/screen")
    ap.add_argument("--docs", type=int, default=48, help="Chromium page loads (each gives up to 4 tiles)")
    ap.add_argument("--plots", type=int, default=120)
    ap.add_argument("--texts", type=int, default=90)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for f in glob.glob(os.path.join(args.out, "*.png")):
        os.remove(f)
    rows = []
    make_docs(args.out, args.docs, random.Random(args.seed), rows)
    make_plots(args.out, args.plots, random.Random(args.seed + 1), rows)
    make_texts(args.out, args.texts, random.Random(args.seed + 2), rows)
    with open(os.path.join(args.out, "SOURCES.tsv"), "w") as f:
        f.write("file\tsize_wxh\tkind\tsource\tpackage_version\tlicence\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    kinds = {}
    for r in rows:
        kinds[r[2]] = kinds.get(r[2], 0) + 1
    mib = sum(os.path.getsize(os.path.join(args.out, r[0])) for r in rows) / 2 ** 20
    print(f"make_screen_data: {len(rows)} images ({', '.join(f'{v} {k}' for k, v in kinds.items())}), "
          f"{mib:.1f} MiB in {args.out}")


if __name__ == "__main__":
    main()
