"""Named sliders: latent directions fitted to things a person can name.

Thousands of random latents are decoded and each picture is measured (``ATTRIBUTES``:
lightness, colourfulness, warmth, size of the figure, roundness). A linear regression
from the standard normal noise behind each latent to each measure gives the direction in
which that measure grows fastest; as InterFaceGAN does for conditional editing (Shen et
al., CVPR 2020), each direction is then made orthogonal to the other measures' directions,
so that to first order it leaves them where they are. Each direction is checked as a user
would use it: moved from -3 to +3 standard deviations from ``CHECK_SEEDS`` seeds, its own
measure must follow monotonically (mean Spearman correlation at least ``MONOTONIC``). How
much each measure moves over that sweep, in standard deviations of the measure over
random pictures, is reported for its own measure (``effect``) and for the others
(``disturbance``). Only directions that pass become sliders.

Fitting takes seconds for a 64 px model; the result is cached per model file (its
SHA-256) in the cache folder, and ``genart latent-directions MODEL`` writes the report
into a model's card.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

ATTRIBUTES = ("lightness", "colourfulness", "warmth", "size", "roundness")
DESCRIPTIONS = {
    "lightness": "mean CIELAB lightness of the figure",
    "colourfulness": "mean CIELAB chroma of the figure",
    "warmth": "mean of a* + b* over the figure (red and yellow against green and blue)",
    "size": "share of the picture the figure covers (alpha over one half)",
    "roundness": "4 pi area / perimeter^2 of the figure's largest shape",
}
MONOTONIC = 0.9
FIT_SAMPLES = 4096
CHECK_SEEDS = 32
CHECK_AMOUNTS = np.linspace(-3.0, 3.0, 13)
FIT_SEED_BASE = 1_000_000  # seeds for fitting, apart from the ones users start from
VERSION = 3  # bump when the measures or the fit change: cached results are then redone


@dataclass
class NamedDirection:
    name: str
    direction: list[float]  # unit vector in z
    std: float  # z distance of one slider unit: one standard deviation of the noise behind
    # the latent, along the fitted direction (for a GAN's N(0, I), of the prior itself)
    spearman: float  # mean rank correlation of its own measure with the slider
    effect: float  # its own measure's mean change over -3..+3, in the measure's spread
    disturbance: dict[str, float]  # other measure -> its mean |change|, in its spread

    @property
    def passes(self) -> bool:
        return self.spearman >= MONOTONIC


def picture_attributes(pictures: np.ndarray) -> dict[str, np.ndarray]:
    """N x H x W x 4 straight RGBA uint8 -> measure name -> (N,) float."""
    import cv2

    pictures = np.asarray(pictures)
    values = {name: np.zeros(len(pictures), np.float64) for name in ATTRIBUTES}
    for index, picture in enumerate(pictures):
        alpha = picture[..., 3].astype(np.float32) / 255.0
        weight = alpha.sum() + 1e-6
        lab = cv2.cvtColor(picture[..., :3].astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
        lightness, a, b = lab[..., 0], lab[..., 1], lab[..., 2]
        values["lightness"][index] = float((lightness * alpha).sum() / weight)
        values["colourfulness"][index] = float((np.hypot(a, b) * alpha).sum() / weight)
        values["warmth"][index] = float(((a + b) * alpha).sum() / weight)
        figure = (alpha > 0.5).astype(np.uint8)
        values["size"][index] = float(figure.mean())
        contours, _ = cv2.findContours(figure, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        if contours:
            largest = max(contours, key=cv2.contourArea)
            perimeter = cv2.arcLength(largest, True)
            area = cv2.contourArea(largest)
            values["roundness"][index] = 4 * np.pi * area / perimeter ** 2 if perimeter else 0.0
    return values


def rank_correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rho, ties given their average rank (a measure that stays flat over
    part of the sweep does not count as following it); 0 when either side is constant."""
    from scipy.stats import rankdata

    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return 0.0
    return float(np.corrcoef(rankdata(x), rankdata(y))[0, 1])


