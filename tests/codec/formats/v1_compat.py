#!/usr/bin/python3
"""Version-1 models keep working (spec/model-format.md §1): the committed small_v1.hvic decodes with
the committed version-1 model small_v1.hvicm, and encoding its source image again with the same
settings gives the same bytes.

Usage: v1_compat.py HVIC TESTIMAGES WORKDIR   Exit 0 pass, 1 fail.
"""
import os
import subprocess
import sys

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    hvic, images, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    model = os.path.join(HERE, "small_v1.hvicm")
    assert open(model, "rb").read()[4] == 1, "small_v1.hvicm is not a version-1 model file"
    png = os.path.join(work, "v1.png")
    subprocess.run([hvic, "decode", os.path.join(HERE, "small_v1.hvic"), "-o", png, "--model", model], check=True)
    size = Image.open(png).size
    fails = 0
    if size != (203, 185):
        print(f"FAIL decoded size {size}, want (203, 185)")
        fails += 1
    out = os.path.join(work, "v1.hvic")
    subprocess.run([hvic, "encode", os.path.join(images, "rd_seeding_203x185.png"), "-o", out, "--model", model,
                    "-q", "50", "--strip"], check=True)
    if open(out, "rb").read() != open(os.path.join(HERE, "small_v1.hvic"), "rb").read():
        print("FAIL re-encoding with the version-1 model gives other bytes than small_v1.hvic")
        fails += 1
    print("PASS" if not fails else f"FAIL: {fails}")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
