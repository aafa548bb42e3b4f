"""train.py under torchrun: two CPU processes (gloo) train on different crops, and
DistributedDataParallel keeps their weights identical (train.py checks it at the end and
fails otherwise) while the steps do change them.

Run: /usr/bin/python3 -m pytest tests/train
"""
import os
import subprocess
import sys

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "train"))

from hvic_model import HyperpriorModel  # noqa: E402

TRAIN = os.path.join(HERE, "..", "..", "tools", "train", "train.py")


def test_two_processes_keep_identical_weights(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    rng = np.random.default_rng(0)
    for i in range(4):  # distinct images: the two processes see different crops
        Image.fromarray(rng.integers(0, 256, (80, 96, 3), dtype=np.uint8)).save(data / f"{i}.png")
    torch.manual_seed(0)
    init = HyperpriorModel(betas=(40.0, 10.0)).state_dict()
    torch.save({"model": init}, tmp_path / "init.pt")
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           "--redirects", "1", "--tee", "1", "--log_dir", str(tmp_path / "logs"),
           TRAIN, "--data", str(data), "--out", str(out), "--init", str(tmp_path / "init.pt"),
           "--steps", "3", "--batch", "1", "--crop", "64", "--threads", "1", "--betas", "40,10"]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    assert "weights identical on 2 processes" in r.stdout, r.stdout
    assert "device cpu, threads 1, 2 processes" in r.stdout, r.stdout
    ck = torch.load(out / "ckpt.pt")
    assert ck["step"] == 3
    changed = [k for k, v in ck["model"].items() if v.is_floating_point() and not torch.equal(v, init[k])]
    assert "g_a.0.weight" in changed and "g_s.6.conv.weight" in changed, changed
