"""tools/rd_plot.py writes a 1000x450 PNG for JSON curves and for a beta grid.

usage: check_rd_plot.py RD_PLOT_PY WORKDIR
"""
import json
import os
import subprocess
import sys

from PIL import Image


def main():
    script, work = sys.argv[1:3]
    os.makedirs(work, exist_ok=True)
    a = {"name": "A", "results": {"bpp": [0.2, 0.5, 1.0], "psnr-rgb": [28, 31, 34],
                                  "ms-ssim": [0.93, 0.96, 0.98]}}
    b = {"name": "B", "results": {"bpp": [0.9, 0.15, 0.4], "psnr": [35, 28.5, 31.5],
                                  "ms-ssim": [0.985, 0.94, 0.965], "encoding_time": [1, 1, 1]}}
    paths = []
    for d in (a, b):
        p = os.path.join(work, d["name"] + ".json")
        with open(p, "w") as f:
            json.dump(d, f)
        paths.append(p)
    out = os.path.join(work, "rd.png")
    subprocess.run([sys.executable, script, "-o", out] + paths, check=True)
    assert Image.open(out).size == (1000, 450), Image.open(out).size

    grid = os.path.join(work, "grid.csv")
    with open(grid, "w") as f:
        f.write("beta_y,beta_z,bpp_y,bpp_z,bpp,psnr,ms_ssim\n")
        for by in (0.5, 1, 2):
            for bz in (0.5, 2):
                f.write(f"{by},{bz},{0.3 * by},{0.02 * bz},{0.3 * by + 0.02 * bz},"
                        f"{28 + 3 * by},0.95\n")
    out2 = os.path.join(work, "grid.png")
    subprocess.run([sys.executable, script, "--beta-grid", grid, "-o", out2], check=True)
    assert Image.open(out2).size == (1000, 450)
    print("rd_plot ok:", out, out2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
