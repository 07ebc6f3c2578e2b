"""``python -m genart_desktop.bench panel latent``: slider moved -> new image on the canvas.

A scripted drag of 200 steps on direction 1 in the real window (offscreen): each step sets
the slider as a hand would, and the clock stops when the decoded picture is on the canvas
and painted. Run for each shipped latent model, idle and while a GAN trains in the
background on the panel's own training worker. The UI-thread stall during that drag is
``python -m genart_desktop.bench ui --scenario latent`` (``latent.stall_scenario``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from genart_desktop.core.benchmarks import emit, hardware, percentile

BENCH_MODEL = "latent-bench-gan"  # trained for 2 steps when no latent model is installed


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


def ensure_bench_model(panel) -> None:
    """Benchmarks need a model of the shipped size; train a 2-step stand-in if none is
    installed (decoding costs the same whatever the weights)."""
    if panel.current_info() is not None:
        return
    from genart_desktop.core.jobs import Job
    from genart_desktop.latent.train import TrainParams, train

    folder = make_disc_folder(Path(tempfile.mkdtemp(prefix="genart-latent-bench-")), 20)
    train(TrainParams(folder=str(folder), kind="gan", output=BENCH_MODEL, epochs=1, batch_size=8,
                      device="cpu", partial_every=0), Job())
    panel.refresh_models(select=BENCH_MODEL)


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
        serial = panel._serial
        while panel._shown_serial < serial:
            app.processEvents()
            time.sleep(0.0005)
        canvas.repaint()
        latencies.append((time.perf_counter() - start) * 1000)
    slider.setSliderDown(False)  # sliderReleased: the step ends with the last picture
    while canvas.history.in_gesture:
        app.processEvents()
    assert len(canvas.history) == history_before + 1, "one drag should be one undo step"
    return latencies


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m genart_desktop.bench panel latent")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--no-training", action="store_true",
                        help="skip the drag while a model trains")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from genart_desktop.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    window = MainWindow(restore_layout=False)
    window.show()
    app.processEvents()
    panel = window.panels["latent"]
    ensure_bench_model(panel)
    names = [panel._infos[key].name for key in panel._box_keys() if key]
    shipped = [name for name in names if name.startswith("twemoji-")] or names[:1]
    info = hardware()
    conditions = ["idle"] + ([] if args.no_training else ["training"])
    for condition in conditions:
        if condition == "training":
            folder = make_disc_folder(Path(tempfile.mkdtemp(prefix="genart-latent-bench-")), 64)
            box = panel.training
            box.kind_box.setCurrentIndex(box.kind_box.findData("gan"))
            box.length_unit.setCurrentIndex(box.length_unit.findData("minutes"))
            box.length_spin.setValue(60)
            box.set_folder(str(folder))
            box.name_edit.setText("latent-bench-training")
            box.restart_check.setChecked(True)
            box.start()
            while not any(m.startswith("step") for m in box.messages):  # the run is under way
                app.processEvents()
                time.sleep(0.01)
        for name in shipped:
            panel.select_model(name)
            serial = panel.request_render("warm-up")
            while panel._shown_serial < serial:
                app.processEvents()
                time.sleep(0.001)
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
    window.session._set_clean()
    window.shutdown_workers()
    window.close()
    return 0
