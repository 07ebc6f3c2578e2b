"""Safe image loading: every kind of picture converts right, every bad file is refused."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from genart_desktop.core.images import (ImageLoadError, load_image, read_png_parameters,
                                        save_png, to_array)


def _save(tmp_path, name, picture, **options):
    path = tmp_path / name
    picture.save(path, **options)
    return path


def test_exif_orientation_is_applied(tmp_path):
    picture = Image.new("RGB", (40, 20), (200, 10, 10))
    exif = picture.getexif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    path = _save(tmp_path, "rotated.jpg", picture, exif=exif)
    loaded = load_image(path)
    assert loaded.size == (20, 40)


@pytest.mark.parametrize("mode", ["P", "CMYK", "L", "LA", "RGBA", "I;16", "1"])
def test_modes_become_8bit_rgb_or_rgba(tmp_path, mode):
    base = Image.new("RGB", (16, 8), (255, 128, 0))
    if mode == "I;16":
        picture = Image.fromarray(np.full((8, 16), 65535, dtype=np.uint16))
        suffix = "png"
    elif mode == "CMYK":
        picture, suffix = base.convert("CMYK"), "jpg"
    else:
        picture, suffix = base.convert(mode), "png" if mode != "CMYK" else "jpg"
    path = _save(tmp_path, f"picture.{suffix}", picture)
    loaded = load_image(path)
    assert loaded.mode in ("RGB", "RGBA")
    array = to_array(loaded)
    assert array.dtype == np.uint8
    if mode == "I;16":
        assert array.max() == 255  # 16-bit white stays white, not clipped garbage
    if mode in ("LA", "RGBA"):
        assert loaded.mode == "RGBA"
    if mode in ("P", "RGBA", "CMYK"):
        red, green = array[0, 0, 0], array[0, 0, 1]
        assert red > 240 and 100 < green < 160  # the orange survives


def test_gif_first_frame(tmp_path):
    frames = [Image.new("RGB", (10, 10), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    array = to_array(load_image(path))
    assert array[0, 0, 0] > 200 and array[0, 0, 2] < 50


def test_not_an_image(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("this is text")
    with pytest.raises(ImageLoadError, match="notes.png: not an image"):
        load_image(path)


def test_truncated_image(tmp_path):
    path = _save(tmp_path, "full.png", Image.effect_noise((256, 256), 50).convert("RGB"))
    data = path.read_bytes()
    cut = tmp_path / "cut.png"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageLoadError, match="cut.png: .*(truncated|corrupt)"):
        load_image(cut)


def test_decompression_bomb(tmp_path):
    path = _save(tmp_path, "bomb.png", Image.new("L", (5000, 5000)))
    with pytest.raises(ImageLoadError, match="bomb.png: 5000x5000 pixels is more than"):
        load_image(path, max_pixels=4000 * 4000)


def test_png_parameters_round_trip(tmp_path):
    path = tmp_path / "made.png"
    save_png(np.zeros((4, 4, 4), np.uint8), path, {"model": "twemoji-gan", "seed": 7})
    assert read_png_parameters(path) == {"model": "twemoji-gan", "seed": 7}
