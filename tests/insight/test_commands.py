"""``genart analyze``: JSON out, palette files, and each bad input as one line (non-zero exit)."""

import json
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from genart_desktop import cli
from genart_desktop.style import catalogue as style_catalogue

from .conftest import blocks

COLOURS = [(200, 30, 40), (20, 60, 180), (240, 220, 60)]


@pytest.fixture
def picture(tmp_path):
    path = tmp_path / "bands.png"
    Image.fromarray(blocks(COLOURS, [30, 20, 10], height=48)).save(path)
    return path


def _run(capsys, *argv):
    status = cli.main(["analyze", *map(str, argv)])
    out, err = capsys.readouterr()
    return status, out, err


def test_json_palette(capsys, picture):
    status, out, _ = _run(capsys, picture, "--palette", "3", "--similar", "0", "--json")
    assert status == 0
    result = json.loads(out)
    assert [c["hex"] for c in result["palette"]] == ["#c81e28", "#143cb4", "#f0dc3c"]
    assert [c["share"] for c in result["palette"]] == pytest.approx([0.5, 0.333, 0.167], abs=0.01)
    assert result["similar"] == []


def test_similar_paintings_and_styles_best_first(capsys, monkeypatch, tmp_path):
    """A small index (two paintings, one built-in style) keeps the test quick."""
    chosen = [e for e in style_catalogue.paintings() if e.path.name in ("poppies.jpg", "pieta.jpg")]
    monkeypatch.setattr(style_catalogue, "paintings", lambda: chosen)
    first_builtin = style_catalogue.builtin_styles()[:1]
    monkeypatch.setattr(style_catalogue, "builtin_styles", lambda: first_builtin)
    crop = Image.open(chosen[0].path).convert("RGB")
    crop = crop.crop((20, 20, crop.width - 30, crop.height - 20))
    crop.save(tmp_path / "crop.jpg", quality=80)
    status, out, _ = _run(capsys, tmp_path / "crop.jpg", "--similar", "3", "--json")
    assert status == 0
    similar = json.loads(out)["similar"]
    assert [s["kind"] for s in similar].count("builtin") == 1
    assert similar[0]["name"] == chosen[0].name and similar[0]["file"] == "poppies.jpg"
    assert similar[0]["kind"] == "painting"
    assert [s["score"] for s in similar] == sorted((s["score"] for s in similar), reverse=True)


@pytest.mark.parametrize("suffix", [".gpl", ".kpl", ".ase"])
def test_export_never_overwrites_without_force(capsys, picture, tmp_path, suffix):
    target = tmp_path / f"palette{suffix}"
    status, out, _ = _run(capsys, picture, "--palette", "3", "--similar", "0",
                          "--export-palette", target)
    assert status == 0 and target.stat().st_size > 0 and "#f0dc3c" in out
    target.write_bytes(b"mine")
    status, _, err = _run(capsys, picture, "--similar", "0", "--export-palette", target)
    assert status != 0 and "--force" in err and len(err.strip().splitlines()) == 1
    assert target.read_bytes() == b"mine"
    status, _, _ = _run(capsys, picture, "--similar", "0", "--export-palette", target, "--force")
    assert status == 0 and target.read_bytes() != b"mine"


def _huge_png(path):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", 40000, 40000, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                     + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))


def test_bad_input_is_one_line(capsys, tmp_path, picture):
    _huge_png(tmp_path / "huge.png")
    (tmp_path / "broken.png").write_bytes(picture.read_bytes()[:60])
    Image.new("RGB", (2, 2)).save(tmp_path / "tiny.png")
    cases = [
        (tmp_path / "huge.png", ["--similar", "0"], "pixels"),
        (tmp_path / "broken.png", ["--similar", "0"], "corrupt"),
        (tmp_path / "missing.png", [], "no such file"),
        (tmp_path / "tiny.png", ["--similar", "2"], "too small"),
        (picture, ["--palette", "40"], "3 to 12"),
        (picture, ["--export-palette", tmp_path / "p.txt"], ".gpl"),
    ]
    for path, options, words in cases:
        status, _, err = _run(capsys, path, *options)
        assert status != 0, path
        assert len(err.strip().splitlines()) == 1 and words in err, err


def test_cmyk_grey_and_transparent_pictures_work(capsys, tmp_path):
    bands = Image.fromarray(blocks(COLOURS, [30, 20, 10], height=48))
    bands.convert("CMYK").save(tmp_path / "cmyk.jpg", quality=95)
    bands.convert("L").save(tmp_path / "grey.png")
    rgba = np.dstack([blocks(COLOURS, [30, 20, 10], height=48), np.full((48, 60), 255, np.uint8)])
    rgba[:, 30:, 3] = 0  # only the red band shows
    Image.fromarray(rgba).save(tmp_path / "alpha.png")
    for name, expect in (("cmyk.jpg", 3), ("grey.png", 3), ("alpha.png", 1)):
        status, out, _ = _run(capsys, tmp_path / name, "--palette", "3", "--similar", "0", "--json")
        assert status == 0
        assert len(json.loads(out)["palette"]) == expect, name
