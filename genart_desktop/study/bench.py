"""``python -m genart_desktop.bench study [--size PX] [--repeats N] [--layers]``

On pictures from scikit-image, resized to about a megapixel (1024 x 1024 by default):
  - every seeing aid, ms per megapixel (target < 100 on 2 cores), and the composition
    lines' geometry (drawn by the canvas, so only this is computed while zooming);
  - the painterly rendering: seconds to the first strokes (target < 1) and to the whole
    painting (target < 20), its strokes, and whether the distance to the picture falls
    from frame to frame (24 frames);
  - the value study: exactly N levels, and the Spearman rank correlation of the output
    with the input's CIELAB lightness, N = 2..5 (target >= 0.9; two flat values cannot
    reach it on a picture of evenly spread values: a half-and-half split scores 0.87);
  - with ``--layers``: the style-layer textures of one painting (slow on a CPU).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import cv2
import numpy as np

from genart_desktop.core.benchmarks import emit, hardware

PHOTOS = ("astronaut", "coffee", "chelsea")


def _photo(name: str, size: int) -> np.ndarray:
    from skimage import data

    picture = getattr(data, name)()
    if picture.ndim == 2:
        picture = np.stack([picture] * 3, axis=2)
    return cv2.resize(picture[..., :3], (size, size), interpolation=cv2.INTER_AREA)


def bench_aids(size: int, repeats: int) -> None:
    from genart_desktop.study import aids, overlays

    photo = _photo("astronaut", size)
    megapixels = size * size / 1e6
    for aid in aids.AIDS:
        settings = aids.AidSettings(aid)
        aids.apply_aid(photo, settings)  # warm
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            aids.apply_aid(photo, settings)
            times.append(time.perf_counter() - started)
        emit(f"study.aid.{aid}_ms_per_mp", round(statistics.median(times) * 1000 / megapixels, 1),
             "ms/MP", target=100, picture=f"astronaut {size}x{size}")
    started = time.perf_counter()
    for _ in range(1000):
        for kind in overlays.OVERLAYS:
            overlays.overlay_lines(kind, size, size)
    emit("study.overlay.lines_us", round((time.perf_counter() - started) * 1000 / 4, 2), "us",
         note="geometry of one overlay; the canvas draws the lines at any zoom")


def bench_paint(size: int) -> None:
    from genart_desktop.core.jobs import Job
    from genart_desktop.study.painterly import distance, paint

    photo = _photo("astronaut", size)
    started = time.perf_counter()
    first = []
    job = Job(on_partial=lambda p: first or first.append(time.perf_counter() - started))
    painting = paint(photo, seed=0, job=job)
    total = time.perf_counter() - started
    emit("study.paint.first_strokes_s", round(first[0], 3), "s", target=1.0,
         strokes=painting.stages[0].end, picture=f"astronaut {size}x{size}")
    emit("study.paint.total_s", round(total, 2), "s", target=20.0, strokes=len(painting),
         stages=[[stage.radius, stage.end - stage.start] for stage in painting.stages])
    distances = [distance(frame, photo) for frame in painting.iter_frames(24)]
    falls = sum(b < a for a, b in zip(distances, distances[1:]))
    emit("study.paint.distance_falls", falls / (len(distances) - 1), "fraction of frames",
         target=1.0, first=round(distances[0], 2), last=round(distances[-1], 2),
         unit_of_distance="mean abs difference, 0..255")


def bench_values(size: int) -> None:
    from skimage import color

    from genart_desktop.study.aids import value_study

    for levels in range(2, 6):
        scores, exact = [], True
        for name in PHOTOS:
            photo = _photo(name, min(size, 512))
            study = value_study(photo, levels)
            exact &= len(np.unique(study)) == levels
            scores.append(_spearman(color.rgb2lab(photo)[..., 0].ravel(), study.ravel()))
        emit(f"study.values.spearman_{levels}", round(min(scores), 3), "rho (worst photo)",
             target=0.9, exact_levels=bool(exact),
             per_photo={n: round(s, 3) for n, s in zip(PHOTOS, scores)})


def bench_layers() -> None:
    from genart_desktop.core.device import choose_device
    from genart_desktop.study import layers
    from genart_desktop.style.catalogue import paintings

    os.environ["GENART_CACHE_DIR"] = tempfile.mkdtemp(prefix="genart-bench-")  # not cached
    painting = next(entry.path for entry in paintings() if "starry" in entry.path.name)
    started = time.perf_counter()
    layers.layer_textures(painting, device=choose_device())
    emit("study.layers.textures_s", round(time.perf_counter() - started, 1), "s",
         side=layers.SIDE, iterations=layers.ITERATIONS, device=str(choose_device()))


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    def ranks(x):
        _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
        return (np.cumsum(counts) - (counts - 1) / 2.0)[inverse.ravel()]

    return float(np.corrcoef(ranks(a), ranks(b))[0, 1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m genart_desktop.bench study")
    parser.add_argument("--size", type=int, default=1024, help="picture side (default 1024)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2, help="OpenCV threads (default 2)")
    parser.add_argument("--layers", action="store_true", help="also the style-layer textures")
    args = parser.parse_args(argv)
    cv2.setNumThreads(args.threads)
    emit("study.hardware", None, "", **hardware(), opencv_threads=args.threads)
    bench_aids(args.size, args.repeats)
    bench_paint(args.size)
    bench_values(args.size)
    if args.layers:
        bench_layers()
    return 0
