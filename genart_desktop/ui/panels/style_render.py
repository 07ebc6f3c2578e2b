"""What a click in the style gallery computes, Qt-free: a quick preview, then the full result.

    result = render(engine, picture, choice, job)

``job.partial`` receives the preview (the picture stylized at a reduced size, enlarged
back to the picture's size so the canvas does not jump) and, in the highest-quality
mode, the optimization's improving pictures; the return value is the full-size result.
``plan`` says beforehand whether the picture will be tiled and how long it should take.

The brush scale fixes the size the networks paint at (``style/scale.py``), whatever the
canvas's size; the preview paints at that same size when its time budget allows, so it
shows the strokes the result will have (on a slow machine or at a fine brush it paints
smaller, and its strokes come out coarser than the result's).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from genart_desktop.core.jobs import Job, format_duration
from genart_desktop.style import scale
from genart_desktop.style.catalogue import StyleEntry
from genart_desktop.style.request import DEFAULT_STYLE_SCALE, REFERENCE_SIDE

PREVIEW_SIDE = 320  # the instant preview's longest side on an idle machine
# The range it adapts within (see RateBook.preview_side); up to the reference working
# size, so that a fast machine previews the result's very strokes.
PREVIEW_SIDES = (160, REFERENCE_SIDE)
PREVIEW_BUDGET_S = 0.12  # computing the preview should take about this long
FAST_PICTURE_SIDE = 512  # "fast" runs the any-picture network at this size, then enlarges
QUALITY_SIDE = 384  # the optimization's output cap on a CPU in the panel (slow otherwise)
MODES = {"fast": "Fast", "picture": "Any picture (full detail)", "quality": "Highest quality"}
# Seconds per megapixel on a 2-core CPU (measured; replaced by what this machine does):
# the networks per working megapixel, the optimization per megapixel at 100 full-size
# evaluations.
DEFAULT_RATES = {"fast": 0.45, "picture": 1.3, "tiled": 6.0, "quality": 1500.0}
UPSAMPLE_S_PER_MP = 0.25  # back from the working size to the canvas's (scale.guided_upsample)


@dataclass
class StyleChoice:
    """The panel's controls as plain data."""

    styles: list[tuple[StyleEntry, float]]
    mode: str = "fast"  # a key of MODES
    strength: float = 1.0
    preserve_colors: bool = False
    quality: object | None = None  # QualitySettings for the highest-quality mode
    style_scale: float = DEFAULT_STYLE_SCALE  # the brush scale (StyleRequest.style_scale)

    def effective_mode(self) -> str:
        """Built-in styles exist only as a fast network: a mix with one is never optimized."""
        if self.mode == "quality" and any(not entry.is_picture for entry, _ in self.styles):
            return "picture"
        return self.mode

    def parameters(self) -> dict:
        """What the canvas state (and a saved PNG) records about how it was made."""
        return {"style": {
            "styles": [[entry.id, entry.name, round(weight, 3)] for entry, weight in self.styles],
            "mode": self.effective_mode(), "strength": round(self.strength, 3),
            "preserve_colors": self.preserve_colors, "style_scale": round(self.style_scale, 3)}}

    def label(self) -> str:
        names = " + ".join(entry.name for entry, _ in self.styles[:3])
        return f"Style: {names}{' + …' if len(self.styles) > 3 else ''}"


@dataclass
class Plan:
    width: int
    height: int
    tiled: bool
    tile: int
    seconds: float
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        size = f"{self.width}×{self.height}"
        how = (f"tiled in {self.tile} px pieces (whole-picture statistics, no seams)"
               if self.tiled else "in one piece")
        text = f"{size}, {how}: about {format_duration(self.seconds)}"
        return "; ".join([text, *self.notes])


class RateBook:
    """Seconds per megapixel per engine, learnt from the renders this session made."""

    def __init__(self) -> None:
        self.rates = dict(DEFAULT_RATES)

        self.preview_rates: dict[str, float] = {}  # per network: "builtin" or "picture"

    def learn(self, kind: str, megapixels: float, seconds: float) -> None:
        if megapixels > 0.05:  # tiny pictures are dominated by overheads
            self.rates[kind] = 0.5 * self.rates[kind] + 0.5 * seconds / megapixels

    def learn_preview(self, megapixels: float, seconds: float, network: str = "builtin") -> None:
        rate = seconds / max(megapixels, 1e-3)
        old = self.preview_rates.get(network)
        self.preview_rates[network] = rate if old is None else 0.5 * old + 0.5 * rate

    def preview_side(self, network: str = "builtin") -> int:
        """The preview's side that keeps it within PREVIEW_BUDGET_S on this machine now
        (a busy CPU gets a smaller, blurrier preview rather than a late one)."""
        rate = self.preview_rates.get(network)
        if rate is None:
            return PREVIEW_SIDE
        side = int((PREVIEW_BUDGET_S / rate * 1e6) ** 0.5) // 16 * 16
        return min(max(side, PREVIEW_SIDES[0]), PREVIEW_SIDES[1])


