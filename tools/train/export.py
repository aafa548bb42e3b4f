#!/usr/bin/env python3
"""Export a training checkpoint to an hvic model file (spec/model-format.md).

The float transforms are stored as f16 weights (f32 biases and GDN parameters); h_s is quantized
after training to the integer network of spec §3.3 (per-output-channel int8-range weights,
activations 0..act_max, requantization by multiply and shift), calibrated on training crops, and
so are the channel-context networks of a model that has them (spec §3.6, model format v2).

Usage: export.py CKPT OUT.hvicm [--id NAME] [--data ../shared/data/train] [--screen data/screen]
                 [--state-dict OUT.pt]

--state-dict also writes the checkpoint's weights as a compact PyTorch state dict (tensors of
more than 1000 elements in f16, no optimizer state) for train.py --init: models/default-train.pt.
"""
import os

import cpu_env  # noqa: F401  (sets the CPU kernels before numpy and torch load)

import argparse
import math
import random

import numpy as np
import torch

from architecture import CONV_KINDS, FILE_TENSORS, FLOAT_TRANSFORMS, INT_CONV_TENSORS, relu_indices
from data import load_images, random_batch
from hvic_model import HyperpriorModel, SCALE_MAX, SCALE_MIN
from modelfile import GAIN_POS_ONE, ReferenceModel, read_model, write_model

N_SCALES = 64
ACT_MAX = 4095
W_MAX = 127
Z_TAIL = 1e-7


def q16(x):
    return np.round(np.asarray(x, dtype=np.float64) * 65536).astype(np.int32)


def float_tensors(model):
    """The float transforms' tensors (spec §3.1) in file order, named by the architecture table:
    per conv or subpel layer weight (f16) and bias (f32), per GDN/IGDN layer its effective beta
    and gamma (f32)."""
    out = []
    for name in FLOAT_TRANSFORMS:
        for i, (layer, module) in enumerate(zip(model.layers[name], getattr(model, name))):
            if layer.kind in CONV_KINDS:
                conv = getattr(module, "conv", module)
                values = (conv.weight.detach().numpy().astype(np.float16),
                          conv.bias.detach().numpy().astype(np.float32))
            elif layer.kind in ("gdn", "igdn"):
                values = tuple(p.detach().numpy().astype(np.float32) for p in module.params())
            else:
                values = ()
            out += [(f"{name}.{i}.{suffix}", v) for suffix, v in zip(FILE_TENSORS[layer.kind], values)]
    return out


def z_tables(model):
    """Per-channel integer frequency tables of the learned density of ẑ (spec §3.4)."""
    d = model.density_z
    C = model.N
    v = torch.arange(-2048, 2049, dtype=torch.float32)
    with torch.no_grad():
        lower = torch.sigmoid(d.cdf_logits((v - 0.5).view(1, 1, -1).repeat(C, 1, 1)))[:, 0]
        upper = torch.sigmoid(d.cdf_logits((v + 0.5).view(1, 1, -1).repeat(C, 1, 1)))[:, 0]
    pmf = (upper - lower).clamp_min(0).double().numpy()
    offs, sizes, freqs = [], [], []
    for c in range(C):
        cdf_hi = upper[c].double().numpy()
        cdf_lo = lower[c].double().numpy()
        lo = int(np.argmax(cdf_hi > Z_TAIL))
        hi = int(len(v) - 1 - np.argmax((1 - cdf_lo)[::-1] > Z_TAIL))
        hi = max(hi, lo)
        p = pmf[c, lo:hi + 1]
        f = np.maximum(1, np.round(p / max(p.sum(), 1e-30) * 65536)).astype(np.int32)
        offs.append(int(v[lo]))
        sizes.append(hi - lo + 1)
        freqs.append(f)
    return (np.array(offs, np.int32), np.array(sizes, np.int32), np.concatenate(freqs))


