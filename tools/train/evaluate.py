#!/usr/bin/env python3
"""Evaluate an exported hvic model file on an image folder (Kodak) with the Python reference.

For each β level: bpp from the likelihoods of the rounded latents with the integer h_s
(the codec's entropy model: quantized scale table, fixed-point means) and with the float h_s
of the checkpoint (if --ckpt is given), PSNR-RGB and MS-SSIM of the reconstruction.
Writes a JSON in CompressAI's results format with --json.

Usage: evaluate.py MODEL.hvicm [--ckpt CKPT] [--images ../shared/data/kodak] [--json OUT]
"""
import os

import cpu_env  # noqa: F401  (sets the CPU kernels before numpy and torch load)

import argparse
import json

import numpy as np
import torch

from data import image_files, load_image
from hvic_model import HyperpriorModel, gaussian_likelihood
from metrics import ms_ssim, psnr
from modelfile import GAIN_POS_ONE, ReferenceModel, pad64, read_model


def float_bits(model, x, level):
    """Bits of y and z under the float checkpoint's entropy model (actual rounding)."""
    pos = torch.tensor([float(level)])
    with torch.no_grad():
        _, lik_y, lik_z = model(x, pos, pos, training=False)
    return -torch.log2(lik_y).sum().item(), -torch.log2(lik_z).sum().item()


def int_bits(ref, q, idx):
    sigma = torch.from_numpy(ref.t["scales.sigma"].astype(np.float32))[idx]
    return -torch.log2(gaussian_likelihood(q.float(), sigma)).sum().item()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("model")
    ap.add_argument("--ckpt")
    ap.add_argument("--images", default=os.path.join(here, "../../../shared/data/kodak"))
    ap.add_argument("--levels", help="comma-separated level indices (default: all)")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N images")
    ap.add_argument("--json")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    tensors, digest = read_model(args.model)
    ref = ReferenceModel(tensors)
    model = None
    if args.ckpt:
        model = HyperpriorModel.from_state_dict(torch.load(args.ckpt, map_location="cpu")["model"])
        model.eval()
    levels = [int(v) for v in args.levels.split(",")] if args.levels else list(range(ref.L))
    files = image_files(args.images)
    if args.limit:
        files = files[:args.limit]
    rows = {lv: [] for lv in levels}
    for f in files:
        im = load_image(f)
        img = im.permute(1, 2, 0).contiguous().numpy()  # H×W×3 for the metrics
        h, w, _ = img.shape
        x = pad64(im[None].float() / 255)
        for lv in levels:
            p = lv * GAIN_POS_ONE
            with torch.no_grad():
                z_hat, q, idx, mu = ref.analyse(x, p, p)
                x_hat = ref.synthesise(q, mu, p, idx)
            rec = (x_hat[0, :, :h, :w].clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy()
            by = int_bits(ref, q, idx)
            bz = ref.z_likelihood_bits(z_hat)
            r = {"bpp": (by + bz) / (h * w), "bpp_y": by / (h * w), "bpp_z": bz / (h * w),
                 "psnr": psnr(img, rec), "ms_ssim": ms_ssim(img, rec)}
            if model is not None:
                fy, fz = float_bits(model, x, lv)
                r["bpp_float"] = (fy + fz) / (h * w)
                with torch.no_grad():  # checkpoint's f32 g_s on the same ŷ as the file's f16 g_s
                    x_ck = model.g_s(ref.y_hat(q, mu, p, idx))
                rec_ck = (x_ck[0, :, :h, :w].clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy()
                r["dpsnr_export"] = abs(psnr(img, rec) - psnr(img, rec_ck))
            rows[lv].append(r)
        print(os.path.basename(f), " ".join(f"{rows[lv][-1]['bpp']:.3f}/{rows[lv][-1]['psnr']:.2f}" for lv in levels),
              flush=True)
    results = {"bpp": [], "psnr-rgb": [], "ms-ssim": []}
    print("| level | β | bpp | bpp_y | bpp_z | PSNR-RGB (dB) | MS-SSIM | int h_s rate vs float |")
    print("|---|---|---|---|---|---|---|---|")
    for lv in levels:
        m = {k: float(np.mean([r[k] for r in rows[lv]])) for k in rows[lv][0]}
        ratio = f"{m['bpp'] / m['bpp_float'] - 1:+.2%}" if "bpp_float" in m else "-"
        print(f"| {lv} | {ref.betas[lv]:.1f} | {m['bpp']:.4f} | {m['bpp_y']:.4f} | {m['bpp_z']:.4f} | "
              f"{m['psnr']:.2f} | {m['ms_ssim']:.4f} | {ratio} |")
        results["bpp"].append(m["bpp"])
        results["psnr-rgb"].append(m["psnr"])
        results["ms-ssim"].append(m["ms_ssim"])
    if model is not None:
        d = [r["dpsnr_export"] for lv in levels for r in rows[lv]]
        print(f"exported g_s (fp16 weights) vs checkpoint g_s on the same latents: mean |ΔPSNR| {np.mean(d):.5f} dB, "
              f"max {np.max(d):.5f} dB")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"name": f"hvic ({os.path.basename(args.model)}, Python reference)",
                       "description": f"digest {digest:08x}, {len(files)} images", "results": results}, fh, indent=1)


if __name__ == "__main__":
    main()
