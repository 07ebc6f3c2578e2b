"""The window: panels, opening pictures (good and bad), undo and redo, layout memory."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtWidgets import QDockWidget

from conftest import drop_files

from genart_desktop.ui.main_window import MainWindow


def _drop_file(window, path):
    """A file dropped on the middle of the window (the canvas), as a person drops it."""
    assert drop_files(window, [path])


def _photo(tmp_path, name="photo.png", size=(64, 48)):
    path = tmp_path / name
    array = np.zeros((size[1], size[0], 3), np.uint8)
    array[..., 0] = 200
    array[:, : size[0] // 2, 2] = 255
    Image.fromarray(array).save(path)
    return path, array


def test_window_has_canvas_and_its_panels(window):
    assert window.centralWidget().objectName() == "canvas"
    docks = {dock.objectName() for dock in window.findChildren(QDockWidget)}
    assert docks == {"latent", "style", "insight", "study", "restore", "music", "text"}
    view_menu = [m for m in window.menuBar().actions() if m.text() == "&View"][0].menu()
    toggles = [action.text() for action in view_menu.actions()]
    assert {"Latent", "Style", "Insight", "Study", "Restore", "Music", "Text"} <= set(toggles)


def test_panel_can_be_hidden_and_shown_from_view_menu(window, qtbot):
    dock = window.docks["style"]
    dock.toggleViewAction().trigger()
    assert dock.isHidden()
    dock.toggleViewAction().trigger()
    assert not dock.isHidden()


def test_dropped_image_appears_on_canvas(window, qtbot, tmp_path):
    path, array = _photo(tmp_path)
    _drop_file(window, path)
    qtbot.waitUntil(lambda: window.canvas.image is not None, timeout=5000)
    assert np.array_equal(window.canvas.image, array)
    assert window.messages == []


BAD_FILES = {
    "text.png": (lambda p: p.write_text("hello, not a picture"), "not an image"),
    "truncated.png": (None, "truncated or corrupt"),
    "bomb.png": (lambda p: Image.new("L", (9000, 9000)).save(p), "more than the limit"),
    "missing.png": (lambda p: None, "not found"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_gives_message_and_canvas_keeps_its_picture(window, qtbot, tmp_path, name):
    good, array = _photo(tmp_path)
    window.open_image(str(good))
    qtbot.waitUntil(lambda: window.canvas.image is not None, timeout=5000)
    bad = tmp_path / name
    make, expected = BAD_FILES[name]
    if name == "truncated.png":
        full = tmp_path / "full.png"
        Image.effect_noise((200, 200), 40).convert("RGB").save(full)
        bad.write_bytes(full.read_bytes()[:3000])
    else:
        make(bad)
    with qtbot.waitSignal(window.message_shown, timeout=10000) as blocker:
        _drop_file(window, bad)
    message = blocker.args[0]
    assert name in message and expected in message
    assert np.array_equal(window.canvas.image, array)
    assert len(window.canvas.history) == 1


def test_undo_redo_and_one_gesture_is_one_step(window):
    canvas = window.canvas
    first = np.zeros((8, 8, 3), np.uint8)
    canvas.set_image(first)
    canvas.begin_gesture("slider drag")
    for value in range(1, 40):  # a drag streams many pictures
        canvas.set_image(np.full((8, 8, 3), value, np.uint8))
    canvas.end_gesture()
    assert len(canvas.history) == 2
    window.undo_action.trigger()
    assert np.array_equal(canvas.image, first)
    assert window.redo_action.isEnabled()
    window.redo_action.trigger()
    assert canvas.image[0, 0, 0] == 39


def test_history_is_capped_by_memory_not_count(window):
    canvas = window.canvas
    canvas.history.set_budget(10 * 100 * 100 * 3)
    for value in range(25):
        canvas.set_image(np.full((100, 100, 3), value, np.uint8))
    assert len(canvas.history) == 10
    assert canvas.image[0, 0, 0] == 24
    small_history_len = len(canvas.history)
    for value in range(25):
        canvas.set_image(np.full((10, 10, 3), value, np.uint8))
    assert len(canvas.history) > small_history_len  # small pictures: more steps fit


def test_saved_png_carries_parameters_and_reopens(window, qtbot, tmp_path):
    window.canvas.set_image(np.full((16, 16, 4), 90, np.uint8), {"model": "m", "seed": 3})
    target = tmp_path / "out.png"
    handle = window.save_image(str(target))
    qtbot.waitUntil(lambda: handle.done, timeout=5000)
    with qtbot.waitSignal(window.image_opened, timeout=5000) as blocker:
        window.open_image(str(target))
    assert blocker.args[1] == {"model": "m", "seed": 3}


def test_save_into_missing_folder_gives_message(window, qtbot, tmp_path):
    window.canvas.set_image(np.zeros((4, 4, 3), np.uint8))
    with qtbot.waitSignal(window.message_shown, timeout=5000) as blocker:
        window.save_image(str(tmp_path / "no" / "such" / "folder" / "x.png"))
    assert "could not save x.png" in blocker.args[0]


def test_zoom_shortcuts_change_zoom(window):
    window.canvas.set_image(np.zeros((50, 50, 3), np.uint8))
    fitted = window.canvas.zoom()
    window.canvas.zoom_in()
    assert window.canvas.zoom() == pytest.approx(fitted * 1.25)
    window.canvas.fit()
    assert window.canvas.zoom() == pytest.approx(fitted)


def test_layout_is_remembered(qtbot):
    first = MainWindow()
    qtbot.addWidget(first)
    first.show()
    first.docks["text"].hide()
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    second.show()
    assert second.docks["text"].isHidden()
    assert not second.docks["latent"].isHidden()
    second.shutdown_workers()


def test_device_appears_in_status_bar(window, qtbot):
    window.start_background_init()
    qtbot.waitUntil(window.is_ready, timeout=30000)
    assert window.device_label.text().startswith("Device: CPU") or "CUDA" in window.device_label.text()


def test_device_preference_is_remembered(window, qtbot):
    window.set_device_preference("cpu")
    qtbot.waitUntil(lambda: window.device_label.text().startswith("Device: CPU"), timeout=30000)
    from genart_desktop.ui.settings import app_settings

    assert app_settings().value("device") == "cpu"
    window.set_device_preference("auto")