def calibrate_h_s(model, imgs, n_batches=6):
    """(max |input|, then the 0.99999 quantile of each ReLU's output) of the float h_s over
    training crops at all β levels, in the units of the ungained ẑ."""
    gen = random.Random(1)
    L = model.betas.numel()
    relus = relu_indices(model.layers["h_s"])
    m = [0.0] * (1 + len(relus))
    with torch.no_grad():
        for b in range(n_batches):
            x = random_batch(imgs, 4, 256, gen)
            pos = torch.full((4,), (L - 1) * b / max(1, n_batches - 1))
            gz = model.gains(model.log_gain_z, pos)
            a = z_in = torch.round(model.h_a(model.g_a(x)) * gz) / gz
            m[0] = max(m[0], z_in.abs().max().item())
            for i in range(relus[-1] + 1):
                a = model.h_s[i](a)
                if i in relus:
                    j = 1 + relus.index(i)
                    m[j] = max(m[j], torch.quantile(a.flatten()[::7], 0.99999).item())
    # floors keep the scales finite for a model whose hyper-latents are (nearly) all zero
    return (max(m[0], 1.0),) + tuple(max(v, 1e-3) for v in m[1:])


def quantize_conv(conv, s_in, out_factor):
    """Integer conv with requant: real(acc) = acc·sw[o]·s_in; v = real·out_factor[o] (§3.3)."""
    w = conv.weight.detach().double().numpy()
    b = conv.bias.detach().double().numpy()
    sw = np.abs(w).reshape(w.shape[0], -1).max(axis=1) / W_MAX
    sw = np.maximum(sw, 1e-12)
    wq = np.round(w / sw[:, None, None, None]).astype(np.int16)
    bq = np.round(b / (sw * s_in)).astype(np.int64)
    ratio = sw * s_in * out_factor
    shift = int(np.clip(math.floor(30 - math.log2(ratio.max())), 1, 62))
    mult = np.maximum(1, np.round(ratio * 2.0 ** shift)).astype(np.int64)
    bound = np.abs(bq) + np.abs(wq.astype(np.int64)).reshape(w.shape[0], -1).sum(axis=1) * ACT_MAX
    assert bound.max() < 2 ** 31, "h_s accumulator bound exceeded"
    assert mult.max() < 2 ** 31
    return wq, bq.astype(np.int32), mult.astype(np.int32), np.array([shift], np.int32)


def int_net_tensors(name, layers, modules, scales, out_factor):
    """The integer convolutions name.i of a float network (h_s or a context network, spec §3.3):
    layers its architecture table, modules its nn.Sequential, scales[0] the real value of one unit
    of its integer input and scales[j] that of the activation before its j-th convolution
    (ACT_MAX units = the calibrated maximum), out_factor [Cout] the output units per real unit
    of its last convolution."""
    out = []
    convs = [i for i, layer in enumerate(layers) if layer.kind in CONV_KINDS]
    for j, i in enumerate(convs):
        conv = getattr(modules[i], "conv", modules[i])
        fac = out_factor if j == len(convs) - 1 else np.full(conv.out_channels, 1 / scales[j + 1])
        out += [(f"{name}.{i}.{suffix}", v)
                for suffix, v in zip(INT_CONV_TENSORS, quantize_conv(conv, scales[j], fac))]
    return out


def int_h_s_tensors(model, calib):
    """The integer h_s of spec §3.3 from calib (calibrate_h_s)."""
    scales = [m / ACT_MAX for m in calib]
    M = model.M
    out = [("h_s.in_log2", np.array([round(-math.log2(scales[0]) * 65536)], np.int32)),
           ("h_s.act_max", np.array([ACT_MAX], np.int32))]
    # outputs: μ' in Q8, ln σ' to log2 σ' in Q16
    fac = np.concatenate([np.full(M, 256.0), np.full(M, 65536 / math.log(2))])
    return out + int_net_tensors("h_s", model.layers["h_s"], model.h_s, scales, fac)


