"""The shipped latent models as the panel and `genart sample` use them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from genart_desktop.core.errors import UserError
from genart_desktop.core.images import read_png_parameters
from genart_desktop.latent.data import composite_on_white
from genart_desktop.latent.engine import slerp

DATA = Path(__file__).parent / "data"


def _difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(composite_on_white(a) - composite_on_white(b)).mean())


@pytest.mark.parametrize("which", ["vae", "gan"])
def test_sampling_is_deterministic_for_seed_truncation_and_directions(which, request):
    model = request.getfixturevalue(which)
    first = model.sample(7, 0.7, {0: 1.5, 3: -2.0})
    again = model.sample(7, 0.7, {3: -2.0, 0: 1.5})
    assert first.shape == (64, 64, 4) and first.dtype == np.uint8
    assert np.array_equal(first, again)
    assert not np.array_equal(first, model.sample(8, 0.7, {0: 1.5, 3: -2.0}))
    assert not np.array_equal(first, model.sample(7, 0.9, {0: 1.5, 3: -2.0}))
    assert not np.array_equal(first, model.sample(7, 0.7, {0: 1.5}))


@pytest.mark.parametrize("which", ["vae", "gan"])
def test_first_direction_changes_the_image_more_than_the_last(which, request):
    model = request.getfixturevalue(which)
    assert model.directions.shape == (16, model.z_dim)
    assert np.all(np.diff(model.explained_variance) <= 1e-6)  # sorted, largest first
    first, last = [], []
    for seed in range(12):
        base = model.sample(seed)
        first.append(_difference(base, model.sample(seed, offsets={0: 3.0})))
        last.append(_difference(base, model.sample(seed, offsets={15: 3.0})))
    assert np.mean(first) > np.mean(last)


def test_decode_batch_matches_single_samples(gan):
    latents = np.stack([gan.latent_for(seed, 0.8) for seed in (1, 2, 3)])
    batch = gan.decode(latents)
    assert batch.shape == (3, 64, 64, 4)
    single = gan.sample(2, 0.8)
    assert np.abs(batch[1].astype(int) - single.astype(int)).max() <= 1


def test_vae_reconstructs_a_training_image_better_than_a_random_sample(vae):
    picture = Image.open(DATA / "grinning-face.png")
    target = np.asarray(picture.convert("RGBA"))
    z, error = vae.encode(picture)
    reconstruction = vae.decode(z[None])[0]
    assert z.shape == (vae.z_dim,)
    random_errors = [_difference(target, vae.sample(seed)) for seed in range(8)]
    assert _difference(target, reconstruction) < min(random_errors)
    assert 0.0 <= error < 0.2


def test_vae_encodes_held_out_and_rgb_images_of_other_sizes(vae):
    z, error = vae.encode(Image.open(DATA / "penguin.png"))
    assert np.isfinite(z).all() and error < 0.25
    photo = np.full((100, 150, 3), 200, np.uint8)  # RGB, not square
    z, error = vae.encode(photo)
    assert z.shape == (vae.z_dim,) and np.isfinite(error)


def test_only_a_vae_encodes(gan):
    with pytest.raises(UserError, match="only a VAE"):
        gan.encode(np.zeros((64, 64, 4), np.uint8))


def test_unknown_direction_is_a_clear_error(gan):
    with pytest.raises(UserError, match="direction 17 does not exist"):
        gan.sample(0, offsets={16: 1.0})


def test_slerp_keeps_the_ends_and_the_norm():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(128), rng.standard_normal(128)
    assert np.allclose(slerp(a, b, 0.0), a, atol=1e-5)
    assert np.allclose(slerp(a, b, 1.0), b, atol=1e-5)
    middle = slerp(a, b, 0.5)
    # a straight line would shrink towards the origin; the arc stays near the ends' norm
    assert np.linalg.norm(middle) > 0.9 * min(np.linalg.norm(a), np.linalg.norm(b))
    assert np.linalg.norm((a + b) / 2) < np.linalg.norm(middle)


def test_cards_list_directions_and_held_out_figures(vae, gan):
    for model in (vae, gan):
        card = model.card
        assert len(card["directions"]["explained_variance"]) == 16
        assert card["data"]["split"]["heldout_images"] == 379
        assert card["data"]["license"] == "CC-BY-4.0"
        assert "model_vs_heldout" in card["metrics"]
    assert "heldout_negative_elbo_nats_per_dim" in vae.card["metrics"]


def test_sample_command_writes_png_with_parameters(tmp_path, capsys):
    from genart_desktop.cli import main

    out = tmp_path / "face.png"
    status = main(["sample", "--model", "twemoji-gan", "--seed", "5", "--truncation", "0.8",
                   "--direction", "1=2", "--direction", "4=-1.5", "-o", str(out)])
    assert status == 0  # sliders 1 and 4, stored as the engine counts them (from 0)
    assert read_png_parameters(out) == {"model": "twemoji-gan", "seed": 5, "truncation": 0.8,
                                        "directions": {"0": 2.0, "3": -1.5}}
    assert Image.open(out).size == (64, 64)


def test_sample_command_rejects_a_malformed_direction(tmp_path, capsys):
    from genart_desktop.cli import main

    status = main(["sample", "--model", "twemoji-gan", "--direction", "zero", "-o",
                   str(tmp_path / "x.png")])
    assert status == 2
    assert "expected N=VALUE" in capsys.readouterr().err


def test_interpolate_writes_gif_and_png_strip(tmp_path):
    from genart_desktop.cli import main

    gif, strip = tmp_path / "walk.gif", tmp_path / "walk.png"
    assert main(["interpolate", "--model", "twemoji-vae", "--seeds", "1", "2", "--frames", "6",
                 "-o", str(gif)]) == 0
    assert main(["interpolate", "--model", "twemoji-vae", "--seeds", "1", "2", "--frames", "6",
                 "-o", str(strip)]) == 0
    with Image.open(gif) as animation:
        assert animation.n_frames == 6
    assert Image.open(strip).size == (6 * 64, 64)
    assert read_png_parameters(strip)["seeds"] == [1, 2]
