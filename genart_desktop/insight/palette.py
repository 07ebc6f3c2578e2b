"""A picture's palette: weighted k-means in CIELAB, and limiting a picture to a palette.

Pixels are clustered in CIELAB (distances there follow what the eye sees), each pixel
weighted by its visual saliency (Hou and Zhang's spectral residual, 2007) so a small
red boat counts for more than the same area of flat sky; every pixel keeps a floor
weight so large quiet areas still get their colour. Centres closer than a just-visible
difference are merged, so a picture of three colours gives three swatches, not eight.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from skimage.color import deltaE_ciede2000, lab2rgb, rgb2lab

from genart_desktop.core.errors import UserError

MIN_COLOURS, MAX_COLOURS = 3, 12
WORK_SIDE = 256  # the palette is computed on the picture at this longest side
MAX_SAMPLES = 10_000  # pixels clustered (shares are counted on all pixels at WORK_SIDE)
MERGE_DELTA_E = 3.0  # CIEDE2000 below which two centres are one colour to the eye
SALIENCY_FLOOR = 0.3  # weight of the least salient pixel, against 1.3 for the most
OPAQUE = 128  # alpha at or above this counts as part of the picture
SORTS = ("share", "lightness", "hue")


@dataclass(frozen=True)
class Swatch:
    rgb: tuple[int, int, int]
    lab: tuple[float, float, float]
    share: float  # fraction of the picture's (opaque) pixels nearest to this colour

    @property
    def hex(self) -> str:
        return "#{:02x}{:02x}{:02x}".format(*self.rgb)

    @property
    def hue(self) -> float:
        """Hue angle in degrees (0..360) in CIELAB's a*b* plane."""
        return float(np.degrees(np.arctan2(self.lab[2], self.lab[1])) % 360.0)

    @property
    def chroma(self) -> float:
        return float(np.hypot(self.lab[1], self.lab[2]))

    def describe(self) -> str:
        l, a, b = self.lab
        return (f"{self.hex}  RGB {self.rgb[0]}, {self.rgb[1]}, {self.rgb[2]}  "
                f"Lab {l:.0f}, {a:.0f}, {b:.0f}  {self.share * 100:.1f}%")


def extract_palette(image: np.ndarray, count: int = 6, seed: int = 0) -> list[Swatch]:
    """``count`` (3..12) colours of an RGB/RGBA/grey uint8 picture, largest share first.

    Fewer come back when the picture has fewer distinct colours.
    """
    if not MIN_COLOURS <= count <= MAX_COLOURS:
        raise UserError(f"a palette has {MIN_COLOURS} to {MAX_COLOURS} colours, not {count}")
    rgb, alpha = _work_picture(image)
    lab = rgb2lab(rgb.astype(np.float32) / 255.0).reshape(-1, 3).astype(np.float32)
    weights = saliency(rgb).reshape(-1) + SALIENCY_FLOOR
    if alpha is not None:
        opaque = alpha.reshape(-1) >= OPAQUE
        if not opaque.any():
            raise UserError("the picture is fully transparent: it has no colours to analyse")
        lab, weights = lab[opaque], weights[opaque]
    rng = np.random.default_rng(seed)
    if len(lab) > MAX_SAMPLES:
        chosen = rng.choice(len(lab), MAX_SAMPLES, replace=False)
        sample, sample_weights = lab[chosen], weights[chosen]
    else:
        sample, sample_weights = lab, weights
    centres = weighted_kmeans(sample, sample_weights, count, rng)
    centres = _merge_near_duplicates(centres, sample, sample_weights)
    shares = np.bincount(nearest(lab, centres), minlength=len(centres)) / len(lab)
    swatches = [_swatch(centre, share) for centre, share in zip(centres, shares) if share > 0]
    return sort_swatches(swatches, "share")


