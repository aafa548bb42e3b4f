"""Compare the C PSNR / MS-SSIM (codec/common/psnr.c, tools/imageio/ms_ssim.c) and the C JPEG baseline
(tools/rd/jpeg_rd.c) with independent Python implementations.

usage: check_metrics.py TEST_METRICS_EXE WORKDIR SRCDIR IMAGE.png...

Runs `TEST_METRICS_EXE --dump WORKDIR IMAGE...`, then for each line of
WORKDIR/metrics.tsv recomputes PSNR and MS-SSIM with tools/train/metrics.py
(agreement: 1e-4 dB, 1e-4), and checks every JPEG the C code wrote: PIL
decodes it to the same pixels, and PIL (libjpeg too) encodes the reference at
the same settings to within 2% of the size.
"""
import io
import math
import os
import subprocess
import sys

import numpy as np
from PIL import Image


def main():
    exe, work, src = sys.argv[1:4]
    images = sys.argv[4:]
    sys.path.insert(0, os.path.join(src, "tools", "train"))
    import metrics  # noqa: E402  (the lead's reference implementation)

    os.makedirs(work, exist_ok=True)
    subprocess.run([exe, "--dump", work] + images, check=True)
    fails = 0
    rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(work, "metrics.tsv"))]
    assert len(rows) == len(images) * 17, len(rows)
    worst_p = worst_m = 0.0
    for ref_path, dist_path, c_psnr, c_msssim in rows:
        a = np.asarray(Image.open(ref_path).convert("RGB"))
        b = np.asarray(Image.open(dist_path).convert("RGB"))
        p, m = metrics.psnr(a, b), metrics.ms_ssim(a, b)
        c_psnr, c_msssim = float(c_psnr), float(c_msssim)
        if math.isinf(p) or math.isinf(c_psnr):
            dp = 0.0 if p == c_psnr else math.inf
        else:
            dp = abs(p - c_psnr)
        dm = abs(m - c_msssim)
        worst_p, worst_m = max(worst_p, dp), max(worst_m, dm)
        ok = dp <= 1e-4 and dm <= 1e-4
        fails += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {os.path.basename(dist_path):28s} "
              f"psnr C {c_psnr:9.4f} py {p:9.4f}  ms-ssim C {c_msssim:.6f} py {m:.6f}")
        if os.path.basename(dist_path).endswith("_same.png"):
            assert m == 1.0 and c_msssim == 1.0 and math.isinf(c_psnr)

        if "_jpeg" in dist_path:
            jpg = dist_path[:-4] + ".jpg"
            data = open(jpg, "rb").read()
            dec = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
            if not np.array_equal(dec, b):
                print(f"FAIL {jpg}: PIL decodes different pixels "
                      f"(max diff {np.abs(dec.astype(int) - b).max()})")
                fails += 1
            name = os.path.basename(jpg)
            q = int(name.split("_q")[1].split(".")[0])
            sub = 0 if "jpeg444" in name else 2
            buf = io.BytesIO()
            Image.fromarray(a).save(buf, "JPEG", quality=q, subsampling=sub, optimize=True)
            rel = abs(len(data) - buf.tell()) / buf.tell()
            if rel > 0.02:
                print(f"FAIL {jpg}: {len(data)} bytes, PIL {buf.tell()} bytes")
                fails += 1
    print(f"worst |dPSNR| {worst_p:.3g} dB, worst |dMS-SSIM| {worst_m:.3g}; {fails} failures")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
