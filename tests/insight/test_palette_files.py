"""Palette files read back as GIMP, Krita and Adobe read them."""

import struct
import xml.etree.ElementTree as ET
import zipfile

import pytest

from genart_desktop.core.errors import UserError
from genart_desktop.insight.palette import extract_palette
from genart_desktop.insight.palette_files import write_palette

from .conftest import blocks

COLOURS = [(200, 30, 40), (20, 60, 180), (240, 220, 60)]


@pytest.fixture
def swatches():
    return extract_palette(blocks(COLOURS, [30, 20, 10]), 3)


def test_gpl_is_gimps_text_format(tmp_path, swatches):
    path = write_palette(tmp_path / "p.gpl", swatches, "My picture")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "GIMP Palette"
    assert lines[1] == "Name: My picture"
    rows = [line for line in lines[2:] if line and not line.startswith(("#", "Columns:"))]
    assert [tuple(int(v) for v in row.split()[:3]) for row in rows] == COLOURS


def test_kpl_is_a_krita_zip(tmp_path, swatches):
    path = write_palette(tmp_path / "p.kpl", swatches, "My picture")
    with zipfile.ZipFile(path) as archive:
        first = archive.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert archive.read("mimetype") == b"krita/x-colorset"
        root = ET.fromstring(archive.read("colorset.xml"))
        assert "profiles.xml" in archive.namelist()
    assert root.tag == "ColorSet" and root.get("name") == "My picture"
    read = []
    for entry in root.findall("ColorSetEntry"):
        rgb = entry.find("RGB")
        read.append(tuple(round(float(rgb.get(c)) * 255) for c in "rgb"))
        assert entry.find("Position") is not None
    assert read == COLOURS


def test_ase_has_its_header_and_blocks(tmp_path, swatches):
    data = write_palette(tmp_path / "p.ase", swatches, "My picture").read_bytes()
    assert data[:4] == b"ASEF"
    major, minor, count = struct.unpack(">HHI", data[4:12])
    assert (major, minor) == (1, 0)
    offset, kinds, read = 12, [], []
    for _ in range(count):
        kind, length = struct.unpack(">HI", data[offset:offset + 6])
        body = data[offset + 6:offset + 6 + length]
        offset += 6 + length
        kinds.append(kind)
        if kind == 0x0001:
            chars = struct.unpack(">H", body[:2])[0]
            name = body[2:2 + chars * 2].decode("utf-16-be").rstrip("\0")
            rest = body[2 + chars * 2:]
            assert rest[:4] == b"RGB " and name.startswith("#")
            read.append(tuple(round(v * 255) for v in struct.unpack(">3f", rest[4:16])))
    assert offset == len(data)
    assert kinds[0] == 0xC001 and kinds[-1] == 0xC002
    assert read == COLOURS


def test_unknown_suffix_and_empty_palette_are_refused(tmp_path, swatches):
    with pytest.raises(UserError, match=".gpl"):
        write_palette(tmp_path / "p.txt", swatches, "x")
    with pytest.raises(UserError, match="empty"):
        write_palette(tmp_path / "p.gpl", [], "x")
    assert not list(tmp_path.iterdir())