def sort_swatches(swatches: list[Swatch], by: str) -> list[Swatch]:
    if by == "share":
        return sorted(swatches, key=lambda s: -s.share)
    if by == "lightness":
        return sorted(swatches, key=lambda s: -s.lab[0])
    if by == "hue":  # greys (no real hue) last, dark to light
        return sorted(swatches, key=lambda s: (s.chroma < 8, s.hue if s.chroma >= 8 else -s.lab[0]))
    raise ValueError(f"sort by one of {SORTS}, not {by!r}")


def saliency(rgb: np.ndarray) -> np.ndarray:
    """Spectral-residual saliency in 0..1, the picture's size (Hou and Zhang, CVPR 2007)."""
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    small = cv2.resize(grey, (64, 64), interpolation=cv2.INTER_AREA)
    spectrum = np.fft.fft2(small)
    log_amplitude = np.log(np.abs(spectrum) + 1e-6)
    residual = log_amplitude - cv2.blur(log_amplitude.astype(np.float32), (3, 3))
    recovered = np.abs(np.fft.ifft2(np.exp(residual + 1j * np.angle(spectrum)))) ** 2
    recovered = cv2.GaussianBlur(recovered.astype(np.float32), (0, 0), 2.5)
    peak = float(recovered.max())
    if peak <= 0 or not np.isfinite(peak):  # a flat picture: nothing stands out
        return np.zeros(rgb.shape[:2], np.float32)
    return cv2.resize(recovered / peak, (rgb.shape[1], rgb.shape[0]),
                      interpolation=cv2.INTER_LINEAR)


def weighted_kmeans(points: np.ndarray, weights: np.ndarray, k: int,
                    rng: np.random.Generator, iterations: int = 40) -> np.ndarray:
    """Lloyd's k-means with k-means++ seeding, each point counted ``weights`` times."""
    distinct = np.unique(points, axis=0)
    if len(distinct) <= k:
        return distinct.astype(np.float32)
    centres = [points[rng.choice(len(points), p=weights / weights.sum())]]
    closest = ((points - centres[0]) ** 2).sum(1)
    for _ in range(1, k):
        chances = weights * closest
        if chances.sum() <= 0:
            break
        centres.append(points[rng.choice(len(points), p=chances / chances.sum())])
        closest = np.minimum(closest, ((points - centres[-1]) ** 2).sum(1))
    centres = np.array(centres, np.float32)
    for _ in range(iterations):
        labels = nearest(points, centres)
        totals = np.bincount(labels, weights, minlength=len(centres))
        moved = np.stack([np.bincount(labels, weights * points[:, c], minlength=len(centres))
                          for c in range(3)], axis=1)
        empty = totals <= 0
        updated = np.where(empty[:, None], centres, moved / np.maximum(totals, 1e-12)[:, None])
        if np.abs(updated - centres).max() < 0.01:
            return updated.astype(np.float32)
        centres = updated.astype(np.float32)
    return centres


