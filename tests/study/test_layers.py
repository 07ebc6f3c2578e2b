"""Style-layer textures: one per layer, cached per painting, and a cancel that stops."""

from __future__ import annotations

import numpy as np
import pytest

from genart_desktop.core.errors import JobCancelled
from genart_desktop.core.jobs import Job
from genart_desktop.study import layers

LAYERS = ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"]


@pytest.fixture
def painting():
    from genart_desktop.style.catalogue import paintings

    return next(entry.path for entry in paintings() if "starry" in entry.path.name)


def test_textures_per_layer_then_from_the_cache(painting, tmp_path, monkeypatch):
    monkeypatch.setenv("GENART_CACHE_DIR", str(tmp_path))
    shown = []
    textures = layers.layer_textures(painting, Job(on_partial=shown.append), side=32,
                                     iterations=2)
    assert list(textures) == LAYERS and [layer for layer, _ in shown] == LAYERS
    assert all(t.shape == (32, 32, 3) and t.dtype == np.uint8 for t in textures.values())
    assert len({t.tobytes() for t in textures.values()}) == 5  # each layer its own texture
    assert layers.cache_file(painting, 32, 2).exists()

    def no_torch(*args, **kwargs):
        raise AssertionError("recomputed instead of read from the cache")

    monkeypatch.setattr(layers, "_synthesize", no_torch)
    again = layers.layer_textures(painting, side=32, iterations=2)
    assert all(np.array_equal(again[k], textures[k]) for k in LAYERS)


def test_cancel_stops_and_leaves_no_cache(painting, tmp_path, monkeypatch):
    monkeypatch.setenv("GENART_CACHE_DIR", str(tmp_path))
    job = Job()
    seen = []

    def cancel_after_first(value):
        seen.append(value[0])
        job.cancel()

    job._on_partial = cancel_after_first
    with pytest.raises(JobCancelled):
        layers.layer_textures(painting, job, side=32, iterations=2)
    assert seen == ["conv1_1"]
    assert not layers.cache_file(painting, 32, 2).exists()
    assert layers.cached_textures(painting, 32, 2) is None
