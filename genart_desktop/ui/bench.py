"""``python -m genart_desktop.bench ui``: start-up time and the UI thread's longest stall.

- ``startup_window_shown``: from launching ``python -m genart_desktop.app`` to the window
  shown and painted once (median of several launches, interpreter start included).
- ``ui_longest_stall``: a 5 ms QTimer heartbeat on the UI thread while a worker runs a
  heavy torch job on all cores for 5 s and streams pictures to the canvas (one gesture).
  Each panel adds its own real job as ``stall_scenario`` in its module (see
  ``panel_scenarios``).
- ``ui_stall_cause`` (with ``--why``): for each stall over 40 ms, the innermost frames of
  every thread when it was seen (``ui/stall_watchdog.py``): a slow UI handler, or the
  worker that held the GIL.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from typing import Callable

from genart_desktop.core.benchmarks import emit, hardware, percentile


def measure_startup(runs: int) -> list[float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "genart_desktop.app", "--report-startup"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        for line in process.stdout:  # type: ignore[union-attr]
            if line.startswith("window-shown"):
                times.append(time.perf_counter() - start)
                break
        process.wait(timeout=60)
    return times


def heavy_torch_job(seconds: float) -> Callable:
    """All cores busy with matrix products; a 256x256 picture streamed every ~50 ms."""

    def work(job):
        import numpy as np
        import torch

        torch.set_num_threads(os.cpu_count() or 1)
        matrix = torch.randn(768, 768)
        end = time.perf_counter() + seconds
        last_partial = 0.0
        frame = 0
        while time.perf_counter() < end:
            job.check()
            matrix = torch.tanh(matrix @ matrix) * 0.5
            now = time.perf_counter()
            if now - last_partial > 0.05:
                frame += 1
                picture = np.full((256, 256, 3), frame % 256, dtype=np.uint8)
                job.partial(picture)
                last_partial = now
        return frame

    return work


def panel_scenarios() -> dict[str, Callable]:
    """The panels' own real jobs: ``genart_desktop.ui.panels.<name>.stall_scenario``.

    ``stall_scenario(window, seconds) -> done`` starts the panel's job through its real
    widgets and returns a predicate that says when it has finished.
    """
    import importlib

    from genart_desktop.ui.main_window import PANEL_CLASSES

    scenarios = {}
    for name in (panel.name for panel in PANEL_CLASSES):
        module = importlib.import_module(f"genart_desktop.ui.panels.{name}")
        if hasattr(module, "stall_scenario"):
            scenarios[name] = module.stall_scenario
    return scenarios


def after_benchmark_picture(window, start, prepare=None, size: int = 1024) -> Callable[[], bool]:
    """For a panel's scenario: the sample photo at ``size`` px is loaded (and ``prepare``d)
    on the canvas worker, as File > Open does, then ``start(result)`` runs on the UI thread
    and returns the job's handle. The predicate says when that job has ended."""
    from genart_desktop.core.images import load_image, to_array
    from genart_desktop.core.paths import resources_dir

    handles = []

    def load(job):
        photo = load_image(resources_dir() / "samples" / "astronaut.png").resize((size, size))
        return prepare(to_array(photo)) if prepare else to_array(photo)

    window.canvas_worker.submit(load, label="benchmark picture",
                                on_result=lambda result: handles.append(start(result)))
    return lambda: bool(handles) and (handles[0] is None or handles[0].done)


def heavy_torch_scenario(window, seconds: float) -> Callable[[], bool]:
    def show(picture) -> None:
        window.canvas.set_image(picture)

    window.canvas.begin_gesture("benchmark")
    handle = window.workers["latent"].submit(heavy_torch_job(seconds), on_partial=show)

    def done() -> bool:
        if handle.done:
            window.canvas.end_gesture()
        return handle.done

    return done


STARTUP_WAIT_S = 120.0


def pump_events(app, until: Callable[[], bool], seconds: float) -> bool:
    """Run the event loop by hand until ``until()`` is true or ``seconds`` have passed;
    returns ``until()``."""
    deadline = time.monotonic() + seconds
    while not until() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.001)
    return until()


def start_as_the_app(app, window) -> None:
    """Start as the app starts (torch imported, device chosen, the panels' models loaded)
    and wait for it: what runs next is measured without the start-up in it."""
    window.start_background_init()
    pump_events(app, window.is_ready, STARTUP_WAIT_S)


def measure_stall(scenario: str, seconds: float, why: bool = False) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from genart_desktop.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    window = MainWindow(restore_layout=False)
    window.show()
    app.processEvents()
    # Start-up is measured on its own: a scenario that overlapped the text panel's model
    # loading measured that loading instead.
    start_as_the_app(app, window)

    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]

    def beat() -> None:
        now = clock.nsecsElapsed()
        gaps.append((now - last[0]) / 1e6)
        last[0] = now

    heartbeat = QTimer()
    heartbeat.setInterval(5)
    heartbeat.timeout.connect(beat)
    start = heavy_torch_scenario if scenario == "heavy_torch" else panel_scenarios()[scenario]
    watchdog = None
    if why:  # what every thread was doing in each stall over 40 ms
        from genart_desktop.ui.stall_watchdog import StallWatchdog

        watchdog = StallWatchdog(threshold_ms=40)
        watchdog.start()
    heartbeat.start()
    done = start(window, seconds)
    pump_events(app, done, float("inf"))
    heartbeat.stop()
    if watchdog is not None:
        watchdog.stop()
    window.session.mark_clean()
    window.shutdown_workers()
    window.close()
    causes = [{"ms": round((stall.seconds or 0) * 1000),
               "threads": {name: _innermost(stack) for name, stack in stall.stacks.items()}}
              for stall in (watchdog.stalls if watchdog else [])]
    return {"longest": max(gaps), "p99": percentile(gaps, 0.99),
            "median": statistics.median(gaps), "beats": len(gaps), "causes": causes}


def _innermost(stack: str, frames: int = 2) -> list[str]:
    """The last ``frames`` 'File ..., line N, in f' lines of a formatted stack."""
    lines = [line.strip() for line in stack.splitlines() if line.strip().startswith("File ")]
    return lines[-frames:]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m genart_desktop.bench ui")
    parser.add_argument("--startup-runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--scenario", action="append",
                        help="heavy_torch or a panel name (default: all)")
    parser.add_argument("--why", action="store_true",
                        help="also print what every thread was doing in each stall over 40 ms")
    args = parser.parse_args(argv)
    info = hardware()
    times = measure_startup(args.startup_runs)
    emit("startup_window_shown", round(statistics.median(times), 4), "s", target=1.0,
         runs=len(times), max=round(max(times), 4), **info)
    for scenario in args.scenario or ["heavy_torch", *panel_scenarios()]:
        stall = measure_stall(scenario, args.seconds, why=args.why)
        emit("ui_longest_stall", round(stall["longest"], 2), "ms", target=50.0,
             scenario=scenario, heartbeat_ms=5, p99_ms=round(stall["p99"], 2),
             median_ms=round(stall["median"], 2), beats=stall["beats"], **info)
        for cause in stall["causes"]:
            emit("ui_stall_cause", cause["ms"], "ms", scenario=scenario, threads=cause["threads"])
    return 0
