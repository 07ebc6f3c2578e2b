"""Start-up shows the window before torch; closing with a running job exits cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from PIL import Image


def _run(code: str, timeout: int = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout, env=env)


def test_window_is_shown_before_torch_is_imported():
    result = _run("""
        import sys, threading, time

        main_thread_imports = []

        class RecordTorchImport:
            def find_spec(self, name, path=None, target=None):
                if name == "torch" and threading.current_thread() is threading.main_thread():
                    main_thread_imports.append(name)
                return None

        sys.meta_path.insert(0, RecordTorchImport())
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        from genart_desktop.ui.main_window import MainWindow
        window = MainWindow()
        print("torch before show:", "torch" in sys.modules)
        window.show()
        window.show_first_picture()  # as the app does: drawn on the latent panel's worker
        window.start_background_init()
        end = time.monotonic() + 3
        while time.monotonic() < end:  # start-up work runs; the UI thread never imports torch
            app.processEvents()
            time.sleep(0.01)
        print("torch on the UI thread:", bool(main_thread_imports))
        window.shutdown_workers()
    """)
    assert result.returncode == 0, result.stderr
    assert "torch before show: False" in result.stdout
    assert "torch on the UI thread: False" in result.stdout


def test_closing_with_a_running_job_exits_cleanly():
    result = _run("""
        import time
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        from genart_desktop.ui.main_window import MainWindow
        window = MainWindow()
        window.show()

        def endless(job):
            import torch
            a = torch.randn(256, 256)
            while True:
                job.check()
                a = torch.tanh(a @ a)

        for name in ("latent", "style", "music", "text"):
            window.workers[name].submit(endless, show_progress=True)
        QTimer.singleShot(500, window.close)
        status = int(app.exec())
        print("exited", flush=True)
        from genart_desktop.ui.startup import exit_status
        exit_status(status)  # as the app leaves
    """)
    assert result.returncode == 0, result.stderr
    assert "exited" in result.stdout
    assert "QThread: Destroyed while thread is still running" not in result.stderr


def test_closing_with_a_job_that_ignores_cancel_is_prompt():
    """A job deaf to Cancel (one long call) neither keeps the window up nor the process
    alive: the window hides at once and the process is gone within two seconds."""
    started = time.time()
    result = _run("""
        import time
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        from genart_desktop.ui.main_window import MainWindow
        from genart_desktop.ui.startup import exit_status
        window = MainWindow()
        window.show()
        window.workers["style"].submit(lambda job: time.sleep(60), show_progress=True)

        def close():
            print("closing at", time.time(), flush=True)
            window.close()
            print("hidden", not window.isVisible(), "at", time.time(), flush=True)

        QTimer.singleShot(500, close)
        exit_status(int(app.exec()))
        print("not reached: the process should have ended without the job")
    """)
    ended = time.time()
    assert result.returncode == 0, result.stderr
    closing = float(result.stdout.split("closing at ")[1].split()[0])
    hidden_at = float(result.stdout.split(" at ")[-1].split()[0])
    assert "hidden True" in result.stdout and hidden_at - closing < 2.0
    assert ended - closing < 2.5, f"process ended {ended - closing:.1f} s after close"
    assert "not reached" not in result.stdout and ended - started < 60
    assert "QThread: Destroyed while thread is still running" not in result.stderr


def test_screenshot_option_writes_the_window(tmp_path):
    target = tmp_path / "shot.png"
    result = subprocess.run(
        [sys.executable, "-m", "genart_desktop.app", "--screenshot", str(target),
         "--panel", "text", str(Path(__file__).parents[2] / "resources/samples/coffee.png")],
        capture_output=True, text=True, timeout=120,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert result.returncode == 0, result.stderr
    with Image.open(target) as shot:
        assert shot.width >= 800 and shot.height >= 600


# --- the first picture: the latent model's seed 0 on an empty canvas -------------------------
def test_a_fresh_window_shows_the_latent_models_first_picture(window, qtbot):
    from genart_desktop.ui.panels.latent_state import LatentSettings

    latent = window.panels["latent"]
    window.show_first_picture()  # as startup.run_window does
    assert window.canvas.state is None  # nothing is drawn before start-up is done
    window.start_background_init()
    qtbot.waitUntil(lambda: window.canvas.state is not None, timeout=120_000)

    parameters = window.canvas.state.parameters
    assert parameters["model"] == latent.model_name() == "twemoji-gan"
    assert parameters["seed"] == latent.seed_box.value() == 0
    assert latent.settings() == LatentSettings.from_parameters(parameters)  # panel = canvas
    assert window.canvas.image.shape == (256, 256, 4)  # 64 px, enlarged x 4
    assert not window.session.modified  # nobody's work: closing does not ask to save it
    assert window.messages == []


@pytest.mark.parametrize("how", ["opened", "recovered"])
def test_a_restored_project_is_not_replaced_by_the_first_picture(window, qtbot, tmp_path, how):
    import json
    import threading

    import numpy as np

    from genart_desktop.core.project import CanvasEntry, Project, save_project
    from genart_desktop.ui import session

    picture = np.full((16, 16, 3), 77, np.uint8)
    project = Project(canvas=[CanvasEntry(picture, {"seed": 5}, "Mine")], canvas_index=0)
    path = tmp_path / "evening.genart"
    if how == "recovered":  # the autosave of a session that died (pid 0: no such process)
        path = session.autosave_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        session._marker_path().write_text(json.dumps({"pid": 0}))
    save_project(project, path)

    latent = window.panels["latent"]
    gate = threading.Event()  # holds the first picture back until the project is in
    latent.worker.submit(lambda job: gate.wait(60), key="blocker")
    window.show_first_picture()
    window.start_background_init()
    qtbot.waitUntil(lambda: latent._first_picture is not None, timeout=120_000)

    if how == "opened":
        window.open_path(str(path))
    else:
        window.offer_recovery()  # the conftest answers "restore"
    qtbot.waitUntil(lambda: window.canvas.state is not None, timeout=20_000)
    gate.set()
    qtbot.waitUntil(latent.is_ready, timeout=120_000)  # the first picture came and went
    qtbot.wait(100)
    assert np.array_equal(window.canvas.image, picture)
    assert len(window.canvas.history) == 1
