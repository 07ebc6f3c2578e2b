"""``genart study`` and ``genart paint`` as a user runs them, and their one-line errors."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from genart_desktop.cli import main


@pytest.fixture
def picture(tmp_path):
    from skimage import data

    path = tmp_path / "coffee.png"
    Image.fromarray(data.coffee()).resize((96, 64), Image.LANCZOS).save(path)
    return path


@pytest.mark.parametrize("levels", [2, 3, 5])
def test_values_gives_exactly_n_grey_levels(picture, tmp_path, levels):
    out = tmp_path / "values.png"
    assert main(["study", str(picture), "--values", str(levels), "-o", str(out)]) == 0
    result = np.asarray(Image.open(out))
    assert len(np.unique(result)) == levels
    assert (result[..., 0] == result[..., 1]).all()


def test_overlay_draws_lines_over_the_picture(picture, tmp_path):
    out = tmp_path / "thirds.png"
    assert main(["study", str(picture), "--overlay", "thirds", "-o", str(out)]) == 0
    original = np.asarray(Image.open(picture).convert("RGB")).astype(int)
    drawn = np.asarray(Image.open(out).convert("RGB")).astype(int)
    changed = np.abs(drawn - original).sum(axis=2) > 30
    assert changed[:, 31:33].all(axis=0).any() and changed[20:22, :].all(axis=1).any()
    assert not changed[5:15, 5:25].any()


def test_paint_writes_an_animation_from_empty_to_painted(picture, tmp_path):
    out = tmp_path / "paint.gif"
    assert main(["paint", str(picture), "--frames", "5", "-o", str(out)]) == 0
    with Image.open(out) as animation:
        assert animation.n_frames == 5 and animation.size == (96, 64)
        first = np.asarray(animation.convert("RGB"), float)
        animation.seek(4)
        last = np.asarray(animation.convert("RGB"), float)
    photo = np.asarray(Image.open(picture).convert("RGB"), float)
    assert np.abs(last - photo).mean() < 0.3 * np.abs(first - photo).mean()


@pytest.mark.parametrize("arguments, message", [
    (["study", "{picture}", "--values", "7", "-o", "{out}.png"], "2 to 5"),
    (["study", "{picture}", "--values", "3", "-o", "{out}.txt"], "must end in"),
    (["study", "{missing}", "--values", "3", "-o", "{out}.png"], "no such file"),
    (["study", "{picture}", "-o", "{out}.png"], "say what to make"),
    (["study", "{picture}", "--values", "3", "--thresholds", "40", "-o", "{out}.png"],
     "needs 2 thresholds"),
    (["paint", "{picture}", "--frames", "1", "-o", "{out}.gif"], "from 2 to 1000"),
    (["paint", "{picture}", "-o", "{out}.mp4"], "must end in"),
    (["paint", "{missing}", "-o", "{out}.gif"], "no such file"),
])
def test_mistakes_are_one_line_and_fail(picture, tmp_path, capsys, arguments, message):
    names = {"picture": picture, "missing": tmp_path / "missing.png", "out": tmp_path / "out"}
    status = main([argument.format(**names) for argument in arguments])
    error = capsys.readouterr().err.strip()
    assert status != 0
    assert message in error and "Traceback" not in error
    assert len(error.splitlines()) == 1
    assert not list(tmp_path.glob("out*"))
