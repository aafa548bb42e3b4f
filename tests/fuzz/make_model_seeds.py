#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_model (tests/fuzz/corpus/model/).

A model of the smallest shapes the format allows (N = M = 16, 2 β levels), its float weights zeroed
so that the files stay small in git: as an uncompressed payload (first byte 1, the harness wraps it
in a file) and as a whole file (first byte 0), plus the first 64 bytes of the default model.
Deterministic (torch.manual_seed(0)). Run from anywhere: /usr/bin/python3 tests/fuzz/make_model_seeds.py
"""
import os
import sys

import numpy as np
import torch
import zstandard

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tools", "train"))
from export import export  # noqa: E402
from hvic_model import HyperpriorModel  # noqa: E402
from modelfile import read_model, write_model  # noqa: E402


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    out = os.path.join(ROOT, "tests", "fuzz", "corpus", "model")
    os.makedirs(out, exist_ok=True)
    tmp = os.path.join(out, ".tiny.hvicm")
    model = HyperpriorModel(N=16, M=16, betas=(100.0, 10.0)).eval()
    x = torch.linspace(0, 255, 3 * 256 * 256).reshape(3, 256, 256).to(torch.uint8)
    export(model, tmp, "fuzz-tiny-n16m16", [x] * 4)
    tensors, _ = read_model(tmp)
    for name, arr in tensors.items():
        if arr.dtype in (np.float16, np.float32) and name.endswith(".weight"):
            tensors[name] = np.zeros_like(arr)
    write_model(tmp, list(tensors.items()))
    data = open(tmp, "rb").read()
    os.remove(tmp)
    payload = zstandard.ZstdDecompressor().decompress(data[20:])
    seeds = {
        "tiny_payload": b"\x01" + payload,
        "tiny_file": b"\x00" + data,
        "default_head": b"\x00" + open(os.path.join(ROOT, "models", "default.hvicm"), "rb").read(64),
    }
    for name, blob in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(blob)
        print(f"{name}: {len(blob)} bytes")


if __name__ == "__main__":
    main()
