"""``python -m genart_desktop.bench panel style``: click -> preview on the canvas.

The real window (offscreen), a 1024x1024 picture on the canvas, real clicks on gallery
items. ``style_click_to_preview``: from the click to the reduced-size preview shown on
the canvas (target 300 ms); ``style_click_to_result``: to the full-size result;
``style_scale_change_to_preview`` / ``_to_result``: from a move of the Brush scale slider
(its value set, as a drag does; the re-render waits RERENDER_DELAY_MS for the hand to
pause, and that wait is counted) to the preview and to the result. Measured after the
networks are loaded (their first load is reported apart as ``cold``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from genart_desktop.core.benchmarks import emit, hardware, percentile


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m genart_desktop.bench panel style")
    parser.add_argument("--size", type=int, default=1024, help="canvas side in px")
    parser.add_argument("--clicks", type=int, default=8, help="measured clicks per kind")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from genart_desktop.core import paths
    from genart_desktop.core.images import load_image, to_array
    from genart_desktop.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    window = MainWindow(restore_layout=False)
    window.show()
    window.start_background_init()  # as the app does: torch and the device, off the UI thread
    window.show_panel("style")
    panel = window.panels["style"]
    photo = load_image(paths.resources_dir() / "samples" / "astronaut.png")
    picture = to_array(photo.resize((args.size, args.size), Image.LANCZOS))
    window.canvas.set_image(picture, {}, "benchmark picture")

    def wait(predicate, timeout=600.0) -> None:
        end = time.perf_counter() + timeout
        while not predicate():
            if time.perf_counter() > end:
                raise TimeoutError("the style panel did not answer")
            app.processEvents()
            time.sleep(0.0005)

    started = time.perf_counter()
    wait(lambda: window.device_description is not None)
    # thumbnails (the engine is loaded on the way), then the paintings' style vectors
    wait(lambda: panel._thumbs_requested and not panel.worker.busy() and not panel.warming)
    cold_load = time.perf_counter() - started

    marks: dict[str, float] = {}

    def on_canvas_changed() -> None:
        state = window.canvas.state
        if state is not None and "style" in state.parameters:
            key = "preview" if state.parameters.get("preview") else "result"
            marks.setdefault(key, time.perf_counter())

    window.canvas.changed.connect(on_canvas_changed)

    def click(style_id: str) -> tuple[float, float]:
        marks.clear()
        item = panel.items()[style_id]
        panel.gallery.scrollToItem(item)
        app.processEvents()
        rect = panel.gallery.visualItemRect(item)
        clicked = time.perf_counter()
        QTest.mouseClick(panel.gallery.viewport(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier, rect.center())
        wait(lambda: "result" in marks)
        return marks["preview"] - clicked, marks["result"] - clicked

    info = dict(hardware(), canvas=f"{args.size}x{args.size}")
    kinds = {"builtin": [f"builtin:{n}" for n in range(26)],
             "painting": [s for s in panel.items() if s.startswith("painting:")]}
    for kind, ids in kinds.items():
        first_preview, first_result = click(ids[0])  # first use: networks and shapes warm up
        previews, results = [], []
        for number in range(args.clicks):
            preview, result = click(ids[(number + 1) % len(ids)])
            previews.append(preview * 1000)
            results.append(result * 1000)
        emit("style_click_to_preview", round(statistics.median(previews), 1), "ms",
             target=300.0, style_kind=kind, p90=round(percentile(previews, 0.9), 1),
             cold=round(first_preview * 1000, 1), clicks=len(previews), **info)
        emit("style_click_to_result", round(statistics.median(results), 1), "ms",
             style_kind=kind, p90=round(percentile(results, 0.9), 1),
             cold=round(first_result * 1000, 1), clicks=len(results), **info)
    from genart_desktop.ui.panels.style import RERENDER_DELAY_MS, scale_to_slider

    panel.brush_scale.blockSignals(True)  # start from scale 1 whatever the settings hold
    panel.brush_scale.setValue(scale_to_slider(1.0))
    panel.brush_scale.blockSignals(False)
    click("builtin:6")
    previews, results = [], []
    for value in [1.5, 1.0, 2.0, 0.75, 3.0, 1.25, 1.0, 2.5][:max(args.clicks, 2)]:
        marks.clear()
        moved = time.perf_counter()
        panel.brush_scale.setValue(scale_to_slider(value))
        wait(lambda: "result" in marks)
        previews.append((marks["preview"] - moved) * 1000)
        results.append((marks["result"] - moved) * 1000)
    emit("style_scale_change_to_preview", round(statistics.median(previews), 1), "ms",
         target=300.0, p90=round(percentile(previews, 0.9), 1), moves=len(previews),
         includes_debounce_ms=RERENDER_DELAY_MS, **info)
    emit("style_scale_change_to_result", round(statistics.median(results), 1), "ms",
         p90=round(percentile(results, 0.9), 1), moves=len(results), **info)
    emit("style_panel_warm_up", round(cold_load, 2), "s", what="torch import, engine load, 26 thumbnails "
         "(cached after the first run), the paintings' style vectors", **info)
    window.session.mark_clean()
    window.shutdown_workers()
    window.close()
    return 0
