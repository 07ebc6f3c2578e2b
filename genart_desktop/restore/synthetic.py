"""Synthetic damage with its truth, and the measures the benchmark and tests use.

Cracks and scratches are random-walk polylines 2-3 px wide (dark cracks, bright
scratches); blotches are irregular blobs 30-60 px across in a stain colour; dust is
small dark or light specks. Everything is drawn from a seeded ``numpy`` generator, so
a benchmark run is repeatable. ``pictures`` are the photos and paintings the benchmark
damages; ``TUNING`` names those the detector was tuned and trained on.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass
class SyntheticDamage:
    image: np.ndarray  # the damaged picture
    cracks: np.ndarray  # bool HxW: thin lines (cracks and scratches)
    blotches: np.ndarray  # bool HxW: wide blobs
    dust: np.ndarray  # bool HxW: specks

    @property
    def mask(self) -> np.ndarray:
        return self.cracks | self.blotches | self.dust


def _crack_path(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A wandering polyline: steps of 4-6 px, the direction drifting a little each step."""
    point = rng.uniform((0, 0), (width, height))
    angle = rng.uniform(0, 2 * np.pi)
    length = rng.uniform(0.3, 0.8) * max(height, width)
    points = [point.copy()]
    travelled = 0.0
    while travelled < length:
        angle += rng.normal(0, 0.25)
        step = rng.uniform(4, 6)
        point = point + step * np.array([np.cos(angle), np.sin(angle)])
        travelled += step
        points.append(point.copy())
    return np.round(np.array(points)).astype(np.int32)


