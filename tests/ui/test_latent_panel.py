"""The latent panel in the real window: sliders repaint the canvas (latest wins, one drag
one undo step), PNG parameters round trip, interpolation export, encoding, and training
on a dropped folder that can be cancelled, resumed, and then appears in the picker.

Models are tiny ones trained here on generated discs (16 px, a few steps): the panel's
behaviour does not depend on how good the pictures are.
"""

from __future__ import annotations

import shutil
import threading

import numpy as np
import pytest
from PIL import Image

from conftest import drop_files
from genart_desktop.core import paths
from genart_desktop.core.jobs import Job
from genart_desktop.ui.panels.latent_bench import make_disc_folder
from genart_desktop.ui.panels.latent_state import LatentSettings

TIMEOUT = 20_000


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory):
    """A tiny VAE and GAN (16 px), trained once for the module."""
    import os

    from genart_desktop.latent.train import TrainParams, train

    root = tmp_path_factory.mktemp("latent-models")
    old_cache = os.environ.get("GENART_CACHE_DIR")
    os.environ["GENART_CACHE_DIR"] = str(root / "cache")
    try:
        folder = make_disc_folder(root / "images", 20, size=16)
        for kind in ("vae", "gan"):
            train(TrainParams(folder=str(folder), kind=kind, output=str(root / f"tiny-{kind}"),
                              size=16, epochs=2, batch_size=8, width=8, z_dim=16,
                              partial_every=0, device="cpu"), Job())
    finally:
        if old_cache is None:
            os.environ.pop("GENART_CACHE_DIR", None)
        else:
            os.environ["GENART_CACHE_DIR"] = old_cache
    return root


@pytest.fixture
def panel(window, tiny_models, tmp_path, monkeypatch):
    monkeypatch.setenv("GENART_CACHE_DIR", str(tmp_path / "cache"))
    for file in tiny_models.glob("tiny-*.*"):
        shutil.copy(file, paths.user_models_dir())
    latent = window.panels["latent"]
    latent.refresh_models(select="tiny-gan")
    assert latent.model_name() == "tiny-gan"
    return latent


def wait_shown(qtbot, panel, serial):
    qtbot.waitUntil(lambda: panel._shown_serial >= serial, timeout=TIMEOUT)


def drag(qtbot, panel, slider, values):
    """Press, move through ``values`` waiting for each picture, release."""
    slider.setSliderDown(True)
    for value in values:
        slider.setValue(value)
        wait_shown(qtbot, panel, panel._serial)
    slider.setSliderDown(False)
    qtbot.waitUntil(lambda: not panel.window_.canvas.history.in_gesture, timeout=TIMEOUT)


def test_slider_drag_repaints_the_canvas_and_is_one_undo_step(panel, qtbot, window):
    canvas = window.canvas
    wait_shown(qtbot, panel, panel.request_render("start"))
    before = canvas.image.copy()
    assert len(canvas.history) == 1 and canvas.image.shape == (64, 64, 4)  # 16 px x 4, crisp

    pictures = []
    panel.image_shown.connect(lambda serial: pictures.append(canvas.image.copy()))
    drag(qtbot, panel, panel.sliders[0], [60, 120, 180, 240, 300])
    assert len(pictures) == 5  # the canvas followed the hand, not only the release
    assert not np.array_equal(pictures[0], pictures[-1])
    assert len(canvas.history) == 2  # the whole drag is one undo step
    assert canvas.state.parameters["directions"] == {"0": 3.0}

    window.undo_action.trigger()
    assert np.array_equal(canvas.image, before)
    # crisp enlargement is whole-pixel blocks
    assert np.array_equal(before[::4, ::4].repeat(4, 0).repeat(4, 1), before)


