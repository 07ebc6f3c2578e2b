"""The held-out split, pixel conversions and augmentation."""

from __future__ import annotations

import numpy as np
import torch

from genart_desktop.latent import data
from genart_desktop.latent.augment import diff_augment


def test_split_is_ten_percent_and_independent_of_listing_order():
    names = [f"{i:04x}.png" for i in range(95)]
    train, held = data.split_names(names)
    assert len(held) == 10 and len(train) == 85  # 10% rounded up
    assert not set(train) & set(held)
    shuffled = list(reversed(names))
    assert data.split_names(shuffled) == (train, held)


def test_premultiplied_round_trip_keeps_visible_pixels():
    rng = np.random.default_rng(0)
    rgba = rng.integers(0, 256, (8, 8, 4), dtype=np.uint8)
    rgba[..., 3] = np.where(rgba[..., 3] < 40, 0, rgba[..., 3])
    back = data.unpremultiply(data.premultiply(rgba))
    visible = rgba[..., 3] > 0
    assert np.abs(back[visible].astype(int) - rgba[visible].astype(int)).max() <= 4
    assert (back[~visible] == 0).all()  # fully transparent comes back as (0, 0, 0, 0)


def test_images_of_other_sizes_fit_inside_with_transparent_margins():
    from PIL import Image

    wide = Image.new("RGB", (200, 100), (255, 0, 0))
    square = data.to_square_rgba(wide, 64)
    assert square.shape == (64, 64, 4)
    assert square[0, 32, 3] == 0 and square[32, 32, 3] == 255


def test_diff_augment_keeps_shape_range_and_transparent_background():
    torch.manual_seed(0)
    x = -torch.ones(4, 4, 64, 64)  # fully transparent images
    out = diff_augment(x)
    assert out.shape == x.shape
    assert torch.allclose(out, x)  # colour changes scale with coverage: nothing appears
    x[:, :, 16:48, 16:48] = 0.5
    out = diff_augment(x)
    assert not torch.allclose(out, x)


def test_the_curated_twemoji_rule_keeps_faces_animals_and_food_only():
    from genart_desktop.latent.data import curated_images

    def entry(image, category, subcategory, unified="1F600"):
        return {"image": image, "category": category, "subcategory": subcategory,
                "unified": unified, "has_img_twitter": True}

    entries = [
        entry("grin.png", "Smileys & Emotion", "face-smiling"),
        entry("cat.png", "Smileys & Emotion", "cat-face"),
        entry("heart.png", "Smileys & Emotion", "heart"),
        entry("fox.png", "Animals & Nature", "animal-mammal"),
        entry("rose.png", "Animals & Nature", "plant-flower"),
        entry("pear.png", "Food & Drink", "food-fruit"),
        entry("tea.png", "Food & Drink", "drink"),
        entry("fork.png", "Food & Drink", "dishware"),
        entry("flag.png", "Flags", "country-flag"),
        entry("keycap.png", "Symbols", "keycap"),
        entry("farmer.png", "People & Body", "person-role"),
        entry("woman-face.png", "Smileys & Emotion", "face-hat", "1F920-200D-2640-FE0F"),
    ]
    assert curated_images(entries) == {"grin.png", "cat.png", "fox.png", "rose.png",
                                       "pear.png", "tea.png"}
