"""`hvic rd` end to end on 2 small images; `hvic bdrate`; tools/rd_plot.py.

usage: check_rd_cli.py HVIC_EXE SRCDIR WORKDIR

With the model models/default.hvicm of the source tree (the codec mode):
- `hvic rd` at 2 betas (the model's first and middle level), 2 JPEG
  qualities, --jobs 2, --beta-grid, --model: every CSV row is sane
  (bytes > 0, bpp = bytes * 8 / pixels, 0 < bpp < 24, MS-SSIM in 0..1,
  PSNR 10..100 dB for JPEG and 8..100 dB for hvic: the development model is
  barely trained and gives 10.6..21 dB on these images);
- hvic rows: bytes = bytes_y + bytes_z + the container overhead of
  spec/container.md (74 + length of the model id), bpp_y/bpp_z match
  bytes_y/bytes_z; bpp (and bpp_y) grow as beta falls, per image, and the
  mean PSNR grows; in the beta grid bpp_y grows as beta_y falls at each
  beta_z and bpp_z does not fall as beta_z falls;
- the same bytes, YLAT/ZLAT sizes and PSNR as `hvic encode --beta BY,BZ`,
  `hvic info`, `hvic decode` and numpy (beta_y and beta_z not swapped);
- the JSON lists and the grid CSV are the means of the CSV rows;
- BD-rate lines match a scipy pchip computation on the JSON files, and say
  n/a ("do not overlap") exactly when the quality ranges do not overlap (the
  case with the development model: hvic ~10-21 dB, JPEG ~29-42 dB);
- the default model (HVIC_MODEL, no --model) gives the same result; a
  missing or damaged model is an error;
- the pixel coder's curve (--pixel-errors 2,8; it needs no model) stays
  within the PSNR its max error guarantees and shrinks as the error grows;
  with --coder auto, every hvic-auto file is no larger and no worse than the
  model's at the same beta.
Without that model file, `hvic rd` without --betas must run the JPEG
baseline only, and the JPEG part is checked (exit 77, skipped, if a default
model is found elsewhere, e.g. installed).
"""
import csv
import json
import math
import os
import re
import subprocess
import sys

import numpy as np
from PIL import Image
from scipy.interpolate import PchipInterpolator


def bd_rate(r1, q1, r2, q2):
    lo, hi = max(min(q1), min(q2)), min(max(q1), max(q2))
    if hi <= lo:
        return None
    o1, o2 = np.argsort(q1), np.argsort(q2)
    p1 = PchipInterpolator(np.asarray(q1)[o1], np.log(r1)[o1])
    p2 = PchipInterpolator(np.asarray(q2)[o2], np.log(r2)[o2])
    return (math.exp((p2.integrate(lo, hi) - p1.integrate(lo, hi)) / (hi - lo)) - 1) * 100


def db(m):
    return -10 * math.log10(1 - m)


def printed(out, label):
    """The value of line LABEL: a float, or None for "n/a (reason)"."""
    m = re.search(re.escape(label) + r"\s+(?:([+-]\d+\.\d+) %|n/a \(([^)]*)\))", out)
    assert m, f"no line {label!r} in:\n{out}"
    return (None, m.group(2)) if m.group(2) is not None else (float(m.group(1)), None)


def run(cmd, env=None, rc=0):
    e = dict(os.environ)
    e.pop("HVIC_MODEL", None)
    e.update(env or {})
    p = subprocess.run(cmd, capture_output=True, text=True, env=e)
    if p.returncode != rc:
        print(p.stdout)
        print(p.stderr, file=sys.stderr)
        raise AssertionError(f"{cmd}: exit {p.returncode}, want {rc}")
    return p


def close(a, b, tol):
    return abs(a - b) <= tol


def psnr(a_path, b_path):
    a = np.asarray(Image.open(a_path).convert("RGB"), dtype=np.float64)
    b = np.asarray(Image.open(b_path).convert("RGB"), dtype=np.float64)
    return 10 * math.log10(255.0 ** 2 / np.mean((a - b) ** 2))


