"""Compare the C BD-rate / BD-quality (tools/rd/bdrate.c) with a
scipy.interpolate.PchipInterpolator computation, to 1e-6.

usage: check_bdrate.py TEST_BDRATE_EXE
"""
import subprocess
import sys

import numpy as np
from scipy.interpolate import PchipInterpolator


def bd(r1, q1, r2, q2, rate=True):
    """Bjøntegaard delta of curve 2 against anchor 1, pchip, exact integral."""
    if rate:
        x1, y1, x2, y2 = np.array(q1), np.log(r1), np.array(q2), np.log(r2)
    else:
        x1, y1, x2, y2 = np.log(r1), np.array(q1), np.log(r2), np.array(q2)
    o1, o2 = np.argsort(x1), np.argsort(x2)
    p1 = PchipInterpolator(x1[o1], y1[o1])
    p2 = PchipInterpolator(x2[o2], y2[o2])
    lo, hi = max(x1.min(), x2.min()), min(x1.max(), x2.max())
    d = (p2.integrate(lo, hi) - p1.integrate(lo, hi)) / (hi - lo)
    return (np.exp(d) - 1) * 100 if rate else d


CASES = [
    # typical: JPEG-like anchor vs a better codec, different point counts
    ([0.25, 0.45, 0.71, 1.05, 1.62, 2.4], [26.3, 28.9, 31.0, 33.1, 35.4, 37.9],
     [0.11, 0.19, 0.33, 0.55, 0.87], [27.0, 29.2, 31.6, 34.0, 36.4]),
    # non-monotone slopes, a sign change in the secant (exercises the zero-slope
    # and edge-case branches), unsorted input
    ([0.9, 0.1, 0.3, 0.28, 1.6], [34.0, 27.0, 30.0, 31.5, 36.0],
     [0.08, 0.2, 0.21, 0.5, 1.2, 1.3], [26.0, 29.0, 30.5, 32.0, 35.0, 35.1]),
    # MS-SSIM dB–like ranges, 4 points each
    ([0.1, 0.2, 0.4, 0.8], [9.1, 11.8, 14.6, 17.5],
     [0.07, 0.15, 0.33, 0.7], [9.4, 12.0, 15.2, 18.3]),
    # three points (shortest non-linear pchip)
    ([0.2, 0.5, 1.4], [28.0, 31.0, 35.5], [0.15, 0.6, 1.0], [27.5, 32.0, 34.0]),
]


def main():
    exe = sys.argv[1]
    fails = 0
    for r1, q1, r2, q2 in CASES:
        args = [",".join(map(repr, v)) for v in (r1, q1, r2, q2)]
        out = subprocess.run([exe, "--eval"] + args, check=True, capture_output=True,
                             text=True).stdout.split()
        c_rate, c_q = float(out[0]), float(out[1])
        py_rate, py_q = bd(r1, q1, r2, q2, True), bd(r1, q1, r2, q2, False)
        ok = abs(c_rate - py_rate) <= 1e-6 and abs(c_q - py_q) <= 1e-6
        fails += not ok
        print(f"{'ok  ' if ok else 'FAIL'} BD-rate C {c_rate:.10f} % scipy {py_rate:.10f} %   "
              f"BD-quality C {c_q:.10f} scipy {py_q:.10f}")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
