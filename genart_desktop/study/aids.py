"""Seeing aids: pictures computed from the canvas that help a painter look at it.

Every aid takes an HxWx3/4 uint8 picture and returns one of the same size (RGB, the
picture's alpha kept), so the window can show it in place of the picture or make it a
real edit. All work on 8-bit arrays with OpenCV: about 10-40 ms per megapixel.

- ``grayscale``: luma, as a black-and-white photo of the picture.
- ``value_study``: N flat grey levels on CIELAB lightness; 2 levels is notan (Otsu's
  threshold), 3-5 use multi-level Otsu unless the thresholds are given.
- ``squint``: a strong blur; detail goes, the big shapes and values stay.
- ``mirror``: left-right flip; fresh eyes for drawing errors.
- ``edges``: dark outlines on white, for tracing.
- ``saliency``: a heat map of where the eye goes first (spectral residual, Hou and Zhang
  2007), over a grey copy of the picture.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

AIDS = ("grayscale", "values", "squint", "mirror", "edges", "saliency")
MIN_LEVELS, MAX_LEVELS = 2, 5
SALIENCY_WIDTH = 64  # the spectral residual works on a thumbnail (the paper's size)


@dataclass
class AidSettings:
    """Which aid and its knobs; plain data, kept in projects."""

    aid: str = "values"
    levels: int = 3
    thresholds: list[float] | None = None  # L* cut points (0..100); None: Otsu
    squint: float = 0.5  # 0..1: how hard to squint
    edge_detail: float = 0.5  # 0..1: more lines as it rises

    def to_dict(self) -> dict:
        return {"aid": self.aid, "levels": self.levels, "thresholds": self.thresholds,
                "squint": self.squint, "edge_detail": self.edge_detail}

    @classmethod
    def from_dict(cls, data: dict) -> "AidSettings":
        settings = cls()
        aid = data.get("aid", settings.aid)
        settings.aid = aid if aid in AIDS else settings.aid
        settings.levels = int(np.clip(int(data.get("levels", settings.levels)),
                                      MIN_LEVELS, MAX_LEVELS))
        thresholds = data.get("thresholds")
        settings.thresholds = [float(t) for t in thresholds] if thresholds else None
        settings.squint = float(np.clip(float(data.get("squint", settings.squint)), 0, 1))
        settings.edge_detail = float(np.clip(float(data.get("edge_detail", 0.5)), 0, 1))
        return settings


def apply_aid(image: np.ndarray, settings: AidSettings) -> np.ndarray:
    """The aid ``settings.aid`` of ``image``, same size, alpha kept."""
    rgb = _rgb(image)
    if settings.aid == "grayscale":
        result = grayscale(rgb)
    elif settings.aid == "values":
        result = _grey_to_rgb(value_study(rgb, settings.levels, settings.thresholds))
    elif settings.aid == "squint":
        result = squint(rgb, settings.squint)
    elif settings.aid == "mirror":
        result = mirror(rgb)
    elif settings.aid == "edges":
        result = edges(rgb, settings.edge_detail)
    elif settings.aid == "saliency":
        result = saliency_view(rgb)
    else:
        raise ValueError(f"unknown aid {settings.aid!r}; choose from {', '.join(AIDS)}")
    if image.ndim == 3 and image.shape[2] == 4:
        alpha = image[:, :, 3:] if settings.aid != "mirror" else image[:, ::-1, 3:]
        result = np.concatenate([result, alpha], axis=2)
    return result


# --- the aids ------------------------------------------------------------------------------
def grayscale(rgb: np.ndarray) -> np.ndarray:
    return _grey_to_rgb(cv2.cvtColor(_rgb(rgb), cv2.COLOR_RGB2GRAY))


def lightness(rgb: np.ndarray) -> np.ndarray:
    """CIELAB L* as uint8 scaled 0..255 (OpenCV's 8-bit Lab: L* x 255/100)."""
    return cv2.cvtColor(_rgb(rgb), cv2.COLOR_RGB2Lab)[:, :, 0]


def value_thresholds(rgb: np.ndarray, levels: int) -> list[float]:
    """Otsu's cut points on L* (0..100) splitting the picture into ``levels`` values."""
    _check_levels(levels)
    lum = lightness(rgb)
    histogram = np.bincount(lum.ravel(), minlength=256)
    cuts = _otsu_cuts(histogram, levels)
    return [round(cut * 100.0 / 255.0, 2) for cut in cuts]


def value_study(rgb: np.ndarray, levels: int,
                thresholds: list[float] | None = None) -> np.ndarray:
    """HxW uint8 with ``levels`` flat greys, darkest black, lightest white.

    ``thresholds`` are the N-1 L* cut points (0..100, sorted here); a pixel at or above a
    cut falls in the lighter band. The greys are spaced evenly in L*, so the steps look even.
    """
    _check_levels(levels)
    if thresholds is None:
        thresholds = value_thresholds(rgb, levels)
    if len(thresholds) != levels - 1:
        raise ValueError(f"{levels} values need {levels - 1} thresholds, not {len(thresholds)}")
    lum = lightness(rgb)
    cuts = np.round(np.clip(np.sort(np.asarray(thresholds, float)) * 2.55, 0, 256))
    # a 256-entry lookup: band index per L* byte, then the band's grey
    band = np.searchsorted(cuts, np.arange(256), side="right")
    return cv2.LUT(lum, level_greys(levels)[band].astype(np.uint8))


def level_greys(levels: int) -> np.ndarray:
    """The band greys (sRGB bytes) for L* evenly spaced from 0 to 100."""
    target_l = np.linspace(0.0, 100.0, levels)
    # L* -> relative luminance Y -> sRGB gamma: the grey a painter would mix
    y = np.where(target_l > 8.0, ((target_l + 16.0) / 116.0) ** 3, target_l / 903.3)
    srgb = np.where(y <= 0.0031308, 12.92 * y, 1.055 * y ** (1 / 2.4) - 0.055)
    return np.round(np.clip(srgb, 0, 1) * 255.0).astype(np.uint8)


def squint(rgb: np.ndarray, amount: float = 0.5) -> np.ndarray:
    """Blur as a half-closed eye does: sigma from 0.5% to 3% of the picture's diagonal.

    Blurred on a reduced copy (a large Gaussian at full size is slow) and enlarged back.
    """
    rgb = _rgb(rgb)
    height, width = rgb.shape[:2]
    sigma = (0.005 + 0.025 * float(np.clip(amount, 0, 1))) * float(np.hypot(width, height))
    scale = min(1.0, 4.0 / max(sigma, 1e-6))  # about 4 px of sigma at the reduced size
    small_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = cv2.resize(rgb, small_size, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigma * scale, borderType=cv2.BORDER_REFLECT)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)


