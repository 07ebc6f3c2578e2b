"""``python -m genart_desktop.bench ui``: start-up time and the UI thread's longest stall.

- ``startup_window_shown``: from launching ``python -m genart_desktop.app`` to the window
  shown and painted once (median of several launches, interpreter start included).
- ``ui_longest_stall``: a 5 ms QTimer heartbeat on the UI thread while a worker runs a
  heavy torch job on all cores for 5 s and streams pictures to the canvas (one gesture).
  Panels add their own real jobs to ``STALL_SCENARIOS`` as they land.
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


STALL_SCENARIOS: dict[str, Callable[..., Callable]] = {"heavy_torch": heavy_torch_job}


def measure_stall(scenario: str, seconds: float) -> dict[str, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from genart_desktop.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    window = MainWindow(restore_layout=False)
    window.show()
    app.processEvents()
    # Warm the worker (torch import) before measuring: start-up is measured separately.
    warm = window.workers["latent"].submit(lambda job: __import__("torch").zeros(1))
    while not warm.done:
        app.processEvents()

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
    frames = [0]

    def show(picture) -> None:
        window.canvas.set_image(picture)
        frames[0] += 1

    window.canvas.begin_gesture("benchmark")
    handle = window.workers["latent"].submit(STALL_SCENARIOS[scenario](seconds), on_partial=show)
    heartbeat.start()
    while not handle.done:
        app.processEvents()
        time.sleep(0.001)
    heartbeat.stop()
    window.canvas.end_gesture()
    window.shutdown_workers()
    window.close()
    return {"longest": max(gaps), "p99": percentile(gaps, 0.99),
            "median": statistics.median(gaps), "frames": frames[0]}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m genart_desktop.bench ui")
    parser.add_argument("--startup-runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--scenario", choices=sorted(STALL_SCENARIOS), default="heavy_torch")
    args = parser.parse_args(argv)
    info = hardware()
    times = measure_startup(args.startup_runs)
    emit("startup_window_shown", round(statistics.median(times), 4), "s", target=1.0,
         runs=len(times), max=round(max(times), 4), **info)
    stall = measure_stall(args.scenario, args.seconds)
    emit("ui_longest_stall", round(stall["longest"], 2), "ms", target=50.0,
         scenario=args.scenario, heartbeat_ms=5, p99_ms=round(stall["p99"], 2),
         median_ms=round(stall["median"], 2), frames_shown=stall["frames"], **info)
    return 0