def test_back_to_back_drags_are_one_undo_step_each(panel, qtbot, window):
    """Quick drags: each one's first picture shows, but the next drag is pressed before
    its final picture has arrived (the worker is held). One undo step per drag."""
    canvas = window.canvas
    wait_shown(qtbot, panel, panel.request_render("start"))
    slider = panel.sliders[2]
    for drag_number in range(20):
        slider.setSliderDown(True)
        slider.setValue(10 * drag_number + 5)
        wait_shown(qtbot, panel, panel._serial)   # the canvas follows the hand
        gate = threading.Event()
        panel.worker.submit(lambda job, g=gate: g.wait(10), key="blocker")
        slider.setValue(10 * drag_number + 10)    # its picture is still due at release
        slider.setSliderDown(False)
        gate.set()
    wait_shown(qtbot, panel, panel._serial)
    qtbot.waitUntil(lambda: not canvas.history.in_gesture, timeout=TIMEOUT)
    assert len(canvas.history) == 1 + 20


def test_a_stale_request_is_dropped(panel, qtbot, window):
    gate = threading.Event()
    panel.worker.submit(lambda job: gate.wait(10), key="blocker")
    shown = []
    panel.image_shown.connect(shown.append)
    slider = panel.sliders[1]
    slider.setSliderDown(True)
    for value in (50, 100, 150, 200):
        slider.setValue(value)
    last = panel._serial
    gate.set()
    slider.setSliderDown(False)
    wait_shown(qtbot, panel, last)
    qtbot.wait(200)
    assert shown == [last]  # the three requests made while the worker was busy never ran
    assert window.canvas.state.parameters["directions"] == {"1": 2.0}


def test_saved_png_reopens_with_model_seed_and_sliders(panel, qtbot, window, tmp_path):
    panel.seed_box.setValue(1234)
    panel.sliders[2].setValue(-150)
    panel.truncation.setValue(70)
    wait_shown(qtbot, panel, panel._serial)
    saved = panel.settings()
    picture = window.canvas.image.copy()
    path = str(tmp_path / "sliders.png")
    handle = window.save_image(path)
    qtbot.waitUntil(lambda: handle.done, timeout=TIMEOUT)

    panel.select_model("tiny-vae")
    panel.seed_box.setValue(7)
    panel.reset_all()
    wait_shown(qtbot, panel, panel._serial)
    assert panel.settings() != saved

    with qtbot.waitSignal(window.image_opened, timeout=TIMEOUT):
        window.open_path(path)
    opened_states = len(window.canvas.history)
    restored = panel.settings()
    assert (restored.model, restored.seed, restored.truncation) == ("tiny-gan", 1234, 0.7)
    assert restored.offsets == saved.offsets and restored.offsets[2] == -1.5
    qtbot.wait(300)
    assert len(window.canvas.history) == opened_states  # restoring the panel draws nothing
    assert np.array_equal(window.canvas.image, picture)
    # drawing again from the restored sliders gives the same picture
    wait_shown(qtbot, panel, panel.request_render("again"))
    assert np.array_equal(window.canvas.image, picture)


def test_interpolation_scrubs_and_exports_frames(panel, qtbot, window, tmp_path):
    panel.seed_box.setValue(1)
    panel.set_end("a")
    wait_shown(qtbot, panel, panel._serial)
    image_a = window.canvas.image.copy()
    panel.seed_box.setValue(2)
    panel.set_end("b")
    wait_shown(qtbot, panel, panel._serial)
    image_b = window.canvas.image.copy()

    panel.scrub.setValue(500)
    wait_shown(qtbot, panel, panel._serial)
    middle = window.canvas.image
    assert not np.array_equal(middle, image_a) and not np.array_equal(middle, image_b)
    assert window.canvas.state.parameters["interpolation"]["t"] == 0.5

    gif = tmp_path / "morph.gif"
    handle = panel.export_interpolation(str(gif), frames=5)
    qtbot.waitUntil(lambda: handle.done, timeout=TIMEOUT)
    assert handle.state == "finished"
    with Image.open(gif) as animation:
        assert animation.n_frames == 5 and animation.size == (64, 64)
    strip = tmp_path / "morph.png"
    handle = panel.export_interpolation(str(strip), frames=4)
    qtbot.waitUntil(lambda: handle.done, timeout=TIMEOUT)
    frames = np.asarray(Image.open(strip))
    assert frames.shape == (64, 4 * 64, 4)
    assert np.array_equal(frames[:, :64], image_a)  # the strip starts at A and ends at B
    assert np.array_equal(frames[:, -64:], image_b)


