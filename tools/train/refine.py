#!/usr/bin/env python3
"""Per-image latent refinement (issue 15's prototype): close the amortization gap of g_a by
optimizing each image's y against the decoder's actual rate-distortion cost.

For an image x at β-level position p (float model of a checkpoint, no channel context):
ẑ = round(h_a(g_a(x))·g_z) and, from h_s(ẑ), the means μ and scales σ of the gained y are held
fixed (Yang, Bamler & Mandt, NeurIPS 2020: refining y alone keeps nearly all of the gain of
refining y and z together). The residual r = y·g_y − μ, in quantization steps, is optimized
with Adam on

    L(r) = MSE(g_s((ρ(r) + μ)/g_y)) on 0..255 + β_y · R(ρ(r)),   R in bits per pixel,

where ρ is stochastic Gumbel annealing (SGA, ibid. §3.2): each element takes its floor or its
ceiling with the probabilities of a tempered softmax over atanh-scaled distances, the Gumbel-
softmax relaxation of that choice at temperature τ; τ is held at --tau for the first
--hold share of the iterations and then decays exponentially to --tau-final. The result is
rounded: q = round(r), what the encoder would code with the same ẑ. Prints, per level, the
bpp and PSNR of the amortized encoder (iteration 0) and of the refined latents, and writes both
RD curves (CompressAI JSON) so `hvic bdrate A.json B.json` gives the BD-rate.

Usage: refine.py CKPT IMAGES... [--levels 2,4,6,8,10] [--iters 150] [--lr 0.005] [--crop 192]
Never tune on Kodak: choose the schedule on training images, then measure on Kodak.
"""
import os

import cpu_env  # noqa: F401  (sets the CPU kernels before numpy and torch load)

import argparse
import json
import math

import numpy as np
import torch

from data import load_image
from hvic_model import HyperpriorModel, gaussian_likelihood


def sga_round(r, tau):
    """Stochastic Gumbel annealing of round(r): floor(r) or floor(r)+1, relaxed (ibid. eq. 6)."""
    lo = torch.floor(r)
    eps = 1e-5
    d_lo = (r - lo).clamp(eps, 1 - eps)  # distance to the floor, in (0, 1)
    logits = torch.stack([-torch.atanh(d_lo), -torch.atanh(1 - d_lo)], dim=-1) / tau
    w = torch.nn.functional.gumbel_softmax(logits, tau=1.0, hard=False)
    return lo + w[..., 1]


def rd_point(model, x, r, mu, sigma, gy, z_bits):
    """(bpp, PSNR) of the hard-rounded residual r (what an encoder codes with this ẑ)."""
    npix = x.shape[2] * x.shape[3]
    with torch.no_grad():
        q = torch.round(r)
        x_hat = model.g_s((q + mu) / gy).clamp(0, 1)
        mse = ((x_hat - x) * 255).pow(2).mean().item()
        bits = -torch.log2(gaussian_likelihood(q, sigma)).sum().item() + z_bits
    return bits / npix, 10 * math.log10(255 ** 2 / mse)


def refine(model, x, pos, iters, lr, tau0, tau1, hold):
    """Amortized and refined (bpp, PSNR) of image x (1×3×H×W on 0..1) at level position pos."""
    p = torch.tensor([float(pos)])
    gy, gz = model.gains(model.log_gain_y, p), model.gains(model.log_gain_z, p)
    beta = model.beta_at(p).item()
    npix = x.shape[2] * x.shape[3]
    with torch.no_grad():
        y = model.g_a(x)
        z_hat = torch.round(model.h_a(y) * gz)
        z_bits = -torch.log2(model.density_z.likelihood(z_hat)).sum().item()
        mu_u, ls_u = model.hyper_params(z_hat, gz)
        mu, sigma = mu_u * gy, torch.exp2(ls_u) * gy
        r0 = y * gy - mu
    start = rd_point(model, x, r0, mu, sigma, gy, z_bits)
    r = r0.clone().requires_grad_(True)
    opt = torch.optim.Adam([r], lr=lr)
    n_hold = int(hold * iters)
    for it in range(iters):
        t = 0.0 if it < n_hold else (it - n_hold) / max(1, iters - n_hold)
        tau = tau0 * (tau1 / tau0) ** t
        r_soft = sga_round(r, tau)
        x_hat = model.g_s((r_soft + mu) / gy)
        mse = ((x_hat - x) * 255).pow(2).mean()
        bpp = -torch.log2(gaussian_likelihood(r_soft, sigma)).sum() / npix
        loss = mse + beta * bpp
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return beta, start, rd_point(model, x, r.detach(), mu, sigma, gy, z_bits)


def curve(name, points):
    """CompressAI-format results: means over images per level (points[level] = [(bpp, psnr)])."""
    levels = sorted(points)
    return {"name": name, "results": {
        "bpp": [float(np.mean([b for b, _ in points[k]])) for k in levels],
        "psnr-rgb": [float(np.mean([p for _, p in points[k]])) for k in levels]}}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("ckpt")
    ap.add_argument("images", nargs="+")
    ap.add_argument("--levels", default="2,4,6,8,10", help="β-level positions (default: %(default)s)")
    ap.add_argument("--iters", type=int, default=150)
    ap.add_argument("--lr", type=float, default=0.005)
    ap.add_argument("--tau", type=float, default=0.5, help="SGA temperature at the start")
    ap.add_argument("--tau-final", type=float, default=0.05)
    ap.add_argument("--hold", type=float, default=0.5, help="share of the iterations at --tau")
    ap.add_argument("--crop", type=int, default=192, help="centre crop (0: the whole image)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="refine", help="writes OUT-amortized.json and OUT-refined.json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    sd = torch.load(args.ckpt, map_location="cpu")["model"]
    model = HyperpriorModel.from_state_dict({k: v.float() for k, v in sd.items()}).eval()
    if model.ctx is not None:
        raise SystemExit("refine.py: models with a channel context are not handled yet")
    for p in model.parameters():
        p.requires_grad_(False)
    before, after = {}, {}
    for path in args.images:
        x = load_image(path).float()[None] / 255.0
        if args.crop:
            _, _, h, w = x.shape
            c = min(args.crop, h, w) // 64 * 64
            x = x[:, :, (h - c) // 2:(h - c) // 2 + c, (w - c) // 2:(w - c) // 2 + c]
        for lv in (float(v) for v in args.levels.split(",")):
            beta, a, b = refine(model, x, lv, args.iters, args.lr, args.tau, args.tau_final, args.hold)
            before.setdefault(lv, []).append(a)
            after.setdefault(lv, []).append(b)
            ca, cb = (255 ** 2 / 10 ** (pt[1] / 10) + beta * pt[0] for pt in (a, b))  # MSE + β·bpp
            print(f"{os.path.basename(path)} level {lv:g} (β {beta:.3g}): amortized {a[0]:.4f} bpp "
                  f"{a[1]:.3f} dB, refined {b[0]:.4f} bpp {b[1]:.3f} dB, RD cost {100 * (cb / ca - 1):+.2f} %",
                  flush=True)
    for tag, pts in (("amortized", before), ("refined", after)):
        with open(f"{args.out}-{tag}.json", "w") as f:
            json.dump(curve(f"hvic {tag}", pts), f, indent=1)
    print(f"wrote {args.out}-amortized.json and {args.out}-refined.json (hvic bdrate A B gives the BD-rate)")


if __name__ == "__main__":
    main()
