#!/usr/bin/env python3
"""Train the hvic hyperprior model: L = D + β_y·R(y|z) + β_z·R(z) with per-sample β levels.

D is MSE per pixel-channel on the 0–255 scale, R in bits per pixel. Each sample draws a
fractional β-level position for y (uniform over the model's levels); 75% of samples use the
same position for z, the rest an independent one, so an encoder can set β_y and β_z apart.
The loss is normalised per sample by β_y (the λ·D + R form of CompressAI, λ = 1/β); with
--level-norm, each sample's loss is further divided by a running mean of the loss at its nearest
β level, so that every level weighs alike in the gradient, as if each had its own model and Adam
(the loss at β 0.7 is ~100× the loss at β 2222 otherwise).

Usage: train.py --data ../shared/data/train --out runs/main [--steps N] [--init CKPT]
Checkpoints every --ckpt-minutes to OUT/ckpt.pt (resumed automatically), log in OUT/log.csv.
The final checkpoint has the conv weights of g_a, h_a and g_s rounded to fp16, as the model
file stores them, so the exported file is exactly the checkpoint's model.
Runs on CUDA when available, and on several processes or GPUs under torchrun
(distributed.py: gradients averaged by DistributedDataParallel, --batch per process).
"""
import os

import cpu_env  # noqa: F401  (sets the CPU kernels before numpy and torch load)

import argparse
import csv
import math
import random
import time

import numpy as np
import torch

from data import load_images, random_batch
from distributed import Context
from hvic_model import CTX_SLICES, DEFAULT_BETAS, HyperpriorModel, ctx_slices_of, permute_y_channels


def rd_terms(model, x, pos_y, pos_z):
    x_hat, lik_y, lik_z = model(x, pos_y, pos_z, training=True)
    npix = x.shape[2] * x.shape[3]
    mse = ((x_hat - x) * 255.0).pow(2).mean(dim=(1, 2, 3))
    r_y = -torch.log2(lik_y).sum(dim=(1, 2, 3)) / npix
    r_z = -torch.log2(lik_z).sum(dim=(1, 2, 3)) / npix
    return mse, r_y, r_z


def rate_terms_ctx(model, x, pos_y, pos_z):
    """rd_terms for --ctx-only: the transforms and h_s are frozen, so only the rate of y under the
    context model depends on the trained weights; D and R(z) are returned as zeros."""
    with torch.no_grad():
        gy = model.gains(model.log_gain_y, pos_y)
        gz = model.gains(model.log_gain_z, pos_z)
        with model.transform_precision(x):
            y = model.g_a(x).float()
        z_hat = torch.round(model.h_a(y) * gz)
        mu_u, ls_u = model.hyper_params(z_hat, gz)
    _, lik_y = model.code_y(y * gy, mu_u, ls_u, gy, training=True)
    npix = x.shape[2] * x.shape[3]
    zero = torch.zeros(x.shape[0], device=x.device)
    return zero, -torch.log2(lik_y).sum(dim=(1, 2, 3)) / npix, zero


