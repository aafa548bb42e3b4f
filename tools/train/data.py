"""Image loading and random training crops (training, export calibration, evaluation).

Images are uint8 tensors 3×H×W (RGB, contiguous); batches are float32 B×3×crop×crop on 0..1.
"""
import glob
import os

import numpy as np
import torch
from PIL import Image


def image_files(folder):
    """The .png and .jpg files of folder, sorted by name."""
    return sorted(glob.glob(os.path.join(folder, "*.png")) + glob.glob(os.path.join(folder, "*.jpg")))


def load_image(path):
    """The image at path as a uint8 3×H×W RGB tensor."""
    return torch.from_numpy(np.asarray(Image.open(path).convert("RGB")).copy()).permute(2, 0, 1).contiguous()


def load_images(folder, limit_bytes=None):
    """The images of folder (image_files), stopping before the one that would take their total
    above limit_bytes."""
    imgs, total = [], 0
    for f in image_files(folder):
        im = load_image(f)
        total += im.numel()
        if limit_bytes and total > limit_bytes:
            break
        imgs.append(im)
    return imgs


def random_batch(imgs, batch, crop, gen, screen=(), screen_share=0.0):
    """batch random crops of crop×crop from imgs, each from a screen-content image (screen) with
    probability screen_share, flipped horizontally and vertically with probability ½ each;
    gen: a random.Random. Returns float32 batch×3×crop×crop on 0..1."""
    out = torch.empty(batch, 3, crop, crop, dtype=torch.uint8)
    for i in range(batch):
        pool = screen if screen and gen.random() < screen_share else imgs
        im = pool[gen.randrange(len(pool))]
        _, h, w = im.shape
        y0, x0 = gen.randrange(h - crop + 1), gen.randrange(w - crop + 1)
        c = im[:, y0:y0 + crop, x0:x0 + crop]
        if gen.random() < 0.5:
            c = c.flip(2)
        if gen.random() < 0.5:
            c = c.flip(1)
        out[i] = c
    return out.float() / 255.0
