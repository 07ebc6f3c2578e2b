"""What a user notices: strength, colours, sizes, alpha, blends, cancel, previews."""

import numpy as np
import pytest

from genart_desktop.core.errors import JobCancelled, UserError
from genart_desktop.core.jobs import Job
from genart_desktop.style.colors import rgb_to_ycc
from genart_desktop.style.request import QualitySettings
from genart_desktop.style.stylize import StyleRequest


def _chroma(picture: np.ndarray) -> np.ndarray:
    return rgb_to_ycc(picture[..., :3].astype(np.float32) / 255.0)[..., 1:]


def test_strength_zero_returns_the_input_exactly(engine, photo, style_picture):
    for request in (StyleRequest(builtin={4: 1.0}, strength=0.0),
                    StyleRequest(pictures=[(style_picture, 1.0)], strength=0.0)):
        out = engine.stylize(photo, request)
        assert out.dtype == np.uint8 and np.array_equal(out, photo)


def test_builtin_style_changes_the_picture_and_strength_scales_it(engine, photo):
    full = engine.stylize(photo, StyleRequest(builtin={6: 1.0})).astype(np.float32)
    half = engine.stylize(photo, StyleRequest(builtin={6: 1.0}, strength=0.5)).astype(np.float32)
    change = np.abs(full - photo).mean()
    assert change > 20  # a painting style is not a subtle filter
    assert np.abs(half - (photo + full) / 2).max() <= 1.0  # halfway, up to rounding


def test_different_styles_and_blends_differ(engine, photo):
    one = engine.stylize(photo, StyleRequest(builtin={0: 1.0})).astype(np.float32)
    two = engine.stylize(photo, StyleRequest(builtin={1: 1.0})).astype(np.float32)
    mix = engine.stylize(photo, StyleRequest(builtin={0: 1.0, 1: 1.0})).astype(np.float32)
    assert np.abs(one - two).mean() > 10
    assert np.abs(mix - one).mean() > 3 and np.abs(mix - two).mean() > 3


def test_preserve_colors_keeps_the_original_chroma(engine, photo, style_picture):
    for request in (StyleRequest(builtin={6: 1.0}, preserve_colors=True),
                    StyleRequest(pictures=[(style_picture, 1.0)], preserve_colors=True)):
        kept = engine.stylize(photo, request)
        plain = engine.stylize(photo, StyleRequest(builtin=request.builtin,
                                                   pictures=request.pictures))
        assert np.abs(_chroma(kept) - _chroma(photo)).mean() < 0.01  # ~2.5 levels of 255
        assert np.abs(_chroma(plain) - _chroma(photo)).mean() > 2 * \
            np.abs(_chroma(kept) - _chroma(photo)).mean()
        assert np.abs(kept.astype(float) - photo).mean() > 5  # brightness did change


def test_output_size_is_capped_never_enlarged_and_odd_sizes_work(engine, photo):
    assert engine.stylize(photo, StyleRequest(builtin={0: 1.0}, max_size=48)).shape == (32, 48, 3)
    assert engine.stylize(photo, StyleRequest(builtin={0: 1.0}, max_size=500)).shape == photo.shape
    odd = photo[:37, :53]
    assert engine.stylize(odd, StyleRequest(builtin={0: 1.0})).shape == (37, 53, 3)


def test_grayscale_accepted_and_alpha_kept(engine, photo):
    gray = photo[..., 0]
    assert engine.stylize(gray, StyleRequest(builtin={2: 1.0})).shape == photo.shape
    alpha = np.linspace(0, 255, photo.shape[1], dtype=np.uint8)[None, :].repeat(photo.shape[0], 0)
    rgba = np.dstack([photo, alpha])
    out = engine.stylize(rgba, StyleRequest(builtin={2: 1.0}))
    assert out.shape == rgba.shape and np.array_equal(out[..., 3], alpha)


def test_builtin_mixed_with_picture_blends_the_outputs(engine, photo, style_picture):
    builtin = engine.stylize(photo, StyleRequest(builtin={3: 1.0})).astype(np.float32)
    picture = engine.stylize(photo, StyleRequest(pictures=[(style_picture, 1.0)]))
    picture = picture.astype(np.float32)
    mixed = engine.stylize(photo, StyleRequest(builtin={3: 1.0}, pictures=[(style_picture, 3.0)]))
    assert np.abs(mixed - (0.25 * builtin + 0.75 * picture)).max() <= 1.0


def test_picture_style_at_a_working_size_is_enlarged_to_the_picture(engine, photo, style_picture):
    out = engine.stylize(photo, StyleRequest(pictures=[(style_picture, 1.0)], arbitrary_size=48))
    assert out.shape == photo.shape


def test_tiled_request_matches_untiled(engine, photo):
    whole = engine.stylize(photo, StyleRequest(builtin={5: 1.0}, tile=0, runtime="torch"))
    tiled = engine.stylize(photo, StyleRequest(builtin={5: 1.0}, tile=64))
    assert np.abs(whole.astype(int) - tiled).max() <= 1


def test_cancelled_job_stops(engine, photo, style_picture):
    job = Job()
    job.cancel()
    with pytest.raises(JobCancelled):
        engine.stylize(photo, StyleRequest(builtin={0: 1.0}), job)


def test_quality_mode_streams_previews_and_moves_towards_the_style(engine, photo, style_picture):
    previews, progress = [], []
    job = Job(on_progress=lambda f, m, r: progress.append((f, r)), on_partial=previews.append)
    settings = QualitySettings(iterations=6, preview_every=3, scales=1, style_weight=10.0)
    out = engine.stylize(photo, StyleRequest(pictures=[(style_picture, 1.0)], mode="quality",
                                             quality=settings), job)
    assert out.shape == photo.shape
    assert len(previews) >= 2 and previews[0].shape == photo.shape
    assert any(remaining is not None for fraction, remaining in progress if 0 < fraction < 1)
    assert np.abs(out.astype(float) - photo).mean() > 1


def test_quality_adam_cancel_mid_way(engine, photo, style_picture):
    job = Job(on_partial=lambda preview: job.cancel())
    settings = QualitySettings(iterations=50, preview_every=2, scales=1, optimizer="adam")
    with pytest.raises(JobCancelled):
        engine.stylize(photo, StyleRequest(pictures=[(style_picture, 1.0)], mode="quality",
                                           quality=settings), job)


@pytest.mark.parametrize("request_kwargs, message", [
    ({"builtin": {0: 1.0}, "strength": 1.5}, "strength must be between 0 and 1"),
    ({"builtin": {30: 1.0}}, "built-in styles are 1 to 26"),
    ({"builtin": {0: 0.0}}, "at least one style"),
    ({"builtin": {0: 1.0}, "mode": "quality"}, "quality mode needs style pictures"),
    ({"builtin": {0: 1.0}, "mode": "arbitrary"}, "needs at least one style picture"),
])
def test_bad_requests_are_refused_with_a_reason(engine, photo, request_kwargs, message):
    with pytest.raises(UserError, match=message):
        engine.stylize(photo, StyleRequest(**request_kwargs))
