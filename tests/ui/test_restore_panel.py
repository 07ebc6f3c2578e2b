"""The Restore panel as a user meets it: paint the damage, find it, repair it in one undo
step, preview and apply whole-picture fixes, and keep the settings in a project."""

from __future__ import annotations


import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from genart_desktop.core.project import PanelData


@pytest.fixture
def window(window_with_only):
    with window_with_only("restore", wait_s=180) as main_window:
        yield main_window


@pytest.fixture
def panel(window):
    panel = window.panels["restore"]
    panel.clear_mask()
    for button in (panel.paint_button, panel.erase_button):
        button.setChecked(False)
    return panel


@pytest.fixture
def photo():
    from PIL import Image
    from skimage import data

    return np.asarray(Image.fromarray(data.coffee()).resize((160, 106), Image.LANCZOS))


def widget_point(canvas, x: float, y: float) -> QPoint:
    """Where picture pixel (x, y) is drawn in the canvas widget."""
    rect = canvas._target_rect()
    zoom = canvas.zoom()
    return QPoint(round(rect.left() + x * zoom), round(rect.top() + y * zoom))


def wait_done(qtbot, handle, timeout=120000):  # the first job imports SciPy
    qtbot.waitUntil(lambda: handle.done, timeout=timeout)
    assert handle.state == "finished"


def test_brush_paints_and_erases_the_mask_with_the_mouse(window, panel, photo, qtbot):
    canvas = window.canvas
    canvas.set_image(photo, {}, "photo")
    panel.brush_size.setValue(10)
    panel.hardness.setValue(100)
    panel.paint_button.click()
    assert canvas.tool is panel.brush
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     widget_point(canvas, 50, 50))
    assert panel.mask is not None and panel.mask[50, 50] == 255
    assert panel.mask[50, 80] == 0
    assert "restore-mask" in canvas.overlay_keys()
    # a drag: the canvas hands the moves to the brush, which paints the whole path
    canvas.tool.press(20, 20)
    canvas.tool.move(120, 20)
    canvas.tool.release(120, 20)
    assert (panel.mask[20, 20:121] == 255).all()
    assert "Repair" in panel.repair_button.text() and "%" in panel.repair_button.text()
    panel.erase_button.click()
    assert not panel.paint_button.isChecked() and canvas.tool is panel.brush
    canvas.tool.press(50, 50)
    canvas.tool.release(50, 50)
    assert panel.mask[50, 50] == 0
    panel.erase_button.click()
    assert canvas.tool is None  # the mouse pans again
    assert canvas.state.label == "photo"  # painting the mask never touches the picture


def test_repair_is_one_undo_step_and_keeps_undamaged_pixels(window, panel, photo, qtbot):
    canvas = window.canvas
    damaged = photo.copy()
    damaged[40:44, 10:150] = 255
    canvas.set_image(damaged, {}, "photo")
    panel.hardness.setValue(100)
    panel.brush_size.setValue(8)
    panel.paint_mask((10, 42), (149, 42), erase=False)
    panel.mask_edited()
    mask = panel.mask.copy()
    steps = len(canvas.history)
    wait_done(qtbot, panel.repair())
    assert len(canvas.history) == steps + 1
    assert canvas.state.label == "Repair"
    repaired = canvas.image
    assert np.array_equal(repaired[mask == 0], damaged[mask == 0])
    error = lambda picture: np.abs(picture[41:43, 20:140].astype(int)  # noqa: E731
                                   - photo[41:43, 20:140]).mean()
    assert error(repaired) < 0.2 * error(damaged)  # the white band is gone
    assert not panel.damaged_share()  # the mask is spent
    canvas.undo()
    assert np.array_equal(canvas.image, damaged)


def test_empty_mask_repair_says_so_and_changes_nothing(window, panel, photo):
    window.canvas.set_image(photo, {}, "photo")
    assert panel.repair() is None
    assert "nothing to repair" in panel.info.text()
    assert window.canvas.state.label == "photo"


def test_find_damage_marks_a_drawn_line_for_editing(window, panel, qtbot):
    import cv2
    from PIL import Image
    from skimage import data

    cat = np.asarray(Image.fromarray(data.chelsea()).resize((200, 132), Image.LANCZOS))
    damaged = cat.copy()
    cv2.line(damaged, (10, 100), (190, 80), (15, 15, 15), 2)
    line = np.zeros(cat.shape[:2], np.uint8)
    cv2.line(line, (10, 100), (190, 80), 1, 2)
    window.canvas.set_image(damaged, {}, "photo")
    wait_done(qtbot, panel.find_damage())
    assert panel.mask is not None
    assert (panel.mask[line > 0] > 0).mean() > 0.9
    assert (panel.mask[line == 0] > 0).mean() < 0.05  # the cat's whiskers mostly not
    assert "crack" in panel.info.text()
    assert window.canvas.state.label == "photo"  # found, not repaired: the user checks first
    # the found mask is the user's to edit before repairing
    panel.paint_mask((100, 10), (100, 10), erase=False)
    assert panel.mask[10, 100] > 0