def order_y_by_rate(sd, imgs, screen, screen_share, gen, batches=8):
    """sd (a model without context) with its y channels in decreasing order of their mean rate
    over training crops at all β levels, so that the first context slices hold the channels
    that carry most information (as ELIC's uneven slices expect)."""
    model = HyperpriorModel.from_state_dict({k: v.float() for k, v in sd.items()})
    model.eval()
    L = model.betas.numel()
    rate = torch.zeros(model.M, dtype=torch.float64)
    with torch.no_grad():
        for b in range(batches):
            x = random_batch(imgs, 4, 256, gen, screen, screen_share)
            pos = torch.full((4,), (L - 1) * b / (batches - 1))
            _, lik_y, _ = model(x, pos, pos, training=False)
            rate += -torch.log2(lik_y).sum(dim=(0, 2, 3)).double()
    perm = torch.argsort(rate, descending=True)
    share = rate[perm] / rate.sum()
    print("y channels ordered by rate: first 16 carry {:.0%}, first 32 {:.0%}, first 64 {:.0%}".format(
        share[:16].sum().item(), share[:32].sum().item(), share[:64].sum().item()), flush=True)
    return permute_y_channels(sd, perm)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/data/train"))
    ap.add_argument("--out", default="runs/main")
    ap.add_argument("--init", help="start weights from this checkpoint (e.g. exported by a previous run)")
    ap.add_argument("--steps", type=int, default=100000)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--lr-final", type=float, default=3e-5)
    ap.add_argument("--decay-start", type=int, default=None,
                    help="step where cosine decay to --lr-final begins (default: 60%% of --steps)")
    ap.add_argument("--decay-minutes", type=float, default=None,
                    help="with --max-minutes: decay over the last this many minutes of wall time instead of by step")
    ap.add_argument("--betas", type=lambda s: [float(v) for v in s.split(",")], default=list(DEFAULT_BETAS),
                    help="β levels, largest first (default: %(default)s); a checkpoint with other levels is "
                         "resampled onto them (log gains interpolated linearly in log β)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ckpt-minutes", type=float, default=5.0)
    ap.add_argument("--max-minutes", type=float, default=None, help="stop (with a checkpoint) after this wall time")
    ap.add_argument("--data-mib", type=float, default=None, help="load at most this many MiB of images")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--screen", help="folder of screen-content images (tools/train/make_screen_data.py) "
                                     "mixed into the photos")
    ap.add_argument("--screen-share", type=float, default=0.25,
                    help="with --screen: share of crops taken from it (default: %(default)s)")
    ap.add_argument("--level-norm", action="store_true",
                    help="divide each sample's loss by the running mean loss of its nearest β level")
    ap.add_argument("--ctx", action="store_true",
                    help="channel-context entropy model (slices %s); from an --init without one, y's "
                         "channels are first ordered by rate and the context starts at zero" % (CTX_SLICES,))
    ap.add_argument("--ctx-only", action="store_true",
                    help="with --ctx: train only the context networks, on the rate of y (the transforms, "
                         "h_s, gains and density of z stay as initialised; ~4x faster steps)")
    ap.add_argument("--bf16", action="store_true",
                    help="run g_a and g_s under bf16 autocast (entropy path stays fp32) on "
                         "channels-last tensors: on CPUs with AMX, oneDNN then runs the convolutions "
                         "on bf16 tiles without layout reorders (2.2x faster steps here)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    ctx = Context()
    dev = ctx.device
    if ctx.world > 1 and args.ctx_only:
        raise SystemExit("train.py: --ctx-only runs in one process (it does not go through the model's forward)")
    if ctx.world > 1:  # each process its own noise and β positions (crops: gen below)
        torch.manual_seed(args.seed + 1 + ctx.rank)
    os.makedirs(args.out, exist_ok=True)
    ckpt_path = os.path.join(args.out, "ckpt.pt")
    log_path = os.path.join(args.out, "log.csv")

    imgs = load_images(args.data, args.data_mib and args.data_mib * 2**20)
    imgs = [im for im in imgs if min(im.shape[1:]) >= args.crop]
    screen = [im for im in load_images(args.screen) if min(im.shape[1:]) >= args.crop] if args.screen else []
    if args.screen and not screen:
        raise SystemExit(f"train.py: no images of at least {args.crop}² in {args.screen}")

    model = HyperpriorModel(betas=tuple(args.betas), ctx_slices=CTX_SLICES if args.ctx else None).to(dev)
    model.bf16_transforms = args.bf16
    layout = torch.channels_last if args.bf16 else torch.contiguous_format
    model = model.to(memory_format=layout)
    if args.ctx_only and not args.ctx:
        raise SystemExit("train.py: --ctx-only needs --ctx")
    net = ctx.wrap(model)  # the forward pass: DDP averages the gradients across processes
    params = model.ctx.parameters() if args.ctx_only else model.parameters()
    opt = torch.optim.Adam(params, lr=args.lr)
    step = 0
    level_loss = torch.zeros(len(args.betas), device=dev)  # running mean loss per β level, 0 = unseen
    if os.path.exists(ckpt_path) or args.init:
        resume = os.path.exists(ckpt_path)
        ck = torch.load(ckpt_path if resume else args.init, map_location=dev)
        if args.ctx and ctx_slices_of(ck["model"]) is None:
            ck["model"] = order_y_by_rate(ck["model"], [im for im in imgs if min(im.shape[1:]) >= 256],
                                          [im for im in screen if min(im.shape[1:]) >= 256],
                                          args.screen_share, random.Random(args.seed + 7))
        resampled = model.load_resampling_levels(ck["model"])
        if resume:
            opt.load_state_dict(ck["opt"])
            step = ck["step"]
            if ck.get("level_loss") is not None and ck["level_loss"].numel() == level_loss.numel():
                level_loss = ck["level_loss"].to(dev)
            if resampled:  # the gains' Adam moments no longer match their shapes: restart them
                for p in (model.log_gain_y, model.log_gain_z):
                    opt.state.pop(p, None)
        if ctx.main:
            print(f"{'resumed' if resume else 'initialised from'} {ckpt_path if resume else args.init}"
                  f" at step {step}" + (", β levels resampled" if resampled else ""), flush=True)

    if ctx.main:
        print(f"{len(imgs)} training images" + (f" and {len(screen)} screen-content images "
              f"({args.screen_share:.0%} of crops)" if screen else "") + f", device {dev}, threads "
              f"{torch.get_num_threads()}" + (f", {ctx.world} processes" if ctx.world > 1 else ""), flush=True)
    gen = random.Random(args.seed + step + 1000003 * ctx.rank)
    L = model.betas.numel()
    decay_start = args.decay_start if args.decay_start is not None else int(0.6 * args.steps)

    new_log = not os.path.exists(log_path)
    logf = open(log_path, "a", newline="") if ctx.main else None
    log = csv.writer(logf) if ctx.main else None
    if new_log and ctx.main:
        log.writerow(["step", "wall_s", "lr", "loss", "mse", "psnr", "bpp_y", "bpp_z"])
    t_start = time.time()
    t_ckpt = t_start
    t_block = t_start
    acc = np.zeros(5)
    n_acc = 0

    def save():
        if not ctx.main:
            return
        tmp = ckpt_path + ".tmp"
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step,
                    "level_loss": level_loss}, tmp)
        os.replace(tmp, ckpt_path)

    while step < args.steps:
        elapsed = ctx.from_main(time.time() - t_start)  # one clock for every process
        if args.decay_minutes and args.max_minutes:
            left = args.max_minutes - elapsed / 60
            t = min(1.0, max(0.0, 1 - left / args.decay_minutes))
        else:
            t = min(1.0, max(0.0, (step - decay_start) / max(1, args.steps - decay_start)))
        lr = args.lr_final + 0.5 * (args.lr - args.lr_final) * (1 + math.cos(math.pi * t))
        for g in opt.param_groups:
            g["lr"] = lr
        x = random_batch(imgs, args.batch, args.crop, gen, screen, args.screen_share).to(dev).contiguous(memory_format=layout)
        pos_y = torch.rand(args.batch, device=dev) * (L - 1)
        indep = torch.rand(args.batch, device=dev) < 0.25
        pos_z = torch.where(indep, torch.rand(args.batch, device=dev) * (L - 1), pos_y)
        beta_y, beta_z = model.beta_at(pos_y), model.beta_at(pos_z)
        mse, r_y, r_z = rate_terms_ctx(model, x, pos_y, pos_z) if args.ctx_only else rd_terms(net, x, pos_y, pos_z)
        per_sample = (mse + beta_y * r_y + beta_z * r_z) / beta_y
        if args.level_norm:
            with torch.no_grad():
                k = pos_y.round().long()
                for i in range(args.batch):
                    v = per_sample[i].detach()
                    level_loss[k[i]] = v if level_loss[k[i]] == 0 else 0.99 * level_loss[k[i]] + 0.01 * v
                seen = level_loss[level_loss > 0]
                weight = seen.mean() / level_loss[k]
            loss = (per_sample * weight).mean()
        else:
            loss = per_sample.mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.ctx.parameters() if args.ctx_only else model.parameters(), 1.0)
        opt.step()
        step += 1
        psnr = (10 * torch.log10(255.0 ** 2 / mse.clamp_min(1e-6))).mean()
        acc += np.array([loss.item(), mse.mean().item(), psnr.item(), r_y.mean().item(), r_z.mean().item()])
        n_acc += 1
        if step % 50 == 0 and ctx.main:
            a = acc / n_acc
            log.writerow([step, round(time.time() - t_start, 1), f"{lr:.3g}"] + [f"{v:.5g}" for v in a])
            logf.flush()
            print(f"step {step} loss {a[0]:.4f} mse {a[1]:.2f} psnr {a[2]:.2f} bpp_y {a[3]:.4f} bpp_z {a[4]:.4f}"
                  f" lr {lr:.3g} {(time.time() - t_block) / n_acc:.2f}s/step", flush=True)
            acc[:] = 0
            n_acc = 0
            t_block = time.time()
        now = time.time()
        if now - t_ckpt > args.ckpt_minutes * 60:
            save()
            t_ckpt = now
        if args.max_minutes and elapsed > args.max_minutes * 60:
            break
    model.round_f16_weights_()
    if not ctx.replicas_identical(model):
        raise SystemExit(f"train.py: the weights of the {ctx.world} processes differ at step {step}")
    save()
    if ctx.main:
        print(f"saved {ckpt_path} at step {step} (g_a, h_a, g_s conv weights rounded to fp16)"
              + (f"; weights identical on {ctx.world} processes" if ctx.world > 1 else ""), flush=True)
    ctx.close()


if __name__ == "__main__":
    main()