def working_shapes(choice: StyleChoice, shape: tuple[int, ...]) -> dict[str, tuple[int, int]]:
    """(height, width) each network of the choice paints at in the full render:
    "builtin" and/or "picture" (the engine's rule, ``scale.work_shape``)."""
    height, width = quality_shape(shape) if choice.effective_mode() == "quality" else shape[:2]
    shapes = {}
    if any(not entry.is_picture for entry, _ in choice.styles):
        shapes["builtin"] = scale.work_shape(height, width, choice.style_scale)
    if any(entry.is_picture for entry, _ in choice.styles):
        reference = FAST_PICTURE_SIDE if choice.effective_mode() == "fast" else REFERENCE_SIDE
        shapes["picture"] = scale.work_shape(height, width, choice.style_scale, reference)
    return shapes


def quality_shape(shape: tuple[int, ...]) -> tuple[int, int]:
    """The optimization's size for a picture of ``shape`` (capped at QUALITY_SIDE)."""
    height, width = shape[:2]
    factor = min(1.0, QUALITY_SIDE / max(height, width))
    return max(1, round(height * factor)), max(1, round(width * factor))


def plan(choice: StyleChoice, shape: tuple[int, ...], rates: RateBook) -> Plan:
    from genart_desktop.style.stylize import AUTO_TILE, AUTO_TILE_PIXELS

    height, width = shape[:2]
    mode = choice.effective_mode()
    notes = []
    if mode != choice.mode:
        notes.append("built-in styles have no picture to optimize: any-picture network used")
    if mode == "quality":
        side_h, side_w = quality_shape(shape)
        megapixels = side_h * side_w / 1e6
        evaluations = _quality_settings(choice).full_size_evaluations() / 100
        seconds = rates.rates["quality"] * megapixels * evaluations
        if max(height, width) > QUALITY_SIDE:
            notes.append(f"optimized at {QUALITY_SIDE} px, then enlarged")
        return Plan(width, height, False, 0, seconds, notes)
    tiled, seconds = False, 0.0
    for network, (work_h, work_w) in working_shapes(choice, shape).items():
        network_tiled = work_h * work_w > AUTO_TILE_PIXELS
        kind = "tiled" if network_tiled else ("fast" if network == "builtin" else "picture")
        seconds += work_h * work_w / 1e6 * rates.rates[kind]
        if work_h < height:
            seconds += height * width / 1e6 * UPSAMPLE_S_PER_MP
        tiled = tiled or network_tiled
    return Plan(width, height, tiled, AUTO_TILE, seconds, notes)


def request_for(choice: StyleChoice, preview: bool = False):
    from genart_desktop.style.request import StyleRequest

    builtin: dict[int, float] = {}
    pictures = []
    for entry, weight in choice.styles:
        if weight <= 0:
            continue
        if entry.is_picture:
            pictures.append((entry.path, float(weight)))
        else:
            builtin[entry.index] = builtin.get(entry.index, 0.0) + float(weight)
    mode = choice.effective_mode()
    # A preview's picture is already reduced to the size it is painted at (see preview).
    request = StyleRequest(builtin=builtin, pictures=pictures, strength=choice.strength,
                           preserve_colors=choice.preserve_colors,
                           style_scale=None if preview else choice.style_scale)
    if mode == "quality" and not preview:
        request.mode = "quality"
        request.max_size = QUALITY_SIDE
        request.quality = _quality_settings(choice)
    elif mode == "fast" and not preview:
        request.arbitrary_size = FAST_PICTURE_SIDE
    return request


def _quality_settings(choice: StyleChoice):
    """The choice's optimization settings; by default the engine's (the quick schedule)."""
    from genart_desktop.style.request import QualitySettings

    return choice.quality or QualitySettings()