def _blob(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A filled irregular blob 30-60 px across (a polygon with jittered radii)."""
    centre = rng.uniform((0, 0), (width, height))
    radius = rng.uniform(15, 30)
    angles = np.sort(rng.uniform(0, 2 * np.pi, 14))
    radii = radius * rng.uniform(0.7, 1.15, len(angles))
    polygon = centre + np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)
    mask = np.zeros((height, width), np.uint8)
    cv2.fillPoly(mask, [np.round(polygon).astype(np.int32)], 1)
    return mask.astype(bool)


def add_damage(image: np.ndarray, seed: int = 0, coverage: float = 0.05,
               crack_share: float = 0.35, dust: int = 0) -> SyntheticDamage:
    """Cracks (about ``crack_share`` of the damaged area) and blotches up to ``coverage``
    of the picture, plus ``dust`` specks. RGBA pictures keep their alpha channel."""
    rng = np.random.default_rng(seed)
    height, width = image.shape[:2]
    damaged = image.copy()
    colour_channels = damaged[..., :3]
    cracks = np.zeros((height, width), bool)
    blotches = np.zeros((height, width), bool)
    specks = np.zeros((height, width), bool)
    target = coverage * height * width
    while cracks.sum() < crack_share * target:
        layer = np.zeros((height, width), np.uint8)
        cv2.polylines(layer, [_crack_path(rng, height, width)], False, 1,
                      thickness=int(rng.integers(2, 4)))
        line = layer.astype(bool)
        bright = rng.random() < 0.4  # scratches are light, cracks are dark
        base = rng.uniform(225, 250) if bright else rng.uniform(10, 45)
        values = np.clip(base + rng.normal(0, 6, (line.sum(), 1)), 0, 255)
        colour_channels[line] = values.astype(np.uint8)
        cracks |= line
    while (cracks | blotches).sum() < target:
        blob = _blob(rng, height, width)
        stain = rng.choice([[95, 70, 40], [235, 230, 215], [30, 25, 20], [160, 150, 120]])
        values = np.clip(np.array(stain) + rng.normal(0, 5, (blob.sum(), 3)), 0, 255)
        colour_channels[blob] = values.astype(np.uint8)
        blotches |= blob
    for _ in range(dust):
        layer = np.zeros((height, width), np.uint8)
        centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        cv2.circle(layer, centre, int(rng.integers(1, 4)), 1, thickness=-1)
        speck = layer.astype(bool)
        colour_channels[speck] = 15 if rng.random() < 0.6 else 240
        specks |= speck
    # later layers paint over earlier ones: each pixel belongs to the damage drawn last
    return SyntheticDamage(damaged, cracks & ~blotches & ~specks, blotches & ~specks, specks)


# --- the pictures damaged for tuning and measuring ---------------------------------------
TUNING = {"chelsea", "astronaut", "coffee", "rocket", "the-starry-night", "the-harvesters",
          "mona-lisa", "lion", "poppies"}
PHOTOS = ("chelsea", "astronaut", "coffee", "rocket", "immunohistochemistry",
          "hubble_deep_field")
# A dark crack over a black coat changes nothing a detector or a viewer could see.
VISIBLE_CHANGE = 24


def pictures(size: int, limit: int | None = None):
    """(name, RGB uint8) for scikit-image's photos and the paintings in resources/styles,
    fitted in ``size`` px."""
    from PIL import Image
    from skimage import data

    from genart_desktop.core.paths import resources_dir

    sources = [(name, lambda name=name: Image.fromarray(getattr(data, name)())) for name in PHOTOS]
    for path in sorted((resources_dir() / "styles").glob("*.jpg")):
        sources.append((path.stem, lambda path=path: Image.open(path)))
    for name, open_picture in sources[:limit]:
        picture = open_picture().convert("RGB")
        picture.thumbnail((size, size), Image.LANCZOS)
        yield name, np.asarray(picture)


def visible_cracks(picture: np.ndarray, damage: SyntheticDamage) -> np.ndarray:
    """The synthetic cracks that changed the picture's grey level by VISIBLE_CHANGE."""
    before = cv2.cvtColor(np.ascontiguousarray(picture[..., :3]), cv2.COLOR_RGB2GRAY).astype(int)
    after = cv2.cvtColor(np.ascontiguousarray(damage.image[..., :3]), cv2.COLOR_RGB2GRAY)
    return damage.cracks & (np.abs(after.astype(int) - before) >= VISIBLE_CHANGE)


# --- measures -----------------------------------------------------------------------------
def psnr_inside(restored: np.ndarray, truth: np.ndarray, mask: np.ndarray) -> float:
    """PSNR (dB) over the masked pixels' colour channels only."""
    difference = restored[..., :3][mask].astype(np.float64) - truth[..., :3][mask]
    mse = float(np.mean(difference ** 2)) if difference.size else 0.0
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def texture_ratio(restored: np.ndarray, mask: np.ndarray, ring: int = 12) -> float:
    """Std of the Laplacian inside the mask over that in a ring around it (1: as busy as
    its surroundings; a smooth diffusion fill gives far less)."""
    grey = cv2.cvtColor(np.ascontiguousarray(restored[..., :3]), cv2.COLOR_RGB2GRAY)
    laplacian = cv2.Laplacian(grey.astype(np.float32), cv2.CV_32F)
    inner = cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    around = cv2.dilate(mask.astype(np.uint8), np.ones((2 * ring + 1,) * 2, np.uint8))
    around = around.astype(bool) & ~mask
    if not inner.any() or not around.any():
        return float("nan")
    outside = float(laplacian[around].std())
    return float(laplacian[inner].std()) / outside if outside > 0 else float("nan")


def tolerant_f1(found: np.ndarray, truth: np.ndarray, tolerance: int = 2) -> dict[str, float]:
    """Precision, recall and F1 where a pixel counts if the other mask lies within
    ``tolerance`` px (a detected line a pixel off the drawn one is still a hit)."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * tolerance + 1,) * 2)
    near_truth = cv2.dilate(truth.astype(np.uint8), kernel).astype(bool)
    near_found = cv2.dilate(found.astype(np.uint8), kernel).astype(bool)
    precision = float((found & near_truth).sum() / found.sum()) if found.any() else 0.0
    recall = float((truth & near_found).sum() / truth.sum()) if truth.any() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}
