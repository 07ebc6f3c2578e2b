"""The brush scale (strokes measured, not judged by eye) and the quick quality schedule."""

import dataclasses

import numpy as np
import pytest
import torch
from PIL import Image

from genart_desktop.core.errors import JobCancelled, UserError
from genart_desktop.core.jobs import Job
from genart_desktop.style import scale
from genart_desktop.style.optimize import content_loss, style_grams, style_loss
from genart_desktop.style.request import REFERENCE_SIDE, QualitySettings, StyleRequest
from genart_desktop.style.stylize import _to_tensor


@pytest.fixture(scope="module")
def astronaut():
    from skimage import data

    return data.astronaut()  # 512x512


def _at(picture: np.ndarray, width: int, height: int | None = None) -> np.ndarray:
    return np.asarray(Image.fromarray(picture).resize((width, height or width), Image.LANCZOS))


def test_scale_one_at_the_reference_size_is_todays_result(engine, astronaut):
    """A picture of REFERENCE_SIDE px at scale 1 is painted at its own size, untouched:
    the very result of the network run on the picture as before the scale existed."""
    picture = _at(astronaut, REFERENCE_SIDE, REFERENCE_SIDE // 4)
    assert scale.work_shape(*picture.shape[:2], 1.0) == picture.shape[:2]
    scaled = engine.stylize(picture, StyleRequest(builtin={6: 1.0}, runtime="torch"))
    native = engine.stylize(picture, StyleRequest(builtin={6: 1.0}, runtime="torch",
                                                  style_scale=None))
    net = engine.module("multi26")
    weights = torch.zeros(26)
    weights[6] = 1.0
    with torch.no_grad():  # the network by hand, with no engine step in between
        direct = net(_to_tensor(picture), weights.reshape(1, -1))[0].permute(1, 2, 0).numpy()
    direct = (np.clip(direct, 0, 1) * 255 + 0.5).astype(np.uint8)
    assert np.array_equal(scaled, native) and np.array_equal(scaled, direct)


@pytest.fixture(scope="module")
def starry_night():
    from genart_desktop.core import paths

    path = paths.resources_dir() / "styles" / "the-starry-night.jpg"
    return np.asarray(Image.open(path).convert("RGB").resize((256, 200), Image.LANCZOS))


@pytest.mark.parametrize("styles", [{"builtin": {6: 1.0}}, {"builtin": {13: 1.0}}, "picture"])
def test_a_larger_scale_paints_larger_strokes(engine, astronaut, starry_night, styles):
    picture = _at(astronaut, 256)
    # (a painting with brush strokes: the small rocket photo paints none to measure)
    kwargs = {"pictures": [(starry_night, 1.0)]} if styles == "picture" else styles
    # at 256 px: scale 2 paints at 512 px, scale 4 at 256 px (strokes twice as large)
    sizes = [scale.stroke_size(engine.stylize(picture, StyleRequest(style_scale=s, **kwargs)))
             for s in (2.0, 4.0)]
    assert sizes[1] > 1.5 * sizes[0], sizes


def test_strokes_keep_their_size_relative_to_the_picture(engine, astronaut):
    """The same photo at two resolutions, the same scale: strokes of the same relative
    size (the 12 MP vs 1 MP benchmark in small)."""
    sizes = [scale.stroke_size(engine.stylize(_at(astronaut, side),
                                              StyleRequest(builtin={6: 1.0}, style_scale=2.0)))
             for side in (256, 512)]
    assert max(sizes) / min(sizes) < 1.25, sizes
    # ... whereas at their own sizes (no scale) the small one's strokes are twice as large
    native = [scale.stroke_size(engine.stylize(_at(astronaut, side),
                                               StyleRequest(builtin={6: 1.0}, style_scale=None)))
              for side in (256, 512)]
    assert native[0] > 1.5 * native[1], native


def test_work_shape_rule():
    assert scale.work_shape(3000, 4000, 1.0) == (768, 1024)  # 12 MP: painted at 1024 px
    assert scale.work_shape(3000, 4000, 2.0) == (384, 512)
    assert scale.work_shape(64, 96, 1.0) == (128, 192)  # small: at most twice its size
    assert scale.work_shape(100, 50, None) == (100, 50)
    assert scale.work_shape(17, 9999, 4.0) == (16, 9411)  # a sliver keeps its aspect


def test_guided_upsampling_brings_back_the_pictures_detail(astronaut):
    """With the working picture itself as the "style", the way back to full size must
    restore the full picture far better than plain enlargement does."""
    original = astronaut[:, :, :3].astype(np.float32) / 255
    work = _at(astronaut, 128).astype(np.float32) / 255
    guided = scale.guided_upsample(work, work, original)
    plain = np.asarray(Image.fromarray(_at(astronaut, 128)).resize((512, 512), Image.LANCZOS))
    assert guided.shape == original.shape
    error_guided = np.abs(guided - original).mean()
    error_plain = np.abs(plain.astype(np.float32) / 255 - original).mean()
    assert error_guided < 0.7 * error_plain, (error_guided, error_plain)


def test_scaled_and_tiled_matches_untiled(engine, photo):
    request = StyleRequest(builtin={5: 1.0}, style_scale=0.25)  # 96x64 painted at 192x128
    whole = engine.stylize(photo, dataclasses.replace(request, tile=0, runtime="torch"))
    tiled = engine.stylize(photo, dataclasses.replace(request, tile=64))
    assert np.abs(whole.astype(int) - tiled).max() <= 1


@pytest.mark.parametrize("value", [0.1, 5.0, float("nan")])
def test_scale_out_of_range_is_refused(engine, photo, value):
    with pytest.raises(UserError, match="brush scale"):
        engine.stylize(photo, StyleRequest(builtin={0: 1.0}, style_scale=value))


# --------------------------------------------------------------------- cancel at each stage
def _cancel_when(word: str) -> Job:
    job = Job(on_progress=lambda fraction, message, left: word in message and job.cancel())
    return job


@pytest.mark.parametrize("word, kwargs", [
    ("back to", {"style_scale": 4.0}),  # the way back to full size (256 -> 512 px)
    ("layer 3", {"tile": 64}),  # a tiled network, between layers
])
def test_cancel_in_the_feed_forward_stages(engine, astronaut, word, kwargs):
    with pytest.raises(JobCancelled):
        engine.stylize(astronaut, StyleRequest(builtin={1: 1.0}, **kwargs), _cancel_when(word))


@pytest.mark.parametrize("stage", ["network", "first preview", "scale 2/3"])
def test_cancel_in_each_stage_of_the_quality_mode(engine, photo, style_picture, stage):
    settings = QualitySettings(iterations=2, scales=3, preview_every=1, flat_change=0)
    previews = []
    if stage == "network":
        job = _cancel_when("picture style")
    elif stage == "first preview":  # the network's result, before any optimization
        job = Job(on_partial=lambda picture: (previews.append(picture), job.cancel()))
    else:
        job = _cancel_when(stage)
    with pytest.raises(JobCancelled):
        engine.stylize(photo, StyleRequest(pictures=[(style_picture, 1.0)], mode="quality",
                                           quality=settings), job)
    assert len(previews) <= 1


# --------------------------------------------------------------------- the quality mode
def _losses(engine, photo, style_picture, out):
    vgg = engine.module("vgg")
    with torch.no_grad():
        features = vgg(_to_tensor(out))
        grams = style_grams(vgg, [(_to_tensor(style_picture), 1.0)], max(photo.shape[:2]))
        target = vgg(_to_tensor(photo))["conv4_2"]
        return float(style_loss(features, grams)), float(content_loss(features, target))


def test_starting_from_the_network_beats_starting_from_the_photo(engine, photo, style_picture):
    """At equal evaluations the network's start ends with a lower loss (the objective,
    style weighted 3) and a lower style loss; and the optimization improves on the
    network's own result in content too (its content loss goes down, whereas from the
    photo it can only rise from 0)."""
    def run(init, iterations):
        settings = QualitySettings(iterations=iterations, scales=1, init=init, flat_change=0,
                                   preview_every=4)
        out = engine.stylize(photo, StyleRequest(pictures=[(style_picture, 1.0)],
                                                 mode="quality", quality=settings))
        return _losses(engine, photo, style_picture, out)

    network = _losses(engine, photo, style_picture,
                      engine.stylize(photo, StyleRequest(pictures=[(style_picture, 1.0)])))
    from_photo, from_network = run("content", 8), run("network", 8)
    assert 3 * from_network[0] + from_network[1] < 3 * from_photo[0] + from_photo[1]
    assert from_network[0] < from_photo[0]
    assert from_network[1] < network[1]


def test_a_flat_loss_stops_the_level_early(engine, photo, style_picture):
    steps = []
    job = Job(on_progress=lambda fraction, message, left: "step" in message and
              steps.append(message))
    settings = QualitySettings(iterations=40, scales=1, preview_every=2, flat_change=0.5)
    engine.stylize(photo, StyleRequest(pictures=[(style_picture, 1.0)], mode="quality",
                                       quality=settings), job)
    assert len(steps) == 2, steps  # the second chunk fell by less than half per evaluation


def test_bfloat16_vgg_runs_and_moves_towards_the_style(engine, photo, style_picture):
    settings = QualitySettings(iterations=4, scales=1, init="content", flat_change=0,
                               preview_every=2, precision="bfloat16", style_weight=10.0)
    out = engine.stylize(photo, StyleRequest(pictures=[(style_picture, 1.0)], mode="quality",
                                             quality=settings))
    assert _losses(engine, photo, style_picture, out)[0] < \
        _losses(engine, photo, style_picture, photo)[0]


def test_schedule_spends_most_evaluations_at_low_resolution():
    settings = QualitySettings(iterations=10, scales=3, coarse_factor=2.0)
    assert settings.level_iterations() == [40, 20, 10]
    assert settings.full_size_evaluations() == pytest.approx(40 / 16 + 20 / 4 + 10)