def test_encode_canvas_shows_the_reconstruction_error(panel, qtbot, window):
    panel.select_model("tiny-vae")
    assert panel.encode_button.isEnabled()
    disc = np.zeros((40, 40, 4), np.uint8)
    disc[8:32, 8:32] = (200, 40, 40, 255)
    window.canvas.set_image(disc, {}, "a red square")
    handle = panel.encode_canvas()
    qtbot.waitUntil(lambda: handle.done, timeout=TIMEOUT)
    wait_shown(qtbot, panel, panel._serial)
    assert 0.0 <= panel.last_encode_error <= 1.0
    assert "Reconstruction error" in panel.encode_label.text()
    parameters = window.canvas.state.parameters
    assert len(parameters["encoded_latent"]) == 16
    # a slider now edits the encoded picture, not a seed
    encoded_image = window.canvas.image.copy()
    panel.sliders[0].setValue(200)
    wait_shown(qtbot, panel, panel._serial)
    assert window.canvas.state.parameters["encoded_latent"] == parameters["encoded_latent"]
    assert not np.array_equal(window.canvas.image, encoded_image)

    panel.select_model("tiny-gan")
    assert not panel.encode_button.isEnabled()


def test_dropped_folder_trains_cancels_resumes_and_appears_in_the_picker(panel, qtbot, tmp_path):
    folder = make_disc_folder(tmp_path / "my shapes", 20, size=16)
    box = panel.training
    box.size_box.setCurrentIndex(box.size_box.findData(16))
    box.kind_box.setCurrentIndex(box.kind_box.findData("vae"))
    box.length_unit.setCurrentIndex(box.length_unit.findData("epochs"))
    box.length_spin.setValue(100_000)
    box.every_spin.setValue(1)

    assert drop_files(panel, [folder])  # anywhere on the panel, through Qt's dispatch
    assert box.running and box.name_edit.text() == "my-shapes"
    qtbot.waitUntil(lambda: box.step >= 4 and box.samples.pixmap() is not None
                    and not box.samples.pixmap().isNull(), timeout=60_000)
    assert box.plot.series  # the loss curve has points
    box.cancel_button.click()
    qtbot.waitUntil(lambda: not box.running, timeout=60_000)
    assert "Cancelled at step" in box.status.text()
    assert box.handle.state == "cancelled"
    stopped_at = box.step
    assert panel.select_model("my-shapes") is False  # not a model yet

    box.length_spin.setValue(stopped_at + 3)  # 1 step per epoch: 18 training images, batch 64
    box.train_button.click()
    qtbot.waitUntil(lambda: not box.running, timeout=60_000)
    assert box.handle.state == "finished", box.status.text()
    resumed = [m for m in box.messages if m.startswith("resumed at step")]
    assert resumed and int(resumed[0].split()[-1]) >= stopped_at - 1
    assert panel.model_name() == "my-shapes"  # the new model is in the picker and chosen
    assert (paths.user_models_dir() / "my-shapes.safetensors").exists()
    wait_shown(qtbot, panel, panel.request_render("new model"))
    assert panel.window_.canvas.image.shape == (64, 64, 4)


def test_project_state_round_trip(panel, qtbot):
    panel.seed_box.setValue(42)
    panel.sliders[5].setValue(125)
    panel.set_end("a")
    panel.seed_box.setValue(43)
    panel.set_end("b")
    panel.crisp_box.setCurrentIndex(1)
    data = panel.save_state()
    expected = panel.settings()

    panel.seed_box.setValue(0)
    panel.reset_all()
    panel.crisp_box.setCurrentIndex(0)
    panel.restore_state(data)
    assert panel.settings() == expected
    assert panel._interp["a"].seed == 42 and panel._interp["b"].seed == 43
    assert panel.crisp_box.currentData() is False and panel.window_.canvas.smooth_scaling
    panel.window_.smooth_action.trigger()  # View > Smooth scaling off: the panel follows
    assert panel.crisp_box.currentData() is True and not panel.window_.canvas.smooth_scaling
    assert LatentSettings.from_parameters(data.state["settings"]) == expected


