"""Palette files other programs open: GIMP/Inkscape ``.gpl``, Krita ``.kpl``, Adobe ``.ase``.

    write_palette(path, swatches, name)   # the format follows the suffix

Files are written to a temporary name and renamed, so a failed write never leaves half a
palette; whether an existing file may be replaced is the caller's question to ask.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

from genart_desktop.core.errors import UserError
from genart_desktop.insight.palette import Swatch

FORMATS = {".gpl": "GIMP / Inkscape palette", ".kpl": "Krita palette",
           ".ase": "Adobe swatch exchange"}
KPL_MIMETYPE = "krita/x-colorset"
KPL_COLUMNS = 8
KRITA_SRGB = "sRGB-elle-V2-srgbtrc.icc"  # the profile name Krita gives its 8-bit sRGB
ASE_COLOUR_ENTRY, ASE_GROUP_START, ASE_GROUP_END = 0x0001, 0xC001, 0xC002
ASE_GLOBAL, ASE_SPOT, ASE_NORMAL = 0, 1, 2


def write_palette(path: str | os.PathLike[str], swatches: list[Swatch], name: str) -> Path:
    path = Path(path)
    suffix = path.suffix.lower()
    writers = {".gpl": gpl_bytes, ".kpl": kpl_bytes, ".ase": ase_bytes}
    if suffix not in writers:
        raise UserError(f"{path.name}: palettes are written as "
                        f"{', '.join(FORMATS)} (the suffix says which)")
    if not swatches:
        raise UserError("the palette is empty: nothing to export")
    data = writers[suffix](swatches, name)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        raise UserError(f"{path.name}: could not be written ({error.strerror or error})") from None
    return path


def _colour_name(swatch: Swatch) -> str:
    return f"{swatch.hex} ({swatch.share * 100:.0f}%)"


def gpl_bytes(swatches: list[Swatch], name: str) -> bytes:
    """GIMP's text palette: a header, then 'R G B<tab>name' per colour."""
    clean_name = " ".join(name.split()) or "Palette"
    lines = ["GIMP Palette", f"Name: {clean_name}", f"Columns: {min(len(swatches), 16)}", "#"]
    lines += [f"{r:3d} {g:3d} {b:3d}\t{_colour_name(s)}"
              for s in swatches for r, g, b in [s.rgb]]
    return ("\n".join(lines) + "\n").encode("utf-8")


def kpl_bytes(swatches: list[Swatch], name: str) -> bytes:
    """Krita's zip: ``mimetype`` first and stored, ``colorset.xml``, ``profiles.xml``."""
    rows = (len(swatches) + KPL_COLUMNS - 1) // KPL_COLUMNS
    entries = []
    for index, swatch in enumerate(swatches):
        r, g, b = (channel / 255.0 for channel in swatch.rgb)
        entries.append(
            f' <ColorSetEntry name={quoteattr(_colour_name(swatch))} id="{index}" '
            f'spot="false" bitdepth="U8">\n'
            f'  <RGB space="{KRITA_SRGB}" r="{r:.6f}" g="{g:.6f}" b="{b:.6f}"/>\n'
            f'  <Position row="{index // KPL_COLUMNS}" column="{index % KPL_COLUMNS}"/>\n'
            f' </ColorSetEntry>')
    colorset = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ColorSet version="2.0" name={quoteattr(name or "Palette")} comment="" '
        f'columns="{KPL_COLUMNS}" rows="{rows}" readonly="false">\n'
        + "\n".join(entries) + "\n</ColorSet>\n")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), KPL_MIMETYPE, zipfile.ZIP_STORED)
        archive.writestr("colorset.xml", colorset, zipfile.ZIP_DEFLATED)
        archive.writestr("profiles.xml", '<?xml version="1.0" encoding="UTF-8"?>\n<Profiles/>\n',
                         zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def ase_bytes(swatches: list[Swatch], name: str) -> bytes:
    """Adobe's binary swatches, big-endian: 'ASEF', version 1.0, a block count, then a
    group holding one RGB colour block per swatch."""
    blocks = [_ase_block(ASE_GROUP_START, _ase_name(name or "Palette"))]
    for swatch in swatches:
        body = _ase_name(_colour_name(swatch)) + b"RGB "
        body += struct.pack(">3f", *(channel / 255.0 for channel in swatch.rgb))
        body += struct.pack(">H", ASE_GLOBAL)
        blocks.append(_ase_block(ASE_COLOUR_ENTRY, body))
    blocks.append(_ase_block(ASE_GROUP_END, b""))
    return b"ASEF" + struct.pack(">HHI", 1, 0, len(blocks)) + b"".join(blocks)


def _ase_name(text: str) -> bytes:
    """Length in UTF-16 units including the final NUL, then UTF-16BE with the NUL."""
    encoded = (text + "\0").encode("utf-16-be")
    return struct.pack(">H", len(encoded) // 2) + encoded


def _ase_block(kind: int, body: bytes) -> bytes:
    return struct.pack(">HI", kind, len(body)) + body