def test_whole_picture_fix_previews_then_applies_as_one_step(window, panel, photo, qtbot):
    canvas = window.canvas
    faded = (photo * 0.5 + 90).astype(np.uint8)
    canvas.set_image(faded, {}, "photo")
    panel.enhance_kind.setCurrentIndex(panel.enhance_kind.findData("fade"))
    panel.enhance_strength.setValue(100)
    steps = len(canvas.history)
    wait_done(qtbot, panel.preview_enhancement())
    assert canvas.showing_view_image and len(canvas.history) == steps
    assert panel.apply_enhancement() is None  # the preview is kept, nothing recomputed
    assert len(canvas.history) == steps + 1 and not canvas.showing_view_image
    assert canvas.image.std() > 1.5 * faded.std()
    canvas.undo()
    assert np.array_equal(canvas.image, faded)


def test_settings_and_mask_survive_save_and_restore(window, panel, photo):
    window.canvas.set_image(photo, {}, "photo")
    panel.brush_size.setValue(33)
    panel.hardness.setValue(40)
    panel.sensitivity.setValue(70)
    panel.enhance_kind.setCurrentIndex(panel.enhance_kind.findData("deblock"))
    panel.paint_mask((30, 30), (60, 30), erase=False)
    saved = panel.save_state()
    assert "mask.png" in saved.files

    panel.restore_state(PanelData())  # another project, without restore settings
    panel.brush_size.setValue(5)
    panel.sensitivity.setValue(10)
    panel.clear_mask()
    panel.restore_state(saved)
    assert panel.brush_size.value() == 33 and panel.hardness.value() == 40
    assert panel.sensitivity.value() == 70
    assert panel.enhance_kind.currentData() == "deblock"
    assert panel.mask[30, 45] > 0
    assert panel.save_state().state == saved.state


def test_mask_is_dropped_when_a_picture_of_another_size_opens(window, panel, photo):
    window.canvas.set_image(photo, {}, "photo")
    panel.paint_mask((30, 30), (60, 30), erase=False)
    window.canvas.set_image(np.zeros((50, 50, 3), np.uint8), {}, "other")
    assert panel.mask is None and "restore-mask" not in window.canvas.overlay_keys()


def test_undo_takes_back_mask_strokes_one_by_one_while_painting(window, panel, photo, qtbot):
    canvas = window.canvas
    canvas.set_image(photo, {}, "photo")
    picture_steps = len(canvas.history)
    panel.brush_size.setValue(10)
    panel.hardness.setValue(100)
    panel.paint_button.click()
    for x in (30, 60):  # two strokes, each a press, a drag and a release
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         widget_point(canvas, x, 40))
        QTest.mouseMove(canvas, widget_point(canvas, x, 70))
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                           widget_point(canvas, x, 70))
    assert panel.mask[55, 30] == 255 and panel.mask[55, 60] == 255
    panel.clear_button.click()
    assert not panel.mask.any()
    assert window.undo_action.isEnabled()

    window.undo_action.trigger()  # the Clear
    assert panel.mask[55, 30] == 255 and panel.mask[55, 60] == 255
    window.undo_action.trigger()  # the second stroke
    assert panel.mask[55, 30] == 255 and panel.mask[55, 60] == 0
    window.undo_action.trigger()  # the first
    assert not panel.mask.any()
    assert len(canvas.history) == picture_steps and canvas.image is not None
    window.redo_action.trigger()
    assert panel.mask[55, 30] == 255 and panel.mask[55, 60] == 0

    panel.paint_button.click()  # the tool put away: Undo is the picture's again
    assert canvas.tool is None and window.undo_action.isEnabled() == canvas.history.can_undo


def test_mask_history_keeps_only_the_changed_boxes():
    from genart_desktop.restore.masks import MaskHistory, stroke

    mask = np.zeros((3000, 4000), np.uint8)  # a 12-megapixel picture's mask
    history = MaskHistory()
    for x in range(0, 4000, 40):  # 100 small strokes
        history.begin(mask)
        box = stroke(mask, (x, 100), (x, 120), radius=5, hardness=1.0)
        history.commit(mask, box)
    kept = sum(before.nbytes + after.nbytes for _, before, after in history._done)
    assert len(history._done) == 100 and kept < 100 * 2 * 40 * 40
    while history.can_undo:
        history.undo(mask)
    assert not mask.any()
