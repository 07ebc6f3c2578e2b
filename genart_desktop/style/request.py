"""What the style engines are asked to do: plain data, no torch (the window imports it
before any model is loaded, and keeps requests to replay them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

import numpy as np

PictureLike = Union[np.ndarray, str, Path]
# A style's weight in a mix, in the panel's spin boxes and `genart stylize -s STYLE:WEIGHT`
# alike; only the ratios matter, so a bound keeps a typo from drowning the other styles.
MAX_STYLE_WEIGHT = 10.0


@dataclass
class QualitySettings:
    """Gatys optimization: steps, optimizer, loss weights, coarse-to-fine levels."""

    iterations: int = 200  # loss evaluations at each scale
    optimizer: str = "lbfgs"  # "lbfgs" or "adam"
    content_weight: float = 1.0
    style_weight: float = 3.0
    scales: int = 2  # coarse-to-fine levels, each half the size of the next
    preview_every: int = 10
    adam_lr: float = 0.02


@dataclass
class StyleRequest:
    """What to do; plain data, so the window can keep and replay it.

    ``builtin`` maps 0-based indices of the 26 styles to weights; ``pictures`` lists
    (picture, weight), a picture being an HxWx3/4 uint8 array or a file path.
    """

    builtin: dict[int, float] = field(default_factory=dict)
    pictures: list[tuple[PictureLike, float]] = field(default_factory=list)
    mode: str = "auto"
    strength: float = 1.0
    preserve_colors: bool = False
    max_size: int | None = None  # longest output side; None: the original's (quality: capped)
    tile: int | None = None  # None: automatic; 0: never; N: tiles of N px
    arbitrary_size: int | None = None  # transform pictures at this size, then upsize
    runtime: str = "auto"  # "auto", "torch" or "onnxruntime" (CPU only)
    quality: QualitySettings = field(default_factory=QualitySettings)
