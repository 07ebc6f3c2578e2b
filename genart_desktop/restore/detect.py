"""Find damage: cracks and scratches (thin, long, dark or light lines) and dust (specks).

Both start from morphological top-hats of the grey picture, which respond only to
features narrower than the structuring element that are darker (black top-hat) or
lighter (white top-hat) than both sides; a step edge between two areas gives nothing.

- Lines: the top-hat is opened with short line segments at 12 angles (a path-opening
  in miniature), so only responses that continue for ``LINE_LENGTH`` px in some
  direction survive; fur, grain and brush texture are mostly shorter. What stays is
  compared with the local level of such responses (busy areas must stand out more),
  kept by hysteresis (strong seeds, grown along weaker continuations) and filtered by
  length: a crack's skeleton is at least ``MIN_LENGTH`` px long.
- Specks: small compact blobs much darker or lighter than around them.

``sensitivity`` (0..1, default 0.5) lowers the contrast a line or speck needs. The
found mask is grown by a pixel, since real cracks have soft edges the repair must cover.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from genart_desktop.core.jobs import Job

LINE_WIDTH = 9  # top-hat disc: lines up to ~8 px wide
LINE_LENGTH = 19  # a line response must continue this far in one direction
ANGLES = 12
MIN_LENGTH = 30  # px of skeleton for a found line
SPECK_SIZE = 9  # top-hat disc for specks: up to ~8 px across
MAX_SPECK_AREA = 50


@dataclass
class FoundDamage:
    lines: np.ndarray  # bool HxW: cracks and scratches
    specks: np.ndarray  # bool HxW: dust and spots

    @property
    def mask(self) -> np.ndarray:
        """uint8 0/255, grown by a pixel to cover soft edges."""
        grown = cv2.dilate((self.lines | self.specks).astype(np.uint8), np.ones((3, 3), np.uint8))
        return grown * 255

    def summary(self) -> str:
        share = float(np.count_nonzero(self.mask)) / self.mask.size
        lines = cv2.connectedComponents(self.lines.astype(np.uint8))[0] - 1
        specks = cv2.connectedComponents(self.specks.astype(np.uint8))[0] - 1
        if not lines and not specks:
            return "No damage found: try a higher sensitivity, or paint the damage."
        return (f"Found {lines} crack(s) or scratch(es) and {specks} speck(s), "
                f"{share:.1%} of the picture: check the mask, then Repair")


def find_damage(image: np.ndarray, sensitivity: float = 0.5, job: Job | None = None,
                lines: bool = True, specks: bool = True) -> FoundDamage:
    job = job or Job()
    sensitivity = min(max(float(sensitivity), 0.0), 1.0)
    grey = cv2.cvtColor(np.ascontiguousarray(image[..., :3]), cv2.COLOR_RGB2GRAY)
    empty = np.zeros(grey.shape, bool)
    job.progress(0.1, "looking for cracks and scratches")
    found_lines = find_lines(grey, sensitivity) if lines else empty
    job.progress(0.7, "looking for dust and spots")
    found_specks = find_specks(grey, sensitivity) & ~found_lines if specks else empty
    job.progress(1.0, "done")
    return FoundDamage(found_lines, found_specks)


def top_hat(grey: np.ndarray, size: int) -> np.ndarray:
    """Strength of features narrower than ``size``, dark or light (uint8)."""
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    return np.maximum(cv2.morphologyEx(grey, cv2.MORPH_BLACKHAT, disc),
                      cv2.morphologyEx(grey, cv2.MORPH_TOPHAT, disc))


def _segment(length: int, angle: float) -> np.ndarray:
    kernel = np.zeros((length, length), np.uint8)
    centre = (length - 1) / 2
    dx, dy = np.cos(angle) * centre, np.sin(angle) * centre
    cv2.line(kernel, (round(centre - dx), round(centre - dy)),
             (round(centre + dx), round(centre + dy)), 1, 1)
    return kernel


def _local_level(response: np.ndarray) -> np.ndarray:
    """How busy the neighbourhood is: the larger of the mean over 31 px (texture made
    of thin lines) and the median over 15 px (texture everywhere)."""
    mean = cv2.blur(response.astype(np.float32), (31, 31))
    return np.maximum(mean, cv2.medianBlur(response, 15).astype(np.float32))


def find_lines(grey: np.ndarray, sensitivity: float = 0.5) -> np.ndarray:
    from skimage.filters import apply_hysteresis_threshold
    from skimage.morphology import skeletonize

    response = top_hat(grey, LINE_WIDTH)
    along = np.zeros_like(response)
    for angle in np.arange(ANGLES) * np.pi / ANGLES:
        np.maximum(along, cv2.morphologyEx(response, cv2.MORPH_OPEN,
                                           _segment(LINE_LENGTH, angle)), out=along)
    score = along.astype(np.float32) - _local_level(along)
    high = 80.0 - 60.0 * sensitivity  # grey levels above the local level: 50 by default
    candidates = apply_hysteresis_threshold(score, high / 2, high).astype(np.uint8)
    # Blobs are not lines: drop what a disc as wide as the top-hat fits inside.
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (LINE_WIDTH, LINE_WIDTH))
    blobs = cv2.morphologyEx(candidates, cv2.MORPH_OPEN, disc)
    blobs = cv2.dilate(blobs, np.ones((3, 3), np.uint8))
    thin = candidates & (1 - blobs)
    count, labels = cv2.connectedComponents(thin, connectivity=8)
    lengths = np.bincount(labels[skeletonize(thin.astype(bool))], minlength=count)
    long_enough = lengths >= MIN_LENGTH
    long_enough[0] = False
    return long_enough[labels]


def find_specks(grey: np.ndarray, sensitivity: float = 0.5) -> np.ndarray:
    response = top_hat(grey, SPECK_SIZE)
    # specks must stand out far more than the neighbourhood's own small details
    score = response.astype(np.float32) - 4.0 * _local_level(response)
    high = 60.0 - 40.0 * sensitivity
    strong = (score >= high).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(strong, connectivity=8)
    width, height, area = stats[:, 2], stats[:, 3], stats[:, 4]
    compact = (area <= MAX_SPECK_AREA) & (np.maximum(width, height) < SPECK_SIZE) \
        & (area >= 0.4 * width * height)
    compact[0] = False
    return compact[labels]