class _StageJob(Job):
    """A job for one stage of the work: its progress maps into [start, end] of the whole,
    its partial pictures are enlarged to the canvas's size, cancel is the outer job's."""

    def __init__(self, outer: Job, start: float, end: float, size: tuple[int, int]):
        super().__init__()
        self.outer, self.start, self.end, self.size = outer, start, end, size

    def cancelled(self) -> bool:
        return self.outer.cancelled()

    def check(self) -> None:
        self.outer.check()

    def cancel(self) -> None:
        self.outer.cancel()

    def progress(self, fraction: float, message: str = "") -> None:
        self.fraction = min(max(float(fraction), 0.0), 1.0)
        self.message = message
        self.outer.progress(self.start + (self.end - self.start) * self.fraction, message)

    def partial(self, result) -> None:
        self.outer.partial(("quality", fit_to(result, self.size)))


def fit_to(picture: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``picture`` resized to (width, height), or as is when it already has that size."""
    if picture.shape[1] == size[0] and picture.shape[0] == size[1]:
        return picture
    return np.asarray(Image.fromarray(picture).resize(size, Image.BICUBIC))


def resize_longest(picture: np.ndarray, side: int) -> np.ndarray:
    """``picture`` with its longest side at ``side`` px (the short side at least 16)."""
    height, width = picture.shape[:2]
    factor = side / max(height, width)
    if factor == 1:
        return picture
    size = (max(16, round(width * factor)), max(16, round(height * factor)))
    return np.asarray(Image.fromarray(picture).resize(size, Image.BILINEAR))


def preview_side(choice: StyleChoice, shape: tuple[int, ...],
                 rates: RateBook | None = None) -> tuple[int, str]:
    """(longest side, network) of the preview: the size the full render's main network
    paints at (so the strokes are the result's), unless that is over the time budget."""
    shapes = working_shapes(choice, shape)
    network = "builtin" if "builtin" in shapes else "picture"
    budget = rates.preview_side(network) if rates else PREVIEW_SIDE
    return min(budget, max(shapes[network])), network


def preview(engine, picture: np.ndarray, choice: StyleChoice, job: Job,
            rates: RateBook | None = None) -> np.ndarray:
    """The picture stylized at a reduced size, enlarged back to the picture's size."""
    side, network = preview_side(choice, picture.shape, rates)
    small = resize_longest(picture, side)
    started = time.perf_counter()
    out = engine.stylize(small, request_for(choice, preview=True), _StageJob(job, 0, 0, (0, 0)))
    if rates is not None:
        rates.learn_preview(small.shape[0] * small.shape[1] / 1e6, time.perf_counter() - started,
                            network)
    return fit_to(out, (picture.shape[1], picture.shape[0]))


def render(engine, picture: np.ndarray, choice: StyleChoice, job: Job,
           rates: RateBook | None = None) -> np.ndarray:
    """Preview (as ``job.partial(("preview", image))``), then the full-size result."""
    size = (picture.shape[1], picture.shape[0])
    job.progress(0.0, "preview")
    job.partial(("preview", preview(engine, picture, choice, job, rates)))
    started = time.perf_counter()
    stage = _StageJob(job, 0.05, 1.0, size)
    result = engine.stylize(picture, request_for(choice), stage)
    seconds = time.perf_counter() - started
    if rates is not None:
        _learn(rates, choice, picture.shape, seconds)
    job.progress(1.0, f"done in {format_duration(seconds)}")
    return fit_to(result, size)


def _learn(rates: RateBook, choice: StyleChoice, shape: tuple[int, ...], seconds: float) -> None:
    """What this render says about this machine's speed (see DEFAULT_RATES)."""
    mode = choice.effective_mode()
    if mode == "quality":  # per megapixel at 100 full-size evaluations
        height, width = quality_shape(shape)
        evaluations = _quality_settings(choice).full_size_evaluations() / 100
        rates.learn("quality", height * width / 1e6 * evaluations, seconds)
        return
    shapes = working_shapes(choice, shape)
    if len(shapes) != 1:
        return  # two networks in one time: nothing to learn about either alone
    network, (work_h, work_w) = next(iter(shapes.items()))
    if work_h < shape[0]:
        seconds -= shape[0] * shape[1] / 1e6 * UPSAMPLE_S_PER_MP
    tiled = plan(choice, shape, rates).tiled
    kind = "tiled" if tiled else ("fast" if network == "builtin" else "picture")
    rates.learn(kind, work_h * work_w / 1e6, max(seconds, 0.0))
