"""tools/train/refine.py, the latent-refinement prototype (issue 15): a few Adam steps with SGA
rounding on a crop of a test image lower the actual RD cost (MSE + β·bpp of the hard-rounded
latents, ẑ fixed) against the amortized encoder, with the committed model.

Run: /usr/bin/python3 -m pytest tests/train
"""
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "train"))

from data import load_image  # noqa: E402
from hvic_model import HyperpriorModel  # noqa: E402
from refine import refine  # noqa: E402

ROOT = os.path.join(HERE, "..", "..")


def test_refinement_lowers_the_rd_cost():
    torch.manual_seed(0)
    sd = torch.load(os.path.join(ROOT, "models", "default-train.pt"))["model"]
    model = HyperpriorModel.from_state_dict({k: v.float() for k, v in sd.items()}).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    x = load_image(os.path.join(ROOT, "testimages", "train_crop_256x192.png")).float()[None] / 255
    x = x[:, :, :128, :128]
    for level in (4.0, 8.0):
        beta, (b0, p0), (b1, p1) = refine(model, x, level, iters=20, lr=0.005, tau0=0.5, tau1=0.05,
                                          hold=0.5)
        cost0 = 255 ** 2 / 10 ** (p0 / 10) + beta * b0
        cost1 = 255 ** 2 / 10 ** (p1 / 10) + beta * b1
        assert cost1 < 0.995 * cost0, (level, (b0, p0), (b1, p1))
