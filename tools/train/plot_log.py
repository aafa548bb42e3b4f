#!/usr/bin/env python3
"""Plot training logs (log.csv files of train.py, e.g. of successive resumed runs, in order):
loss, PSNR and bpp against step, to a PNG. A dotted line marks where each later log starts.

Usage: plot_log.py LOG.csv [LOG2.csv ...] OUT.png
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    rows, starts = [], []
    for path in sys.argv[1:-1]:
        part = list(csv.DictReader(open(path)))
        if rows and part:
            starts.append(int(part[0]["step"]))
        rows += part
    step = [int(r["step"]) for r in rows]
    fig, ax = plt.subplots(1, 3, figsize=(10, 3), dpi=100)
    ax[0].plot(step, [float(r["loss"]) for r in rows])
    ax[0].set_yscale("log")
    ax[0].set_title("loss (λ·D + R, mean over β)")
    ax[1].plot(step, [float(r["psnr"]) for r in rows])
    ax[1].set_title("training PSNR (dB)")
    ax[2].plot(step, [float(r["bpp_y"]) for r in rows], label="R(y|z)")
    ax[2].plot(step, [float(r["bpp_z"]) for r in rows], label="R(z)")
    ax[2].set_title("rate (bpp)")
    ax[2].legend()
    for a in ax:
        a.set_xlabel("step")
        a.grid(alpha=0.3)
        for s0 in starts:
            a.axvline(s0, color="gray", linestyle=":", linewidth=1)
    fig.tight_layout()
    fig.savefig(sys.argv[-1])


if __name__ == "__main__":
    main()
