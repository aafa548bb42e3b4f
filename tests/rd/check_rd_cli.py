"""`hvic rd` end to end on 2 small images, 2 beta levels, 2 JPEG qualities;
`hvic bdrate`; tools/rd_plot.py on the outputs.

usage: check_rd_cli.py HVIC_EXE SRCDIR WORKDIR

Checks: the run succeeds; PREFIX-images.csv and the JSON files parse; every
row is sane (bytes > 0, bpp = bytes * 8 / pixels, 0 < bpp < 24,
10 < PSNR < 100 dB, 0 <= MS-SSIM <= 1); the JSON lists are the means of the
CSV; BD-rate lines are printed and match a scipy pchip computation on the
JSON files; with a codec, the beta grid has 2 x 2 points whose per-layer
rates add up to at most the file rate.
When the build has no codec yet (`hvic rd` says so), only the JPEG part is
checked and the hvic BD-rate lines must say n/a.
"""
import csv
import json
import math
import os
import re
import subprocess
import sys

import numpy as np
from scipy.interpolate import PchipInterpolator


def bd_rate(r1, q1, r2, q2):
    o1, o2 = np.argsort(q1), np.argsort(q2)
    p1 = PchipInterpolator(np.asarray(q1)[o1], np.log(r1)[o1])
    p2 = PchipInterpolator(np.asarray(q2)[o2], np.log(r2)[o2])
    lo, hi = max(min(q1), min(q2)), min(max(q1), max(q2))
    if hi <= lo:
        return None
    return (math.exp((p2.integrate(lo, hi) - p1.integrate(lo, hi)) / (hi - lo)) - 1) * 100


def db(m):
    return -10 * math.log10(1 - m)


def printed(out, label):
    m = re.search(re.escape(label) + r"\s+(?:([+-]\d+\.\d+) %|(n/a))", out)
    assert m, f"no line {label!r} in:\n{out}"
    return None if m.group(2) else float(m.group(1))


def main():
    exe, src, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    images = [os.path.join(src, "testimages", n)
              for n in ("rd_seeding_256.png", "rd_seeding_203x185.png")]
    model = os.path.join(src, "models", "default.hvicm")
    sys.path.insert(0, os.path.join(src, "tools", "train"))
    betas = [555.6, 149.3]
    try:
        import modelfile
        t, _ = modelfile.read_model(model)
        lv = [float(b) for b in t["betas"]]
        betas = [lv[0], lv[len(lv) // 2]]
    except Exception as e:  # the model file format may move on; any betas work (clamped)
        print("note: betas not read from the model:", e)
    prefix = os.path.join(work, "t")
    for f in os.listdir(work):
        os.remove(os.path.join(work, f))
    cmd = [exe, "rd"] + images + ["--betas", ",".join(f"{b:g}" for b in betas),
                                  "--jpeg-qualities", "20,80", "--jobs", "2",
                                  "--out", prefix, "--beta-grid"]
    if os.path.exists(model):
        cmd += ["--model", model]
    p = subprocess.run(cmd, capture_output=True, text=True)
    print(p.stdout)
    print(p.stderr, file=sys.stderr)
    assert p.returncode == 0, p.returncode
    codec = "no codec" not in p.stderr

    rows = list(csv.DictReader(open(prefix + "-images.csv")))
    kinds = ["jpeg420", "jpeg444"] + (["hvic"] if codec else [])
    assert len(rows) == 2 * (2 * 2 + (2 + 2 if codec else 0)), len(rows)  # hvic: 2 + 2 grid-only
    for r in rows:
        px = int(r["width"]) * int(r["height"])
        bpp = float(r["bpp"])
        assert int(r["bytes"]) > 0 and abs(bpp - int(r["bytes"]) * 8 / px) < 1e-5, r
        assert 0 < bpp < 24 and 10 < float(r["psnr"]) < 100, r
        assert 0 <= float(r["ms_ssim"]) <= 1, r
        if r["codec"] == "hvic":
            assert float(r["bpp_y"]) + float(r["bpp_z"]) <= bpp + 1e-9, r

    curves = {}
    for k in kinds:
        d = json.load(open(f"{prefix}-{k}.json"))
        res = d["results"]
        assert d["name"] == k and len(res["bpp"]) == 2, d
        assert len(res["encoding_time"]) == len(res["decoding_time"]) == 2
        key = "quality" if k != "hvic" else "beta_y"
        for i, setting in enumerate(res[key]):
            mine = [r for r in rows if r["codec"] == k and
                    float(r["quality" if k != "hvic" else "beta_y"]) == setting and
                    (k != "hvic" or float(r["beta_z"]) == setting)]
            assert len(mine) == 2, (k, setting)
            for col, jkey in (("bpp", "bpp"), ("psnr", "psnr-rgb"), ("ms_ssim", "ms-ssim")):
                mean = sum(float(r[col]) for r in mine) / 2
                assert abs(mean - res[jkey][i]) < 1e-5, (k, col, mean, res[jkey][i])
        curves[k] = res
    if not codec:
        assert not os.path.exists(prefix + "-hvic.json")

    j = curves["jpeg420"]
    for k in ("hvic", "jpeg444"):
        for metric, conv in (("PSNR", lambda v: v), ("MS-SSIM dB", db)):
            got = printed(p.stdout, f"BD-rate {k} vs jpeg420 ({metric}):")
            if k not in curves:
                assert got is None
                continue
            c = curves[k]
            key = "psnr-rgb" if metric == "PSNR" else "ms-ssim"
            want = bd_rate(j["bpp"], [conv(v) for v in j[key]], c["bpp"], [conv(v) for v in c[key]])
            assert (got is None) == (want is None), (k, metric, got, want)
            assert want is None or abs(got - want) < 0.006, (k, metric, got, want)
            print(f"BD-rate {k} vs jpeg420 ({metric}): printed {got}, scipy {want}")

    b = subprocess.run([exe, "bdrate", prefix + "-jpeg420.json", prefix + "-jpeg444.json"],
                       capture_output=True, text=True, check=True).stdout
    assert printed(b, "BD-rate (PSNR):") == printed(p.stdout, "BD-rate jpeg444 vs jpeg420 (PSNR):")
    bad = subprocess.run([exe, "bdrate", prefix + "-images.csv", prefix + "-jpeg444.json"],
                         capture_output=True, text=True)
    assert bad.returncode == 1 and "not a CompressAI" in bad.stderr, bad

    if codec:
        grid = list(csv.DictReader(open(prefix + "-betagrid.csv")))
        assert len(grid) == 4
        for g in grid:
            assert float(g["bpp_y"]) + float(g["bpp_z"]) <= float(g["bpp"]) + 1e-9, g
    plot = os.path.join(src, "tools", "rd_plot.py")
    subprocess.run([sys.executable, plot, "-o", prefix + "-rd.png"] +
                   [f"{prefix}-{k}.json" for k in kinds], check=True)
    if codec:
        subprocess.run([sys.executable, plot, "--beta-grid", prefix + "-betagrid.csv",
                        "-o", prefix + "-grid.png"], check=True)
    print("hvic rd ok" + ("" if codec else " (JPEG only: no codec in this build)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
