"""The Study panel as a painter uses it: aids and lines that never change the picture until
applied, a painting played back, style layers that can be cancelled, state kept."""

from __future__ import annotations

import numpy as np
import pytest

from genart_desktop.core.project import PanelData


@pytest.fixture
def panel(window):
    window.show_panel("study")
    yield window.panels["study"]
    # Other panels follow the canvas too (with torch): let them finish before the window
    # goes, however long a busy machine makes them take.
    for worker in window.workers.values():
        worker.shutdown(timeout_ms=600_000)


@pytest.fixture
def picture(window):
    from PIL import Image
    from skimage import data

    image = np.asarray(Image.fromarray(data.coffee()).resize((96, 64), Image.LANCZOS))
    window.canvas.set_image(image, {}, "coffee")
    return image


def choose(combo, key) -> None:
    combo.setCurrentIndex(combo.findData(key))


def test_aids_and_lines_change_what_is_seen_not_the_picture(window, panel, picture, qtbot):
    history = window.canvas.history
    states_before, index_before = len(history), history.index
    choose(panel.aid, "values")
    panel.levels.setValue(2)
    qtbot.waitUntil(lambda: window.canvas.showing_view_image, timeout=60000)
    shown = window.canvas._view_qimage
    assert shown is not None
    panel.overlay_boxes["thirds"].setChecked(True)
    panel.overlay_boxes["phi"].setChecked(True)
    assert {"study:thirds", "study:phi"} <= set(window.canvas.overlay_keys())
    window.canvas.repaint()  # the overlays draw without error at the current zoom
    assert np.array_equal(window.canvas.image, picture)  # the picture is untouched
    assert (len(history), history.index) == (states_before, index_before)  # no undo step
    choose(panel.aid, None)
    qtbot.waitUntil(lambda: not window.canvas.showing_view_image, timeout=60000)
    panel.overlay_boxes["thirds"].setChecked(False)
    assert "study:thirds" not in window.canvas.overlay_keys()


def test_apply_to_canvas_is_one_undo_step(window, panel, picture, qtbot):
    choose(panel.aid, "values")
    panel.levels.setValue(3)
    panel.overlay_boxes["centre"].setChecked(True)
    panel.apply_to_canvas()
    qtbot.waitUntil(lambda: window.canvas.image is not picture, timeout=60000)
    applied = window.canvas.image
    grey = applied[..., 0]
    assert (grey == applied[..., 1]).all()
    assert len(np.unique(grey[5:25, 5:40])) <= 3  # away from the drawn lines: 3 values
    assert panel.aid.currentData() is None and not panel.overlays()  # now in the picture
    window.canvas.undo()
    assert np.array_equal(window.canvas.image, picture)


def test_manual_thresholds_move_the_values(window, panel, picture, qtbot):
    choose(panel.aid, "values")
    panel.levels.setValue(2)
    panel.auto_thresholds.setChecked(False)
    panel.threshold_sliders[0].setValue(5)
    qtbot.waitUntil(lambda: window.canvas.showing_view_image, timeout=60000)
    assert panel.aid_settings().thresholds == [5.0]
    panel.apply_to_canvas()
    qtbot.waitUntil(lambda: window.canvas.image is not picture, timeout=60000)
    assert (window.canvas.image == 255).mean() > 0.9  # almost all lighter than L* 5


def test_painting_plays_back_and_can_be_scrubbed(window, panel, picture, qtbot):
    handle = panel.paint_canvas()
    qtbot.waitUntil(lambda: handle.done, timeout=300000)
    assert handle.state == "finished" and panel.painting_done
    qtbot.waitUntil(lambda: panel.player.count > 0, timeout=60000)  # playing on its own
    assert window.canvas.showing_view_image
    total = len(panel.painting)
    panel.seek(total)
    assert not panel.playing() and panel.player.count == total
    assert np.array_equal(window.canvas.image, picture)  # playback only shows
    panel.seek(total // 3)
    assert panel.player.count == total // 3 and "stroke" in panel.stage.text()
    assert "brush" in panel.stage.text()
    panel.play()
    assert panel.playing()
    panel.pause()
    panel.apply_painting()
    assert window.canvas.image is not picture
    assert window.canvas.image.shape[:2] == picture.shape[:2]


def test_style_layers_can_be_cancelled(window, panel, qtbot):
    panel.layer_side, panel.layer_iterations = 32, 400
    handle = panel.show_layers()
    qtbot.waitUntil(lambda: "%" in panel.layers_status.text(), timeout=300000)  # under way
    panel.cancel_layers()
    qtbot.waitUntil(lambda: handle.done, timeout=300000)
    assert handle.state == "cancelled"
    assert panel.layers_status.text() == "Cancelled."


def test_state_survives_save_and_restore(window, panel, picture, qtbot):
    choose(panel.aid, "values")
    panel.levels.setValue(4)
    panel.auto_thresholds.setChecked(False)
    for slider, value in zip(panel.threshold_sliders, (20, 45, 70)):
        slider.setValue(value)
    panel.overlay_boxes["diagonals"].setChecked(True)
    panel.seed.setValue(7)
    saved = panel.save_state()
    choose(panel.aid, "mirror")
    panel.levels.setValue(2)
    panel.auto_thresholds.setChecked(True)
    panel.overlay_boxes["diagonals"].setChecked(False)
    panel.restore_state(PanelData(state=dict(saved.state)))
    assert panel.aid.currentData() == "values" and panel.levels.value() == 4
    assert panel.aid_settings().thresholds == [20.0, 45.0, 70.0]
    assert panel.overlays() == ["diagonals"] and panel.seed.value() == 7
    assert "study:diagonals" in window.canvas.overlay_keys()
    qtbot.waitUntil(lambda: window.canvas.showing_view_image, timeout=60000)
