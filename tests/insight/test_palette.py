"""Palettes: the colours a picture is made of, and a picture limited to them."""

import numpy as np
import pytest
from skimage.color import deltaE_ciede2000, rgb2lab

from genart_desktop.core.errors import UserError
from genart_desktop.insight.palette import extract_palette, limit_to_palette, sort_swatches

from .conftest import blocks

COLOURS = [(200, 30, 40), (20, 60, 180), (240, 220, 60), (30, 140, 60), (90, 40, 120)]


def _lab(rgb):
    return rgb2lab(np.array(rgb, np.float64).reshape(-1, 1, 3) / 255.0).reshape(-1, 3)


@pytest.mark.parametrize("n", [3, 5])
def test_an_n_colour_picture_gives_back_its_n_colours_and_their_shares(n):
    areas = [10 * (i + 1) for i in range(n)]
    picture = blocks(COLOURS[:n], areas)
    swatches = extract_palette(picture, 8)  # asked for more than there are
    assert len(swatches) == n
    found = _lab([s.rgb for s in swatches])
    for colour, area in zip(COLOURS[:n], areas):
        gaps = deltaE_ciede2000(np.repeat(_lab([colour]), n, 0), found)
        nearest = int(gaps.argmin())
        assert gaps[nearest] < 1.0
        assert swatches[nearest].share == pytest.approx(area / sum(areas), abs=0.02)
    assert sum(s.share for s in swatches) == pytest.approx(1.0)


def test_near_duplicate_colours_are_merged():
    # two reds one step apart are one colour to the eye; blue and yellow are not
    picture = blocks([(200, 30, 40), (201, 31, 40), (20, 60, 180), (240, 220, 60)],
                     [30, 30, 20, 20])
    swatches = extract_palette(picture, 4)
    assert len(swatches) == 3
    assert swatches[0].share == pytest.approx(0.6, abs=0.02)


def test_swatches_describe_themselves_and_sort():
    swatches = extract_palette(blocks(COLOURS[:3], [10, 20, 30]), 3)
    assert [s.hex for s in swatches][0] == "#f0dc3c"  # largest share first
    assert all(s.hex.startswith("#") and len(s.hex) == 7 for s in swatches)
    assert "RGB 240, 220, 60" in swatches[0].describe()
    by_lightness = sort_swatches(swatches, "lightness")
    assert [s.lab[0] for s in by_lightness] == sorted((s.lab[0] for s in swatches), reverse=True)
    by_hue = sort_swatches(swatches, "hue")
    assert [s.hue for s in by_hue] == sorted(s.hue for s in swatches)


def test_grey_transparent_and_tiny_pictures():
    grey = np.tile(np.linspace(0, 255, 64, dtype=np.uint8), (32, 1))  # 2-D, no channels
    swatches = extract_palette(grey, 4)
    assert all(max(s.rgb) - min(s.rgb) <= 2 for s in swatches)  # greys stay grey

    rgba = np.dstack([blocks([(255, 0, 0), (0, 0, 255)], [20, 20]),
                      np.zeros((40, 40), np.uint8)])
    rgba[:, :20, 3] = 255  # only the red half is visible
    swatches = extract_palette(rgba, 3)
    assert [s.hex for s in swatches] == ["#ff0000"]

    assert [s.hex for s in extract_palette(np.full((1, 1, 3), 7, np.uint8), 5)] == ["#070707"]

    with pytest.raises(UserError, match="transparent"):
        extract_palette(np.zeros((8, 8, 4), np.uint8), 5)
    with pytest.raises(UserError, match="3 to 12"):
        extract_palette(grey, 2)


def test_a_small_salient_colour_is_not_lost():
    """A small bright subject on a large quiet background keeps its own swatch."""
    rng = np.random.default_rng(1)
    sky = np.clip(rng.normal((120, 150, 190), 6, (96, 96, 3)), 0, 255).astype(np.uint8)
    sky[44:52, 44:52] = (230, 40, 20)  # 0.7% of the picture
    swatches = extract_palette(sky, 3)
    reds = [s for s in swatches if deltaE_ciede2000(_lab([s.rgb])[0], _lab([(230, 40, 20)])[0]) < 10]
    assert reds


@pytest.mark.parametrize("dither", [False, True])
def test_limit_to_palette_uses_only_palette_colours(dither):
    rng = np.random.default_rng(0)
    picture = rng.integers(0, 256, (24, 32, 4), dtype=np.uint8)
    palette = [(0, 0, 0), (255, 255, 255), (200, 30, 40)]
    limited = limit_to_palette(picture, palette, dither=dither)
    assert limited.shape == picture.shape
    used = {tuple(pixel) for pixel in limited[:, :, :3].reshape(-1, 3)}
    assert used <= set(palette)
    assert len(used) > 1
    assert np.array_equal(limited[:, :, 3], picture[:, :, 3])  # transparency kept


def test_limit_picks_the_nearest_colour():
    picture = blocks([(250, 245, 240), (10, 5, 20), (210, 40, 50)], [4, 4, 4], height=4)
    limited = limit_to_palette(picture, [(255, 255, 255), (0, 0, 0), (255, 0, 0)])
    assert [tuple(limited[0, x]) for x in (0, 4, 8)] == [(255, 255, 255), (0, 0, 0), (255, 0, 0)]