def nearest(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the nearest centre (Euclidean) for each point."""
    # |p - c|^2 = |p|^2 - 2 p.c + |c|^2, and |p|^2 is the same for every centre
    distances = (centres ** 2).sum(1)[None, :] - 2.0 * points @ centres.T
    return distances.argmin(1)


def _merge_near_duplicates(centres: np.ndarray, points: np.ndarray,
                           weights: np.ndarray) -> np.ndarray:
    """Merge the closest pair while it is closer than MERGE_DELTA_E, then refit once."""
    centres = centres.copy()
    while len(centres) > 1:
        a, b = np.triu_indices(len(centres), 1)
        gaps = deltaE_ciede2000(centres[a], centres[b])
        pair = int(gaps.argmin())
        if gaps[pair] >= MERGE_DELTA_E:
            break
        labels = nearest(points, centres)
        mass = np.bincount(labels, weights, minlength=len(centres))
        i, j = a[pair], b[pair]
        total = max(mass[i] + mass[j], 1e-12)
        centres[i] = (centres[i] * mass[i] + centres[j] * mass[j]) / total
        centres = np.delete(centres, j, axis=0)
    return centres


def _swatch(lab: np.ndarray, share: float) -> Swatch:
    rgb = np.clip(lab2rgb(lab.reshape(1, 1, 3).astype(np.float64)) * 255.0 + 0.5, 0, 255)
    r, g, b = (int(v) for v in rgb.reshape(3).astype(np.uint8))
    l, a, bb = (float(v) for v in lab)
    return Swatch((r, g, b), (l, a, bb), float(share))


def _work_picture(image: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """RGB uint8 at most WORK_SIDE px, and its alpha (or None)."""
    if image.ndim == 2:
        image = image[:, :, None]
    if image.ndim != 3 or image.shape[2] not in (1, 3, 4) or image.size == 0:
        raise UserError("not a picture: expected a grey, RGB or RGBA image")
    if image.dtype != np.uint8:
        raise UserError("the picture must be 8-bit")
    height, width = image.shape[:2]
    scale = WORK_SIDE / max(height, width)
    if scale < 1:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        if image.ndim == 2:
            image = image[:, :, None]
    channels = image.shape[2]
    rgb = np.repeat(image, 3, axis=2) if channels == 1 else image[:, :, :3]
    alpha = image[:, :, 3] if channels == 4 else None
    return np.ascontiguousarray(rgb), alpha


# ---------------------------------------------------------------------- using a palette
def limit_to_palette(image: np.ndarray, colours: list[tuple[int, int, int]],
                     dither: bool = False) -> np.ndarray:
    """The picture with every pixel replaced by a palette colour (alpha kept).

    Without dithering each pixel takes the nearest colour in CIELAB; with dithering,
    Floyd-Steinberg error diffusion (Pillow's, in RGB) spreads the error to neighbours.
    """
    from PIL import Image

    if not colours:
        raise UserError("the palette is empty")
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    rgb = np.ascontiguousarray(image[:, :, :3])
    palette = np.array(colours, np.uint8).reshape(-1, 3)
    if dither:
        entries = np.concatenate([palette, np.repeat(palette[:1], 256 - len(palette), 0)])
        holder = Image.new("P", (1, 1))
        holder.putpalette(entries.reshape(-1).tolist())
        mapped = Image.fromarray(rgb).quantize(palette=holder, dither=Image.Dither.FLOYDSTEINBERG)
        out = np.asarray(mapped.convert("RGB"))
    else:
        out = palette[_nearest_in_lab(rgb, palette)]
    if image.shape[2] == 4:
        out = np.dstack([out, image[:, :, 3]])
    return np.ascontiguousarray(out, dtype=np.uint8)


def _nearest_in_lab(rgb: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Palette index per pixel; each distinct colour is looked up once."""
    flat = rgb.reshape(-1, 3)
    codes = (flat[:, 0].astype(np.int32) << 16) | (flat[:, 1].astype(np.int32) << 8) | flat[:, 2]
    unique, inverse = np.unique(codes, return_inverse=True)
    unique_rgb = np.stack([(unique >> 16) & 255, (unique >> 8) & 255, unique & 255], 1)
    lab = rgb2lab(unique_rgb.reshape(-1, 1, 3).astype(np.float32) / 255.0).reshape(-1, 3)
    palette_lab = rgb2lab(palette.reshape(-1, 1, 3).astype(np.float32) / 255.0).reshape(-1, 3)
    return nearest(lab, palette_lab)[inverse.reshape(-1)].reshape(rgb.shape[:2])


def mean_delta_e(image: np.ndarray, colours: list[tuple[int, int, int]]) -> float:
    """Mean CIEDE2000 from each pixel to its nearest palette colour (the palette's error)."""
    rgb, alpha = _work_picture(image)
    lab = rgb2lab(rgb.astype(np.float32) / 255.0).reshape(-1, 3)
    if alpha is not None:
        lab = lab[alpha.reshape(-1) >= OPAQUE]
    palette_lab = rgb2lab(np.array(colours, np.float32).reshape(-1, 1, 3) / 255.0).reshape(-1, 3)
    distances = np.stack([deltaE_ciede2000(lab, np.broadcast_to(c, lab.shape))
                          for c in palette_lab], axis=1)
    return float(distances.min(1).mean())
