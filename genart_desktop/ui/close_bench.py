"""``python -m genart_desktop.bench close [--job KIND ...]``: closing the window while a job runs.

For each kind of long job (``JOBS``) a fresh app is started in its own process, the job is
started through the panel's widgets and left to run for a moment, then the window is closed
as a user closes it (the work is saved, so no question is asked). Three figures per job:

- ``close_to_hidden``: ms from ``close()`` to the window hidden: the UI thread's stall as
  closing begins (target 50 ms);
- ``close_to_exit``: s from ``close()`` to the process gone (target 2 s);
- ``close_training_child_gone``: for training, which runs in a child process, s from
  ``close()`` to that child gone too (it checkpoints first, so the next run resumes).

The user's folders are temporary ones (``GENART_DATA_DIR``, ``GENART_CONFIG_DIR``): a
benchmark run leaves no models or settings behind.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from genart_desktop.core.benchmarks import emit, hardware

JOBS = ("style-4096", "style-quality", "music-generate", "text-training", "image-training")
RUN_BEFORE_CLOSE_S = 2.0  # the job is well under way when the user closes
JOB_START_WAIT_S = 120.0
CHILD_WAIT_S = 30.0  # how long a training child is watched after the app has gone


# --- in the app's process ----------------------------------------------------------------------
def _load_then(window, size: int, then: Callable) -> None:
    """The sample photo at ``size`` px on the canvas (loaded on the canvas worker, as File >
    Open does), then ``then()`` on the UI thread."""
    from genart_desktop.core.images import load_image, to_array
    from genart_desktop.core.paths import resources_dir

    def load(job):
        photo = load_image(resources_dir() / "samples" / "astronaut.png")
        return to_array(photo.resize((size, size)))

    def show(picture) -> None:
        window.canvas.set_image(picture, {}, "benchmark picture")
        then()

    window.canvas_worker.submit(load, label="benchmark picture", on_result=show)


def start_style(window, size: int, mode: str) -> Callable[[], bool]:
    panel = window.panels["style"]
    window.show_panel("style")
    panel.mode.setCurrentIndex(panel.mode.findData(mode))
    # the quality mode optimizes against paintings; the fast one uses the built-in network
    style_id = next((s for s in panel.items() if s.startswith("painting:")), "builtin:6") \
        if mode == "quality" else "builtin:6"

    def apply() -> None:
        panel.select([style_id])
        panel.apply()

    _load_then(window, size, apply)
    return panel.busy


def start_music(window) -> Callable[[], bool]:
    panel = window.panels["music"]
    window.show_panel("music")
    panel.bars.setValue(panel.bars.maximum())
    panel.generate_button.click()
    return lambda: panel._job is not None and not panel._job.done


def start_text_training(window) -> Callable[[], bool]:
    from genart_desktop.core.paths import shipped_models_dir

    panel = window.panels["text"]
    window.show_panel("text")
    box = panel.training
    source = Path(tempfile.mkdtemp(prefix="genart-close-bench-")) / "poems.txt"
    # what the text is does not matter here: the shipped model's sample poems, repeated
    samples = (shipped_models_dir() / "english-verse.samples.txt").read_text(encoding="utf-8")
    source.write_text(samples * 20, encoding="utf-8")
    box.source.setText(str(source))
    box.name.setText("close-bench")
    box.base.setCurrentIndex(0)  # a new model
    box.minutes.setValue(10)
    box.start()
    return lambda: box.running() and "step" in box.status.text()


def start_image_training(window) -> Callable[[], bool]:
    from genart_desktop.ui.panels.latent_bench import (ensure_bench_model, make_disc_folder,
                                                       prepare_gan_run)

    panel = window.panels["latent"]
    window.show_panel("latent")
    ensure_bench_model(panel)
    box = panel.training
    folder = make_disc_folder(Path(tempfile.mkdtemp(prefix="genart-close-bench-")), 64)
    prepare_gan_run(box, folder, "close-bench")
    box.start()
    return lambda: box.running and any(m.startswith("step") for m in box.messages)


STARTERS: dict[str, Callable] = {
    "style-4096": lambda window: start_style(window, 4096, "fast"),
    "style-quality": lambda window: start_style(window, 1024, "quality"),
    "music-generate": start_music,
    "text-training": start_text_training,
    "image-training": start_image_training,
}


def _child_processes() -> list[int]:
    """Processes whose parent is this one (Linux; elsewhere none are seen)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines()
                          if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(os.getpid()):
            found.append(int(status.parent.name))
    return found


