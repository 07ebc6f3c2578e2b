"""Whole-picture repairs: denoise, remove JPEG blocking, restore faded colours.

Each takes and returns an HxWx3/4 uint8 picture (alpha passes through unchanged) and a
``strength`` in 0..1, so the panel can preview and the CLI can apply the same call.
"""

from __future__ import annotations

import cv2
import numpy as np

from genart_desktop.core.jobs import Job
from genart_desktop.restore import ENHANCEMENTS


def enhance(image: np.ndarray, kind: str, strength: float = 0.5,
            job: Job | None = None) -> np.ndarray:
    job = job or Job()
    functions = {"denoise": denoise, "deblock": deblock, "fade": restore_faded}
    if kind not in functions:
        raise ValueError(f"unknown enhancement {kind!r}; one of {', '.join(functions)}")
    job.progress(0.1, ENHANCEMENTS[kind])
    colour = np.ascontiguousarray(image[..., :3])
    result = functions[kind](colour, min(max(float(strength), 0.0), 1.0))
    job.progress(1.0, "done")
    if image.shape[2] == 4:
        return np.concatenate([result, image[..., 3:]], axis=2)
    return result


def denoise(rgb: np.ndarray, strength: float) -> np.ndarray:
    """Non-local means: averages patches that look alike, so edges and texture that
    repeat survive while grain does not. ``strength`` 1 removes heavy film grain."""
    if strength <= 0:
        return rgb.copy()
    level = 2.0 + 18.0 * strength  # filter strength in grey levels
    return cv2.fastNlMeansDenoisingColored(rgb, None, level, level, 7, 21)


def deblock(rgb: np.ndarray, strength: float, block: int = 8) -> np.ndarray:
    """Smooth the steps JPEG leaves at 8x8 block borders, in the style of a video
    deblocking filter: across each border, where the step is small (a blocking
    artefact, not a real edge) and both sides are flat, the two pixels either side
    are pulled together; real edges (large steps) are left alone."""
    if strength <= 0:
        return rgb.copy()
    threshold = 4.0 + 26.0 * strength  # steps below this many grey levels are artefacts
    image = rgb.astype(np.float32)
    image = _deblock_columns(image, threshold, block)
    image = _deblock_columns(image.transpose(1, 0, 2), threshold, block).transpose(1, 0, 2)
    return np.clip(image + 0.5, 0, 255).astype(np.uint8)


def _deblock_columns(image: np.ndarray, threshold: float, block: int) -> np.ndarray:
    """Filter the vertical block borders (between columns block*k-1 and block*k)."""
    result = image.copy()
    borders = np.arange(block, image.shape[1] - 1, block)
    borders = borders[borders >= 2]
    if not len(borders):
        return result
    p1, p0 = image[:, borders - 2], image[:, borders - 1]
    q0, q1 = image[:, borders], image[:, borders + 1]
    step = q0 - p0
    flat = (np.abs(p1 - p0) < threshold / 2) & (np.abs(q1 - q0) < threshold / 2)
    artefact = (np.abs(step) < threshold) & flat
    # spread the step over four pixels: a ramp instead of a stair
    result[:, borders - 2] = np.where(artefact, p1 + step / 8, p1)
    result[:, borders - 1] = np.where(artefact, p0 + step * 3 / 8, p0)
    result[:, borders] = np.where(artefact, q0 - step * 3 / 8, q0)
    result[:, borders + 1] = np.where(artefact, q1 - step / 8, q1)
    return result


def restore_faded(rgb: np.ndarray, strength: float) -> np.ndarray:
    """Automatic levels per channel (the darkest and lightest 0.5% stretched to black
    and white), which also balances a colour cast, then the balance corrected by the
    grey world (the mean of the mid-tones made neutral). ``strength`` mixes it in."""
    if strength <= 0:
        return rgb.copy()
    image = rgb.astype(np.float32)
    stretched = np.empty_like(image)
    for channel in range(3):
        low, high = np.percentile(image[..., channel], (0.5, 99.5))
        span = max(high - low, 1.0)
        stretched[..., channel] = (image[..., channel] - low) * (255.0 / span)
    stretched = np.clip(stretched, 0, 255)
    luminance = stretched.mean(axis=2)
    mid = (luminance > 40) & (luminance < 215)
    if mid.sum() > 100:
        means = stretched[mid].mean(axis=0)
        stretched = np.clip(stretched * (means.mean() / np.maximum(means, 1.0)), 0, 255)
    mixed = image + (stretched - image) * strength
    return np.clip(mixed + 0.5, 0, 255).astype(np.uint8)
