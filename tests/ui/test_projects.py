"""Projects: save and reopen, quit with changes, autosave and recovery after a kill."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np

from genart_desktop.ui.main_window import MainWindow


def test_save_and_reopen_project(window, qtbot, tmp_path):
    first = np.full((20, 30, 3), 40, np.uint8)
    second = np.full((20, 30, 4), 220, np.uint8)
    window.canvas.set_image(first, {"seed": 1})
    window.canvas.set_image(second, {"seed": 2})
    window.docks["text"].hide()
    assert window.session.modified and window.windowTitle().startswith("untitled *")
    saved = []
    window.session.save(str(tmp_path / "evening"), on_done=saved.append)
    qtbot.waitUntil(lambda: saved == [True], timeout=10000)
    assert (tmp_path / "evening.genart").exists()
    assert not window.session.modified and window.windowTitle().startswith("evening.genart —")

    other = MainWindow()
    qtbot.addWidget(other)
    other.show()
    handle = other.open_path(str(tmp_path / "evening.genart"))
    qtbot.waitUntil(lambda: handle.done, timeout=10000)
    assert np.array_equal(other.canvas.image, second)
    assert other.canvas.state.parameters == {"seed": 2}
    other.undo_action.trigger()
    assert np.array_equal(other.canvas.image, first)
    assert other.docks["text"].isHidden()
    assert other.messages == []
    other.shutdown_workers()


def test_quit_with_changes_asks(window, no_modal_questions):
    window.canvas.set_image(np.zeros((4, 4, 3), np.uint8))
    window.close()
    assert no_modal_questions == ["save changes?"]


def test_quit_without_changes_does_not_ask(window, no_modal_questions):
    window.close()
    assert no_modal_questions == []


def test_cancel_keeps_the_window_open(window, monkeypatch):
    monkeypatch.setattr(MainWindow, "ask_save_changes", lambda self, before="closing": "cancel")
    window.canvas.set_image(np.zeros((4, 4, 3), np.uint8))
    window.close()
    assert window.isVisible()
    monkeypatch.setattr(MainWindow, "ask_save_changes", lambda self, before="closing": "discard")


def test_discard_closes_the_window(window, qtbot, no_modal_questions):
    window.canvas.set_image(np.zeros((4, 4, 3), np.uint8))
    window.close()
    assert no_modal_questions == ["save changes?"]
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=3000)


def test_opening_a_project_over_unsaved_work_asks_and_cancel_keeps_it(window, qtbot, tmp_path,
                                                                       monkeypatch):
    window.canvas.set_image(np.full((4, 4, 3), 9, np.uint8))
    saved = tmp_path / "other.genart"
    window.session.save(str(saved))
    qtbot.waitUntil(lambda: saved.exists() and not window.session.modified, timeout=5000)
    window.canvas.set_image(np.full((4, 4, 3), 3, np.uint8))      # unsaved work
    asked: list[str] = []
    monkeypatch.setattr(MainWindow, "ask_save_changes",
                        lambda self, before="closing": asked.append(before) or "cancel")
    assert window.open_path(str(saved)) is None
    assert asked == ["opening other.genart"]
    assert window.canvas.image[0, 0, 0] == 3 and len(window.canvas.history) == 2
    monkeypatch.setattr(MainWindow, "ask_save_changes", lambda self, before="closing": "discard")


def test_damaged_project_gives_message_and_keeps_canvas(window, qtbot, tmp_path):
    window.canvas.set_image(np.full((4, 4, 3), 7, np.uint8))
    broken = tmp_path / "broken.genart"
    broken.write_bytes(b"PK\x03\x04 this is not really a zip")
    with qtbot.waitSignal(window.message_shown, timeout=5000) as blocker:
        window.open_path(str(broken))
    assert "broken.genart" in blocker.args[0]
    assert window.canvas.image[0, 0, 0] == 7


KILLED_SESSION = """
    import os, signal, numpy as np
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from genart_desktop.ui.main_window import MainWindow
    window = MainWindow()
    window.show()
    window.session.start()
    window.canvas.set_image(np.full((16, 16, 3), 123, np.uint8), {"seed": 5})
    handle = window.session.autosave()
    while not handle.done:
        app.processEvents()
    os.kill(os.getpid(), signal.SIGKILL)
"""

NEXT_START = """
    import numpy as np
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from genart_desktop.ui.main_window import MainWindow
    MainWindow.ask_restore_session = lambda self: True
    window = MainWindow()
    window.show()
    window.offer_recovery()
    for _ in range(2000):
        app.processEvents()
        if window.canvas.image is not None:
            break
        import time; time.sleep(0.005)
    image = window.canvas.image
    print("restored", None if image is None else int(image[0, 0, 0]), window.canvas.state.parameters)
    window.session.mark_clean()
    window.close()
"""


def test_killed_session_is_restored_at_next_start(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    killed = subprocess.run([sys.executable, "-c", textwrap.dedent(KILLED_SESSION)], env=env,
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == -9, killed.stderr
    restarted = subprocess.run([sys.executable, "-c", textwrap.dedent(NEXT_START)], env=env,
                               capture_output=True, text=True, timeout=120)
    assert restarted.returncode == 0, restarted.stderr
    assert "restored 123 {'seed': 5}" in restarted.stdout


def test_recovery_says_what_could_not_be_read(window, qtbot, monkeypatch):
    from genart_desktop.core.project import Project
    from genart_desktop.ui import session as session_module

    def damaged_autosave(path):
        project = Project()
        project.warnings.append("the music panel's state is damaged")
        return project

    monkeypatch.setattr(session_module, "load_project", damaged_autosave)
    window.session.recover()
    qtbot.waitUntil(lambda: any("music panel's state is damaged" in m for m in window.messages),
                    timeout=20000)
    assert any("recovered" in m for m in window.messages)
