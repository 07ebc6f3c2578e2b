"""DiffAugment (Zhao et al. 2020): the same random, differentiable augmentations on real
and generated images before the discriminator sees them, so that a discriminator
trained on a few thousand images cannot simply memorize them.

Policy "color,translation,cutout", adapted to premultiplied RGBA in [-1, 1]: colour
changes act on the RGB channels only and are scaled by alpha, so transparent pixels
stay transparent.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def diff_augment(x: torch.Tensor) -> torch.Tensor:
    return _cutout(_translation(_color(x)))


def _color(x: torch.Tensor) -> torch.Tensor:
    rgb, alpha = x[:, :3], x[:, 3:]
    coverage = (alpha + 1.0) * 0.5  # premultiplied: colour offsets scale with coverage
    n = x.shape[0]
    brightness = (torch.rand(n, 1, 1, 1, device=x.device) - 0.5) * coverage
    rgb = rgb + brightness
    mean = rgb.mean(dim=1, keepdim=True)
    rgb = (rgb - mean) * (torch.rand(n, 1, 1, 1, device=x.device) * 2) + mean  # saturation
    mean = rgb.mean(dim=[1, 2, 3], keepdim=True)
    rgb = (rgb - mean) * (torch.rand(n, 1, 1, 1, device=x.device) + 0.5) + mean  # contrast
    return torch.cat([rgb, alpha], dim=1)


def _translation(x: torch.Tensor, ratio: float = 0.125) -> torch.Tensor:
    """Shift by up to ratio of the size; uncovered pixels are transparent (-1)."""
    n, _, h, w = x.shape
    sh, sw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    padded = F.pad(x + 1.0, [sw, sw, sh, sh]) - 1.0
    dy = torch.randint(0, 2 * sh + 1, (n,), device=x.device)
    dx = torch.randint(0, 2 * sw + 1, (n,), device=x.device)
    rows = (dy.view(n, 1) + torch.arange(h, device=x.device).view(1, h))  # n, h
    cols = (dx.view(n, 1) + torch.arange(w, device=x.device).view(1, w))  # n, w
    batch = torch.arange(n, device=x.device).view(n, 1, 1)
    out = padded.permute(0, 2, 3, 1)[batch, rows.view(n, h, 1), cols.view(n, 1, w)]
    return out.permute(0, 3, 1, 2).contiguous()


def _cutout(x: torch.Tensor, ratio: float = 0.5) -> torch.Tensor:
    """Blank a random square of half the size to transparent."""
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    top = torch.randint(-(ch // 2), h - ch // 2 + 1, (n, 1, 1), device=x.device)
    left = torch.randint(-(cw // 2), w - cw // 2 + 1, (n, 1, 1), device=x.device)
    ys = torch.arange(h, device=x.device).view(1, h, 1)
    xs = torch.arange(w, device=x.device).view(1, 1, w)
    inside = (ys >= top) & (ys < top + ch) & (xs >= left) & (xs < left + cw)
    keep = (~inside).unsqueeze(1).to(x.dtype)
    return (x + 1.0) * keep - 1.0
