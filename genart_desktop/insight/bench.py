"""``python -m genart_desktop.bench insight``: palette error, similarity accuracy, speed.

    palette_delta_e_k5 / _k8   mean CIEDE2000 from each pixel to its nearest palette colour,
                               ours against colorthief's median cut, over the sample
                               pictures and the paintings (lower is better)
    similarity_top1            8 random crops per painting (60-80% of the area, a small
                               rotation, brighter or darker, saved as JPEG): how often the
                               crop's own painting comes first among the paintings and the
                               built-in styles
    analysis_seconds           a 1-megapixel picture: features, palette and ranking, on
                               2 threads, the index already cached

Options: --crops N (default 8), --quick (3 crops, 8 paintings).
"""

from __future__ import annotations

import argparse
import io
import time
from pathlib import Path

import numpy as np
from PIL import Image

from genart_desktop.core import paths
from genart_desktop.core.benchmarks import emit, hardware, percentile


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m genart_desktop.bench insight")
    parser.add_argument("--crops", type=int, default=8)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip", action="append", default=[],
                        choices=("palette", "similarity", "speed"))
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(2)  # the target is stated for 2 cores
    emit("hardware", None, "", **hardware())
    if "palette" not in args.skip:
        palette_error(args.quick)
    if "similarity" not in args.skip or "speed" not in args.skip:
        from genart_desktop.insight.features import FeatureExtractor
        from genart_desktop.insight.similarity import build_index

        extractor = FeatureExtractor("cpu")
        started = time.perf_counter()
        index = build_index(extractor, kinds=("painting", "builtin"))
        emit("index_build_seconds", round(time.perf_counter() - started, 2), "s",
             entries=len(index.entries), note="first run renders and analyses; later runs "
                                              "read the cache")
        if "similarity" not in args.skip:
            crop_retrieval(extractor, index, 3 if args.quick else args.crops, args.quick)
        if "speed" not in args.skip:
            analysis_speed(extractor, index)
    return 0


def _pictures(quick: bool) -> list[Path]:
    samples = sorted((paths.resources_dir() / "samples").glob("*.png"))
    paintings = sorted((paths.resources_dir() / "styles").glob("*.jpg"))
    return samples + (paintings[:6] if quick else paintings)


def palette_error(quick: bool) -> None:
    from colorthief import ColorThief

    from genart_desktop.insight.palette import extract_palette, mean_delta_e

    for k in (5, 8):
        ours, theirs, seconds = [], [], []
        for path in _pictures(quick):
            image = np.asarray(Image.open(path).convert("RGB"))
            started = time.perf_counter()
            swatches = extract_palette(image, k)
            seconds.append(time.perf_counter() - started)
            ours.append(mean_delta_e(image, [s.rgb for s in swatches]))
            # MMCQ often returns one colour fewer than asked: ask for one more, keep k
            median_cut = ColorThief(str(path)).get_palette(color_count=k + 1, quality=1)[:k]
            theirs.append(mean_delta_e(image, median_cut))
        wins = sum(a < b for a, b in zip(ours, theirs))
        emit(f"palette_delta_e_k{k}", round(float(np.mean(ours)), 3), "CIEDE2000",
             colorthief=round(float(np.mean(theirs)), 3), pictures=len(ours),
             better_on=wins, median_seconds=round(percentile(seconds, 0.5), 3))


def random_crop(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """60-80% of the area, rotated by up to 5 degrees, brightness x0.8-1.2, JPEG 60-90."""
    picture = Image.fromarray(image)
    width, height = picture.size
    area = rng.uniform(0.6, 0.8)
    aspect = rng.uniform(0.85, 1.15)
    crop_w = min(width, round(width * np.sqrt(area) * aspect))
    crop_h = min(height, round(width * height * area / crop_w))
    left = int(rng.integers(0, width - crop_w + 1))
    top = int(rng.integers(0, height - crop_h + 1))
    picture = picture.crop((left, top, left + crop_w, top + crop_h))
    picture = picture.rotate(rng.uniform(-5, 5), resample=Image.BICUBIC, expand=False,
                             fillcolor=tuple(int(v) for v in image.reshape(-1, 3).mean(0)))
    bright = np.clip(np.asarray(picture, np.float32) * rng.uniform(0.8, 1.2), 0, 255)
    buffer = io.BytesIO()
    Image.fromarray(bright.astype(np.uint8)).save(buffer, "JPEG",
                                                   quality=int(rng.integers(60, 91)))
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))


def crop_retrieval(extractor, index, crops: int, quick: bool) -> None:
    rng = np.random.default_rng(2026)
    paintings = [e for e in index.entries if e.kind == "painting"]
    if quick:
        paintings = paintings[:8]
    first = first_among_paintings = 0
    axis_first = {"style": 0, "subject": 0, "colour": 0}
    queries = 0
    for entry in paintings:
        image = np.asarray(Image.open(entry.picture).convert("RGB"))
        for _ in range(crops):
            features = extractor.compute(random_crop(image, rng))
            matches = index.rank(features)
            queries += 1
            first += matches[0].entry.id == entry.id
            own = [m for m in matches if m.entry.kind == "painting"]
            first_among_paintings += own[0].entry.id == entry.id
            for axis in axis_first:
                best = max(own, key=lambda m: getattr(m, axis))
                axis_first[axis] += best.entry.id == entry.id
    emit("similarity_top1", round(first / queries, 4), "fraction", queries=queries,
         among=len(index.entries), paintings_only=round(first_among_paintings / queries, 4),
         chance=round(1 / len(paintings), 4),
         **{f"{axis}_alone": round(count / queries, 4) for axis, count in axis_first.items()})


def analysis_speed(extractor, index) -> None:
    from genart_desktop.insight.analysis import analyze_array

    photo = Image.open(paths.resources_dir() / "samples" / "astronaut.png").convert("RGB")
    picture = np.asarray(photo.resize((1155, 866), Image.LANCZOS))  # 1.0 megapixels
    analyze_array(picture * 0 + picture, extractor, index)  # warm up the networks
    cold, warm = [], []
    for run in range(5):
        variant = np.ascontiguousarray(np.clip(picture.astype(np.int16) + run + 1, 0, 255)
                                       .astype(np.uint8))  # new content: no cache hit
        started = time.perf_counter()
        analyze_array(variant, extractor, index)
        cold.append(time.perf_counter() - started)
        started = time.perf_counter()
        analyze_array(variant, extractor, index)
        warm.append(time.perf_counter() - started)
    emit("analysis_seconds", round(percentile(cold, 0.5), 3), "s", pixels=picture.shape[0] *
         picture.shape[1], threads=2, worst=round(max(cold), 3),
         cached_picture=round(percentile(warm, 0.5), 3))
