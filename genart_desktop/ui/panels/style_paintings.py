"""The shipped public-domain paintings: where they came from and how they were extracted.

Run once by a maintainer (the results are committed in ``resources/styles/``; CI never
needs the Debian packages):

    apt-get install gcompris-qt-data opencv-doc
    python -m genart_desktop.ui.panels.style_paintings extract

GCompris's "paintings" activity ships 22 famous paintings as jigsaw pieces (WebP with
alpha) inside a Qt resource file, with one QML board per painting that places each
piece: ``"x"``/``"y"`` are the piece's centre as fractions of the board's width and
height (702x515). Pasting every piece at its centre on a transparent board and cropping
to the covered area gives back the painting. OpenCV's documentation adds Van Gogh's
The Starry Night. Each picture is saved as a small JPEG (longest side 512 px) and listed
in ``paintings.json`` with its title, artist and year; ``CREDITS.md`` names the sources.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
from pathlib import Path

from PIL import Image

PAINTINGS_RCC = Path("/usr/share/gcompris-qt/rcc/paintings.rcc")
STARRY_NIGHT = Path("/usr/share/doc/opencv-doc/examples/data/starry_night.jpg")
BOARD_ROOT = ":/gcompris/src/activities/paintings/resource/"
BOARDS = 22
LONGEST_SIDE = 512
JPEG_QUALITY = 85
CATALOGUE = "paintings.json"
GCOMPRIS = "Debian package gcompris-qt-data (GCompris 'paintings' activity, paintings.rcc)"
OPENCV = "Debian package opencv-doc (examples/data/starry_night.jpg)"

# The QML captions are "Artist, Title - Year"; a few names are misspelt or shortened there.
ARTIST_FIXES = {
    "Katsushika Hokusa": "Katsushika Hokusai",
    "Pieter Brugel": "Pieter Bruegel the Elder",
    "Bazille": "Frédéric Bazille",
    "Vincent Van Gogh": "Vincent van Gogh",
}
# The caption dates Hiroshige's print 1760-70, decades before he was born (1797): drop it.
YEAR_FIXES = {"The Benzaiten Shrine at Inokashira in Snow": ""}


def parse_caption(caption: str) -> tuple[str, str, str]:
    """'Katsushika Hokusai, The Great Wave off Kanagawa - 1823-1829' -> (artist, title, year)."""
    artist, _, rest = caption.partition(",")
    title, _, year = rest.rpartition(" - ")
    if not title:  # no year given
        title, year = rest, ""
    artist = ARTIST_FIXES.get(artist.strip(), artist.strip())
    title = title.strip()
    year = YEAR_FIXES.get(title, year.strip().rstrip("."))
    return artist, title, year


def slug(text: str) -> str:
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _read_resource(path: str) -> bytes:
    from PySide6.QtCore import QFile

    resource = QFile(path)
    if not resource.open(QFile.OpenModeFlag.ReadOnly):
        raise FileNotFoundError(f"{path} is not in {PAINTINGS_RCC}")
    try:
        return bytes(resource.readAll().data())
    finally:
        resource.close()


def assemble_board(number: int) -> tuple[str, Image.Image]:
    """(caption, painting as RGB) of GCompris board ``number`` (1..22)."""
    qml = _read_resource(f"{BOARD_ROOT}board/board{number}_0.qml").decode("utf-8")
    caption = re.search(r'instruction:\s*qsTr\("(.*?)"\)', qml).group(1)
    width, height = map(int, re.search(r'"width":\s*(\d+),\s*"height":\s*(\d+)', qml).groups())
    pieces = re.findall(r'"pixmapfile"\s*:\s*"(image/[^"]+\.webp)",\s*'
                        r'"x"\s*:\s*"([\d.]+)",\s*"y"\s*:\s*"([\d.]+)"', qml)
    # A margin of half a board on each side: pieces near the edge stick out of it.
    board = Image.new("RGBA", (width * 2, height * 2), (0, 0, 0, 0))
    for file, x, y in pieces:
        piece = Image.open(io.BytesIO(_read_resource(BOARD_ROOT + file))).convert("RGBA")
        left = round(float(x) * width - piece.width / 2) + width // 2
        top = round(float(y) * height - piece.height / 2) + height // 2
        board.alpha_composite(piece, (left, top))
    painting = board.crop(board.getchannel("A").getbbox())
    # Pieces tile without gaps; any stray uncovered pixel at a border becomes white.
    white = Image.new("RGBA", painting.size, (255, 255, 255, 255))
    return caption, Image.alpha_composite(white, painting).convert("RGB")


def _shrink(picture: Image.Image) -> Image.Image:
    scale = LONGEST_SIDE / max(picture.size)
    if scale >= 1:
        return picture
    size = (round(picture.width * scale), round(picture.height * scale))
    return picture.resize(size, Image.LANCZOS)


def extract(out_dir: Path) -> list[dict]:
    """Write the paintings, paintings.json and CREDITS.md into ``out_dir``."""
    from PySide6.QtCore import QResource

    for needed, package in ((PAINTINGS_RCC, "gcompris-qt-data"), (STARRY_NIGHT, "opencv-doc")):
        if not needed.exists():
            raise SystemExit(f"{needed} is missing: apt-get install {package}")
    if not QResource.registerResource(str(PAINTINGS_RCC)):
        raise SystemExit(f"Qt could not open {PAINTINGS_RCC}")
    out_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    sources = [(number, GCOMPRIS) for number in range(1, BOARDS + 1)] + [(0, OPENCV)]
    for number, source in sources:
        if number:
            caption, picture = assemble_board(number)
            artist, title, year = parse_caption(caption)
        else:
            picture = Image.open(STARRY_NIGHT).convert("RGB")
            artist, title, year = "Vincent van Gogh", "The Starry Night", "1889"
        original = picture.size
        picture = _shrink(picture)
        file = f"{slug(title)[:48].rstrip('-')}.jpg"
        picture.save(out_dir / file, "JPEG", quality=JPEG_QUALITY, optimize=True)
        entries.append({"file": file, "title": title, "artist": artist, "year": year,
                        "source": source, "license": "public domain (the artwork)",
                        "size": list(picture.size), "original_size": list(original)})
        print(f"{file}: {artist}, {title} ({year or 'undated'}) {original[0]}x{original[1]}"
              f" -> {picture.width}x{picture.height}")
    (out_dir / CATALOGUE).write_text(json.dumps(entries, indent=1, ensure_ascii=False) + "\n",
                                     encoding="utf-8")
    (out_dir / "CREDITS.md").write_text(credits_text(entries), encoding="utf-8")
    return entries


def credits_text(entries: list[dict]) -> str:
    lines = [
        "# Paintings used as styles",
        "",
        "Photographs of public-domain artworks (the artists died more than a century ago).",
        "Extracted once with `python -m genart_desktop.ui.panels.style_paintings extract`",
        "from two Debian packages, then reduced to 512 px JPEGs:",
        "",
        "- `gcompris-qt-data` (GCompris, KDE; the 'paintings' jigsaw activity,",
        "  `/usr/share/gcompris-qt/rcc/paintings.rcc`): the pictures were reassembled",
        "  from the activity's jigsaw pieces.",
        "- `opencv-doc` (OpenCV; `/usr/share/doc/opencv-doc/examples/data/starry_night.jpg`).",
        "",
        "Titles, artists and years come from GCompris's captions, with spellings corrected",
        "(Hokusai, Bruegel, Bazille). The caption's date for Hiroshige's Benzaiten Shrine",
        "(1760-70) precedes the artist's birth (1797), so it is left undated.",
        "",
        "| file | artist | title | year | source |",
        "|---|---|---|---|---|",
    ]
    for entry in entries:
        package = "opencv-doc" if entry["source"] == OPENCV else "gcompris-qt-data"
        lines.append(f"| {entry['file']} | {entry['artist']} | {entry['title']} | "
                     f"{entry['year'] or 'undated'} | {package} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m genart_desktop.ui.panels.style_paintings")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("extract", help="rebuild resources/styles/ from the Debian packages")
    run.add_argument("--out", type=Path, default=None,
                     help="output folder (default: the project's resources/styles)")
    args = parser.parse_args(argv)
    from PySide6.QtCore import QCoreApplication

    from genart_desktop.core import paths

    _app = QCoreApplication.instance() or QCoreApplication([])  # noqa: F841 - Qt resources
    extract(args.out or paths.resources_dir() / "styles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