def fit(model, samples: int = FIT_SAMPLES, check_seeds: int = CHECK_SEEDS, job=None
        ) -> list[NamedDirection]:
    """Fit and check one direction per measure for a loaded ``LatentModel``."""
    noises = np.stack([model.noise_for(FIT_SEED_BASE + i) for i in range(samples)])
    latents = model.latent_mean + noises @ model.latent_basis.T
    if job is not None:
        job.progress(0.05, "measuring random pictures")
    measured = picture_attributes(model.decode_many(latents, job=job))
    centred = noises - noises.mean(0)
    spread = {name: float(measured[name].std()) + 1e-9 for name in ATTRIBUTES}
    targets = np.stack([(measured[name] - measured[name].mean()) / spread[name]
                        for name in ATTRIBUTES], axis=1)
    gradients = np.linalg.lstsq(centred, targets, rcond=None)[0].T  # measures x noise
    fitted = []
    for number, name in enumerate(ATTRIBUTES):
        # orthogonal to the other measures' gradients: moves this one, holds the others
        others = np.delete(gradients, number, axis=0)
        basis, _ = np.linalg.qr(others.T)
        along_noise = gradients[number] - basis @ (basis.T @ gradients[number])
        along_noise /= max(np.linalg.norm(along_noise), 1e-12)
        step = model.latent_basis @ along_noise  # one prior standard deviation, in z
        std = float(np.linalg.norm(step))
        direction = step / max(std, 1e-12)
        if job is not None:
            job.progress(0.4 + 0.6 * number / len(ATTRIBUTES), f"checking {name}")
        rows = [model.latent_for(seed) + amount * std * direction
                for seed in range(check_seeds) for amount in CHECK_AMOUNTS]
        swept = picture_attributes(model.decode_many(np.stack(rows), job=job))
        sweeps = {other: swept[other].reshape(check_seeds, len(CHECK_AMOUNTS))
                  for other in ATTRIBUTES}
        change = {other: float(np.mean(np.abs(sweep[:, -1] - sweep[:, 0]))) / spread[other]
                  for other, sweep in sweeps.items()}
        fitted.append(NamedDirection(
            name=name, direction=[float(v) for v in direction], std=std,
            spearman=float(np.mean([rank_correlation(CHECK_AMOUNTS, row)
                                    for row in sweeps[name]])),
            effect=change[name],
            disturbance={other: change[other] for other in ATTRIBUTES if other != name}))
    return fitted


def report(fitted: list[NamedDirection]) -> dict:
    """What a model card says about its named directions."""
    return {"method": f"linear regression of each measure on the noise of {FIT_SAMPLES} random "
                      f"latents; checked from {CHECK_SEEDS} seeds, -3..+3 standard deviations",
            "measures": {name: DESCRIPTIONS[name] for name in ATTRIBUTES},
            "monotonic_at_least": MONOTONIC,
            "change_unit": "mean change over the sweep, in standard deviations of the measure "
                           "over random pictures",
            "directions": [{"name": d.name, "spearman": round(d.spearman, 3),
                            "effect": round(d.effect, 2),
                            "disturbance": {k: round(v, 2) for k, v in d.disturbance.items()},
                            "shown": d.passes} for d in fitted]}


def _cache_path(model) -> Path:
    from genart_desktop.core import paths

    weights = model.card.get("weights") or {}
    key = str(weights.get("sha256") or "")[:16]
    if not key:  # a card without a hash: the file's size and time stand in
        stat = model.info.weights_path.stat()
        key = f"{stat.st_size:x}-{int(stat.st_mtime):x}"
    return paths.cache_dir() / "latent-named-directions" / f"{model.name}-{key}-v{VERSION}.json"


def load_or_fit(model, job=None) -> list[NamedDirection]:
    """The model's named directions, from the cache when it has them."""
    path = _cache_path(model)
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        fitted = [NamedDirection(**entry) for entry in stored]
        if all(len(d.direction) == model.z_dim for d in fitted):
            return fitted
    except (OSError, ValueError, TypeError):
        pass
    fitted = fit(model, job=job)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps([asdict(d) for d in fitted]), encoding="utf-8")
    tmp.replace(path)
    return fitted
