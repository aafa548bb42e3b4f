#!/usr/bin/python3
"""Makes the model-format fixtures of tests/codec/formats (run once; the outputs are committed).

small_v1.hvicm: a version-1 model file (no channel context) with N = M = 16 and seeded random
weights, exported by tools/train/export.py as every model before format version 2 was.
small_v1.hvic: testimages/rd_seeding_203x185.png encoded with it at -q 50 (by the hvic of the commit
that added model format 2, whose encoder writes for version-1 models the bytes it wrote before: the
golden vectors of the run-8 default model, a version-1 file, did not change with it), so that
v1_compat.py checks that later decoders still read both and later encoders still write the same
bytes with a version-1 model.
small_v2.hvicm: a version-2 model (channel context of two slices, spec/model-format.md §3.6) with
N = M = 16, 16 hidden channels in the context network and seeded random weights, the context networks' outputs nonzero, so that the codec's
integer context is checked against the Python reference (ref_match.py) on a model of its own.

Usage: /usr/bin/python3 tests/codec/formats/make_fixtures.py HVIC   (HVIC: the hvic binary to encode with)
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "tools", "train"))

import torch  # noqa: E402

from export import export  # noqa: E402
from hvic_model import HyperpriorModel  # noqa: E402

torch.manual_seed(5)
model = HyperpriorModel(N=16, M=16).eval()
with torch.no_grad():
    model.log_gain_y.add_(0.2 * torch.randn_like(model.log_gain_y))
    model.log_gain_z.add_(0.2 * torch.randn_like(model.log_gain_z))
    model.h_a[4].weight.mul_(100.0)
gen = torch.Generator().manual_seed(6)
imgs = [(torch.rand(3, 256, 320, generator=gen) * 255).byte() for _ in range(3)]
path = os.path.join(HERE, "small_v1.hvicm")
export(model, path, "test-small-v1", imgs)
assert open(path, "rb").read()[4] == 1
img = os.path.join(HERE, "..", "..", "..", "testimages", "rd_seeding_203x185.png")
subprocess.run([sys.argv[1], "encode", img, "-o", os.path.join(HERE, "small_v1.hvic"), "--model", path,
                "-q", "50", "--strip"], check=True)

torch.manual_seed(7)
model = HyperpriorModel(N=16, M=16, ctx_slices=(8, 8), ctx_hidden=16).eval()
with torch.no_grad():
    model.log_gain_y.add_(0.2 * torch.randn_like(model.log_gain_y))
    model.log_gain_z.add_(0.2 * torch.randn_like(model.log_gain_z))
    model.h_a[4].weight.mul_(100.0)
    for net in model.ctx.nets:
        net[4].weight.normal_(0, 0.05)
        net[4].bias.normal_(0, 0.1)
path = os.path.join(HERE, "small_v2.hvicm")
export(model, path, "test-small-v2", imgs)
assert open(path, "rb").read()[4] == 2