def test_closed_form_sliders_replace_the_principal_ones(panel, qtbot, window, tmp_path):
    canvas = window.canvas
    panel.sliders[0].setValue(150)
    wait_shown(qtbot, panel, panel._serial)
    along_pca = canvas.image.copy()

    panel.direction_set_box.setCurrentIndex(panel.direction_set_box.findData("sefa"))
    qtbot.waitUntil(lambda: panel.slider_names[0].toolTip().startswith("Closed-form"),
                    timeout=TIMEOUT)
    assert all(slider.value() == 0 for slider in panel.sliders)  # another set: from the centre
    assert all(slider.isEnabled() for slider in panel.sliders)  # z_dim 16: sixteen directions
    panel.sliders[0].setValue(150)
    wait_shown(qtbot, panel, panel._serial)
    assert not np.array_equal(canvas.image, along_pca)
    assert canvas.state.parameters["direction_set"] == "sefa"
    along_sefa = canvas.image.copy()

    path = str(tmp_path / "sefa.png")
    handle = window.save_image(path)
    qtbot.waitUntil(lambda: handle.done, timeout=TIMEOUT)
    panel.direction_set_box.setCurrentIndex(panel.direction_set_box.findData("pca"))
    qtbot.waitUntil(lambda: panel.slider_names[0].toolTip().startswith("Direction 1"),
                    timeout=TIMEOUT)
    with qtbot.waitSignal(window.image_opened, timeout=TIMEOUT):
        window.open_path(path)
    assert panel.direction_set() == "sefa" and panel.sliders[0].value() == 150
    wait_shown(qtbot, panel, panel.request_render("again"))
    assert np.array_equal(canvas.image, along_sefa)


def test_a_chosen_variation_becomes_the_picture_in_one_undo_step(panel, qtbot, window):
    canvas = window.canvas
    wait_shown(qtbot, panel, panel.request_render("start"))
    before, steps = canvas.image.copy(), len(canvas.history)
    panel.closeness.setValue(60)
    handle = panel.show_variations()
    qtbot.waitUntil(lambda: handle.done, timeout=TIMEOUT)
    assert all(b.isEnabled() and not b.icon().isNull() for b in panel.variation_buttons)
    assert len(canvas.history) == steps  # thumbnails only: the picture is unchanged

    panel.variation_buttons[2].click()
    wait_shown(qtbot, panel, panel._serial)
    assert not np.array_equal(canvas.image, before)
    assert len(canvas.history) == steps + 1
    assert canvas.state.parameters["latent_origin"] == "variation"
    assert "variation" in panel.source_label.text()
    window.undo_action.trigger()
    assert np.array_equal(canvas.image, before)

    panel.select_model("tiny-vae")  # another model's latents: the grid empties
    assert not any(b.isEnabled() for b in panel.variation_buttons)


def test_a_late_set_of_directions_does_not_override_the_one_chosen_since(panel, qtbot):
    """Named directions take seconds to fit; the user goes back to the principal ones
    meanwhile: the fit's late result must not rename or disable the sliders."""
    gate = threading.Event()
    panel.worker.submit(lambda job: gate.wait(10), key="blocker")
    panel.direction_set_box.setCurrentIndex(panel.direction_set_box.findData("sefa"))
    panel.direction_set_box.setCurrentIndex(panel.direction_set_box.findData("pca"))
    gate.set()
    wait_shown(qtbot, panel, panel._serial)
    qtbot.wait(300)
    assert panel.slider_names[0].toolTip().startswith("Direction 1")
    assert all(slider.isEnabled() for slider in panel.sliders)


def test_a_variation_and_its_sliders_set_survive_a_png(panel):
    settings = panel.settings()
    settings.encoded, settings.origin, settings.direction_set = [0.5] * 16, "variation", "sefa"
    again = LatentSettings.from_parameters(settings.parameters())
    assert (again.origin, again.direction_set, again.encoded) == ("variation", "sefa", [0.5] * 16)
    assert LatentSettings.from_parameters({**settings.parameters(), "direction_set": "magic"}) is None
