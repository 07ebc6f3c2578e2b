"""``genart stylize``: results on disk, and each bad input as one line with exit 1."""

import shutil
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from genart_desktop import cli
from genart_desktop.core import paths
from genart_desktop.core.images import read_png_parameters
from genart_desktop.style import stylize as stylize_module


@pytest.fixture
def files(tmp_path, photo, style_picture):
    Image.fromarray(photo).save(tmp_path / "photo.jpg")
    Image.fromarray(style_picture).save(tmp_path / "painting.png")
    Image.fromarray(photo[..., 0]).save(tmp_path / "gray.png")
    Image.fromarray(np.dstack([photo, np.full(photo.shape[:2], 200, np.uint8)])).save(
        tmp_path / "alpha.png")
    whole = (tmp_path / "painting.png").read_bytes()
    (tmp_path / "corrupt.png").write_bytes(whole[: len(whole) // 2])  # cut short
    Image.new("RGB", (1, 1)).save(tmp_path / "tiny.png")
    Image.new("RGB", (17, 9999)).save(tmp_path / "sliver.png")
    (tmp_path / "huge.png").write_bytes(_png_header(40000, 40000))
    return tmp_path


def _png_header(width: int, height: int) -> bytes:
    """A PNG that claims a huge size (the loader must refuse it before decoding)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + \
        chunk(b"IEND", b"")


def _run(capsys, *args):
    try:
        status = cli.main(["stylize", *map(str, args)])
    except SystemExit as stop:      # an argument refused by the parser
        status = stop.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _error_line(err: str) -> str:
    lines = [line for line in err.replace("\r", "\n").splitlines() if "error" in line]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_stylize_writes_png_with_settings(files, capsys):
    out = files / "out.png"
    status, stdout, _ = _run(capsys, files / "photo.jpg", "-s", "3", "-s",
                             f"{files / 'painting.png'}:0.5", "--strength", "0.8", "-o", out)
    assert status == 0 and str(out) in stdout
    assert Image.open(out).size == (96, 64)
    settings = read_png_parameters(out)
    assert settings["builtin"] == {"3": 1.0} and settings["strength"] == 0.8


def test_style_scale_is_used_and_kept_in_the_settings(files, capsys, photo):
    larger = files / "larger.png"  # 300 px: painted at 600 px at scale 1, 256 px at 4
    Image.fromarray(photo).resize((300, 200)).save(larger)
    out = files / "scaled.png"
    status, _, err = _run(capsys, larger, "-s", "7", "--style-scale", "4", "-o", out)
    assert status == 0, err
    assert read_png_parameters(out)["style_scale"] == 4.0
    default = files / "default.png"
    assert _run(capsys, larger, "-s", "7", "-o", default)[0] == 0
    assert read_png_parameters(default)["style_scale"] == 1.0
    assert not np.array_equal(np.asarray(Image.open(out)), np.asarray(Image.open(default)))


def test_grayscale_alpha_and_sliver_inputs_work(files, capsys):
    for name, mode in (("gray.png", "RGB"), ("alpha.png", "RGBA"), ("sliver.png", "RGB")):
        status, _, err = _run(capsys, files / name, "-s", "2", "-o", files / f"o-{name}")
        assert status == 0, err
        assert Image.open(files / f"o-{name}").mode == mode


def test_folder_in_folder_out_continues_past_a_bad_picture(files, capsys):
    folder = files / "in"
    folder.mkdir()
    shutil.copy(files / "photo.jpg", folder / "a.jpg")
    shutil.copy(files / "corrupt.png", folder / "b.png")
    status, stdout, err = _run(capsys, folder, "-s", "5", "-o", files / "outdir")
    assert status == 1  # one picture failed
    assert (files / "outdir" / "a.png").exists() and "b.png" in _error_line(err)


@pytest.mark.parametrize("args, expected", [
    (["corrupt.png", "-s", "1"], "corrupt.png: the image is truncated or corrupt"),
    (["huge.png", "-s", "1"], "huge.png: too many pixels"),
    (["tiny.png", "-s", "1"], "tiny.png: the picture is 1x1"),
    (["sliver.png", "-s", "painting.png", "--mode", "quality"],
     "sliver.png: the picture is 17x9999"),
    (["photo.jpg", "-s", "tiny.png"], "tiny.png is 1x1: a style picture needs"),
    (["photo.jpg", "-s", "corrupt.png"], "corrupt.png: the image is truncated or corrupt"),
    (["photo.jpg", "-s", "27"], "built-in styles are numbered 1 to 26"),
    (["photo.jpg", "-s", "nowhere.jpg"], "not 1..26 and no such picture file"),
    (["photo.jpg", "-s", "1", "--strength", "2"], "--strength: expected a number at least 0 and at most 1"),
    (["missing.jpg", "-s", "1"], "missing.jpg: no such file"),
    (["photo.jpg", "-s", "1", "--style-scale", "0"],
     "--style-scale: expected a number at least 0.25 and at most 4, not 0"),
    (["photo.jpg", "-s", "1", "--style-scale", "4.5"], "--style-scale: expected a number"),
    (["photo.jpg", "-s", "1", "--style-scale", "nan"], "--style-scale: expected a number"),
    (["photo.jpg", "-s", "1", "--style-scale", "big"], "--style-scale: expected a number"),
])
def test_bad_input_is_one_line_and_exit_2(files, capsys, monkeypatch, args, expected):
    monkeypatch.chdir(files)
    status, _, err = _run(capsys, *args, "-o", files / "x.png")
    assert status == 2
    assert expected in _error_line(err)


def test_missing_or_altered_weights_name_the_converter(files, capsys, monkeypatch, tmp_path):
    shipped = paths.shipped_models_dir()
    models = tmp_path / "models"
    models.mkdir()
    monkeypatch.setattr(paths, "shipped_models_dir", lambda: models)
    monkeypatch.setenv("GENART_DATA_DIR", str(tmp_path / "user"))
    monkeypatch.setattr(stylize_module, "_default_engine", None)
    status, _, err = _run(capsys, files / "photo.jpg", "-s", "1", "-o", files / "x.png")
    assert status == 2
    line = _error_line(err)
    assert "style-multi26" in line and "python -m genart_desktop.style.convert" in line

    for suffix in (".json", ".safetensors"):
        shutil.copy(shipped / f"style-multi26{suffix}", models / f"style-multi26{suffix}")
    weights = bytearray((models / "style-multi26.safetensors").read_bytes())
    weights[-10] ^= 0xFF
    (models / "style-multi26.safetensors").write_bytes(bytes(weights))
    monkeypatch.setattr(stylize_module, "_default_engine", None)
    status, _, err = _run(capsys, files / "photo.jpg", "-s", "1", "-o", files / "x.png")
    line = _error_line(err)
    assert status == 2 and "SHA-256 differs" in line and "genart_desktop.style.convert" in line
