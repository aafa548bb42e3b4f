#!/usr/bin/env python3
"""Time the PyTorch forward of a model file (Python reference) on Kodak-sized images, for
comparison with the C codec's bench_codec: median encode (g_a, h_a, h_s) and decode (h_s, g_s)
seconds over the images, with torch.set_num_threads(--threads).

Usage: bench_torch.py MODEL.hvicm [--images DIR] [--limit N] [--threads 2]
"""
import os

import cpu_env  # noqa: F401  (sets the CPU kernels before numpy and torch load)

import argparse
import statistics
import time

import torch

from data import image_files, load_image
from modelfile import GAIN_POS_ONE, ReferenceModel, pad64, read_model


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--images", default=os.path.join(here, "../../../shared/data/kodak"))
    ap.add_argument("--limit", type=int, default=6)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    ref = ReferenceModel(read_model(args.model)[0])
    p = (ref.L // 2) * GAIN_POS_ONE
    enc, dec = [], []
    for f in image_files(args.images)[:args.limit]:
        x = pad64(load_image(f)[None].float() / 255)
        with torch.no_grad():
            t0 = time.perf_counter()
            z_hat, q, idx, mu = ref.analyse(x, p, p)
            t1 = time.perf_counter()
            ref.h_s(z_hat, p, p, q=q)
            ref.synthesise(q, mu, p)
            t2 = time.perf_counter()
        enc.append(t1 - t0)
        dec.append(t2 - t1)
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads, {len(enc)} images: "
          f"median encode {statistics.median(enc):.3f} s, decode {statistics.median(dec):.3f} s")


if __name__ == "__main__":
    main()
