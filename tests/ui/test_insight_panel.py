"""The Insight panel: palette swatches, limit-to-palette, export, stars, similar styles."""


import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from genart_desktop.insight.favourites import Stars
from genart_desktop.style import catalogue as style_catalogue

COLOURS = [(200, 30, 40), (20, 60, 180), (240, 220, 60)]


def _bands(height=36) -> np.ndarray:
    rng = np.random.default_rng(3)
    bands = np.concatenate([np.tile(np.array(c, np.uint8), (height, w, 1))
                            for c, w in zip(COLOURS, (24, 16, 8))], axis=1)
    noise = rng.integers(-12, 13, bands.shape)
    return np.clip(bands.astype(int) + noise, 0, 255).astype(np.uint8)


@pytest.fixture
def window(window_with_only):
    with window_with_only("insight") as main_window:
        yield main_window


@pytest.fixture
def panel(window, qtbot):
    panel = window.panels["insight"]
    panel.find_similar.setChecked(False)  # the palette only, unless a test asks for more
    panel.colours.setValue(3)
    qtbot.waitUntil(panel.isVisible, timeout=5000)
    return panel


def _analysed(window, qtbot, panel, picture):
    window.canvas.set_image(picture, {}, "test picture")
    qtbot.waitUntil(lambda: len(panel.swatches) == 3 and panel.is_ready(), timeout=15000)


def test_canvas_palette_and_swatch_click_copies_hex(window, qtbot, panel):
    _analysed(window, qtbot, panel, _bands())
    hexes = [s.hex for s in panel.swatches]
    assert panel.swatches[0].share > panel.swatches[1].share > panel.swatches[2].share
    buttons = [panel.swatch_grid.itemAt(i).widget() for i in range(panel.swatch_grid.count())]
    assert [b.text().split("\n")[0] for b in buttons] == hexes
    qtbot.mouseClick(buttons[1], Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == hexes[1]
    panel.sort.setCurrentIndex(panel.sort.findData("lightness"))
    assert [s.lab[0] for s in panel.swatches] == sorted((s.lab[0] for s in panel.swatches),
                                                         reverse=True)


def test_limit_to_palette_is_one_undo_step_with_palette_colours_only(window, qtbot, panel):
    picture = _bands()
    _analysed(window, qtbot, panel, picture)
    steps = len(window.canvas.history)
    palette = {s.rgb for s in panel.swatches}
    panel.limit_button.click()
    qtbot.waitUntil(lambda: len(window.canvas.history) == steps + 1, timeout=10000)
    limited = window.canvas.image
    used = {tuple(p) for p in limited.reshape(-1, 3)}
    assert used <= palette and len(used) == 3
    window.canvas.undo()
    assert np.array_equal(window.canvas.image, picture)


def test_export_asks_before_replacing_a_file(window, qtbot, panel, tmp_path, monkeypatch):
    _analysed(window, qtbot, panel, _bands())
    target = tmp_path / "mine.kpl"
    assert panel.export_palette(str(target)) and target.stat().st_size > 0
    target.write_bytes(b"keep me")
    asked = []
    monkeypatch.setattr(panel, "ask_overwrite", lambda path: asked.append(path) or False)
    assert not panel.export_palette(str(target))
    assert target.read_bytes() == b"keep me" and asked == [target]
    monkeypatch.setattr(panel, "ask_overwrite", lambda path: True)
    assert panel.export_palette(str(target)) and target.read_bytes()[:2] == b"PK"


def test_a_starred_painting_survives_a_restart_and_a_project(window, qtbot, panel, tmp_path,
                                                              window_with_only):
    poppies = "painting:poppies.jpg"
    panel.source.setCurrentIndex(panel.source.findData(poppies))
    qtbot.waitUntil(lambda: panel._star_id == poppies, timeout=15000)
    panel.star_button.click()
    assert poppies in panel.stars and panel.star_button.text().startswith("★")
    assert poppies in Stars()  # in the user's data folder at once

    saved = []
    window.session.save(str(tmp_path / "liked"), on_done=saved.append)
    qtbot.waitUntil(lambda: saved == [True], timeout=10000)
    panel.star_button.click()  # unstarred...
    assert poppies not in Stars()

    with window_with_only("insight") as other:  # a restart; the project brings it back
        assert poppies not in other.panels["insight"].stars
        handle = other.open_path(str(tmp_path / "liked.genart"))
        qtbot.waitUntil(lambda: handle.done, timeout=10000)
        assert poppies in other.panels["insight"].stars
    assert poppies in Stars()


def test_similar_paintings_show_and_a_click_applies_that_style(window, qtbot, panel, monkeypatch):
    chosen = [e for e in style_catalogue.paintings() if e.path.name in ("poppies.jpg", "pieta.jpg")]
    monkeypatch.setattr(style_catalogue, "paintings", lambda: chosen)
    monkeypatch.setattr(style_catalogue, "builtin_styles", lambda: [])
    picture = np.asarray(Image.open(chosen[0].path).convert("RGB").resize((96, 72)))
    panel.find_similar.setChecked(True)
    _analysed(window, qtbot, panel, picture)
    qtbot.waitUntil(lambda: panel.similar.count() == 2, timeout=60000)
    first = panel.similar.item(0)
    assert first.data(Qt.ItemDataRole.UserRole) == "painting:poppies.jpg"
    assert "Poppies" in first.text() and "Hokusai" in first.text()
    steps = len(window.canvas.history)
    panel.similar.itemClicked.emit(first)
    assert window.panels["style"].weights == {"painting:poppies.jpg": 1.0}
    qtbot.waitUntil(lambda: len(window.canvas.history) == steps + 1
                    and not window.panels["style"].busy(), timeout=60000)

    # a style the user adds while the app runs is searched at the next analysis
    added = style_catalogue.add_user_style(chosen[1].path)
    try:
        window.canvas.set_image(picture[::-1].copy(), {}, "another picture")
        qtbot.waitUntil(lambda: panel.similar.count() == 3, timeout=60000)
        ids = [panel.similar.item(i).data(Qt.ItemDataRole.UserRole) for i in range(3)]
        assert added.id in ids
    finally:
        style_catalogue.remove_user_style(added)


def test_a_picture_dropped_on_the_panel_is_analysed_and_the_canvas_kept(window, qtbot, panel,
                                                                        tmp_path):
    from conftest import drop_files

    canvas_steps = len(window.canvas.history)
    path = tmp_path / "bands.png"
    Image.fromarray(_bands()).save(path)
    swatches = panel.swatch_grid
    assert drop_files(swatches.parentWidget() or panel, [path])  # on the palette area
    qtbot.waitUntil(lambda: panel.dropped is not None and len(panel.swatches) == 3,
                    timeout=15000)
    assert panel.source.currentText() == "Picture: bands.png"
    assert len(window.canvas.history) == canvas_steps
