"""The style gallery's contents: built-in styles, shipped paintings, the user's own.
Qt-free, so the gallery, the insight index and the study panel share it.

Every style has a stable ``id`` (kept in projects and PNG parameters):
``builtin:N`` (0-based index of the 26-style network), ``painting:FILE`` (a picture in
``resources/styles/``, described in its ``paintings.json``) and ``user:FILE`` (a
picture the user added, copied into ``user_data_dir()/styles`` so it survives the
original being moved or deleted).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from genart_desktop.core import paths
from genart_desktop.core.errors import UserError
from genart_desktop.core.images import IMAGE_SUFFIXES, load_image
from genart_desktop.style.names import BUILTIN_STYLE_NAMES

BUILTIN_COUNT = 26
MIN_STYLE_SIDE = 64  # smaller pictures carry too little texture to be a style
BUILTIN_SOURCE = ("built-in style network (Magenta, Dumoulin et al. 2017; Apache-2.0), "
                  "shown on a photo of a cup of coffee")


@dataclass(frozen=True)
class StyleEntry:
    id: str
    kind: str  # "builtin", "painting" or "user"
    name: str
    artist: str = ""
    year: str = ""
    source: str = ""
    path: Path | None = None  # the picture (paintings and user styles)
    index: int | None = None  # the built-in style's index

    @property
    def is_picture(self) -> bool:
        return self.kind != "builtin"

    def matches(self, text: str) -> bool:
        """Search by name or artist (case- and accent-insensitive substring)."""
        needle = _fold(text.strip())
        return not needle or needle in _fold(self.name) or needle in _fold(self.artist)

    def tooltip(self) -> str:
        lines = [f"<b>{_escape(self.name)}</b>"]
        by = ", ".join(part for part in (self.artist, self.year) if part)
        if by:
            lines.append(_escape(by))
        lines.append(f"<i>{_escape(self.source)}</i>")
        return "<br>".join(lines)


def builtin_styles() -> list[StyleEntry]:
    return [StyleEntry(f"builtin:{index}", "builtin", f"{index + 1}. {BUILTIN_STYLE_NAMES[index]}",
                       source=BUILTIN_SOURCE, index=index) for index in range(BUILTIN_COUNT)]


def paintings_dir() -> Path:
    return paths.resources_dir() / "styles"


def paintings() -> list[StyleEntry]:
    """The shipped paintings, in catalogue order; none if the catalogue is missing."""
    catalogue = paintings_dir() / "paintings.json"
    try:
        records = json.loads(catalogue.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    entries = []
    for record in records:
        path = paintings_dir() / record["file"]
        package = "opencv-doc" if "opencv" in record.get("source", "") else "gcompris-qt-data"
        entries.append(StyleEntry(
            f"painting:{record['file']}", "painting", record["title"], record["artist"],
            record.get("year", ""), f"public domain; from Debian's {package}", path))
    return entries


def user_styles_dir() -> Path:
    folder = paths.user_data_dir() / "styles"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def user_styles() -> list[StyleEntry]:
    """The user's pictures, oldest first (a directory listing: no file is decoded here)."""
    files = [path for path in user_styles_dir().iterdir()
             if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES]
    files.sort(key=lambda path: (path.stat().st_mtime, path.name))
    return [_user_entry(path) for path in files]


def _user_entry(path: Path) -> StyleEntry:
    name = re.sub(r"-[0-9a-f]{8}$", "", path.stem).replace("-", " ").strip() or path.stem
    return StyleEntry(f"user:{path.name}", "user", name, source=f"your picture ({path.name})",
                      path=path)


def add_user_style(source: str | Path) -> StyleEntry:
    """Check and copy a picture into the user's styles; UserError says why it is refused."""
    source = Path(source)
    picture = load_image(source)  # broken, missing or huge: ImageLoadError names the cause
    if min(picture.size) < MIN_STYLE_SIDE:
        raise UserError(f"{source.name} is {picture.width}x{picture.height}: a style picture "
                        f"needs at least {MIN_STYLE_SIDE} px on each side")
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:8]
    for existing in user_styles_dir().iterdir():
        if existing.stem.endswith(f"-{digest}"):
            raise UserError(f"{source.name} is already one of your styles")
    stem = _slug(source.stem)[:40] or "style"
    suffix = source.suffix.lower()
    target = user_styles_dir() / f"{stem}-{digest}{suffix if suffix in IMAGE_SUFFIXES else '.png'}"
    tmp = target.with_name(f".{target.name}.tmp")
    if suffix in IMAGE_SUFFIXES:
        shutil.copyfile(source, tmp)
    else:
        picture.save(tmp, format="PNG")
    tmp.replace(target)
    return _user_entry(target)


def remove_user_style(entry: StyleEntry) -> None:
    if entry.kind != "user" or entry.path is None:
        raise UserError(f"{entry.name} is not one of your own styles")
    entry.path.unlink(missing_ok=True)


def all_styles() -> list[StyleEntry]:
    return builtin_styles() + paintings() + user_styles()


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
