"""The style gallery as a user meets it: the styles listed, own pictures added, a click
that restyles the canvas in one undo step, re-renders, mixes, the quality mode's stream."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDoubleSpinBox

from conftest import drop_files

from genart_desktop.core import paths
from genart_desktop.ui.main_window import MainWindow
from genart_desktop.ui.panels.style_render import PREVIEW_SIDE, PREVIEW_SIDES, RateBook


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    """One cache for this module: the exported graphs and thumbnails are made once."""
    return tmp_path_factory.mktemp("style-cache")


@pytest.fixture(autouse=True)
def isolated_cache(shared_cache, monkeypatch):
    monkeypatch.setenv("GENART_CACHE_DIR", str(shared_cache))


@pytest.fixture
def panel(window, qtbot):
    with qtbot.waitSignal(window.ready, timeout=60000):  # as the app starts: torch, device
        window.start_background_init()
    window.show_panel("style")
    return window.panels["style"]


@pytest.fixture
def photo():
    from skimage import data

    return np.asarray(Image.fromarray(data.chelsea()).resize((96, 64), Image.LANCZOS))


def click(panel, style_id, modifier=Qt.KeyboardModifier.NoModifier):
    item = panel.items()[style_id]
    panel.gallery.scrollToItem(item)
    QTest.mouseClick(panel.gallery.viewport(), Qt.MouseButton.LeftButton, modifier,
                     panel.gallery.visualItemRect(item).center())


def wait_landed(qtbot, panel, timeout=60000):
    qtbot.waitUntil(lambda: panel._handle is not None and panel._handle.done, timeout=timeout)
    assert panel._handle.state == "finished"


def drop(gallery, files):
    """Files dropped on the gallery as a person drops them (see ``drop_files``): a list
    whose viewport refused drops passed them on to the window, which opened the picture."""
    assert drop_files(gallery.viewport(), files)


def test_gallery_lists_26_builtins_and_the_paintings_with_credits(panel, qtbot):
    ids = list(panel.items())
    assert [i for i in ids if i.startswith("builtin:")] == [f"builtin:{n}" for n in range(26)]
    folder = paths.resources_dir() / "styles"
    catalogue = json.loads((folder / "paintings.json").read_text(encoding="utf-8"))
    credits = (folder / "CREDITS.md").read_text(encoding="utf-8")
    assert len(catalogue) >= 23
    for record in catalogue:
        item = panel.items()[f"painting:{record['file']}"]
        assert item.text() == record["title"]
        assert record["artist"] in item.toolTip()  # hover: name and source
        assert record["file"] in credits and record["artist"] in credits
        assert (folder / record["file"]).stat().st_size < 200_000
    assert "gcompris-qt-data" in credits and "opencv-doc" in credits
    # search by artist, then by name
    panel.search.setText("hokusai")
    shown = panel.visible_ids()
    assert shown and all(panel.entries[i].artist == "Katsushika Hokusai" for i in shown)
    panel.search.setText("starry")
    assert panel.visible_ids() == ["painting:the-starry-night.jpg"]
    panel.search.setText("")
    assert len(panel.visible_ids()) == len(ids)
    # built-in thumbnails are rendered in the background and cached
    qtbot.waitUntil(lambda: any((paths.cache_dir() / "style-thumbnails").rglob("25.png")),
                    timeout=60000)

    def icon_is_a_picture() -> bool:  # not the grey placeholder tile any more
        icon = panel.items()["builtin:3"].icon().pixmap(96, 96).toImage()
        return icon.pixelColor(10, 10) != icon.pixelColor(60, 50)

    qtbot.waitUntil(icon_is_a_picture, timeout=10000)


def test_dropped_picture_is_added_and_still_there_after_a_restart(panel, window, qtbot,
                                                                   tmp_path):
    from skimage import data

    good = tmp_path / "my rocket.png"
    Image.fromarray(data.rocket()).resize((120, 90)).save(good)
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (20, 20), "red").save(tiny)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff not really a jpeg")
    before = len(window.messages)
    canvas_before = window.canvas.history.index
    drop(panel.gallery, [good, tiny, broken])
    qtbot.waitUntil(lambda: any(i.startswith("user:") for i in panel.items()), timeout=10000)
    assert window.canvas.history.index == canvas_before  # a style, not a picture to open
    qtbot.waitUntil(lambda: len(window.messages) > before, timeout=10000)
    message = window.messages[-1]
    assert "tiny.png" in message and "64 px" in message and "broken.jpg" in message
    user_ids = [i for i in panel.items() if i.startswith("user:")]
    assert len(user_ids) == 1 and panel.entries[user_ids[0]].name == "my rocket"
    copied = paths.user_data_dir() / "styles" / user_ids[0].split(":", 1)[1]
    assert copied.read_bytes() == good.read_bytes()
    good.unlink()  # a copy was kept: the original may go

    restarted = MainWindow()
    qtbot.addWidget(restarted)
    try:
        again = restarted.panels["style"]
        assert user_ids[0] in again.items()
        again.select(user_ids)
        again.remove_selected()
        assert user_ids[0] not in again.items() and not copied.exists()
    finally:
        restarted.shutdown_workers()


def test_click_restyles_the_canvas_in_one_undo_step(panel, window, qtbot, photo):
    canvas = window.canvas
    canvas.set_image(photo, {}, "photo")
    seen = []
    canvas.changed.connect(lambda: seen.append(dict(canvas.state.parameters)))
    click(panel, "builtin:6")
    wait_landed(qtbot, panel)
    assert len(canvas.history) == 2  # the photo and the styled photo: one undo step
    styled = canvas.image
    assert styled.shape == photo.shape
    assert np.abs(styled.astype(float) - photo).mean() > 20
    assert seen[0].get("preview") is True  # the quick preview came first
    assert canvas.state.parameters["style"]["styles"][0][0] == "builtin:6"
    canvas.undo()
    assert np.array_equal(canvas.image, photo)


def test_back_to_back_drags_are_one_undo_step_each(panel, window, qtbot, photo):
    """Twenty quick drags of the strength: each is released while its last picture is
    still being made, and the next is pressed before it arrives. Twenty undo steps."""
    canvas = window.canvas
    canvas.set_image(photo, {}, "photo")
    click(panel, "builtin:2")
    wait_landed(qtbot, panel)
    steps = len(canvas.history)
    for drag in range(20):
        panel.strength.setSliderDown(True)
        panel.strength.setValue(30 + drag)
        panel._rerender()                   # the hand pauses: this drag's picture shows
        qtbot.waitUntil(lambda: panel._handle.done, timeout=60000)
        panel.strength.setValue(60 + drag)  # and moves on; released before it arrives
        panel._rerender()
        panel.strength.setSliderDown(False)
    wait_landed(qtbot, panel)
    qtbot.waitUntil(lambda: not canvas.history.in_gesture, timeout=10000)
    assert len(canvas.history) == steps + 20
    assert canvas.state.parameters["style"]["strength"] == 0.79


def test_strength_rerenders_from_the_original_without_a_click(panel, window, qtbot, photo):
    canvas = window.canvas
    canvas.set_image(photo, {}, "photo")
    click(panel, "builtin:2")
    wait_landed(qtbot, panel)
    full = canvas.image.astype(np.float32)
    first = panel._handle
    panel.strength.setValue(50)
    qtbot.waitUntil(lambda: panel._handle is not first and panel._handle.done, timeout=60000)
    half = canvas.image.astype(np.float32)
    # halfway between the photo and the full style: not the style applied twice
    assert np.abs(half - (photo + full) / 2).max() <= 2.0
    assert len(canvas.history) == 3
    assert canvas.state.parameters["style"]["strength"] == 0.5
    panel.preserve_colours.setChecked(True)
    second = panel._handle
    qtbot.waitUntil(lambda: panel._handle is not second and panel._handle.done, timeout=60000)
    assert canvas.state.parameters["style"]["preserve_colors"] is True


def test_two_styles_mix_with_weights(panel, window, qtbot, photo):
    canvas = window.canvas
    canvas.set_image(photo, {}, "photo")
    click(panel, "builtin:0")
    wait_landed(qtbot, panel)
    one = canvas.image.astype(np.float32)
    click(panel, "builtin:1", Qt.KeyboardModifier.ControlModifier)
    wait_landed(qtbot, panel)
    assert not panel.mix_box.isHidden()
    assert [s[0] for s in canvas.state.parameters["style"]["styles"]] == ["builtin:0", "builtin:1"]
    mixed = canvas.image.astype(np.float32)
    assert np.abs(mixed - one).mean() > 3
    handle = panel._handle
    spin = panel.findChild(QDoubleSpinBox, "weight-builtin:1")
    spin.setValue(0.0)  # only the first style left: the first result again
    qtbot.waitUntil(lambda: panel._handle is not handle and panel._handle.done, timeout=60000)
    assert np.abs(canvas.image.astype(np.float32) - one).max() <= 1.0


def test_quality_mode_streams_previews_and_cancels(panel, window, qtbot, photo):
    from genart_desktop.style.request import QualitySettings

    canvas = window.canvas
    small = photo[:48, :64].copy()  # the optimization is slow on a CPU: a small picture
    canvas.set_image(small, {}, "photo")
    panel.quality_settings = QualitySettings(iterations=2000, scales=1, preview_every=1,
                                             flat_change=0)  # never done before the cancel
    panel.mode.setCurrentIndex(panel.mode.findData("quality"))
    shown = []
    canvas.changed.connect(lambda: shown.append(canvas.state.parameters.get("preview")))
    click(panel, "painting:the-starry-night.jpg")
    qtbot.waitUntil(lambda: len(shown) >= 3, timeout=90000)  # preview, then the stream
    assert all(flag is True for flag in shown)
    qtbot.waitUntil(lambda: window.job_cancel.isVisible() and "left" in window.job_label.text(),
                    timeout=30000)
    window.job_cancel.click()
    qtbot.waitUntil(lambda: panel._handle.done, timeout=30000)
    assert panel._handle.state == "cancelled"
    assert len(canvas.history) == 1 and np.array_equal(canvas.image, small)
    assert "Cancelled" in panel.info.text()


def test_big_picture_says_it_tiles_and_how_long(panel, window, qtbot):
    from genart_desktop.ui.panels.style import scale_to_slider

    canvas = window.canvas
    canvas.set_image(np.full((2100, 2100, 3), 128, np.uint8), {}, "big")
    panel.brush_scale.setValue(scale_to_slider(0.25))  # the finest brush: painted at 4096 px
    click(panel, "builtin:4")
    assert "tiled" in panel.info.text() and "about" in panel.info.text()
    panel.cancel()
    qtbot.waitUntil(lambda: panel._handle.done, timeout=60000)
    assert len(canvas.history) == 1


def test_state_round_trip_and_preview_size(panel, window):
    panel.select(["builtin:3", "painting:the-starry-night.jpg"],
                 {"builtin:3": 2.0, "painting:the-starry-night.jpg": 0.5})
    panel.strength.setValue(70)
    panel.mode.setCurrentIndex(panel.mode.findData("picture"))
    saved = panel.save_state()
    panel.select([])
    panel.strength.setValue(100)
    panel.restore_state(saved)
    assert panel.weights == {"builtin:3": 2.0, "painting:the-starry-night.jpg": 0.5}
    assert panel.strength.value() == 70 and panel.mode.currentData() == "picture"


def test_preview_shrinks_on_a_busy_machine_and_grows_on_a_fast_one():
    rates = RateBook()
    assert rates.preview_side() == PREVIEW_SIDE
    rates.learn_preview(0.1, 1.0)  # 10 s per megapixel: a very busy CPU
    assert rates.preview_side() == PREVIEW_SIDES[0]
    fast = RateBook()
    fast.learn_preview(0.1, 0.002)
    assert fast.preview_side() == PREVIEW_SIDES[1]


def test_one_strength_drag_is_one_undo_step(panel, window, qtbot, photo):
    canvas = window.canvas
    canvas.set_image(photo, {}, "photo")
    click(panel, "builtin:5")
    wait_landed(qtbot, panel)
    panel.strength.setSliderDown(True)  # the hand holds the slider
    for value in (80, 60, 40):
        handle = panel._handle
        panel.strength.setValue(value)
        qtbot.waitUntil(lambda: panel._handle is not handle and panel._handle.done, timeout=60000)
    panel.strength.setSliderDown(False)
    assert len(canvas.history) == 3  # photo, the style, the whole drag
    assert canvas.state.parameters["style"]["strength"] == 0.4
    canvas.undo()
    assert canvas.state.parameters["style"]["strength"] == 1.0


def test_brush_scale_slider_matches_the_cli_and_rides_in_the_state(panel):
    from genart_desktop.style.request import DEFAULT_STYLE_SCALE, STYLE_SCALE_RANGE
    from genart_desktop.ui.panels.style import slider_to_scale

    ends = (slider_to_scale(panel.brush_scale.minimum()),
            slider_to_scale(panel.brush_scale.maximum()))
    assert ends == pytest.approx(STYLE_SCALE_RANGE)  # as `genart stylize --style-scale`
    from genart_desktop.ui.panels.style import scale_to_slider

    panel.select(["builtin:3"])
    panel.brush_scale.setValue(scale_to_slider(DEFAULT_STYLE_SCALE) + 8)  # twice as large
    assert panel.style_scale() == pytest.approx(2 * DEFAULT_STYLE_SCALE)
    assert panel.choice().parameters()["style"]["style_scale"] == 2.0
    saved = panel.save_state()
    panel.brush_scale.setValue(panel.brush_scale.minimum())
    panel.restore_state(saved)
    assert panel.style_scale() == pytest.approx(2.0) and panel.brush_scale_label.text() == "2.00×"
    panel.restore_state(type(saved)(state={"style_scale": "nonsense"}))
    assert panel.style_scale() == DEFAULT_STYLE_SCALE


def test_brush_scale_change_rerenders_with_larger_strokes(panel, window, qtbot):
    from skimage import data

    from genart_desktop.style.scale import stroke_size

    canvas = window.canvas
    canvas.set_image(np.asarray(Image.fromarray(data.astronaut()).resize((256, 256))), {}, "p")
    panel.brush_scale.setValue(panel.brush_scale.minimum() + 24)  # 0.25 * 2**3 = 2: 512 px
    click(panel, "builtin:6")
    wait_landed(qtbot, panel)
    fine = stroke_size(canvas.image)
    handle = panel._handle
    panel.brush_scale.setValue(panel.brush_scale.maximum())  # 4: painted at 256 px
    qtbot.waitUntil(lambda: panel._handle is not handle and panel._handle.done, timeout=60000)
    assert canvas.state.parameters["style"]["style_scale"] == 4.0
    assert stroke_size(canvas.image) > 1.5 * fine


def test_preview_paints_at_the_results_size_when_the_budget_allows():
    from genart_desktop.style.catalogue import all_styles
    from genart_desktop.ui.panels.style_render import StyleChoice, preview_side

    builtin = next(entry for entry in all_styles() if not entry.is_picture)
    fast = RateBook()
    fast.learn_preview(0.1, 0.002)  # a fast machine: the preview paints the result's strokes
    choice = StyleChoice([(builtin, 1.0)], style_scale=2.0)
    assert preview_side(choice, (3000, 4000, 3), fast) == (512, "builtin")
    slow = RateBook()
    slow.learn_preview(0.1, 1.0)
    assert preview_side(choice, (3000, 4000, 3), slow) == (PREVIEW_SIDES[0], "builtin")
