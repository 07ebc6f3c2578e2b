"""Slider directions beyond PCA: SeFa's closed-form ones and the named ones, the variations
around a picture, and `genart sample --count/--sheet/--directions`."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from genart_desktop.core.images import read_png_parameters
from genart_desktop.latent import named_directions
from genart_desktop.latent.engine import variations


@pytest.mark.parametrize("which", ["vae", "gan"])
def test_sefa_directions_are_orthonormal_and_change_the_picture(which, request):
    model = request.getfixturevalue(which)
    chosen = model.direction_set("sefa")
    gram = chosen.directions @ chosen.directions.T
    assert chosen.directions.shape == (16, model.z_dim)
    assert np.allclose(gram, np.eye(16), atol=1e-5)
    assert chosen.labels[0].startswith("1 · ")
    if which == "gan":  # one slider unit is one standard deviation of the N(0, I) prior
        assert np.allclose(chosen.std, 1.0, atol=1e-5)
    base = model.sample(3).astype(int)
    moved = model.sample(3, offsets={0: 3.0}, directions="sefa").astype(int)
    assert np.abs(moved - base).mean() > 2  # the first direction visibly changes it
    # no unit direction changes the (row-normalised) first layer more than the first one
    weight = model._decoder.project.weight.detach().double().numpy()
    weight /= np.linalg.norm(weight, axis=1, keepdims=True)
    others = np.random.default_rng(0).standard_normal((64, model.z_dim))
    others /= np.linalg.norm(others, axis=1, keepdims=True)
    best = np.linalg.norm(weight @ chosen.directions[0])
    assert best >= np.linalg.norm(weight @ others.T, axis=0).max()
    assert best >= np.linalg.norm(weight @ model.directions[0]) - 1e-6


def test_picture_measures_follow_what_is_drawn():
    small = np.zeros((2, 32, 32, 4), np.uint8)
    small[0, 12:20, 12:20] = (250, 240, 60, 255)  # a small light yellow square
    small[1, 4:28, 4:28] = (30, 40, 160, 255)  # a large dark blue square
    yy, xx = np.mgrid[:32, :32]
    disc = np.zeros((1, 32, 32, 4), np.uint8)
    disc[0][(yy - 16) ** 2 + (xx - 16) ** 2 < 100] = (128, 128, 128, 255)
    measures = named_directions.picture_attributes(small)
    assert measures["size"][1] > measures["size"][0]
    assert measures["lightness"][0] > measures["lightness"][1]
    assert measures["warmth"][0] > measures["warmth"][1]
    roundness = named_directions.picture_attributes(disc)["roundness"][0]
    assert roundness > measures["roundness"][1] and 0.8 < roundness <= 1.1


def test_a_named_direction_moves_its_measure(gan):
    fitted = named_directions.fit(gan, samples=1024, check_seeds=6)
    by_name = {d.name: d for d in fitted}
    assert set(by_name) == set(named_directions.ATTRIBUTES)
    size = by_name["size"]
    assert size.spearman >= 0.9, size  # bigger figures as the slider goes up
    direction = np.asarray(size.direction)
    assert abs(np.linalg.norm(direction) - 1) < 1e-5
    z = gan.latent_for(11)
    pictures = gan.decode(np.stack([z + a * size.std * direction for a in (-3, 0, 3)]))
    areas = named_directions.picture_attributes(pictures)["size"]
    assert areas[0] < areas[1] < areas[2]
    report = named_directions.report(fitted)
    assert {entry["name"] for entry in report["directions"]} == set(named_directions.ATTRIBUTES)


def test_named_sliders_keep_one_place_per_measure(gan, monkeypatch):
    monkeypatch.setattr(named_directions, "FIT_SAMPLES", 1024)
    monkeypatch.setattr(named_directions, "CHECK_SEEDS", 6)
    named = gan.direction_set("named")
    assert [label.lower() for label in named.labels] == list(named_directions.ATTRIBUTES)
    size = named_directions.ATTRIBUTES.index("size")
    assert named.offered(size)
    pictures = np.stack([gan.sample(11, offsets={size: amount}, directions="named")
                         for amount in (-3.0, 3.0)])
    areas = named_directions.picture_attributes(pictures)["size"]
    assert areas[1] > areas[0]


def test_ties_do_not_make_a_flat_measure_follow_the_slider():
    flat_then_step = np.array([5.0] * 12 + [6.0])
    assert named_directions.rank_correlation(np.arange(13), flat_then_step) < 0.6
    assert named_directions.rank_correlation(np.arange(13), np.arange(13) ** 2) == 1.0


def test_variations_stay_as_close_as_asked(gan):
    z = gan.latent_for(5)
    same = variations(gan, z, 4, 1.0, seed=1)
    assert np.allclose(same, z[None], atol=1e-5)
    near = variations(gan, z, 16, 0.8, seed=1)
    far = variations(gan, z, 16, 0.1, seed=1)
    distance = lambda batch: float(np.linalg.norm(batch - z[None], axis=1).mean())  # noqa: E731
    assert 0 < distance(near) < distance(far)
    # the spread stays typical of the prior (no washed-out averages)
    assert abs(np.linalg.norm(far, axis=1).mean() / np.sqrt(gan.z_dim) - 1) < 0.15
    assert not np.array_equal(variations(gan, z, 4, 0.5, seed=1), variations(gan, z, 4, 0.5, seed=2))


def test_sample_count_writes_files_or_one_sheet(tmp_path, capsys):
    from genart_desktop.cli import main

    assert main(["sample", "--model", "twemoji-gan", "--seed", "10", "--count", "3",
                 "-o", str(tmp_path / "emoji.png")]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["emoji-10.png", "emoji-11.png", "emoji-12.png"]
    assert read_png_parameters(tmp_path / "emoji-11.png")["seed"] == 11
    single = np.asarray(Image.open(tmp_path / "emoji-11.png"))

    sheet_path = tmp_path / "sheet.png"
    assert main(["sample", "--model", "twemoji-gan", "--seed", "10", "--count", "5", "--sheet",
                 "-o", str(sheet_path)]) == 0
    sheet = np.asarray(Image.open(sheet_path))
    assert sheet.shape == (2 * 64 + 2, 3 * 64 + 4, 4)  # 3 columns, 2 rows, 2 px gaps
    assert np.array_equal(sheet[:64, 66:130], single)  # seed 11 is second
    assert read_png_parameters(sheet_path)["seeds"] == [10, 14]


def test_sample_with_sefa_directions_differs_and_says_so(tmp_path):
    from genart_desktop.cli import main

    for directions in ("pca", "sefa"):
        assert main(["sample", "--model", "twemoji-gan", "--seed", "4", "--direction", "1=3",
                     "--directions", directions, "-o", str(tmp_path / f"{directions}.png")]) == 0
    pca, sefa = (np.asarray(Image.open(tmp_path / f"{d}.png")) for d in ("pca", "sefa"))
    assert not np.array_equal(pca, sefa)
    assert read_png_parameters(tmp_path / "sefa.png")["direction_set"] == "sefa"
    assert "direction_set" not in read_png_parameters(tmp_path / "pca.png")


def test_sample_sheet_without_count_is_one_clear_line(tmp_path, capsys):
    from genart_desktop.cli import main

    assert main(["sample", "--model", "twemoji-gan", "--sheet", "-o", str(tmp_path / "x.png")]) == 2
    error = capsys.readouterr().err
    assert "--sheet needs --count" in error and "Traceback" not in error
    assert not (tmp_path / "x.png").exists()


def test_improved_precision_and_recall_tell_realism_from_coverage():
    from genart_desktop.latent.evaluate import improved_precision_recall

    rng = np.random.default_rng(0)
    real = rng.normal(size=(300, 8))
    same = rng.normal(size=(300, 8))
    assert min(improved_precision_recall(real, same)) > 0.6  # the same distribution
    far = rng.normal(size=(300, 8)) + 20.0
    assert improved_precision_recall(real, far) == (0.0, 0.0)
    # a collapsed model: ten real pictures over and over, realistic but no variety
    collapsed = np.repeat(real[:10], 30, axis=0) + rng.normal(scale=0.01, size=(300, 8))
    precision, recall = improved_precision_recall(real, collapsed)
    assert precision == 1.0 and recall < 0.1
