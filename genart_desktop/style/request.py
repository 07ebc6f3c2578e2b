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

# Brush scale (``StyleRequest.style_scale``): the panel's "Brush scale" slider and
# `genart stylize --style-scale` share this range and default. Scale 1 paints strokes the
# size they have on a picture of REFERENCE_SIDE px; 2 twice as large, 0.5 half.
STYLE_SCALE_RANGE = (0.25, 4.0)
DEFAULT_STYLE_SCALE = 1.0
REFERENCE_SIDE = 1024  # the longest side the networks paint at, at scale 1


@dataclass
class QualitySettings:
    """Gatys optimization: steps, optimizer, loss weights, coarse-to-fine levels.

    The defaults are the quick schedule (see ``optimize.py``): start from the fast
    network's result, most evaluations at low resolution, stop a level once its loss is
    flat. ``TODAY`` below is the optimization before that (the benchmark's baseline).
    """

    iterations: int = 24  # loss evaluations at the full size; see coarse_factor
    optimizer: str = "lbfgs"  # "lbfgs" or "adam"
    content_weight: float = 1.0
    style_weight: float = 3.0
    scales: int = 2  # coarse-to-fine levels, each half the size of the next
    preview_every: int = 4  # also how often a level checks whether its loss is flat
    adam_lr: float = 0.02
    # Each coarser level gets this many times the evaluations of the next finer one; it
    # costs a quarter per evaluation, so 2 spends half as much time there as one level up.
    coarse_factor: float = 2.0
    init: str = "network"  # "network": the fast network's result; "content": the photo
    # A level stops once a chunk of ``preview_every`` evaluations lowered the loss by less
    # than this fraction per evaluation (0: always run every evaluation).
    flat_change: float = 0.003
    # VGG16's arithmetic: "bfloat16" (under autocast; the picture, Grams and losses stay
    # float32), "float32", or "auto": bfloat16 on a CPU with bfloat16 instructions
    # (AVX512-BF16 or AMX; on a 2-core EPYC it measured 1.6x faster per evaluation at
    # 512 px with losses within 3%: `bench style --only quality`), float32 elsewhere.
    precision: str = "auto"

    def level_iterations(self) -> list[int]:
        """Evaluations per level, coarsest first."""
        return [max(1, round(self.iterations * self.coarse_factor ** k))
                for k in range(self.scales - 1, -1, -1)]

    def full_size_evaluations(self) -> float:
        """The schedule's cost in full-size evaluations (each level has a quarter of the
        next one's pixels); an upper bound, as flat levels stop early."""
        levels = self.level_iterations()
        return sum(n / 4 ** (len(levels) - 1 - k) for k, n in enumerate(levels))


#: The optimization as it was before the quick schedule, as ``bench style`` measured it:
#: 100 L-BFGS evaluations at the full size, from the photo, no early stop (the baseline
#: the quick schedule's time and losses are compared with).
TODAY = QualitySettings(iterations=100, scales=1, preview_every=5, coarse_factor=1.0,
                        init="content", flat_change=0.0)


@dataclass
class StyleRequest:
    """What to do; plain data, so the window can keep and replay it.

    ``builtin`` maps 0-based indices of the 26 styles to weights; ``pictures`` lists
    (picture, weight), a picture being an HxWx3/4 uint8 array or a file path.

    ``style_scale`` is the brush scale. The networks paint strokes of a fixed size in
    the pixels they work at, so the engine runs them on the picture resized to a longest
    side of ``REFERENCE_SIDE / style_scale`` (never more than twice the picture's) and
    brings the result back to the picture's size keeping its detail (``scale.py``).
    Strokes thus keep the same size relative to the picture whatever its resolution;
    scale 1 on a picture of REFERENCE_SIDE px is exactly the network at the picture's
    own size (the result before the scale existed). For the any-picture network
    ``arbitrary_size``, when given, replaces REFERENCE_SIDE (a smaller, faster working
    size at scale 1). The quality mode scales the style picture instead (its Grams are
    taken at the picture's side times the scale). None: no resizing at all, the network
    at the picture's own size (previews and thumbnails, whose size is already chosen).
    """

    builtin: dict[int, float] = field(default_factory=dict)
    pictures: list[tuple[PictureLike, float]] = field(default_factory=list)
    mode: str = "auto"
    strength: float = 1.0
    preserve_colors: bool = False
    max_size: int | None = None  # longest output side; None: the original's (quality: capped)
    tile: int | None = None  # None: automatic; 0: never; N: tiles of N px
    arbitrary_size: int | None = None  # any-picture network: working side at scale 1
    style_scale: float | None = DEFAULT_STYLE_SCALE  # see the class's docstring
    runtime: str = "auto"  # "auto", "torch" or "onnxruntime" (CPU only)
    quality: QualitySettings = field(default_factory=QualitySettings)
