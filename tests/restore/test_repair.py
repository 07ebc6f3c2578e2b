"""Repair as a user sees it: damage gone, everything else untouched."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from genart_desktop.core.errors import JobCancelled, UserError
from genart_desktop.core.jobs import Job
from genart_desktop.restore.repair import repair, split_by_width
from genart_desktop.restore.synthetic import add_damage, psnr_inside, texture_ratio


@pytest.fixture(scope="module")
def cat():
    from PIL import Image
    from skimage import data

    return np.asarray(Image.fromarray(data.chelsea()).resize((200, 132), Image.LANCZOS))


def gradient(height=64, width=96):
    ys, xs = np.mgrid[0:height, 0:width]
    red = 40 + 150 * xs / width
    green = 60 + 120 * ys / height
    blue = 200 - 100 * xs / width
    return np.stack([red, green, blue], axis=2).round().astype(np.uint8)


def test_crack_on_a_smooth_gradient_is_repaired_within_a_few_levels():
    clean = gradient()
    damaged = clean.copy()
    crack = np.zeros(clean.shape[:2], np.uint8)
    cv2.polylines(crack, [np.array([[5, 10], [40, 30], [90, 50]], np.int32)], False, 255, 3)
    damaged[crack > 0] = 0
    repaired, report = repair(damaged, crack)
    error = np.abs(repaired.astype(int) - clean)[crack > 0]
    assert report.damaged_pixels == int((crack > 0).sum())
    assert error.max() <= 4 and error.mean() < 1.5


def test_undamaged_pixels_are_byte_identical(cat):
    damage = add_damage(cat, seed=3, coverage=0.06)
    mask = damage.mask.astype(np.uint8) * 255
    repaired, report = repair(damage.image, mask)
    assert np.array_equal(repaired[~damage.mask], damage.image[~damage.mask])
    assert report.regions_exemplar + report.regions_diffusion >= 1
    assert psnr_inside(repaired, cat, damage.mask) > psnr_inside(damage.image, cat, damage.mask) + 5


def test_soft_mask_feathers_and_zero_stays_exact(cat):
    mask = np.zeros(cat.shape[:2], np.uint8)
    mask[40:60, 40:60] = 255
    mask[40:60, 60:64] = 100  # a soft brush edge: part repair, part original
    damaged = cat.copy()
    damaged[40:60, 40:64] = 255
    repaired, _ = repair(damaged, mask)
    assert np.array_equal(repaired[mask == 0], damaged[mask == 0])
    edge = repaired[40:60, 60:64].astype(int)
    assert (edge < 255).any() and (edge > 100).all()  # between the fill and the white


def test_textured_blotch_is_filled_with_texture_not_a_smear(cat):
    damage = add_damage(cat, seed=1, coverage=0.06, crack_share=0.0)
    repaired, report = repair(damage.image, damage.mask.astype(np.uint8) * 255)
    assert report.regions_exemplar >= 1
    assert texture_ratio(repaired, damage.blotches) >= 0.6


def test_rgba_alpha_kept_outside_the_mask(cat):
    rgba = np.dstack([cat, np.linspace(0, 255, cat.shape[1]).astype(np.uint8)[None, :]
                      .repeat(cat.shape[0], 0)])
    mask = np.zeros(cat.shape[:2], np.uint8)
    mask[50:80, 50:90] = 255
    mask[10:13, :] = 255
    repaired, _ = repair(rgba, mask)
    assert repaired.shape == rgba.shape
    assert np.array_equal(repaired[mask == 0], rgba[mask == 0])
    # the alpha ramp continues smoothly through the hole
    assert np.abs(repaired[60, 50:90, 3].astype(int) - rgba[60, 50:90, 3]).max() <= 8


def test_empty_mask_changes_nothing(cat):
    repaired, report = repair(cat, np.zeros(cat.shape[:2], np.uint8))
    assert np.array_equal(repaired, cat)
    assert "nothing to repair" in report.summary()


def test_mask_over_most_of_the_picture_is_refused(cat):
    mask = np.full(cat.shape[:2], 255, np.uint8)
    mask[:10] = 0
    with pytest.raises(UserError, match="covers 9[0-9]% of the picture"):
        repair(cat, mask)


def test_cancel_stops_the_repair(cat):
    job = Job()
    job.cancel()
    mask = np.zeros(cat.shape[:2], np.uint8)
    mask[20:60, 20:60] = 255
    with pytest.raises(JobCancelled):
        repair(cat, mask, job)


def test_width_split_sends_cracks_to_diffusion_and_blotches_to_the_wide_path():
    hole = np.zeros((80, 80), bool)
    hole[10:13, 5:75] = True  # a 3 px crack
    hole[30:70, 30:70] = True  # a 40 px blotch
    thin, wide = split_by_width(hole)
    assert thin[10:13, 5:75].all() and not wide[10:13].any()
    assert wide[35:65, 35:65].all()
