"""``python -m genart_desktop.bench panel latent``: slider moved -> new image on the canvas.

A scripted drag of 200 steps on direction 1 in the real window (offscreen): each step sets
the slider as a hand would, and the clock stops when the decoded picture is on the canvas
and painted. Run for each shipped latent model, idle and while a GAN trains in the
background on the panel's own training worker. The UI-thread stall during that drag is
``python -m genart_desktop.bench ui --scenario latent`` (``latent.stall_scenario``).

``latent_slider_memory_growth``: resident memory before and after 2,000 slider moves made as
20 drags of 100 (after 200 moves of warm-up), idle, on the first model; the growth over the
second half, and the undo history's own growth (20 pictures, bounded by its budget), are
reported beside it.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from genart_desktop.core.benchmarks import emit, hardware, percentile, rss_mb

BENCH_MODEL = "latent-bench-gan"  # trained for 2 steps when no shipped latent model is installed


def make_disc_folder(folder: Path, count: int, size: int = 64) -> Path:
    """``count`` coloured discs and squares on transparency: a stand-in for user images."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:size, :size]
    for index in range(count):
        image = np.zeros((size, size, 4), np.uint8)
        radius = rng.integers(size // 6, size // 2 - 2)
        if index % 2:
            inside = (yy - size / 2) ** 2 + (xx - size / 2) ** 2 < radius ** 2
        else:
            inside = (abs(yy - size / 2) < radius) & (abs(xx - size / 2) < radius)
        image[inside, :3] = rng.integers(0, 256, 3)
        image[inside, 3] = 255
        Image.fromarray(image, "RGBA").save(folder / f"shape{index:03d}.png")
    return folder


def bench_models(panel) -> list[str]:
    """The shipped latent models, or a stand-in of the shipped GAN's size trained for two
    steps (decoding costs the same whatever the weights)."""
    shipped = [info.name for info in panel._infos.values() if info.shipped]
    if shipped:
        return shipped
    if not any(info.name == BENCH_MODEL for info in panel._infos.values()):
        from genart_desktop.core.jobs import Job
        from genart_desktop.latent.train import TrainParams, train

        folder = make_disc_folder(Path(tempfile.mkdtemp(prefix="genart-latent-bench-")), 20)
        train(TrainParams(folder=str(folder), kind="gan", output=BENCH_MODEL, epochs=1,
                          batch_size=8, device="cpu", partial_every=0), Job())
        panel.refresh_models()
    return [BENCH_MODEL]


def prepare_gan_run(box, folder: Path, name: str) -> None:
    """Fill the panel's training box as a user would for an hour-long 64 px GAN run on
    ``folder``, from scratch (``box.start()`` starts it)."""
    box.kind_box.setCurrentIndex(box.kind_box.findData("gan"))
    box.size_box.setCurrentIndex(box.size_box.findData(64))
    box.length_unit.setCurrentIndex(box.length_unit.findData("minutes"))
    box.length_spin.setValue(60)
    box.restart_check.setChecked(True)
    box.set_folder(str(folder))
    box.name_edit.setText(name)


def ensure_bench_model(panel) -> None:
    """Select a model for the stall scenario (the first shipped one, or the stand-in)."""
    panel.select_model(bench_models(panel)[0])


def wait_shown(app, panel, serial: int) -> None:
    """Until the picture for request ``serial`` is on the canvas; a message (a model that
    does not load, say) ends the benchmark instead of waiting for ever."""
    messages = len(panel.window_.messages)
    while panel._shown_serial < serial:
        if len(panel.window_.messages) > messages:
            raise SystemExit(f"latent benchmark: {panel.window_.messages[-1]}")
        app.processEvents()
        time.sleep(0.0005)


def drag_latencies(app, panel, steps: int) -> list[float]:
    """Milliseconds from each slider move to its picture painted on the canvas."""
    canvas = panel.window_.canvas
    slider = panel.sliders[0]
    values = [round(300 * np.sin(2 * np.pi * i / steps)) for i in range(1, steps + 1)]
    history_before = len(canvas.history)
    slider.setSliderDown(True)  # emits sliderPressed: the panel begins the undo step
    latencies = []
    for value in values:
        if value == slider.value():
            value += 1
        start = time.perf_counter()
        slider.setValue(value)
        wait_shown(app, panel, panel._serial)
        canvas.repaint()
        latencies.append((time.perf_counter() - start) * 1000)
    slider.setSliderDown(False)  # sliderReleased: the step ends with the last picture
    while canvas.history.in_gesture:
        app.processEvents()
    assert len(canvas.history) == history_before + 1, "one drag should be one undo step"
    return latencies


def memory_growth(app, panel, moves: int, drags: int, warm_up_moves: int = 200) -> dict:
    """Resident memory (MB) before and after ``moves`` slider moves in ``drags`` drags,
    after a warm-up (the allocator's pools, Qt's caches and the first undo steps fill)."""
    canvas = panel.window_.canvas
    per_drag = max(1, moves // drags)
    for _ in range(max(1, warm_up_moves // per_drag)):
        drag_latencies(app, panel, per_drag)
    gc.collect()
    before, history_before, steps_before = rss_mb(), canvas.history.held_bytes, len(canvas.history)
    after_each = []
    for _ in range(drags):
        drag_latencies(app, panel, per_drag)
        after_each.append(rss_mb())
    gc.collect()
    half = after_each[len(after_each) // 2 - 1] if len(after_each) > 1 else before
    return {"growth_mb": rss_mb() - before, "rss_before_mb": before,
            "second_half_growth_mb": after_each[-1] - half,
            "history_growth_mb": (canvas.history.held_bytes - history_before) / 2**20,
            "undo_steps_added": len(canvas.history) - steps_before}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m genart_desktop.bench panel latent")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--model", action="append", help="model name (default: the shipped ones)")
    parser.add_argument("--no-training", action="store_true",
                        help="skip the drag while a model trains")
    parser.add_argument("--memory-moves", type=int, default=2000,
                        help="slider moves for the memory measurement (0: skip it)")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from genart_desktop.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    window = MainWindow(restore_layout=False)
    window.show()
    app.processEvents()
    panel = window.panels["latent"]
    models = args.model or bench_models(panel)
    info = hardware()
    conditions = ["idle"] + ([] if args.no_training else ["training"])
    for condition in conditions:
        if condition == "training":
            folder = make_disc_folder(Path(tempfile.mkdtemp(prefix="genart-latent-bench-")), 64)
            box = panel.training
            prepare_gan_run(box, folder, "latent-bench-training")
            box.start()
            while not any(m.startswith("step") for m in box.messages):  # the run is under way
                app.processEvents()
                time.sleep(0.01)
        for name in models:
            if not panel.select_model(name):
                raise SystemExit(f"no latent model named {name!r}")
            wait_shown(app, panel, panel.request_render("warm-up"))
            latencies = drag_latencies(app, panel, args.steps)
            emit("latent_slider_to_canvas", round(statistics.median(latencies), 2), "ms",
                 target=50.0, p95_ms=round(percentile(latencies, 0.95), 2),
                 max_ms=round(max(latencies), 2), steps=len(latencies), model=name,
                 condition=condition, device=str(next(iter(panel._models.values())).device), **info)
        if condition == "training":
            panel.training.cancel()
            while panel.training.running:
                app.processEvents()
                time.sleep(0.01)
    if args.memory_moves > 0:
        name = models[0]
        panel.select_model(name)
        wait_shown(app, panel, panel.request_render("warm-up"))
        drags = 20
        memory = memory_growth(app, panel, args.memory_moves, drags)
        emit("latent_slider_memory_growth", round(memory["growth_mb"], 1), "MB", target=30.0,
             moves=args.memory_moves, drags=drags, undo_steps_added=memory["undo_steps_added"],
             history_growth_mb=round(memory["history_growth_mb"], 1),
             second_half_growth_mb=round(memory["second_half_growth_mb"], 1),
             rss_before_mb=round(memory["rss_before_mb"], 1), model=name, **info)
    window.session.mark_clean()
    window.shutdown_workers()
    window.close()
    return 0
