"""How it could be painted: Hertzmann's painterly rendering with curved brush strokes
(A. Hertzmann, "Painterly Rendering with Curved Brush Strokes of Multiple Sizes",
SIGGRAPH 1998), recorded stroke by stroke so it can be played back.

Brushes go from large to small. For each brush radius R the picture is blurred (sigma
``blur * R``) into a reference; the canvas is cut into cells of about R; where a cell's
mean colour error against the reference exceeds ``threshold``, a stroke starts at the
cell's worst pixel. A stroke keeps the reference colour of its start and walks R pixels
at a time along the edges (normal to the luminance gradient), bending no more than the
``curvature`` filter allows, and stops when it would make the canvas worse, when the
picture is flat, or at ``max_length`` steps. The first brush covers the whole canvas;
later ones only fix what is wrong, so detail appears where the picture has detail.

As in the paper, every stroke of one brush is planned against the canvas as it was
before that brush, then painted in random order. That makes planning one vectorized
walk of all strokes at once (numpy); painting is one ``cv2.polylines`` per stroke.
One change: a stroke that would take the canvas farther from the picture (strokes of
one brush overlap, each planned without the others) is left out, as in Hertzmann's later
"Paint by Relaxation" (2001). So every stroke brings the painting closer to the picture,
and playback never goes backwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from genart_desktop.core.jobs import Job

SHIFT = 3  # cv2 fixed-point bits: stroke points to 1/8 px
PAPER = (246, 242, 232)  # the empty canvas: a warm off-white


@dataclass
class PaintStyle:
    """Hertzmann's parameters (his 'Impressionist' style, with a finer threshold)."""

    radii: tuple[int, ...] | None = None  # brush radii, large first; None: from the size
    threshold: float = 30.0  # colour distance (0..441) a cell may keep without a stroke
    curvature: float = 1.0  # 1: strokes turn freely; 0: straight
    blur: float = 0.5  # reference blur, in brush radii
    grid: float = 1.0  # cell size, in brush radii
    min_length: int = 4
    max_length: int = 16
    keyframe_every: int = 2000  # strokes between kept frames: seeking redraws at most this


def default_radii(width: int, height: int) -> tuple[int, ...]:
    """A broad brush of 1/48 of the longer side, halved down to about 2 px."""
    longest = max(width, height)
    radius, radii = max(4.0, longest / 48.0), []
    while round(radius) >= 2:
        radii.append(int(round(radius)))
        radius /= 2.0
    return tuple(radii)


@dataclass
class Stage:
    radius: int
    start: int  # index of its first stroke
    end: int  # one past its last stroke


@dataclass
class Painting:
    """The strokes in painting order, and frames kept along the way to seek quickly.

    While it is being painted, ``available`` counts the strokes of finished stages: a
    player may show those already (the engine only appends).
    """

    width: int
    height: int
    points: list[np.ndarray] = field(default_factory=list)  # (n, 2) int32, fixed point
    colours: list[tuple[int, int, int]] = field(default_factory=list)
    radii: list[int] = field(default_factory=list)
    stages: list[Stage] = field(default_factory=list)
    keyframes: dict[int, np.ndarray] = field(default_factory=dict)  # count -> canvas
    available: int = 0
    seed: int = 0

    def __len__(self) -> int:
        return len(self.points)

    def blank(self) -> np.ndarray:
        canvas = np.empty((self.height, self.width, 3), np.uint8)
        canvas[:] = PAPER
        return canvas

    def draw(self, canvas: np.ndarray, start: int, stop: int) -> np.ndarray:
        """Paint strokes ``start:stop`` onto ``canvas`` (in place) and return it."""
        for index in range(start, stop):
            _draw_stroke(canvas, self.points[index], self.colours[index], self.radii[index])
        return canvas

    def frame(self, count: int) -> np.ndarray:
        """The canvas after the first ``count`` strokes (a new array)."""
        count = int(np.clip(count, 0, len(self)))
        kept = max((k for k in list(self.keyframes) if k <= count), default=None)
        canvas = self.blank() if kept is None else self.keyframes[kept].copy()
        return self.draw(canvas, kept or 0, count)

    def stage_at(self, count: int) -> tuple[int, Stage] | None:
        """(index, stage) of the stroke ``count`` is at; None before the first."""
        for index, stage in enumerate(self.stages):
            if stage.start < count <= stage.end:
                return index, stage
        return None

    def frame_counts(self, frames: int) -> list[int]:
        """Stroke counts of ``frames`` evenly spaced frames: the empty canvas to the end."""
        if frames < 2:
            raise ValueError("an animation needs at least 2 frames")
        return [round(i * len(self) / (frames - 1)) for i in range(frames)]

    def iter_frames(self, frames: int):
        """The frames of ``frame_counts`` in order, drawn incrementally (copies)."""
        canvas, drawn = self.blank(), 0
        for count in self.frame_counts(frames):
            self.draw(canvas, drawn, count)
            drawn = count
            yield canvas.copy()


