"""Stars survive a restart and a project, and "more like what I like" follows them."""

import numpy as np
import pytest

from genart_desktop.core import paths
from genart_desktop.insight.features import Features
from genart_desktop.insight.favourites import Star, Stars, picture_star_id, recommend
from genart_desktop.insight.similarity import IndexEntry, SimilarityIndex


def _features(seed: int) -> Features:
    rng = np.random.default_rng(seed)
    return Features(style=rng.normal(size=100).astype(np.float32),
                    texture=rng.normal(size=2944).astype(np.float32),
                    subject=rng.normal(size=1024).astype(np.float32),
                    palette_lab=rng.uniform([0, -60, -60], [100, 60, 60], (5, 3)).astype(np.float32),
                    palette_share=np.full(5, 0.2, np.float32))


def _near(features: Features, seed: int) -> Features:
    rng = np.random.default_rng(seed)
    return Features(**{name: getattr(features, name) + rng.normal(0, 0.05, getattr(features, name).shape)
                       .astype(np.float32) if name != "palette_share" else features.palette_share
                       for name in Features.__dataclass_fields__})


@pytest.fixture
def index():
    entries = [IndexEntry(f"painting:p{i}.jpg", "painting", f"Painting {i}", "", paths.resources_dir(),
                          _features(i)) for i in range(6)]
    entries.append(IndexEntry("builtin:3", "builtin", "Style 4", "", paths.resources_dir(), _features(99)))
    return SimilarityIndex(entries)


def test_stars_survive_a_restart():
    stars = Stars()
    stars.star(Star("painting:mona-lisa.jpg", "painting", "Mona Lisa"))
    stars.star(Star("builtin:6", "builtin", "Style 7"))
    picture = picture_star_id("ab" * 20)
    stars.star(Star(picture, "picture", "my sketch"), _features(5))
    stars.unstar("builtin:6")

    again = Stars()  # a new session reads the user's data folder
    assert set(again.items) == {"painting:mona-lisa.jpg", picture}
    assert again.items[picture].name == "my sketch"
    assert np.array_equal(again.features(picture, None).subject, _features(5).subject)
    assert (paths.user_data_dir() / "insight" / "stars.json").exists()


def test_a_damaged_stars_file_means_no_stars():
    folder = paths.user_data_dir() / "insight"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "stars.json").write_text("{not json", encoding="utf-8")
    assert len(Stars()) == 0


def test_stars_ride_in_a_project(tmp_path):
    mine = Stars()
    picture = picture_star_id("cd" * 20)
    mine.star(Star("painting:poppies.jpg", "painting", "Poppies"))
    mine.star(Star(picture, "picture", "a photo"), _features(8))
    state, files = mine.to_project()

    elsewhere = Stars(tmp_path / "another-user")
    assert elsewhere.merge_project(state, files) == 2
    assert set(elsewhere.items) == {"painting:poppies.jpg", picture}
    assert np.array_equal(elsewhere.features(picture, None).style, _features(8).style)
    assert elsewhere.merge_project(state, files) == 0  # nothing new the second time
    # junk in a project is ignored, not trusted
    assert elsewhere.merge_project({"stars": [{"id": "../x", "kind": "picture"}, 3]}, {}) == 0


def test_more_like_what_i_like_ranks_the_unstarred_by_the_stars(index):
    stars = Stars()
    assert recommend(stars, index) == []
    stars.star(Star("painting:p2.jpg", "painting", "Painting 2"))
    # a picture very like painting 4
    stars.star(Star(picture_star_id("ef" * 20), "picture", "like 4"),
               _near(index.entry("painting:p4.jpg").features, 1))
    ranked = recommend(stars, index)
    ids = [m.entry.id for m in ranked]
    assert "painting:p2.jpg" not in ids
    assert ids[0] == "painting:p4.jpg"
    assert len(ids) == len(index.entries) - 1
