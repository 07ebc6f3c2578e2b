"""Masks from files and brushes; whole-picture fixes."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from genart_desktop.core.errors import UserError
from genart_desktop.restore.enhance import enhance
from genart_desktop.restore.masks import check_coverage, fit_mask, stamp, stroke


def test_mask_of_another_size_is_scaled_with_a_note():
    mask = np.zeros((50, 80, 3), np.uint8)
    mask[10:20, 10:40] = 255
    fitted, notes = fit_mask(mask, (100, 160, 3))
    assert fitted.shape == (100, 160) and fitted.dtype == np.uint8
    assert fitted[30, 40] == 255 and fitted[80, 120] == 0
    assert notes and "scaled" in notes[0] and "80x50" in notes[0]


def test_coverage_refusal_names_the_reason():
    assert check_coverage(np.zeros((10, 10), np.uint8)) == 0
    with pytest.raises(UserError, match="at most 50%"):
        check_coverage(np.full((10, 10), 255, np.uint8))


def test_hard_and_soft_dabs_and_eraser():
    mask = np.zeros((40, 40), np.uint8)
    stamp(mask, 20, 20, 8, hardness=1.0)
    assert mask[20, 20] == 255 and mask[20, 26] == 255 and mask[20, 30] == 0
    soft = np.zeros((40, 40), np.uint8)
    stamp(soft, 20, 20, 8, hardness=0.0)
    assert soft[20, 20] > 200 and 0 < soft[20, 25] < 200
    stamp(mask, 20, 20, 4, hardness=1.0, erase=True)
    assert mask[20, 20] == 0 and mask[20, 26] == 255
    assert stamp(mask, -50, -50, 4, 1.0) is None  # off the picture: nothing, no error


def test_stroke_covers_the_path():
    mask = np.zeros((50, 100), np.uint8)
    box = stroke(mask, (5, 25), (95, 25), radius=3, hardness=1.0)
    assert (mask[25, 5:95] == 255).all() and box[0] <= 5 and box[2] >= 95


@pytest.fixture(scope="module")
def photo():
    from skimage import data

    return np.asarray(Image.fromarray(data.astronaut()).resize((128, 128), Image.LANCZOS))


def test_denoise_brings_a_noisy_picture_closer(photo):
    noisy = np.clip(photo + np.random.default_rng(0).normal(0, 20, photo.shape), 0, 255)
    noisy = noisy.astype(np.uint8)
    cleaned = enhance(noisy, "denoise", 0.6)
    error = lambda picture: np.abs(picture.astype(int) - photo).mean()  # noqa: E731
    assert error(cleaned) < 0.75 * error(noisy)


def test_deblock_smooths_block_borders(photo):
    smooth = cv2.GaussianBlur(photo, (0, 0), 2)
    buffer = io.BytesIO()
    Image.fromarray(smooth).save(buffer, "JPEG", quality=10)
    blocky = np.asarray(Image.open(buffer).convert("RGB"))

    def blockiness(picture):
        """Steps across the 8x8 block borders over steps elsewhere (1: no blocks)."""
        steps = np.abs(np.diff(picture.astype(int), axis=1))
        return steps[:, 7::8].mean() / np.delete(steps, np.s_[7::8], axis=1).mean()

    smoothed = enhance(blocky, "deblock", 0.7)
    assert blockiness(blocky) > 1.5
    assert blockiness(smoothed) < blockiness(blocky) - 0.4
    error = lambda picture: np.abs(picture.astype(int) - smooth).mean()  # noqa: E731
    assert error(smoothed) < error(blocky)


def test_fade_restores_contrast_and_balance(photo):
    faded = (photo * 0.5 + np.array([110, 90, 50])).astype(np.uint8)  # washed out, yellow
    restored = enhance(faded, "fade", 1.0)
    channel_spread = lambda picture: picture.reshape(-1, 3).std(axis=0).mean()  # noqa: E731
    assert channel_spread(restored) > 1.6 * channel_spread(faded)
    means = restored.reshape(-1, 3).mean(axis=0)
    assert np.ptp(means) < 0.5 * np.ptp(faded.reshape(-1, 3).mean(axis=0))


def test_enhancements_keep_alpha(photo):
    rgba = np.dstack([photo, np.full(photo.shape[:2], 77, np.uint8)])
    for kind in ("denoise", "deblock", "fade"):
        result = enhance(rgba, kind, 0.5)
        assert result.shape == rgba.shape and (result[..., 3] == 77).all()
