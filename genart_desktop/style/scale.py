"""Brush scale: the size the networks paint at, and the way back to full resolution.

A feed-forward style network paints strokes of a fixed size *in its own pixels*, so the
strokes' size relative to the picture is set by the side the network works at, not by
the picture: a 12-megapixel photo run at its own size gets microscopic strokes (the
result looks like a colour filter), a small picture coarse ones. ``work_shape`` picks
the working size from the brush scale instead:

    working longest side = reference / style_scale     (reference: REFERENCE_SIDE)

at most MAX_ENLARGE times the picture's own side. At a given scale every picture gets
strokes of the same size relative to itself; scale 1 on a picture of REFERENCE_SIDE px
runs the network at the picture's own size, exactly as before the scale existed.

When the network worked below the picture's size, ``guided_upsample`` brings its colours
back to full size along the full-size picture's own luminance, so the photo's fine detail
survives the round trip; above it, the result is simply reduced.

``stroke_size`` measures the dominant stroke size of a result: the tests and the
benchmark check the rule above with it, not by eye.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from genart_desktop.style.request import REFERENCE_SIDE

# Painting a small picture larger than itself gives it finer strokes; beyond twice its
# size the strokes would be finer than its pixels can show, for four times the work.
MAX_ENLARGE = 2.0
GUIDE_RADIUS = 2  # working-size px: the window in which colours follow the luminance
GUIDE_EPS = 1e-3  # luminance variance (0..1 scale) below which no detail is added back


def work_shape(height: int, width: int, style_scale: float | None,
               reference: int = REFERENCE_SIDE, min_side: int = 16) -> tuple[int, int]:
    """(height, width) the network paints a ``height`` x ``width`` picture at.

    ``style_scale`` None: the picture's own size. The short side never drops below
    ``min_side`` (the networks' smallest input); the aspect ratio is kept.
    """
    if style_scale is None:
        return height, width
    longest, shortest = max(height, width), min(height, width)
    factor = min(reference / style_scale, longest * MAX_ENLARGE) / longest
    factor = max(factor, min_side / shortest)
    return max(min_side, round(height * factor)), max(min_side, round(width * factor))


def luminance(rgb: np.ndarray) -> np.ndarray:
    """HxWx3 float 0..1 -> HxW float32 (BT.601 luma, as colors.py)."""
    return (rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)).astype(np.float32)


def guided_upsample(stylized: np.ndarray, work: np.ndarray, original: np.ndarray,
                    radius: int = GUIDE_RADIUS, eps: float = GUIDE_EPS) -> np.ndarray:
    """The network's output ``stylized`` (hxwx3, painted on ``work``, the picture at hxw)
    brought to the size of ``original`` (HxWx3), all float 0..1.

    Joint upsampling after He, Sun and Tang's guided filter: in every small window of
    the working picture each stylized channel is fitted as ``a * luminance + b``. The
    strokes themselves are enlarged as painted (Lanczos), and the full-size luminance
    detail that the working size lost, ``Y_full - enlarge(Y_work)``, is added back times
    the enlarged ``a``: where the style follows the photo's light and dark, the photo's
    fine detail returns; where it paints over them (a near 0), none is added, so the
    photo's texture does not show through the strokes.
    """
    import torch
    from torch.nn import functional as F

    height, width = original.shape[:2]
    guide = torch.from_numpy(luminance(work))[None, None]
    p = torch.from_numpy(np.ascontiguousarray(stylized.transpose(2, 0, 1)))[None].float()

    def box(x):
        return F.avg_pool2d(x, 2 * radius + 1, stride=1, padding=radius,
                            count_include_pad=False)

    mean_i, mean_p = box(guide), box(p)
    cov = box(guide * p) - mean_i * mean_p
    var = box(guide * guide) - mean_i * mean_i
    a = box(cov / (var + eps))  # averaged over the windows covering each pixel, as He's
    full = luminance(original)
    detail = full - _enlarge(luminance(work), (width, height))
    out = np.empty((height, width, 3), np.float32)
    for channel in range(3):  # one channel at a time: a 12 MP picture stays ~0.5 GB
        painted = _enlarge(stylized[..., channel], (width, height))
        gain = F.interpolate(a[:, channel:channel + 1], size=(height, width), mode="bilinear",
                             align_corners=False)[0, 0].numpy()
        np.clip(painted + gain * detail, 0.0, 1.0, out=out[..., channel])
    return out


def _enlarge(channel: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """One float channel to (width, height) with Lanczos, in float (no 8-bit banding)."""
    image = Image.fromarray(np.ascontiguousarray(channel, dtype=np.float32), mode="F")
    return np.asarray(image.resize(size, Image.LANCZOS), dtype=np.float32)


def stroke_size(picture: np.ndarray, side: int = 512) -> float:
    """The dominant stroke size of a picture, as a fraction of its longest side.

    The luminance at ``side`` px on its longest side (so any resolution compares), minus
    a Gaussian-smoothed copy (sigma side/32: strokes and finer stay); its power
    spectrum summed in rings of 1/4 octave gives the energy per octave of frequency,
    whose peak (interpolated) is the dominant frequency. Returns its wavelength / side.
    """
    from scipy import ndimage

    image = Image.fromarray(picture[..., :3] if picture.ndim == 3 else picture)
    scale = side / max(image.size)
    size = (max(8, round(image.width * scale)), max(8, round(image.height * scale)))
    y = np.asarray(image.convert("L").resize(size, Image.LANCZOS), dtype=np.float64) / 255.0
    detail = y - ndimage.gaussian_filter(y, side / 32, mode="reflect")
    window = np.outer(np.hanning(detail.shape[0]), np.hanning(detail.shape[1]))
    power = np.abs(np.fft.fft2(detail * window)) ** 2
    fy = np.fft.fftfreq(detail.shape[0])[:, None]
    fx = np.fft.fftfreq(detail.shape[1])[None, :]
    radius = np.hypot(fy, fx)
    edges = 2.0 ** np.arange(np.log2(4.0 / side), np.log2(0.5) + 1e-9, 0.25)
    energy = np.array([power[(radius >= lo) & (radius < hi)].sum()
                       for lo, hi in zip(edges[:-1], edges[1:])])
    log_energy = np.log(energy + 1e-20)
    peak = int(np.argmax(log_energy))
    offset = 0.0
    if 0 < peak < len(energy) - 1:  # a parabola through the peak and its neighbours
        left, mid, right = log_energy[peak - 1:peak + 2]
        curvature = left - 2 * mid + right
        offset = 0.5 * (left - right) / curvature if curvature < 0 else 0.0
    centre = np.log2(edges[peak]) + 0.125 + 0.25 * offset  # the bin's centre, in octaves
    return float(1.0 / 2.0 ** centre / side)
