"""Tests of the model file exporter/reader and the β-gain mapping (spec/model-format.md).

Run: /usr/bin/python3 -m pytest tests/train
"""
import math
import os
import sys

import numpy as np
import pytest
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools", "train"))

from export import export  # noqa: E402
from hvic_model import HyperpriorModel  # noqa: E402
from modelfile import (GAIN_POS_ONE, ReferenceModel, beta_to_position, exp2_q16,  # noqa: E402
                       interp_log_gain, read_model, write_model)

torch.manual_seed(0)


@pytest.fixture(scope="module")
def small_model_file(tmp_path_factory):
    model = HyperpriorModel(N=16, M=24).eval()
    with torch.no_grad():  # distinct gains per level and channel, as after training
        model.log_gain_y.add_(0.2 * torch.randn_like(model.log_gain_y))
        model.log_gain_z.add_(0.2 * torch.randn_like(model.log_gain_z))
        model.h_a[4].weight.mul_(100.0)  # spread z over many integers, as after training
    gen = torch.Generator().manual_seed(1)
    imgs = [(torch.rand(3, 256, 320, generator=gen) * 255).byte() for _ in range(3)]
    path = str(tmp_path_factory.mktemp("m") / "small.hvicm")
    digest = export(model, path, "test-small", imgs)
    return model, path, digest


def test_write_read_round_trip_exact(tmp_path):
    rng = np.random.default_rng(0)
    tensors = [("a", rng.standard_normal((3, 4)).astype(np.float32)),
               ("b", rng.standard_normal(5).astype(np.float16)),
               ("c", rng.integers(-2**31, 2**31 - 1, (2, 3, 4), dtype=np.int64).astype(np.int32)),
               ("d", rng.integers(-32768, 32767, 7).astype(np.int16)),
               ("e", np.frombuffer(b"id-1", np.uint8))]
    path = str(tmp_path / "t.hvicm")
    digest = write_model(path, tensors)
    back, digest2 = read_model(path)
    assert digest == digest2
    assert list(back) == [n for n, _ in tensors]
    for name, arr in tensors:
        assert back[name].dtype == arr.dtype and np.array_equal(back[name], arr)


def test_damaged_file_rejected(small_model_file, tmp_path):
    _, path, _ = small_model_file
    data = bytearray(open(path, "rb").read())
    for pos in (0, 5, len(data) - 3):
        bad = bytearray(data)
        bad[pos] ^= 0x10
        p = tmp_path / "bad.hvicm"
        p.write_bytes(bytes(bad))
        with pytest.raises(Exception):
            read_model(str(p))


def test_exported_float_parts_match_model(small_model_file):
    model, path, digest = small_model_file
    tensors, d2 = read_model(path)
    assert d2 == digest
    ref = ReferenceModel(tensors)
    x = torch.rand(1, 3, 64, 128)
    with torch.no_grad():
        y_m, y_r = model.g_a(x), ref.g_a(x)
        # f16 weight storage: relative error of a few 1e-3 at most
        assert (y_m - y_r).abs().max() <= 1e-2 * y_m.abs().max()
        xs_m, xs_r = model.g_s(y_m), ref.g_s(y_m)
        assert (xs_m - xs_r).abs().max() <= 1e-2 * xs_m.abs().max() + 1e-4


def test_rounded_model_is_exactly_its_export(tmp_path):
    # train.py ends with round_f16_weights_(): the file's fp16 weights are then the model's
    model = HyperpriorModel(N=16, M=24).eval()
    before = [w.clone() for w in model.f16_weights()]
    model.round_f16_weights_()
    assert any(not torch.equal(a, w) for a, w in zip(before, model.f16_weights()))
    gen = torch.Generator().manual_seed(2)
    path = str(tmp_path / "r.hvicm")
    export(model, path, "test-rounded", [(torch.rand(3, 256, 320, generator=gen) * 255).byte()])
    tensors, _ = read_model(path)
    f16 = [v for v in tensors.values() if v.dtype == np.float16]
    assert len(f16) == len(model.f16_weights())
    for stored, w in zip(f16, model.f16_weights()):
        assert np.array_equal(stored.astype(np.float32), w.detach().numpy())