def model_betas(src, model):
    sys.path.insert(0, os.path.join(src, "tools", "train"))
    try:
        import modelfile
        t, _ = modelfile.read_model(model)
        lv = [float(b) for b in t["betas"]]
        return [lv[0], lv[len(lv) // 2]]
    except Exception as e:  # the model file format may move on; any betas work (clamped)
        print("note: betas not read from the model:", e)
        return [555.6, 76.9]


def main():
    exe, src, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    for f in os.listdir(work):
        os.remove(os.path.join(work, f))
    images = [os.path.join(src, "testimages", n)
              for n in ("rd_seeding_256.png", "rd_seeding_203x185.png")]
    model = os.path.join(src, "models", "default.hvicm")
    codec = os.path.exists(model)
    prefix = os.path.join(work, "t")
    cmd = [exe, "rd"] + images + ["--jpeg-qualities", "20,80", "--jobs", "2", "--out", prefix,
                                  "--pixel-errors", "2,8"]
    if codec:
        betas = [float(f"{b:g}") for b in model_betas(src, model)]
        cmd += ["--betas", ",".join(f"{b:g}" for b in betas), "--beta-grid", "--model", model,
                "--coder", "auto"]
    p = run(cmd)
    print(p.stdout)
    print(p.stderr, file=sys.stderr)
    if not codec:
        if "JPEG baseline only" not in p.stderr:
            print("skipped: no models/default.hvicm, but a default model elsewhere")
            return 77
        betas = []

    rows = list(csv.DictReader(open(prefix + "-images.csv")))
    kinds = ["jpeg420", "jpeg444"] + (["hvic"] if codec else [])
    # JPEG 2 x 2, pixel 2; hvic 2 + 2 grid-only, hvic-auto 2
    assert len(rows) == 2 * (2 * 2 + 2 + (2 + 2 + 2 if codec else 0)), len(rows)
    for r in rows:
        px = int(r["width"]) * int(r["height"])
        bpp, ms = float(r["bpp"]), float(r["ms_ssim"])
        assert int(r["bytes"]) > 0 and close(bpp, int(r["bytes"]) * 8 / px, 1e-5), r
        assert 0 < bpp < 24 and 0 <= ms <= 1 and close(float(r["ms_ssim_db"]), db(ms), 1e-5), r
        assert float(r["enc_s"]) > 0 and float(r["dec_s"]) > 0, r
        lo = 8 if r["codec"] in ("hvic", "hvic-auto") else 10
        assert lo < float(r["psnr"]) < 100, r
        if r["codec"] not in ("hvic", "hvic-auto"):
            assert r["bytes_y"] == r["bytes_z"] == r["bpp_y"] == r["bpp_z"] == "", r
    check_pixel(rows, images, prefix)

    curves = {}
    for k in kinds:
        d = json.load(open(f"{prefix}-{k}.json"))
        res = d["results"]
        n = len(betas) if k == "hvic" else 2
        assert d["name"] == k and len(res["bpp"]) == n, d
        key = "beta_y" if k == "hvic" else "quality"
        for i, setting in enumerate(res[key]):
            mine = [r for r in rows if r["codec"] == k and float(r[key]) == setting and
                    (k != "hvic" or float(r["beta_z"]) == setting)]
            assert len(mine) == 2, (k, setting)
            for col, jkey, tol in (("bpp", "bpp", 1e-5), ("psnr", "psnr-rgb", 1e-5),
                                   ("ms_ssim", "ms-ssim", 1e-7), ("enc_s", "encoding_time", 1e-6),
                                   ("dec_s", "decoding_time", 1e-6)):
                mean = sum(float(r[col]) for r in mine) / 2
                assert close(mean, res[jkey][i], tol), (k, col, mean, res[jkey][i])
            if k == "hvic":
                assert res["beta_z"][i] == setting
        curves[k] = res
    if not codec:
        assert not os.path.exists(prefix + "-hvic.json")

    if codec:
        check_hvic(exe, src, work, images, model, betas, rows, curves["hvic"], prefix)

    j = curves["jpeg420"]
    for k in ("hvic", "jpeg444"):
        for metric, conv in (("PSNR", lambda v: v), ("MS-SSIM dB", db)):
            got, why = printed(p.stdout, f"BD-rate {k} vs jpeg420 ({metric}):")
            if k not in curves:
                assert got is None
                continue
            c = curves[k]
            key = "psnr-rgb" if metric == "PSNR" else "ms-ssim"
            want = bd_rate(j["bpp"], [conv(v) for v in j[key]], c["bpp"], [conv(v) for v in c[key]])
            if want is None:  # n/a only because the ranges really do not overlap
                assert got is None and why.startswith("quality ranges do not overlap"), (k, why)
            else:
                assert got is not None and abs(got - want) < 0.006, (k, metric, got, want)
            print(f"BD-rate {k} vs jpeg420 ({metric}): printed {got} ({why}), scipy {want}")

    b = run([exe, "bdrate", prefix + "-jpeg420.json", prefix + "-jpeg444.json"]).stdout
    assert printed(b, "BD-rate (PSNR):")[0] == \
        printed(p.stdout, "BD-rate jpeg444 vs jpeg420 (PSNR):")[0]
    bad = run([exe, "bdrate", prefix + "-images.csv", prefix + "-jpeg444.json"], rc=1)
    assert "not a CompressAI" in bad.stderr, bad

    plot = os.path.join(src, "tools", "rd_plot.py")
    subprocess.run([sys.executable, plot, "-o", prefix + "-rd.png"] +
                   [f"{prefix}-{k}.json" for k in kinds], check=True)
    if codec:
        subprocess.run([sys.executable, plot, "--beta-grid", prefix + "-betagrid.csv",
                        "-o", prefix + "-grid.png"], check=True)
    print("hvic rd ok" + ("" if codec else " (JPEG only: no model in the tree)"))
    return 0


def check_pixel(rows, images, prefix):
    px = {(r["image"], int(r["quality"])): r for r in rows if r["codec"] == "hvic-pixel"}
    assert len(px) == 4, px
    for img in images:
        for k in (2, 8):  # every sample within k: MSE <= k^2
            assert float(px[img, k]["psnr"]) >= 20 * math.log10(255 / k) - 1e-9, px[img, k]
        assert int(px[img, 8]["bytes"]) < int(px[img, 2]["bytes"]), img
    d = json.load(open(prefix + "-hvic-pixel.json"))
    assert d["name"] == "hvic-pixel" and d["results"]["max_error"] == [2, 8], d


def check_hvic(exe, src, work, images, model, betas, rows, hv, prefix):
    b0, b1 = betas  # b0 > b1: b1 codes more bits
    assert b0 > b1, betas

    def row(img, by, bz):
        m = [r for r in rows if r["codec"] == "hvic" and r["image"] == img and
             float(r["beta_y"]) == by and float(r["beta_z"]) == bz]
        assert len(m) == 1, (img, by, bz)
        return m[0]

    # The container overhead from the file itself, and the model id.
    desc = json.load(open(prefix + "-hvic.json"))["description"]
    model_id = re.match(r"hvic, model ([A-Za-z0-9._-]+);", desc).group(1)
    overhead = 8 + 16 + len(model_id) + 14 * 2 + 2 + 8 * 2 + 4  # spec/container.md
    for r in rows:
        if r["codec"] != "hvic":
            continue
        px = int(r["width"]) * int(r["height"])
        by, bz = int(r["bytes_y"]), int(r["bytes_z"])
        assert by > 0 and bz >= 0, r
        assert int(r["bytes"]) == by + bz + overhead, (r, overhead)
        assert close(float(r["bpp_y"]), by * 8 / px, 1e-5), r
        assert close(float(r["bpp_z"]), bz * 8 / px, 1e-5), r

    # Rate grows as beta falls; so does quality (mean over the images).
    for img in images:
        lo, hi = row(img, b0, b0), row(img, b1, b1)
        assert int(hi["bytes"]) > int(lo["bytes"]), (lo, hi)
        assert int(hi["bytes_y"]) > int(lo["bytes_y"]), (lo, hi)
        assert int(hi["bytes_z"]) >= int(lo["bytes_z"]), (lo, hi)
    i0, i1 = hv["beta_y"].index(b0), hv["beta_y"].index(b1)
    assert hv["bpp"][i1] > hv["bpp"][i0] and hv["psnr-rgb"][i1] > hv["psnr-rgb"][i0], hv

    # --coder auto: never larger nor worse than the model alone.
    for r in rows:
        if r["codec"] != "hvic-auto":
            continue
        m = row(r["image"], float(r["beta_y"]), float(r["beta_z"]))
        assert int(r["bytes"]) <= int(m["bytes"]) and float(r["psnr"]) >= float(m["psnr"]) - 1e-9, (r, m)

    # Beta grid: 2 x 2 means of the CSV rows; each layer's rate follows its beta.
    grid = list(csv.DictReader(open(prefix + "-betagrid.csv")))
    assert len(grid) == 4 and {(float(g["beta_y"]), float(g["beta_z"])) for g in grid} == \
        {(by, bz) for by in betas for bz in betas}, grid
    g = {(float(x["beta_y"]), float(x["beta_z"])): x for x in grid}
    for (by, bz), x in g.items():
        mine = [row(img, by, bz) for img in images]
        for col in ("bpp", "bpp_y", "bpp_z", "psnr"):
            mean = sum(float(r[col]) for r in mine) / 2
            assert close(float(x[col]), mean, 1e-5), (by, bz, col, mean, x)
        assert float(x["bpp_y"]) + float(x["bpp_z"]) < float(x["bpp"]), x
    for b in betas:
        assert float(g[b1, b]["bpp_y"]) > float(g[b0, b]["bpp_y"]), g
        assert float(g[b, b1]["bpp_z"]) >= float(g[b, b0]["bpp_z"]), g

    # The same as the hvic tool: bytes, chunk sizes, header betas (which
    # tells beta_y from beta_z), decoded PSNR. The smaller image: quicker.
    img, by, bz = images[1], b0, b1
    r = row(img, by, bz)
    out = os.path.join(work, "x.hvic")
    png = os.path.join(work, "x.png")
    run([exe, "encode", img, "--beta", f"{by:g},{bz:g}", "--model", model, "-o", out])
    assert os.path.getsize(out) == int(r["bytes"]), (img, os.path.getsize(out), r)
    info = run([exe, "info", out]).stdout
    assert re.search(r"ZLAT\s+%s bytes" % r["bytes_z"], info), info
    assert re.search(r"YLAT\s+%s bytes" % r["bytes_y"], info), info
    assert re.search(r"layer z: .* beta %g," % bz, info), info
    assert re.search(r"layer y: .* beta %g," % by, info), info
    assert f"model:       {model_id} " in info, info
    run([exe, "decode", out, "--model", model, "-o", png])
    got = psnr(img, png)
    assert close(got, float(r["psnr"]), 1e-5), (img, got, r["psnr"])

    # The hvic JSON reads back; a curve against itself is 0.
    s = run([exe, "bdrate", prefix + "-hvic.json", prefix + "-hvic.json"]).stdout
    assert printed(s, "BD-rate (PSNR):")[0] == 0.0 and "BD-PSNR:" in s, s

    # The default model (HVIC_MODEL) instead of --model: the same point.
    u = os.path.join(work, "u")
    run([exe, "rd", images[1], "--betas", f"{b0:g}", "--jpeg-qualities", "50", "--out", u],
        env={"HVIC_MODEL": model})
    (ur,) = [r for r in csv.DictReader(open(u + "-images.csv")) if r["codec"] == "hvic"]
    ref = row(images[1], b0, b0)
    for col in ("bytes", "bytes_y", "bytes_z", "psnr", "ms_ssim"):
        assert ur[col] == ref[col], (col, ur, ref)

    # A missing or damaged model is an error (before any coding).
    nothing = os.path.join(work, "no-such-model.hvicm")
    e = run([exe, "rd", images[0], "--model", nothing, "--out", u], rc=1)
    assert nothing in e.stderr, e.stderr
    e = run([exe, "rd", images[0], "--out", u], env={"HVIC_MODEL": nothing}, rc=1)
    assert nothing in e.stderr, e.stderr
    e = run([exe, "rd", images[0], "--model", images[0], "--out", u], rc=1)
    assert "model" in e.stderr, e.stderr
    print(f"hvic checks ok: model {model_id}, betas {betas}, overhead {overhead} bytes")


if __name__ == "__main__":
    sys.exit(main())