def calibrate_ctx(model, imgs, n_batches=6):
    """Per context network s ≥ 1: (max |input|, max of each ReLU's output) of the float
    networks over training crops at all β levels (0.99999 quantiles, as for h_s), recorded by
    hooks on the networks during the model's own forward pass (actual rounding)."""
    gen = random.Random(3)
    L = model.betas.numel()
    relus = [relu_indices(layers) for layers in model.ctx.layers]
    stats = [[0.0] * (1 + len(r)) for r in relus]

    def q(t):
        return torch.quantile(t.flatten()[::7][:2**24].float(), 0.99999).item()

    def hook(i, which):
        def record(module, inputs, output):
            t = inputs[0].abs() if which == 0 else output
            stats[i][which] = max(stats[i][which], q(t))
        return record

    handles = []
    for i, net in enumerate(model.ctx.nets):
        handles.append(net[0].register_forward_hook(hook(i, 0)))
        handles += [net[r].register_forward_hook(hook(i, 1 + j)) for j, r in enumerate(relus[i])]
    with torch.no_grad():
        for b in range(n_batches):
            pos = torch.full((4,), (L - 1) * b / max(1, n_batches - 1))
            model(random_batch(imgs, 4, 256, gen), pos, pos, training=False)
    for h in handles:
        h.remove()
    return [(max(m[0], 1.0),) + tuple(max(v, 1e-3) for v in m[1:]) for m in stats]


def int_ctx_tensors(model, calib):
    """The integer context networks of spec §3.6."""
    out = [("ctx.slices", np.array(model.ctx.slices, np.int32))]
    for s, (net, layers, m) in enumerate(zip(model.ctx.nets, model.ctx.layers, calib), start=1):
        K = model.ctx.slices[s]
        scales = [v / ACT_MAX for v in m]
        out.append((f"ctx.{s}.in_log2", np.array([round(-math.log2(scales[0]) * 65536)], np.int32)))
        fac = np.concatenate([np.full(K, 256.0), np.full(K, 65536.0)])  # Δμ' in Q8, Δlog2 σ' in Q16
        out += int_net_tensors(f"ctx.{s}", layers, net, scales, fac)
    return out


RECON_K = 4
RECON_T = (0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75)
RECON_MIN_COUNT = 50


def recon_table(ref, imgs, n_batches=4, batch=4):
    """y.recon i16 [L][S][RECON_K] (spec §3.5) for the model file of ref.

    Per level, the mean of (y_g − μ − q)·sign(q) over training crops for each scale index and
    |q| = 1..K (|q| ≥ K pooled): the centroid of each quantization bin, in the units of q. g_s
    was trained on ŷ = q + μ and compensates part of that bias, so each level's centroids are
    scaled by the factor in RECON_T that gives the lowest MSE of x̂ on the same crops.
    Bins seen fewer than RECON_MIN_COUNT times get 0."""
    gen = random.Random(2)
    L, S, K = ref.L, ref.S, RECON_K
    table = np.zeros((L, S, K), np.int16)
    with torch.no_grad():
        crops = [random_batch(imgs, batch, 256, gen) for _ in range(n_batches)]
        ys = [ref.g_a(x) for x in crops]
        for lv in range(L):
            p = lv * GAIN_POS_ONE
            _, gy = ref.gain_y(p)
            sums, counts, lat = np.zeros((S, K)), np.zeros((S, K)), []
            for x, y in zip(crops, ys):
                _, q, idx, mu = ref.quantise(y, p, p)
                r = y * (gy.float() / 65536).view(1, -1, 1, 1) - mu.float() / 256
                nz = q != 0
                k = (q.abs().clamp(max=K) - 1)[nz].numpy()
                i = idx[nz].numpy()
                np.add.at(sums, (i, k), ((r - q.float()) * torch.sign(q.float()))[nz].double().numpy())
                np.add.at(counts, (i, k), 1)
                lat.append((x, q, idx, mu))
            centroid = np.where(counts >= RECON_MIN_COUNT, sums / np.maximum(counts, 1), 0.0)
            best = None
            for t in RECON_T:
                tab = np.clip(np.round(256 * t * centroid), -128, 128).astype(np.int16)
                table[lv] = tab
                ref.t["y.recon"] = table
                mse = sum(((ref.synthesise(q, mu, p, idx).clamp(0, 1) - x) ** 2).mean().item()
                          for x, q, idx, mu in lat)
                if best is None or mse < best[0]:
                    best = (mse, t, tab)
            table[lv] = best[2]
            print(f"y.recon level {lv}: factor {best[1]}", flush=True)
    del ref.t["y.recon"]
    return table