def test_recon_offsets_follow_spec(small_model_file):
    # spec/model-format.md §3.5, element by element
    _, path, _ = small_model_file
    tensors, _ = read_model(path)
    ref = ReferenceModel(tensors)
    R = tensors["y.recon"].astype(np.int64)
    assert R.shape[:2] == (ref.L, ref.S) and np.abs(R).max() <= 128
    rng = np.random.default_rng(3)
    q = torch.from_numpy(rng.integers(-9, 10, (1, ref.M, 4, 4)))
    idx = torch.from_numpy(rng.integers(0, ref.S, (1, ref.M, 4, 4)))
    mu = torch.from_numpy(rng.integers(-3000, 3000, (1, ref.M, 4, 4)))
    R[:] = rng.integers(-128, 129, R.shape)  # a table with every entry in use
    ref.t["y.recon"] = R.astype(np.int16)
    for p in (0, 1000, GAIN_POS_ONE * (ref.L - 1)):
        got = ref.recon_mu(q, idx, mu, p)
        l = min(p // 4096, ref.L - 2)
        f = p - 4096 * l
        for (i, v), m, s in zip(enumerate(q.flatten().tolist()), mu.flatten().tolist(), idx.flatten().tolist()):
            k = min(abs(v), R.shape[2]) - 1
            off = (R[l, s, k] * (4096 - f) + R[l + 1, s, k] * f + 2048) // 4096
            assert got.flatten()[i].item() == m + (off if v > 0 else -off if v < 0 else 0)


def gains_at(model, level):
    """(gain_z, gain_y) of the float model at a whole β level."""
    pos = torch.tensor([float(level)])
    return model.gains(model.log_gain_z, pos), model.gains(model.log_gain_y, pos)


def assert_int_tracks_float(ref, idx, mu_q8, mu_f, sigma_f, same_idx, mu_tol):
    """The integer parameters (idx, μ_q8) within one scale step and mu_tol (relative) of the float
    ones, and the same scale index for at least a share same_idx of the elements."""
    lmin = int(ref.t["scales.log2_min"][0]) / 65536
    step = int(ref.t["scales.log2_step"][0]) / 65536
    idx_f = ((torch.log2(sigma_f) - lmin) / step).round().clamp(0, ref.S - 1)
    assert (idx - idx_f).abs().max() <= 1
    assert (idx == idx_f).float().mean() > same_idx
    assert (mu_q8.float() / 256 - mu_f).abs().max() < mu_tol * max(1.0, mu_f.abs().max().item())


def test_integer_h_s_tracks_float_h_s(small_model_file):
    model, path, _ = small_model_file
    ref = ReferenceModel(read_model(path)[0])
    p = 3 * GAIN_POS_ONE
    x = torch.rand(1, 3, 128, 128)
    with torch.no_grad():
        gz, gy = gains_at(model, 3)
        z_hat = torch.round(model.h_a(model.g_a(x)) * gz)
        mu_u, ls_u = model.hyper_params(z_hat, gz)
        mu_f, sigma_f = mu_u * gy, torch.exp2(ls_u) * gy
        idx, mu_q8 = ref.h_s(z_hat.long(), p, p)
    assert_int_tracks_float(ref, idx, mu_q8, mu_f, sigma_f, 0.95, 0.02)


def test_integer_h_s_is_deterministic_and_exact_integers(small_model_file):
    _, path, _ = small_model_file
    ref = ReferenceModel(read_model(path)[0])
    z = torch.randint(-20, 21, (1, 16, 3, 5))
    a = ref.h_s(z, 1000, 5000)
    b = ref.h_s(z.clone(), 1000, 5000)
    assert all(torch.equal(u, v) and u.dtype == torch.int64 for u, v in zip(a, b))


def test_gain_interpolation_hits_levels_and_is_exponential():
    rng = np.random.default_rng(2)
    G = torch.from_numpy(rng.integers(-3 * 65536, 3 * 65536, (6, 10))).long()
    for l in range(6):
        assert torch.equal(interp_log_gain(G, l * GAIN_POS_ONE), G[l])
    mid = interp_log_gain(G, 2 * GAIN_POS_ONE + 2048)
    assert torch.all((mid - (G[2] + G[3]) // 2).abs() <= 1)  # midpoint of logs = geometric mean
    table = torch.tensor([round(2 ** (i / 1024) * 2 ** 30) for i in range(1024)], dtype=torch.int64)
    v = torch.arange(-8 * 65536, 8 * 65536, 9973)
    got = exp2_q16(v, table).double() / 65536
    want = torch.pow(2.0, v.double() / 65536)
    assert torch.all((got - want).abs() <= want * 2e-3 + 2 / 65536)
    assert torch.all(got[1:] >= got[:-1])  # monotonic


def test_beta_to_position_is_monotonic_and_inverts_levels():
    betas = [555.6, 285.7, 149.3, 76.9, 40.0, 20.7, 10.7]
    for l, b in enumerate(betas):
        assert beta_to_position(betas, b) == l * GAIN_POS_ONE
    pos = [beta_to_position(betas, b) for b in np.geomspace(1000, 5, 200)]
    assert all(p2 >= p1 for p1, p2 in zip(pos, pos[1:]))
    assert pos[0] == 0 and pos[-1] == 6 * GAIN_POS_ONE
    assert beta_to_position(betas, math.sqrt(555.6 * 285.7)) == GAIN_POS_ONE // 2


def test_resampling_levels_keeps_shared_and_extrapolates_new():
    old = HyperpriorModel(N=16, M=24, betas=(400.0, 100.0, 25.0))
    with torch.no_grad():
        old.log_gain_y.copy_(torch.randn_like(old.log_gain_y))
        old.log_gain_z.copy_(torch.randn_like(old.log_gain_z))
    new = HyperpriorModel(N=16, M=24, betas=(1600.0, 400.0, 200.0, 100.0, 25.0))
    assert new.load_resampling_levels(old.state_dict())
    ly, lo = new.log_gain_y.detach().double(), old.log_gain_y.detach().double()
    for i_new, i_old in ((1, 0), (3, 1), (4, 2)):  # shared β: copied
        assert torch.allclose(ly[i_new], lo[i_old], atol=1e-6)
    # 200 is halfway between 400 and 100 in log β; 1600 is one such step beyond 400
    assert torch.allclose(ly[2], 0.5 * (lo[0] + lo[1]), atol=1e-5)
    assert torch.allclose(ly[0], 2 * lo[0] - lo[1], atol=1e-5)
    assert torch.equal(new.betas, torch.tensor([1600.0, 400.0, 200.0, 100.0, 25.0]))
    same = HyperpriorModel(N=16, M=24, betas=(1600.0, 400.0, 200.0, 100.0, 25.0))
    assert not same.load_resampling_levels(new.state_dict())
    assert torch.equal(same.log_gain_y, new.log_gain_y)


def test_bf16_transforms_keep_entropy_path_fp32_and_track_fp32():
    model = HyperpriorModel(N=32, M=32).eval()
    x = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(2))
    pos = torch.tensor([2.0])
    with torch.no_grad():
        ref = model(x, pos, pos, training=False)
        model.bf16_transforms = True
        out = model(x, pos, pos, training=False)
    assert all(o.dtype == torch.float32 for o in out)
    # bf16 keeps 8 significant bits: x-hat within a few 1e-3 of fp32; the rounded latents may
    # flip where y sits near a rounding boundary, so compare the likelihoods' totals loosely
    assert (out[0] - ref[0]).abs().max().item() < 0.02
    bits = [-torch.log2(t).sum().item() for t in (ref[1], out[1])]
    assert abs(bits[1] - bits[0]) < 0.02 * bits[0]


@pytest.fixture(scope="module")
def ctx_model_file(tmp_path_factory):
    model = HyperpriorModel(N=16, M=24, ctx_slices=(8, 8, 8)).eval()
    with torch.no_grad():
        model.log_gain_y.add_(0.2 * torch.randn_like(model.log_gain_y))
        model.h_a[4].weight.mul_(100.0)
        for net in model.ctx.nets:  # a context that changes the parameters noticeably
            net[4].weight.normal_(0, 0.05)
            net[4].bias.normal_(0, 0.1)
    gen = torch.Generator().manual_seed(2)
    imgs = [(torch.rand(3, 256, 320, generator=gen) * 255).byte() for _ in range(3)]
    path = str(tmp_path_factory.mktemp("c") / "ctx.hvicm")
    export(model, path, "test-ctx", imgs)
    return model, path


def test_context_model_is_version_2_and_v1_stays_1(ctx_model_file, small_model_file):
    assert open(ctx_model_file[1], "rb").read()[4] == 2
    assert open(small_model_file[1], "rb").read()[4] == 1


def test_integer_context_tracks_float_context(ctx_model_file):
    model, path = ctx_model_file
    ref = ReferenceModel(read_model(path)[0])
    assert ref.slices() == [(0, 8), (8, 16), (16, 24)]
    p = 4 * GAIN_POS_ONE
    x = torch.rand(1, 3, 128, 128)
    with torch.no_grad():
        gz, gy = gains_at(model, 4)
        z_hat, q, idx, mu_q8 = ref.quantise(ref.g_a(x), p, p)
        # the float model on the reference's own integers: slice by slice, as code_y
        mu_u, ls_u = model.hyper_params(z_hat.float(), gz)
        y_hat = (q.float() + mu_q8.float() / 256) / gy
        ls_all = ls_u.clone()
        mu_all = mu_u.clone()
        for s, (c0, c1) in enumerate(model.ctx.bounds()):
            if s:
                d = model.ctx.nets[s - 1](torch.cat([y_hat[:, :c0], mu_u[:, c0:c1], ls_u[:, c0:c1]], 1))
                mu_all[:, c0:c1] += d[:, :c1 - c0]
                ls_all[:, c0:c1] += d[:, c1 - c0:]
        mu_f, sigma_f = mu_all * gy, torch.exp2(ls_all) * gy
    assert_int_tracks_float(ref, idx, mu_q8, mu_f, sigma_f, 0.9, 0.03)
    # the context reads the coded integers: other q, other parameters for the later slices
    _, _, mu0 = ref.entropy_params(z_hat, p, p, q=q + 3)
    assert torch.equal(mu0[:, :8], mu_q8[:, :8]) and not torch.equal(mu0[:, 8:], mu_q8[:, 8:])
    # and given q, entropy_params reproduces the encoder's parameters exactly
    q2, idx2, mu2 = ref.entropy_params(z_hat, p, p, q=q.clone())
    assert torch.equal(idx2, idx) and torch.equal(mu2, mu_q8)
