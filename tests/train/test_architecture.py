"""Tests of the architecture table (tools/train/architecture.py): the training model's modules,
the model file's tensor names and the reordering of y's channels follow it.

Run: /usr/bin/python3 -m pytest tests/train
"""
import os
import sys

import numpy as np
import torch

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tools", "train"))

from architecture import FILE_TENSORS, transforms  # noqa: E402
from export import float_tensors, int_h_s_tensors  # noqa: E402
from hvic_model import GDN, HyperpriorModel, SubpelConv, permute_y_channels  # noqa: E402


def assert_module_is(module, layer):
    if layer.kind == "conv":
        assert isinstance(module, torch.nn.Conv2d) and module.stride == (layer.factor,) * 2
        assert module.weight.shape == (layer.cout, layer.cin, layer.k, layer.k)
    elif layer.kind == "subpel":
        assert isinstance(module, SubpelConv) and module.r == layer.factor
        assert module.conv.weight.shape == (layer.factor ** 2 * layer.cout, layer.cin, layer.k, layer.k)
    elif layer.kind in ("gdn", "igdn"):
        assert isinstance(module, GDN) and module.inverse == (layer.kind == "igdn")
        assert module.beta_p.shape == (layer.cin,) and layer.cin == layer.cout
    else:
        assert layer.kind == "relu" and isinstance(module, torch.nn.ReLU)


def test_model_modules_follow_the_table():
    model = HyperpriorModel(N=16, M=24, ctx_slices=(8, 8, 8), ctx_hidden=16)
    for name, layers in transforms(16, 24).items():
        seq = getattr(model, name)
        assert len(seq) == len(layers)
        for module, layer in zip(seq, layers):
            assert_module_is(module, layer)
    assert len(model.ctx.nets) == len(model.ctx.layers) == 2
    for net, layers in zip(model.ctx.nets, model.ctx.layers):
        for module, layer in zip(net, layers):
            assert_module_is(module, layer)
    # each transform chains: a layer's input channels are the previous layer's output channels
    for layers in transforms(128, 192).values():
        assert all(a.cout == b.cin for a, b in zip(layers, layers[1:]))


def test_committed_state_dict_loads():
    sd = torch.load(os.path.join(ROOT, "models", "default-train.pt"), map_location="cpu")["model"]
    model = HyperpriorModel.from_state_dict({k: v.float() for k, v in sd.items()})
    assert list(model.state_dict()) == list(sd)


def test_model_file_names_are_the_spec_names():
    # spec/model-format.md §3.1 and §3.3: names and order of the float transforms and the integer h_s
    model = HyperpriorModel(N=16, M=24)
    gdn_chain = [f"{i}.{s}" for i in range(7) for s in (("weight", "bias") if i % 2 == 0 else ("beta", "gamma"))]
    want = ([f"g_a.{n}" for n in gdn_chain] + [f"h_a.{i}.{s}" for i in (0, 2, 4) for s in ("weight", "bias")]
            + [f"g_s.{n}" for n in gdn_chain])
    got = float_tensors(model)
    assert [n for n, _ in got] == want
    assert [a.dtype for n, a in got if n.endswith(".weight")] == [np.float16] * 11
    assert dict(got)["g_s.0.weight"].shape == (4 * 16, 24, 3, 3)
    want = ["h_s.in_log2", "h_s.act_max"] + [f"h_s.{i}.{s}" for i in (0, 2, 4)
                                             for s in ("weight", "bias", "mult", "shift")]
    got = int_h_s_tensors(model, (1.0, 1.0, 1.0))
    assert [n for n, _ in got] == want
    assert dict(got)["h_s.2.weight"].shape == (4 * 36, 16, 3, 3)
    assert FILE_TENSORS["relu"] == ()


def test_permuting_y_channels_keeps_the_function():
    torch.manual_seed(3)
    model = HyperpriorModel(N=16, M=24).eval()
    perm = torch.randperm(24, generator=torch.Generator().manual_seed(4))
    permuted = HyperpriorModel.from_state_dict(permute_y_channels(model.state_dict(), perm)).eval()
    x = torch.rand(1, 3, 128, 128, generator=torch.Generator().manual_seed(5))
    pos = torch.tensor([4.0])
    with torch.no_grad():
        x_hat, lik_y, lik_z = model(x, pos, pos, training=False)
        x_hat2, lik_y2, lik_z2 = permuted(x, pos, pos, training=False)
        y, y2 = model.g_a(x), permuted.g_a(x)
    assert torch.allclose(y2, y[:, perm], atol=1e-5)
    assert torch.allclose(x_hat2, x_hat, atol=1e-4)
    assert torch.allclose(lik_y2, lik_y[:, perm], atol=1e-4) and torch.allclose(lik_z2, lik_z, atol=1e-4)