def export(model, path, model_id, imgs):
    lmin = math.log2(SCALE_MIN)
    step = (math.log2(SCALE_MAX) - lmin) / (N_SCALES - 1)
    lmin_q, step_q = int(q16(lmin)), int(q16(step))
    sigma = np.array([2.0 ** ((lmin_q + k * step_q) / 65536) for k in range(N_SCALES)], np.float32)
    z_off, z_size, z_freq = z_tables(model)
    tensors = [
        ("arch", np.array([model.N, model.M, model.betas.numel(), N_SCALES], np.int32)),
        ("model.id", np.frombuffer(model_id.encode("ascii"), np.uint8)),
        ("betas", model.betas.numpy().astype(np.float32)),
        ("gain_y.log2", q16(model.log_gain_y.detach().double().numpy() / math.log(2))),
        ("gain_z.log2", q16(model.log_gain_z.detach().double().numpy() / math.log(2))),
        ("exp2.table", np.array([round(2 ** (i / 1024) * 2 ** 30) for i in range(1024)], np.int32)),
        ("scales.log2_min", np.array([lmin_q], np.int32)),
        ("scales.log2_step", np.array([step_q], np.int32)),
        ("scales.sigma", sigma),
        ("z.offset", z_off), ("z.size", z_size), ("z.freq", z_freq),
    ]
    tensors += float_tensors(model)
    tensors += int_h_s_tensors(model, calibrate_h_s(model, imgs))
    if model.ctx is not None:
        tensors += int_ctx_tensors(model, calibrate_ctx(model, imgs))
    tensors.append(("y.recon", recon_table(ReferenceModel(dict(tensors)), imgs)))
    return write_model(path, tensors)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("ckpt")
    ap.add_argument("out")
    ap.add_argument("--id", help="model.id (default hvic-mshp-n128m192, or hvic-ctx5-n128m192 "
                                 "with a channel context of 5 slices)")
    ap.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/data/train"))
    ap.add_argument("--screen", help="screen-content images (train.py --screen) added to the calibration crops "
                                     "of h_s and the reconstruction offsets")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--state-dict", help="also write the weights here, large tensors in f16")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    ck = torch.load(args.ckpt, map_location="cpu")
    model = HyperpriorModel.from_state_dict(ck["model"])
    if args.state_dict:
        sd = {k: v.half() if v.is_floating_point() and v.numel() > 1000 else v for k, v in ck["model"].items()}
        torch.save({"model": sd, "step": ck.get("step", 0)}, args.state_dict)
    model.eval()
    imgs = load_images(args.data, 64 * 2**20) + (load_images(args.screen) if args.screen else [])
    imgs = [im for im in imgs if min(im.shape[1:]) >= 256]
    model_id = args.id or ("hvic-ctx%d-n%dm%d" % (len(model.ctx.slices), model.N, model.M) if model.ctx is not None
                           else "hvic-mshp-n%dm%d" % (model.N, model.M))
    digest = export(model, args.out, model_id, imgs)
    ReferenceModel(read_model(args.out)[0])  # reload check
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes, digest {digest:08x})")


if __name__ == "__main__":
    main()
