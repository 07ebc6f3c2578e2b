"""Find damage: cracks and scratches (thin, long, dark or light lines) and dust (specks).

Both start from morphological top-hats of the grey picture, which respond only to
features narrower than the structuring element that are darker (black top-hat) or
lighter (white top-hat) than both sides; a step edge between two areas gives nothing.

- Lines: the top-hat is opened with short line segments at 12 angles (a path-opening
  in miniature), so only responses that continue for ``LINE_LENGTH`` px in some
  direction survive; fur, grain and brush texture are mostly shorter. What stays is
  compared with the local level of such responses (busy areas must stand out more) and
  kept by hysteresis (strong seeds, grown along weaker continuations). Each candidate
  line is then judged as a whole by a small logistic regression over what can tell a
  crack from a line the artist drew (``LINE_FEATURES``: its length, width, contrast, how
  busy its surroundings are, the spread of grey inside it and how near black or white it
  is, its shape), fitted on synthetic damage of the tuning pictures (``train_detector``;
  the weights are ``line_classifier.json``). Drawn outlines and brushwork in busy
  paintings pass the top-hat as easily as cracks; the regression keeps most of them out
  (the grey-level features carry most of its gain over the filters alone).
- Specks: small compact blobs much darker or lighter than around them.

``sensitivity`` (0..1, default 0.5) lowers the probability a candidate line needs (the
candidates themselves do not change, so a higher sensitivity never finds fewer lines)
and the contrast a speck needs. The found mask is grown by a pixel, since real cracks
have soft edges the repair must cover.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from genart_desktop.core.jobs import Job

LINE_WIDTH = 9  # top-hat disc: lines up to ~8 px wide
LINE_LENGTH = 19  # a line response must continue this far in one direction
ANGLES = 12
MIN_LENGTH = 20  # px of skeleton for a found line (shorter: a speck's business)
CANDIDATE_CONTRAST = 30.0  # grey levels above the local level a candidate line needs
# Above this sensitivity, fainter candidates (FAINT_CONTRAST) are judged too. Judging them
# at every sensitivity costs F1 (0.735 -> 0.668 held out at 20 levels): they are mostly
# texture.
FAINT_FROM, FAINT_CONTRAST = 5 / 6, 20.0
LINE_CLASSIFIER = Path(__file__).with_name("line_classifier.json")
LINE_FEATURES = ("log_length", "width", "score_mean", "score_max", "along_mean", "level_mean",
                 "grey_std", "grey_extreme", "straightness", "fill_ratio", "log_area")
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


@dataclass
class LineCandidates:
    count: int  # labels 1..count-1 are candidate lines, 0 is the rest
    labels: np.ndarray  # int32 HxW
    skeleton: np.ndarray  # bool HxW
    score: np.ndarray  # float32 HxW: line response above the local level
    along: np.ndarray  # float32 HxW: line response
    level: np.ndarray  # float32 HxW: local level of line responses


@dataclass
class LineResponse:
    along: np.ndarray  # float32 HxW: thin-line response that continues in some direction
    level: np.ndarray  # float32 HxW: local level of such responses
    score: np.ndarray  # float32 HxW: along - level


def line_response(grey: np.ndarray) -> LineResponse:
    """The top-hat opened along 12 directions, and how far it stands above its
    surroundings: the costly part of finding lines, computed once per picture."""
    response = top_hat(grey, LINE_WIDTH)
    along = np.zeros_like(response)
    for angle in np.arange(ANGLES) * np.pi / ANGLES:
        np.maximum(along, cv2.morphologyEx(response, cv2.MORPH_OPEN,
                                           _segment(LINE_LENGTH, angle)), out=along)
    level = _local_level(along)
    return LineResponse(along.astype(np.float32), level, along.astype(np.float32) - level)


def line_candidates(grey: np.ndarray, contrast: float = CANDIDATE_CONTRAST,
                    response: LineResponse | None = None) -> LineCandidates:
    """Thin connected lines standing ``contrast`` grey levels above their surroundings'
    own line responses (hysteresis from half of that)."""
    from skimage.filters import apply_hysteresis_threshold
    from skimage.morphology import skeletonize

    response = response or line_response(grey)
    candidates = apply_hysteresis_threshold(response.score, contrast / 2,
                                            contrast).astype(np.uint8)
    # Blobs are not lines: drop what a disc as wide as the top-hat fits inside.
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (LINE_WIDTH, LINE_WIDTH))
    blobs = cv2.morphologyEx(candidates, cv2.MORPH_OPEN, disc)
    blobs = cv2.dilate(blobs, np.ones((3, 3), np.uint8))
    thin = candidates & (1 - blobs)
    count, labels = cv2.connectedComponents(thin, connectivity=8)
    return LineCandidates(count, labels, skeletonize(thin.astype(bool)), response.score,
                          response.along, response.level)


def line_features(grey: np.ndarray, lines: LineCandidates) -> np.ndarray:
    """(count, len(LINE_FEATURES)): one row per candidate label (row 0: the background)."""
    count, labels = lines.count, lines.labels
    flat = labels.ravel()

    def mean_of(values: np.ndarray) -> np.ndarray:
        return np.bincount(flat, weights=values.ravel().astype(np.float64),
                           minlength=count) / np.maximum(area, 1)

    area = np.bincount(flat, minlength=count).astype(np.float64)
    length = np.bincount(labels[lines.skeleton], minlength=count).astype(np.float64)
    level = grey.astype(np.float64)
    grey_mean = mean_of(level)
    grey_std = np.sqrt(np.maximum(mean_of(level ** 2) - grey_mean ** 2, 0.0))
    ys, xs = np.nonzero(labels)
    owner = labels[ys, xs]
    score_max = np.full(count, -np.inf)
    np.maximum.at(score_max, owner, lines.score[ys, xs])
    x0, y0 = np.full(count, np.inf), np.full(count, np.inf)
    x1, y1 = np.full(count, -np.inf), np.full(count, -np.inf)
    np.minimum.at(x0, owner, xs)
    np.minimum.at(y0, owner, ys)
    np.maximum.at(x1, owner, xs)
    np.maximum.at(y1, owner, ys)
    box = np.maximum((x1 - x0 + 1) * (y1 - y0 + 1), 1)
    features = np.stack([
        np.log1p(length),
        area / np.maximum(length, 1),              # mean width
        mean_of(lines.score),
        score_max,
        mean_of(lines.along),
        mean_of(lines.level),                      # how busy the surroundings are
        grey_std,                                  # how uniform inside
        np.minimum(grey_mean, 255 - grey_mean),    # how near black or white
        np.hypot(x1 - x0, y1 - y0) / np.maximum(length, 1),  # straightness
        area / box,                                # how much of its box it fills
        np.log1p(area),
    ], axis=1)
    features[0] = 0.0  # the background row: nan/inf free
    return features


@dataclass(frozen=True)
class LineClassifier:
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def probability(self, features: np.ndarray) -> np.ndarray:
        z = (features - self.mean) / self.scale @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def to_json(self) -> dict:
        return {"features": list(LINE_FEATURES), "mean": self.mean.tolist(),
                "scale": self.scale.tolist(), "weights": self.weights.tolist(),
                "bias": self.bias}


@functools.lru_cache(maxsize=1)
def line_classifier() -> LineClassifier:
    data = json.loads(LINE_CLASSIFIER.read_text(encoding="utf-8"))
    if tuple(data["features"]) != LINE_FEATURES:
        raise RuntimeError(f"{LINE_CLASSIFIER.name} was fitted on other features: "
                           "python -m genart_desktop.restore.train_detector")
    return LineClassifier(np.array(data["mean"]), np.array(data["scale"]),
                          np.array(data["weights"]), float(data["bias"]))


def find_lines(grey: np.ndarray, sensitivity: float = 0.5) -> np.ndarray:
    # A candidate needs a probability of 0.45 of being damage at the default sensitivity;
    # at full sensitivity every long enough candidate is kept. The candidates do not
    # depend on the sensitivity, so a higher one never finds fewer lines.
    threshold = 0.9 - 0.9 * sensitivity
    response = line_response(grey)
    found = _judged_lines(grey, response, CANDIDATE_CONTRAST, threshold)
    if sensitivity > FAINT_FROM:
        found |= _judged_lines(grey, response, FAINT_CONTRAST, threshold)
    return found


def _judged_lines(grey: np.ndarray, response: LineResponse, contrast: float,
                  threshold: float) -> np.ndarray:
    lines = line_candidates(grey, contrast, response)
    if lines.count <= 1:
        return np.zeros(grey.shape, bool)
    features = line_features(grey, lines)
    probability = line_classifier().probability(features)
    long_enough = features[:, LINE_FEATURES.index("log_length")] >= np.log1p(MIN_LENGTH)
    keep = (probability >= threshold) & long_enough
    keep[0] = False
    return keep[lines.labels]


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
