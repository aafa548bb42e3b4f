#!/usr/bin/env python3
"""Golden vectors: SHA-256 of the .hvic files `hvic encode` makes for three test images at three
settings, and of the pixels `hvic decode` gives back. The pixels are those of the fp32 g_s
(HVIC_GS_KERNEL=float; AMX pixels may differ by one level) through OpenBLAS's Haswell sgemm kernels
(OPENBLAS_CORETYPE=Haswell, one thread), which every AVX2 CPU runs: other kernels sum in other
orders and may change a pixel by one level; the .hvic bytes are the same under any of them. The pixel
hashes are those of the Release build (GCC -O2, as tools/setup.sh builds it); other compilers and
optimisation levels may round g_s's floats differently, so sanitizer builds pass --files-only. The
pixels also depend on the CPU's vector width (g_s's Winograd and direct kernels have AVX-512 and AVX2
variants that sum in other orders), so each pixel hash is recorded per family ("avx512", "avx2"),
read from /proc/cpuinfo; a family with no recorded pixels has only its files checked, and says so
(--update on such a CPU adds them, keeping the other family's). Any change of the bitstream or of a decoded pixel fails
the test, so that such a change is always deliberate: after one, regenerate with --update and
commit tests/codec/golden.txt with the change that explains it (a new model changes them all).

Usage: golden.py HVIC MODEL TESTIMAGES WORKDIR [--update | --files-only]   Exit 0 pass, 1 fail.
"""
import hashlib
import os
import subprocess
import sys

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "golden.txt")
IMAGES = ["rd_seeding_203x185.png", "train_crop_256x192.png", "screen/valgrind_core.png"]
SETTINGS = {"q10": ["-q", "10"], "q75": ["-q", "75"], "beta20,200": ["--beta", "20,200"],
            "lossless": ["--lossless"], "e4": ["--max-error", "4"]}  # the last two: pixel coder


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def measure(hvic, model, images, work):
    env = dict(os.environ, HVIC_GS_KERNEL="float", OPENBLAS_CORETYPE="Haswell", OPENBLAS_NUM_THREADS="1")
    rows = []
    for name in IMAGES:
        for setting, args in SETTINGS.items():
            stem = os.path.join(work, name.replace("/", "_") + "." + setting)
            subprocess.run([hvic, "encode", os.path.join(images, name), "-o", stem + ".hvic", "--model", model,
                            "--strip"] + args, check=True, env=env)
            subprocess.run([hvic, "decode", stem + ".hvic", "-o", stem + ".png", "--model", model],
                           check=True, env=env)
            pixels = Image.open(stem + ".png").convert("RGB").tobytes()
            rows.append((name, setting, sha256(open(stem + ".hvic", "rb").read()), sha256(pixels)))
    return rows


def simd_family():
    """"avx512" when the CPU has AVX-512F (the kernels' widest path), else "avx2"."""
    try:
        flags = next((l for l in open("/proc/cpuinfo") if l.startswith("flags")), "").split()
    except OSError:
        flags = []
    return "avx512" if "avx512f" in flags else "avx2"


def read_golden():
    """{(image, setting): (sha(.hvic), {family: sha(pixels)})} from golden.txt, whose lines are
    "image setting sha(.hvic) family=sha(pixels) ..."."""
    out = {}
    if not os.path.exists(GOLDEN):
        return out
    for line in open(GOLDEN):
        if line.startswith("#") or not line.strip():
            continue
        f = line.split()
        out[(f[0], f[1])] = (f[2], dict(kv.split("=", 1) for kv in f[3:]))
    return out


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    hvic, model, images, work = sys.argv[1:5]
    os.makedirs(work, exist_ok=True)
    rows = measure(hvic, model, images, work)
    files_only = sys.argv[5:] == ["--files-only"]
    family = simd_family()
    want = read_golden()
    if sys.argv[5:] == ["--update"]:
        with open(GOLDEN, "w") as f:
            f.write("# image setting sha256(.hvic) family=sha256(decoded RGB, fp32 g_s) ... -- tests/codec/golden.py\n")
            for name, setting, h_file, h_pix in rows:
                old = want.get((name, setting))
                pix = dict(old[1]) if old and old[0] == h_file else {}  # a new bitstream drops the others
                pix[family] = h_pix
                f.write(" ".join([name, setting, h_file] + [f"{k}={v}" for k, v in sorted(pix.items())]) + "\n")
        print(f"wrote {GOLDEN} (pixels for {family})")
        return 0
    fails = 0
    for name, setting, h_file, h_pix in rows:
        w = want.get((name, setting))
        if w is None:
            print(f"FAIL  {name} {setting}: no golden entry")
            fails += 1
            continue
        ref_pix = w[1].get(family)
        check_pix = not files_only and ref_pix is not None
        ok_file, ok_pix = h_file == w[0], not check_pix or h_pix == ref_pix
        why = "not checked" if files_only else f"none recorded for {family}" if ref_pix is None else \
            "=" if ok_pix else "CHANGED"
        print(f"{'ok  ' if ok_file and ok_pix else 'FAIL'}  {name} {setting}: file {'=' if ok_file else 'CHANGED'}"
              f", pixels ({family}) {why}")
        fails += not (ok_file and ok_pix)
    print("PASS" if not fails else f"FAIL: {fails} (a deliberate change? regenerate with --update)")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
