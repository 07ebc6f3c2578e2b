"""Issue 11's promise: work in every panel survives Save/Open and a SIGKILL."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np

from genart_desktop.music.score import Note
from genart_desktop.ui.main_window import MainWindow

POEM = "春江潮水连海平，海上明月共潮生。"


def put_work_in_every_panel(window) -> None:
    window.canvas.set_image(np.full((32, 32, 3), 77, np.uint8), {"seed": 9})
    window.panels["latent"].seed_box.setValue(1234)
    window.panels["style"].strength.setValue(40)
    music = window.panels["music"].document
    for offset, pitch in enumerate((72, 74, 76, 77)):
        music.add_note(Note(pitch=pitch, start=float(offset), duration=1.0, voice=0))
    window.panels["text"].editor.setPlainText(POEM)


def panel_states(window) -> dict:
    saved = {name: panel.save_state() for name, panel in window.panels.items()}
    return {name: (data.state, data.files) for name, data in saved.items()}


def test_project_keeps_every_panel(window, qtbot, tmp_path):
    window.start_background_init()
    qtbot.waitUntil(window.is_ready, timeout=60000)
    put_work_in_every_panel(window)
    before = panel_states(window)
    saved = []
    window.session.save(str(tmp_path / "evening.genart"), on_done=saved.append)
    qtbot.waitUntil(lambda: saved == [True], timeout=20000)

    other = MainWindow()
    qtbot.addWidget(other)
    other.show()
    handle = other.open_path(str(tmp_path / "evening.genart"))
    qtbot.waitUntil(lambda: handle.done, timeout=20000)
    after = panel_states(other)
    for name in before:
        assert after[name] == before[name], name
    assert other.panels["text"].editor.toPlainText() == POEM
    assert [n.pitch for n in other.panels["music"].document.score.notes] == [72, 74, 76, 77]
    assert other.canvas.image[0, 0, 0] == 77
    assert other.messages == []
    other.shutdown_workers()


KILLED = """
    import os, signal, sys
    sys.path.insert(0, {tests!r})
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from genart_desktop.ui.main_window import MainWindow
    from ui.test_projects_all_panels import put_work_in_every_panel
    window = MainWindow()
    window.show()
    window.session.start()
    put_work_in_every_panel(window)
    handle = window.session.autosave()
    while not handle.done:
        app.processEvents()
    os.kill(os.getpid(), signal.SIGKILL)
"""

RESTARTED = """
    import sys, time
    sys.path.insert(0, {tests!r})
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from genart_desktop.ui.main_window import MainWindow
    MainWindow.ask_restore_session = lambda self: True
    window = MainWindow()
    window.show()
    window.offer_recovery()
    end = time.monotonic() + 60
    while window.canvas.image is None and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.005)
    notes = [n.pitch for n in window.panels["music"].document.score.notes]
    print("canvas", int(window.canvas.image[0, 0, 0]))
    print("latent seed", window.panels["latent"].seed_box.value())
    print("style strength", window.panels["style"].strength.value())
    print("music", notes)
    print("text", window.panels["text"].editor.toPlainText())
    window.session.mark_clean()
    window.close()
    from genart_desktop.ui.startup import exit_status
    exit_status(0)  # as the app leaves: a model still loading is not waited for
"""


def test_killed_session_with_work_in_every_panel_is_restored():
    tests = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    killed = subprocess.run([sys.executable, "-c", textwrap.dedent(KILLED).format(tests=tests)],
                            env=env, capture_output=True, text=True, timeout=300)
    assert killed.returncode == -9, killed.stderr[-3000:]
    restarted = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(RESTARTED).format(tests=tests)],
        env=env, capture_output=True, text=True, timeout=300)
    assert restarted.returncode == 0, restarted.stderr[-3000:]
    out = restarted.stdout
    assert "canvas 77" in out and "latent seed 1234" in out and "style strength 40" in out
    assert "music [72, 74, 76, 77]" in out and f"text {POEM}" in out