def run_app(kind: str) -> None:
    """Start the app, start ``kind``, close; prints one JSON line before ``close()``."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from genart_desktop.ui.bench import pump_events, start_as_the_app
    from genart_desktop.ui.main_window import MainWindow
    from genart_desktop.ui.startup import exit_status

    app = QApplication.instance() or QApplication([])
    window = MainWindow(restore_layout=False)
    window.show()
    start_as_the_app(app, window)
    running = STARTERS[kind](window)
    started = pump_events(app, running, JOB_START_WAIT_S)
    pump_events(app, lambda: False, RUN_BEFORE_CLOSE_S)  # the job is well under way
    report = {"job_running": started and running(), "children": _child_processes(),
              "messages": list(window.messages)[-3:]}
    hidden: list[float] = []

    class HideWatch(QObject):
        def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
            if event.type() == QEvent.Type.Hide and not hidden:
                hidden.append(time.perf_counter())
            return False

    watch = HideWatch()
    window.installEventFilter(watch)

    def close() -> None:
        window.session.mark_clean()  # saved work: closing asks nothing
        report["closing_at"] = time.time()
        print(json.dumps(report), flush=True)
        start = time.perf_counter()
        window.close()
        print(json.dumps({"hidden_ms": (hidden[0] - start) * 1000 if hidden else None}),
              flush=True)

    QTimer.singleShot(0, close)
    exit_status(int(app.exec()))


# --- in the benchmark's process ----------------------------------------------------------------
def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    status = Path(f"/proc/{pid}/status")
    return not status.exists() or "State:\tZ" not in status.read_text()


def measure(kind: str) -> dict:
    folders = {name: tempfile.mkdtemp(prefix=f"genart-close-{name.lower()}-")
               for name in ("GENART_DATA_DIR", "GENART_CONFIG_DIR")}
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **folders)
    log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # a pipe could fill and block
    process = subprocess.Popen([sys.executable, "-m", "genart_desktop.ui.close_bench", "--app", kind],
                               stdout=subprocess.PIPE, stderr=log, text=True, env=env)
    report: dict = {}
    for line in process.stdout:  # type: ignore[union-attr]
        try:
            report.update(json.loads(line))
        except ValueError:
            continue  # a stray print is not ours
        if "hidden_ms" in report:
            break
    try:
        process.wait(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    exited = time.time()
    log.seek(0)
    stderr = log.read()
    if "closing_at" not in report:
        raise SystemExit(f"close benchmark {kind}: the app did not report\n{stderr[-2000:]}")
    report["hidden_ms"] = report.get("hidden_ms")
    report["exit_s"] = exited - report["closing_at"]
    report["returncode"] = process.returncode
    report["aborted"] = "QThread: Destroyed while thread" in stderr
    children = report["children"]
    while any(map(_alive, children)) and time.time() - exited < CHILD_WAIT_S:
        time.sleep(0.05)
    report["children_left"] = [pid for pid in children if _alive(pid)]
    report["children_gone_s"] = (time.time() - report["closing_at"]
                                 if children and not report["children_left"] else None)
    for pid in report["children_left"]:  # a benchmark leaves nothing running
        os.kill(pid, 9)
    return report


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m genart_desktop.bench close")
    parser.add_argument("--job", action="append", choices=JOBS,
                        help="the kind of job running when the window closes (default: all)")
    parser.add_argument("--app", choices=JOBS, help=argparse.SUPPRESS)  # the app's process
    args = parser.parse_args(argv)
    if args.app:
        run_app(args.app)
        return 0
    info = hardware()
    for kind in args.job or JOBS:
        report = measure(kind)
        extra = dict(job=kind, job_running=report["job_running"],
                     returncode=report["returncode"], aborted=report["aborted"], **info)
        emit("close_to_hidden", None if report["hidden_ms"] is None
             else round(report["hidden_ms"], 1), "ms", target=50.0, **extra)
        emit("close_to_exit", round(report["exit_s"], 2), "s", target=2.0, **extra)
        if report["children"]:
            gone = report["children_gone_s"]
            emit("close_training_child_gone", None if gone is None else round(gone, 2), "s",
                 children=len(report["children"]), left_running=len(report["children_left"]),
                 **extra)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
