"""Image quality metrics (reference implementations, NumPy/PyTorch).

psnr: RGB 8-bit, mean MSE over the three channels, 10·log10(255²/MSE) in dB.
ms_ssim: Wang, Simoncelli, Bovik 2003; 5 scales, Gaussian window 11 with σ = 1.5, weights
(0.0448, 0.2856, 0.3001, 0.2363, 0.1333), per channel on 0–255 with K1 = 0.01, K2 = 0.03,
'valid' filtering, 2×2 average pooling between scales, negative values clamped to 0 before the
product (as pytorch-msssim / CompressAI compute it), averaged over channels.
"""
import numpy as np
import torch
import torch.nn.functional as F

MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def psnr(a, b):
    """a, b: H×W×3 uint8 arrays → PSNR in dB (inf when identical)."""
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def _gauss(size=11, sigma=1.5):
    x = torch.arange(size, dtype=torch.float64) - size // 2
    g = torch.exp(-x ** 2 / (2 * sigma ** 2))
    return g / g.sum()


def _filter(x, g):
    c = x.shape[1]
    x = F.conv2d(x, g.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    return F.conv2d(x, g.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)


def _ssim_cs(x, y, g):
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mx, my = _filter(x, g), _filter(y, g)
    sxx = _filter(x * x, g) - mx * mx
    syy = _filter(y * y, g) - my * my
    sxy = _filter(x * y, g) - mx * my
    cs = (2 * sxy + c2) / (sxx + syy + c2)
    ssim = ((2 * mx * my + c1) / (mx * mx + my * my + c1)) * cs
    return ssim.mean(dim=(2, 3)), cs.mean(dim=(2, 3))


def ms_ssim(a, b):
    """a, b: H×W×3 uint8 arrays (each side ≥ 161 px) → MS-SSIM in 0..1."""
    x = torch.from_numpy(a.astype(np.float64)).permute(2, 0, 1)[None]
    y = torch.from_numpy(b.astype(np.float64)).permute(2, 0, 1)[None]
    g = _gauss()
    w = torch.tensor(MS_SSIM_WEIGHTS, dtype=torch.float64)
    mcs = []
    for i in range(5):
        ssim, cs = _ssim_cs(x, y, g)
        if i < 4:
            mcs.append(torch.relu(cs))
            x, y = F.avg_pool2d(x, 2), F.avg_pool2d(y, 2)
    vals = torch.stack(mcs + [torch.relu(ssim)], dim=0)  # 5×1×C
    return float(torch.prod(vals ** w.view(-1, 1, 1), dim=0).mean())