def mirror(rgb: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(_rgb(rgb)[:, ::-1])


def edges(rgb: np.ndarray, detail: float = 0.5) -> np.ndarray:
    """Dark outlines on white: Canny edges of a smoothed grey copy."""
    detail = float(np.clip(detail, 0, 1))
    grey = cv2.cvtColor(_rgb(rgb), cv2.COLOR_RGB2GRAY)
    side = max(grey.shape)
    # less detail: smooth more (small texture goes) and ask for stronger edges
    smooth = cv2.GaussianBlur(grey, (0, 0), max(0.6, side / 600.0) * (1.6 - detail))
    low = 15.0 + 60.0 * (1.0 - detail)
    lines = cv2.Canny(smooth, low, low * 2.5, L2gradient=True)
    if side > 800:  # one-pixel lines vanish when the picture is shown smaller
        lines = cv2.dilate(lines, np.ones((2, 2), np.uint8))
    return _grey_to_rgb(255 - lines)


def saliency_map(rgb: np.ndarray) -> np.ndarray:
    """HxW float32 in 0..1: spectral residual saliency (Hou and Zhang, CVPR 2007).

    The log amplitude spectrum minus its local average is what is unexpected in the
    picture; transformed back with the original phase it lights up what stands out.
    Summed over the CIELAB channels, so a colour that stands out counts as well as a value.
    """
    rgb = _rgb(rgb)
    height, width = rgb.shape[:2]
    small_h = max(1, round(SALIENCY_WIDTH * height / width))
    small = cv2.resize(rgb, (SALIENCY_WIDTH, small_h), interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2Lab).astype(np.float32) / 255.0
    energy = np.zeros((small_h, SALIENCY_WIDTH), np.float32)
    for channel in range(3):
        spectrum = np.fft.fft2(lab[:, :, channel])
        # + 1: a floor, as flat synthetic pictures have exact zeros in their spectrum
        log_amplitude = np.log(np.abs(spectrum) + 1.0).astype(np.float32)
        residual = log_amplitude - cv2.blur(log_amplitude, (3, 3),
                                            borderType=cv2.BORDER_REFLECT)
        energy += np.abs(np.fft.ifft2(np.exp(residual + 1j * np.angle(spectrum)))) ** 2
    energy = cv2.GaussianBlur(energy, (0, 0), SALIENCY_WIDTH / 24.0)
    energy -= energy.min()
    energy /= max(float(energy.max()), 1e-12)
    return cv2.resize(energy, (width, height), interpolation=cv2.INTER_LINEAR)


def saliency_view(rgb: np.ndarray) -> np.ndarray:
    """The saliency as a heat map (blue: ignored, red: looked at) over a grey picture."""
    heat = (saliency_map(rgb) * 255.0).astype(np.uint8)
    colours = cv2.cvtColor(cv2.applyColorMap(heat, cv2.COLORMAP_JET), cv2.COLOR_BGR2RGB)
    return cv2.addWeighted(grayscale(rgb), 0.45, colours, 0.55, 0.0)


# --- helpers ----------------------------------------------------------------------------------
def _otsu_cuts(histogram: np.ndarray, levels: int) -> list[int]:
    """Byte cut points (a value >= cut is lighter) of Otsu's criterion for ``levels``
    classes: the least within-class variance, i.e. the most between-class variance.

    Exact, by dynamic programming over the 256 bins (multi-level Otsu by exhaustive search
    takes minutes for 5 classes); no class is left empty when the picture has at least
    ``levels`` distinct values.
    """
    values = np.nonzero(histogram)[0]
    if len(values) <= levels:  # too few distinct values to choose: one band per value
        cuts = [int(v) for v in values[1:]]
        return (cuts + [256] * levels)[: levels - 1]
    counts = histogram.astype(np.float64)
    bins = np.arange(len(counts), dtype=np.float64)
    weight = np.concatenate([[0.0], np.cumsum(counts)])
    total = np.concatenate([[0.0], np.cumsum(counts * bins)])
    squares = np.concatenate([[0.0], np.cumsum(counts * bins ** 2)])
    # cost[i, j]: squared error of bins i..j-1 as one class (inf when empty or reversed)
    w = weight[None, :] - weight[:, None]
    s = total[None, :] - total[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        cost = squares[None, :] - squares[:, None] - s * s / w
    cost[~(w > 0)] = np.inf
    best = cost[0]  # best[j]: least error of bins 0..j-1 in the classes so far
    starts = []
    for _ in range(levels - 1):
        candidates = best[:, None] + cost  # the last class is i..j-1
        starts.append(np.argmin(candidates, axis=0))
        best = candidates[starts[-1], np.arange(len(best))]
    cuts, end = [], len(counts)
    for choice in reversed(starts):  # walk back from the full range
        end = int(choice[end])
        cuts.append(end)
    return sorted(cuts)


def _check_levels(levels: int) -> None:
    if not MIN_LEVELS <= int(levels) <= MAX_LEVELS:
        raise ValueError(f"a value study has {MIN_LEVELS} to {MAX_LEVELS} levels, not {levels}")


def _rgb(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return _grey_to_rgb(image)
    return np.ascontiguousarray(image[:, :, :3])


def _grey_to_rgb(grey: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)
