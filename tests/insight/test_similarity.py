"""Which painting a picture is like: a crop of a painting finds its painting."""

import numpy as np
import pytest
from PIL import Image

from genart_desktop.core.errors import UserError
from genart_desktop.insight.bench import random_crop
from genart_desktop.insight.features import cache_folder, file_key
from genart_desktop.insight.similarity import IndexEntry, SimilarityIndex, palette_distance
from genart_desktop.style.catalogue import paintings

CHOSEN = ("the-starry-night.jpg", "mona-lisa.jpg", "the-great-wave-off-kanagawa.jpg",
          "composition-viii.jpg")


@pytest.fixture
def small_index(extractor):
    """Four paintings (features cached in the test run's cache after the first test)."""
    entries = [IndexEntry(e.id, "painting", e.name, e.artist, e.path, extractor.of_file(e.path))
               for e in paintings() if e.path.name in CHOSEN]
    assert len(entries) == len(CHOSEN)
    return SimilarityIndex(entries)


def test_a_crop_of_a_painting_finds_that_painting_first(extractor, small_index):
    rng = np.random.default_rng(7)
    for entry in small_index.entries:
        picture = np.asarray(Image.open(entry.picture).convert("RGB"))
        matches = small_index.rank(extractor.compute(random_crop(picture, rng)))
        assert matches[0].entry.id == entry.id
        assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
        for match in matches:
            assert 0.0 <= match.colour <= 1.0 and 0.0 <= match.style <= 1.0
            assert 0.0 <= match.subject <= 1.0


def test_index_features_are_cached_per_file(extractor, small_index):
    entry = small_index.entries[0]
    cached = cache_folder() / f"{file_key(entry.picture)}.npz"
    assert cached.exists()
    again = extractor.of_file(entry.picture)
    assert np.array_equal(again.texture, entry.features.texture)


def test_exclude_and_results_as_json(extractor, small_index):
    first = small_index.entries[0]
    matches = small_index.rank(first.features, exclude={first.id})
    assert first.id not in [m.entry.id for m in matches]
    record = matches[0].as_dict()
    assert record["kind"] == "painting" and record["file"].endswith(".jpg")
    assert set(record) >= {"name", "kind", "score", "file", "style", "subject", "colour"}


def test_palette_distance_is_zero_for_the_same_palette_and_grows():
    lab = np.array([[50, 0, 0], [70, 40, 20]], np.float32)
    share = np.array([0.5, 0.5], np.float32)
    assert palette_distance(lab, share, lab, share) == pytest.approx(0.0, abs=1e-6)
    assert palette_distance(lab, share, lab + [5, 0, 0], share) > 1.0


def test_transparent_grey_and_tiny_pictures(extractor):
    grey = np.tile(np.linspace(0, 255, 48, dtype=np.uint8), (40, 1))
    assert extractor.compute(grey).style.shape == (100,)
    rgba = np.zeros((40, 48, 4), np.uint8)  # fully transparent: seen as white paper
    assert extractor.compute(rgba).subject.shape == (1024,)
    with pytest.raises(UserError, match="too small"):
        extractor.compute(np.zeros((4, 300, 3), np.uint8))
