"""Painterly rendering: reproducible, closer to the picture frame by frame, played back."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from genart_desktop.core.errors import JobCancelled
from genart_desktop.core.jobs import Job
from genart_desktop.study import painterly
from genart_desktop.study.painterly import PAPER, Player, distance, paint


@pytest.fixture(scope="module")
def photo():
    from skimage import data

    return np.asarray(Image.fromarray(data.coffee()).resize((120, 80), Image.LANCZOS))


@pytest.fixture(scope="module")
def painting(photo):
    return paint(photo, seed=3)


def test_same_seed_paints_the_same_and_another_seed_does_not(photo, painting):
    again = paint(photo, seed=3)
    assert np.array_equal(again.frame(len(again)), painting.frame(len(painting)))
    other = paint(photo, seed=4)
    assert not np.array_equal(other.frame(len(other)), painting.frame(len(painting)))


def test_large_brushes_first_and_every_stage_paints(painting):
    radii = [stage.radius for stage in painting.stages]
    assert radii == sorted(radii, reverse=True) and len(radii) >= 2
    assert all(stage.end > stage.start for stage in painting.stages)
    assert painting.stages[-1].end == len(painting) == painting.available


def test_the_distance_to_the_picture_falls_from_frame_to_frame(photo, painting):
    frames = list(painting.iter_frames(12))
    assert (frames[0] == PAPER).all()  # the first frame is the empty canvas
    distances = [distance(frame, photo) for frame in frames]
    assert all(b < a for a, b in zip(distances, distances[1:]))
    assert distances[-1] < 0.25 * distances[0]  # the last frame is a painting of it
    assert np.array_equal(frames[-1], painting.frame(len(painting)))


def test_player_seeks_forward_and_back_to_the_same_frames(painting):
    painting.keyframes = {k: v for k, v in painting.keyframes.items() if k == 0}
    player = Player(painting)
    middle = len(painting) // 2
    forward = player.seek(middle)
    player.seek(len(painting))
    assert np.array_equal(player.seek(middle), forward)
    assert np.array_equal(forward, painting.frame(middle))
    index, stage = painting.stage_at(middle)
    assert stage.start < middle <= stage.end


def test_first_stage_is_offered_before_the_rest(photo):
    offered = []
    job = Job(on_partial=lambda p: offered.append(p.available))
    done = paint(photo, seed=1, job=job)
    assert offered[0] == done.stages[0].end < len(done)
    assert offered[-1] == len(done)


def test_cancel_stops_painting(photo):
    job = Job()
    job._on_partial = lambda p: job.cancel()
    with pytest.raises(JobCancelled):
        paint(photo, job=job)


def test_alpha_and_flat_pictures_are_fine():
    flat = np.zeros((30, 40, 4), np.uint8)
    flat[..., :3] = (200, 30, 30)
    done = paint(flat, seed=0)
    assert distance(done.frame(len(done)), flat) < 8


@pytest.mark.parametrize("suffix", [".gif", ".webp"])
def test_animation_goes_from_the_empty_canvas_to_the_painting(tmp_path, painting, suffix):
    path = tmp_path / f"anim{suffix}"
    painterly.save_animation(painting, path, frames=6, duration_s=1.0)
    with Image.open(path) as animation:
        assert animation.n_frames == 6 and animation.size == (120, 80)
        animation.seek(0)
        first = np.asarray(animation.convert("RGB"), float)
        animation.seek(5)
        last = np.asarray(animation.convert("RGB"), float)
    assert np.abs(first - PAPER).mean() < 4
    assert np.abs(last - painting.frame(len(painting))).mean() < 6
