"""Seeing aids on synthetic pictures: the levels, lines and spots a painter would expect."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import color

from genart_desktop.study import aids
from genart_desktop.study.aids import AidSettings, apply_aid


def ramp(width=200, height=40) -> np.ndarray:
    """Black to white, left to right."""
    row = np.linspace(0, 255, width).round().astype(np.uint8)
    return np.repeat(np.repeat(row[None, :, None], height, 0), 3, 2)


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Rank correlation, ties sharing their mean rank."""
    def ranks(x):
        _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
        mean_rank = np.cumsum(counts) - (counts - 1) / 2.0
        return mean_rank[inverse.ravel()]

    return float(np.corrcoef(ranks(a), ranks(b))[0, 1])


@pytest.mark.parametrize("levels", [2, 3, 4, 5])
def test_value_study_has_exactly_n_levels_ordered_like_the_lightness(levels):
    from skimage import data

    photo = data.astronaut()[::4, ::4]
    study = aids.value_study(photo, levels)
    assert len(np.unique(study)) == levels
    assert study.min() == 0 and study.max() == 255
    lightness = aids.lightness(photo).ravel()
    order = np.argsort(lightness, kind="stable")
    assert (np.diff(study.ravel()[order].astype(int)) >= 0).all()  # lighter is never darker
    # two bands cannot reach 0.9 (a half-and-half split of a ramp scores 0.87)
    rho = spearman(color.rgb2lab(photo)[:, :, 0].ravel(), study.ravel())
    assert rho >= (0.8 if levels == 2 else 0.9)


def test_notan_splits_two_tones_at_otsu_threshold():
    picture = np.zeros((20, 40, 3), np.uint8)
    picture[:, :20] = (40, 50, 60)  # a dark half
    picture[:, 20:] = (200, 190, 180)  # a light half
    notan = aids.value_study(picture, 2)
    assert (notan[:, :20] == 0).all() and (notan[:, 20:] == 255).all()
    (cut,) = aids.value_thresholds(picture, 2)
    dark, light = color.rgb2lab(picture[0, [0, 39]] / 255.0)[:, 0]
    assert dark < cut <= light + 0.5  # OpenCV's 8-bit L* is within 0.4 of skimage's


def test_value_bands_follow_the_thresholds_given():
    study = aids.value_study(ramp(), 3, thresholds=[25.0, 75.0])
    lightness = color.rgb2lab(ramp())[0, :, 0]
    row = study[0]
    assert (row[lightness < 24.5] == 0).all()
    assert (row[(lightness > 25.5) & (lightness < 74.5)] == aids.level_greys(3)[1]).all()
    assert (row[lightness > 75.5] == 255).all()
    moved = aids.value_study(ramp(), 3, thresholds=[50.0, 75.0])
    assert (moved == 0).sum() > (study == 0).sum()  # a higher first cut: more black


def test_cuts_are_otsus_for_two_levels():
    import cv2
    from skimage import data

    lum = aids.lightness(data.coffee())
    otsu, _ = cv2.threshold(lum, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    histogram = np.bincount(lum.ravel(), minlength=256)
    assert aids._otsu_cuts(histogram, 2) == [int(otsu) + 1]  # cv2: "> t" is ">= t + 1"


def test_few_distinct_values_still_give_every_band():
    picture = np.full((1, 1003, 3), 10, np.uint8)
    picture[0, 1000:] = [[100] * 3, [200] * 3, [250] * 3]  # three lonely light pixels
    for levels in (2, 3, 4):
        assert len(np.unique(aids.value_study(picture, levels))) == levels


def test_value_study_refuses_other_level_counts():
    with pytest.raises(ValueError):
        aids.value_study(ramp(), 6)
    with pytest.raises(ValueError):
        aids.value_study(ramp(), 3, thresholds=[50.0])


def test_grayscale_is_grey_and_keeps_brightness_order():
    picture = np.zeros((4, 3, 3), np.uint8)
    picture[:, 0], picture[:, 1], picture[:, 2] = (0, 0, 255), (255, 0, 0), (0, 255, 0)
    grey = aids.grayscale(picture)
    assert (grey[..., 0] == grey[..., 1]).all() and (grey[..., 1] == grey[..., 2]).all()
    blue, red, green = grey[0, :, 0]
    assert blue < red < green


def test_mirror_flips_left_and_right_and_keeps_alpha_with_its_pixels():
    picture = np.zeros((10, 20, 4), np.uint8)
    picture[:, :5] = (255, 0, 0, 255)
    mirrored = apply_aid(picture, AidSettings("mirror"))
    assert (mirrored[:, -5:] == (255, 0, 0, 255)).all()
    assert (mirrored[:, :15, 3] == 0).all()


def test_squint_removes_fine_detail_but_keeps_big_shapes():
    rng = np.random.default_rng(0)
    picture = np.zeros((120, 160, 3), np.uint8)
    picture[:, 80:] = 220  # a big light shape
    picture = np.clip(picture + rng.integers(-30, 30, picture.shape), 0, 255).astype(np.uint8)
    blurred = aids.squint(picture, 0.5)
    assert blurred.shape == picture.shape
    fine_before = np.abs(np.diff(picture[:, :60].astype(float), axis=1)).mean()
    fine_after = np.abs(np.diff(blurred[:, :60].astype(float), axis=1)).mean()
    assert fine_after < fine_before / 5
    assert blurred[:, 140:].mean() - blurred[:, :20].mean() > 150  # still dark | light
    assert aids.squint(picture, 1.0)[:, 70:90].std() < aids.squint(picture, 0.0)[:, 70:90].std()


def test_edges_outline_a_square_for_tracing():
    picture = np.full((100, 100, 3), 230, np.uint8)
    picture[30:70, 30:70] = 20
    outline = aids.edges(picture)[:, :, 0]
    dark = outline < 128
    assert dark[28:33, 40:60].any(axis=0).all()  # the top side, all along
    assert dark[40:60, 67:72].any(axis=1).all()  # the right side
    assert not dark[40:60, 40:60].any()  # the flat inside stays white
    assert not dark[:15].any()


def test_saliency_finds_the_odd_one_out():
    picture = np.full((128, 128, 3), 128, np.uint8)
    for y in range(8, 128, 16):  # a regular pattern of small grey dots...
        for x in range(8, 128, 16):
            picture[y - 2:y + 2, x - 2:x + 2] = 100
    picture[84:100, 20:36] = (255, 30, 30)  # ...and one bright red patch
    heat = aids.saliency_map(picture)
    assert heat.shape == (128, 128)
    assert heat[84:100, 20:36].mean() > 2 * heat.mean()
    view = apply_aid(picture, AidSettings("saliency"))
    assert view.shape == picture.shape


def test_settings_round_trip_and_reject_nonsense():
    settings = AidSettings("values", levels=4, thresholds=[20.0, 40.0, 60.0], squint=0.3)
    assert AidSettings.from_dict(settings.to_dict()) == settings
    odd = AidSettings.from_dict({"aid": "x-ray", "levels": 40, "squint": 7})
    assert odd.aid == "values" and odd.levels == aids.MAX_LEVELS and odd.squint == 1.0
