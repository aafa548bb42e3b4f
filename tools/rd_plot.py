#!/usr/bin/python3
"""Rate-distortion plots for hvic (matplotlib, Agg backend; /usr/bin/python3).

  rd_plot.py -o OUT.png A.json [B.json ...]
      One PNG with two panels, PSNR vs bpp and MS-SSIM (dB) vs bpp, one curve
      per file. Files are in CompressAI's format:
      {"name": ..., "results": {"bpp": [...], "psnr-rgb": [...],
       "ms-ssim": [...], ...}}  ("psnr" is accepted for "psnr-rgb").
      MS-SSIM in dB is -10 log10(1 - MS-SSIM).

  rd_plot.py --beta-grid GRID.csv -o OUT.png
      The beta_y x beta_z sweep written by `hvic rd --beta-grid`: left, the
      rate carried by each layer (R_y, R_z in bpp) for every grid point;
      right, PSNR vs total bpp with one line per beta_z.
      Needed columns: beta_y, beta_z, bpp_y, bpp_z, bpp, psnr.

Output is small: 1000 x 450 px at dpi 100.
"""
import argparse
import csv
import json
import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def msssim_db(v):
    return math.inf if v >= 1 else -10 * math.log10(1 - v)


def load_curve(path):
    with open(path) as f:
        d = json.load(f)
    r = d["results"]
    bpp = [float(v) for v in r["bpp"]]
    psnr = [float(v) for v in r.get("psnr-rgb", r.get("psnr", []))]
    ms = [msssim_db(float(v)) for v in r.get("ms-ssim", [])]
    name = d.get("name", path)
    order = sorted(range(len(bpp)), key=bpp.__getitem__)
    pick = lambda xs: [xs[i] for i in order] if len(xs) == len(bpp) else []  # noqa: E731
    return name, [bpp[i] for i in order], pick(psnr), pick(ms)


def plot_curves(files, out, xmax=None):
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4.5), dpi=100)
    for path in files:
        name, bpp, psnr, ms = load_curve(path)
        if psnr:
            ax1.plot(bpp, psnr, "o-", ms=3, label=name)
        if ms:
            ax2.plot(bpp, ms, "o-", ms=3, label=name)
    ax1.set(xlabel="bpp", ylabel="PSNR (dB)", title="PSNR (RGB)")
    ax2.set(xlabel="bpp", ylabel="MS-SSIM (dB)", title="MS-SSIM, -10 log10(1 - MS-SSIM)")
    for ax in (ax1, ax2):
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
        if xmax:
            ax.set_xlim(0, xmax)
            ax.autoscale(enable=True, axis="y")
    fig.tight_layout()
    fig.savefig(out, dpi=100)


def plot_beta_grid(path, out):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise SystemExit(f"rd_plot.py: {path}: no rows")
    for r in rows:
        for k in ("beta_y", "beta_z", "bpp_y", "bpp_z", "bpp", "psnr"):
            r[k] = float(r[k])
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4.5), dpi=100)
    labels = [f"{r['beta_y']:g}/{r['beta_z']:g}" for r in rows]
    xs = range(len(rows))
    ax1.bar(xs, [r["bpp_y"] for r in rows], label="R_y (YLAT)")
    ax1.bar(xs, [r["bpp_z"] for r in rows], bottom=[r["bpp_y"] for r in rows],
            label="R_z (ZLAT)")
    ax1.set_xticks(list(xs))
    ax1.set_xticklabels(labels, rotation=90, fontsize=6)
    ax1.set(xlabel="beta_y / beta_z", ylabel="bpp", title="rate per layer")
    ax1.legend(fontsize=8)
    for bz in sorted({r["beta_z"] for r in rows}):
        pts = sorted((r["bpp"], r["psnr"]) for r in rows if r["beta_z"] == bz)
        ax2.plot([p[0] for p in pts], [p[1] for p in pts], "o-", ms=3, label=f"beta_z {bz:g}")
    ax2.set(xlabel="bpp", ylabel="PSNR (dB)", title="PSNR vs rate, one line per beta_z")
    ax2.grid(True, alpha=0.3)
    ax2.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=100)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", help="CompressAI-format JSON files")
    ap.add_argument("-o", "--out", default="rd.png", help="output PNG (default rd.png)")
    ap.add_argument("--beta-grid", metavar="CSV", help="plot a --beta-grid CSV instead")
    ap.add_argument("--xmax", type=float, help="bpp at the right edge (points beyond are cut)")
    a = ap.parse_args(argv)
    if a.beta_grid:
        plot_beta_grid(a.beta_grid, a.out)
    elif a.files:
        plot_curves(a.files, a.out, a.xmax)
    else:
        ap.error("give JSON files or --beta-grid CSV")
    return 0


if __name__ == "__main__":
    sys.exit(main())