class Player:
    """A cursor over a painting: forward moves draw only the new strokes (cheap enough
    for the UI thread); backward moves start from the nearest kept frame."""

    def __init__(self, painting: Painting) -> None:
        self.painting = painting
        self.count = 0
        self._canvas = painting.blank()

    def seek(self, count: int) -> np.ndarray:
        count = int(np.clip(count, 0, self.painting.available))
        if count >= self.count:
            self.painting.draw(self._canvas, self.count, count)
        else:
            self._canvas = self.painting.frame(count)
        self.count = count
        return self._canvas.copy()


def paint(image: np.ndarray, style: PaintStyle | None = None, seed: int = 0,
          job: Job | None = None) -> Painting:
    """Paint ``image`` (HxWx3/4 uint8) stroke by stroke; the same seed paints the same.

    ``job`` gets progress per stage and, after each stage, ``job.partial(painting)``.
    """
    style = style or PaintStyle()
    job = job or Job()
    source = np.ascontiguousarray(image[:, :, :3]) if image.ndim == 3 else \
        cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    height, width = source.shape[:2]
    radii = style.radii or default_radii(width, height)
    rng = np.random.default_rng(seed)
    painting = Painting(width, height, seed=seed)
    canvas = painting.blank()
    painting.keyframes[0] = canvas.copy()
    weights = np.array([r * r for r in radii], float)  # work grows with the covered area
    done_weight = 0.0
    for stage_index, radius in enumerate(radii):
        job.check()
        job.progress(done_weight / weights.sum(),
                     f"brush {radius} px ({stage_index + 1}/{len(radii)}): planning")
        reference = _reference(source, style.blur * radius)
        points, lengths, colours = _plan_strokes(reference, canvas, radius, style,
                                                 cover_all=stage_index == 0)
        start = len(painting)
        for order, index in enumerate(rng.permutation(len(points))):
            if order % 512 == 0:
                job.check()
            stroke = points[index, : lengths[index]]
            stroke_fixed = np.round(stroke * (1 << SHIFT)).astype(np.int32)
            colour = tuple(int(c) for c in colours[index])
            if not _paint_if_closer(canvas, source, stroke_fixed, colour, radius):
                continue
            painting.points.append(stroke_fixed)
            painting.colours.append(colour)
            painting.radii.append(radius)
            if len(painting) % style.keyframe_every == 0:
                painting.keyframes[len(painting)] = canvas.copy()
        painting.stages.append(Stage(radius, start, len(painting)))
        painting.available = len(painting)
        done_weight += weights[stage_index]
        job.progress(done_weight / weights.sum(),
                     f"brush {radius} px ({stage_index + 1}/{len(radii)}): "
                     f"{len(painting) - start} strokes")
        job.partial(painting)
    return painting


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference per channel (0..255): how far a frame is from the picture."""
    return float(cv2.norm(a[:, :, :3], b[:, :, :3], cv2.NORM_L1)) / (a.shape[0] * a.shape[1] * 3)


# --- planning ----------------------------------------------------------------------------
def _reference(source: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(source, (0, 0), max(sigma, 0.3)) if sigma > 0 else source.copy()


def _plan_strokes(reference: np.ndarray, canvas: np.ndarray, radius: int, style: PaintStyle,
                  cover_all: bool):
    """(points (K, max_length+1, 2) float32, lengths (K,), colours (K, 3)) of the strokes
    this brush paints, all walked at once."""
    height, width = reference.shape[:2]
    ref = reference.astype(np.float32)
    error = np.linalg.norm(ref - canvas.astype(np.float32), axis=2)
    starts_y, starts_x = _stroke_starts(error, max(1, round(style.grid * radius)),
                                        None if cover_all else style.threshold)
    count = len(starts_x)
    points = np.zeros((count, style.max_length + 1, 2), np.float32)
    lengths = np.ones(count, np.int32)
    colours = reference[starts_y, starts_x]
    if count == 0:
        return points, lengths, colours
    luminance = cv2.cvtColor(reference, cv2.COLOR_RGB2GRAY).astype(np.float32)
    grad_x = cv2.Sobel(luminance, cv2.CV_32F, 1, 0, ksize=3)
    grad_y = cv2.Sobel(luminance, cv2.CV_32F, 0, 1, ksize=3)
    colour_error = error  # |reference - canvas| at each pixel
    stroke_colours = colours.astype(np.float32)

    x, y = starts_x.astype(np.float32), starts_y.astype(np.float32)
    points[:, 0, 0], points[:, 0, 1] = x, y
    last_dx, last_dy = np.zeros(count, np.float32), np.zeros(count, np.float32)
    alive = np.arange(count)
    for step in range(1, style.max_length + 1):
        xi = np.clip(np.round(x[alive]).astype(np.int32), 0, width - 1)
        yi = np.clip(np.round(y[alive]).astype(np.int32), 0, height - 1)
        keep = np.ones(len(alive), bool)
        if step > style.min_length:  # stop once the stroke's colour is worse than the canvas
            worse = np.linalg.norm(ref[yi, xi] - stroke_colours[alive], axis=1)
            keep &= colour_error[yi, xi] >= worse
        gx, gy = grad_x[yi, xi], grad_y[yi, xi]
        magnitude = np.hypot(gx, gy)
        keep &= magnitude > 1e-3  # a flat picture gives no direction
        # along the edge: normal to the gradient, not turning back on itself
        dx, dy = -gy / np.maximum(magnitude, 1e-6), gx / np.maximum(magnitude, 1e-6)
        flip = (last_dx[alive] * dx + last_dy[alive] * dy) < 0
        dx, dy = np.where(flip, -dx, dx), np.where(flip, -dy, dy)
        if step > 1:
            c = style.curvature
            dx = c * dx + (1 - c) * last_dx[alive]
            dy = c * dy + (1 - c) * last_dy[alive]
            norm = np.maximum(np.hypot(dx, dy), 1e-6)
            dx, dy = dx / norm, dy / norm
        new_x, new_y = x[alive] + radius * dx, y[alive] + radius * dy
        keep &= (new_x >= 0) & (new_x <= width - 1) & (new_y >= 0) & (new_y <= height - 1)
        alive = alive[keep]
        if not len(alive):
            break
        x[alive], y[alive] = new_x[keep], new_y[keep]
        last_dx[alive], last_dy[alive] = dx[keep], dy[keep]
        points[alive, step, 0], points[alive, step, 1] = x[alive], y[alive]
        lengths[alive] = step + 1
    return points, lengths, colours


def _stroke_starts(error: np.ndarray, cell: int, threshold: float | None):
    """(ys, xs) of the worst pixel of each cell whose mean error exceeds ``threshold``
    (every cell when None)."""
    height, width = error.shape
    rows, cols = -(-height // cell), -(-width // cell)
    padded = np.zeros((rows * cell, cols * cell), np.float32)
    padded[:height, :width] = error
    cells = padded.reshape(rows, cell, cols, cell).transpose(0, 2, 1, 3).reshape(rows, cols, -1)
    chosen = np.ones((rows, cols), bool) if threshold is None else \
        cells.mean(axis=2) > threshold
    worst = cells.argmax(axis=2)
    row, col = np.nonzero(chosen)
    offset = worst[row, col]
    ys = np.minimum(row * cell + offset // cell, height - 1)
    xs = np.minimum(col * cell + offset % cell, width - 1)
    return ys, xs


def _paint_if_closer(canvas: np.ndarray, target: np.ndarray, points: np.ndarray, colour,
                     radius: int) -> bool:
    """Paint the stroke if it brings the canvas nearer ``target`` (tried on its bounding box)."""
    height, width = canvas.shape[:2]
    pad = radius + 2
    x0 = max(0, int(points[:, 0].min() >> SHIFT) - pad)
    y0 = max(0, int(points[:, 1].min() >> SHIFT) - pad)
    x1 = min(width, int(points[:, 0].max() >> SHIFT) + pad + 1)
    y1 = min(height, int(points[:, 1].max() >> SHIFT) + pad + 1)
    region, wanted = canvas[y0:y1, x0:x1], target[y0:y1, x0:x1]
    trial = region.copy()
    _draw_stroke(trial, points - np.array([x0 << SHIFT, y0 << SHIFT], np.int32), colour, radius)
    if cv2.norm(trial, wanted, cv2.NORM_L1) >= cv2.norm(region, wanted, cv2.NORM_L1):
        return False
    region[...] = trial
    return True


def _draw_stroke(canvas: np.ndarray, points: np.ndarray, colour, radius: int) -> None:
    if len(points) == 1:
        cv2.circle(canvas, (int(points[0, 0]), int(points[0, 1])), radius << SHIFT, colour,
                   -1, cv2.LINE_AA, SHIFT)
    else:
        cv2.polylines(canvas, [points], False, colour, 2 * radius, cv2.LINE_AA, SHIFT)


def save_animation(painting: Painting, path, frames: int, duration_s: float = 4.0,
                   hold_s: float = 1.5) -> None:
    """An animated GIF or WebP (by the suffix): the empty canvas first, the finished
    painting last, held ``hold_s`` so it can be seen."""
    from pathlib import Path

    from PIL import Image

    path = Path(path)
    pictures = [Image.fromarray(frame) for frame in painting.iter_frames(frames)]
    step_ms = max(20, round(duration_s * 1000 / (frames - 1)))
    durations = [step_ms] * (frames - 1) + [round(hold_s * 1000)]
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    if path.suffix.lower() == ".gif":
        pictures[0].save(tmp, format="GIF", save_all=True, append_images=pictures[1:],
                         duration=durations, loop=0, optimize=False)
    elif path.suffix.lower() == ".webp":
        pictures[0].save(tmp, format="WEBP", save_all=True, append_images=pictures[1:],
                         duration=durations, loop=0, quality=85, method=2)
    else:
        raise ValueError(f"{path.name}: an animation is .gif or .webp")
    tmp.replace(path)
