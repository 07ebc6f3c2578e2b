"""``genart restore`` as a user types it: files in, files out, one-line errors."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from genart_desktop import cli
from genart_desktop.core.images import read_png_parameters


@pytest.fixture
def files(tmp_path):
    from skimage import data

    clean = np.asarray(Image.fromarray(data.coffee()).resize((240, 160), Image.LANCZOS))
    damaged = clean.copy()
    mask = np.zeros(clean.shape[:2], np.uint8)
    mask[60:63, 20:220] = 255
    damaged[mask > 0] = 250
    Image.fromarray(damaged).save(tmp_path / "old.png")
    Image.fromarray(mask).save(tmp_path / "mask.png")
    Image.fromarray(mask[::2, ::2]).save(tmp_path / "half.png")
    return tmp_path, clean, damaged, mask


def run(capsys, *args):
    """Exit status, stdout, stderr; argument errors end in SystemExit before any work."""
    try:
        status = cli.main(["restore", *map(str, args)])
    except SystemExit as exited:
        status = exited.code
    out, err = capsys.readouterr()
    return status, out, err


def test_mask_repairs_only_the_damage(files, capsys):
    folder, clean, damaged, mask = files
    status, out, err = run(capsys, folder / "old.png", "--mask", folder / "mask.png",
                           "-o", folder / "out.png")
    assert status == 0 and "out.png" in out
    result = np.asarray(Image.open(folder / "out.png"))
    assert np.array_equal(result[mask == 0], damaged[mask == 0])
    assert np.abs(result[mask > 0].astype(int) - clean[mask > 0]).mean() < 12
    assert read_png_parameters(folder / "out.png")["repaired_pixels"] == int((mask > 0).sum())


def test_mask_of_another_size_is_scaled_and_said(files, capsys):
    folder, *_ = files
    status, _, err = run(capsys, folder / "old.png", "--mask", folder / "half.png",
                         "-o", folder / "out.png")
    assert status == 0 and "scaled to fit" in err


def test_auto_finds_the_scratch_and_saves_the_mask(files, capsys):
    folder, clean, damaged, mask = files
    status, _, err = run(capsys, folder / "old.png", "--auto", "--save-mask",
                         folder / "found.png", "-o", folder / "out.png")
    assert status == 0 and "crack" in err
    found = np.asarray(Image.open(folder / "found.png")) > 0
    # where the scratch shows (not over the white saucer), its middle row is found
    visible = np.abs(damaged[61].astype(int) - clean[61]).max(axis=1) >= 24
    assert visible.sum() > 150 and found[61][visible].mean() > 0.9


def test_empty_mask_changes_nothing_and_says_so(files, capsys):
    folder, clean, damaged, mask = files
    Image.fromarray(np.zeros_like(mask)).save(folder / "empty.png")
    status, _, err = run(capsys, folder / "old.png", "--mask", folder / "empty.png",
                         "-o", folder / "out.png")
    assert status == 0 and "nothing to repair" in err
    assert np.array_equal(np.asarray(Image.open(folder / "out.png")), damaged)


@pytest.mark.parametrize("args, expected", [
    (["--mask", "missing.png"], "missing.png: no such file"),
    (["--mask", "notes.txt"], "mask notes.txt: not an image file"),
    (["--mask", "full.png"], "covers 100% of the picture"),
    ([], "say what to repair"),
    (["--auto", "--sensitivity", "3"], "--sensitivity: expected a number at least 0 and at most 1"),
    (["--mask", "mask.png", "--save-mask", "x.png"], "--save-mask goes with --auto"),
    (["--auto", "--denoise", "-1"], "--denoise: expected a number"),
    (["--auto", "--save-mask", "found.jpg"], "must end in .png"),
])
def test_bad_input_is_one_line_and_exit_1(files, capsys, monkeypatch, args, expected):
    folder, clean, damaged, mask = files
    Image.fromarray(np.full_like(mask, 255)).save(folder / "full.png")
    (folder / "notes.txt").write_text("not a picture")
    monkeypatch.chdir(folder)
    status, _, err = run(capsys, "old.png", *args, "-o", "out.png")
    assert status != 0
    assert expected in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_missing_picture_and_missing_output_folder(files, capsys):
    folder, *_ = files
    status, _, err = run(capsys, folder / "nope.png", "--auto", "-o", folder / "out.png")
    assert status != 0 and "nope.png: no such file" in err and "Traceback" not in err
    status, _, err = run(capsys, folder / "old.png", "--auto", "-o", folder / "no" / "out.png")
    assert status != 0 and "does not exist" in err and "Traceback" not in err


def test_whole_picture_fixes_alone(files, capsys):
    folder, *_ = files
    status, _, _ = run(capsys, folder / "old.png", "--denoise", "--fade", "-o", folder / "out.png")
    parameters = read_png_parameters(folder / "out.png")
    assert status == 0 and parameters["denoise"] == 0.5 and parameters["fade"] == 1.0
