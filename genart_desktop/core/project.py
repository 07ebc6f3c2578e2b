"""Project files (``.genart``): a versioned zip of JSON, PNG, MIDI and text.

    manifest.json        format, version, canvas history, each panel's state, layout
    canvas/NNN.png       the canvas's recent states, oldest first
    panels/NAME/FILE     files a panel keeps (a score as MIDI, a poem as text, ...)

Writing is atomic (a temporary file in the same folder, then a rename), so a crash or a
full disk never leaves a half-written project and the previous file stays intact.
Reading never extracts to disk and trusts nothing: names that leave the archive, members
too large or too compressed (a zip bomb), and damaged members are refused one by one;
what can be read is opened and what could not is listed in ``warnings``.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from genart_desktop import __version__
from genart_desktop.core.errors import UserError

FORMAT = "genart-project"
VERSION = 1
SUFFIX = ".genart"
MAX_MEMBER_BYTES = 512 * 2**20
MAX_TOTAL_BYTES = 2 * 2**30
MAX_COMPRESSION_RATIO = 200  # a PNG or MIDI never compresses this well; a bomb does


@dataclass
class CanvasEntry:
    image: np.ndarray
    parameters: dict[str, Any] = field(default_factory=dict)
    label: str = ""


@dataclass
class PanelData:
    """What a panel saves: JSON-able state and named files (bytes)."""

    state: dict[str, Any] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)


@dataclass
class Project:
    canvas: list[CanvasEntry] = field(default_factory=list)
    canvas_index: int = -1
    panels: dict[str, PanelData] = field(default_factory=dict)
    layout: dict[str, str] = field(default_factory=dict)  # e.g. Qt's saveState, base64
    warnings: list[str] = field(default_factory=list)  # filled when reading


def save_project(project: Project, path: str | os.PathLike[str]) -> None:
    """Write atomically; on failure the previous file is untouched and UserError says why."""
    from PIL import Image

    path = Path(path)
    manifest: dict[str, Any] = {
        "format": FORMAT, "version": VERSION, "app_version": __version__,
        "canvas": {"index": project.canvas_index, "states": []},
        "panels": {}, "layout": project.layout,
    }
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                             dir=path.parent)
    except OSError as error:
        raise UserError(f"cannot save {path.name}: {error.strerror or error}") from None
    try:
        with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
            for number, entry in enumerate(project.canvas):
                name = f"canvas/{number:03d}.png"
                buffer = io.BytesIO()
                Image.fromarray(entry.image).save(buffer, format="PNG", compress_level=1)
                archive.writestr(name, buffer.getvalue(), compress_type=zipfile.ZIP_STORED)
                manifest["canvas"]["states"].append(
                    {"file": name, "parameters": entry.parameters, "label": entry.label})
            for panel_name, data in project.panels.items():
                files = {}
                for file_name, content in data.files.items():
                    member = f"panels/{panel_name}/{PurePosixPath(file_name).name}"
                    archive.writestr(member, content)
                    files[file_name] = member
                manifest["panels"][panel_name] = {"state": data.state, "files": files}
            archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise UserError(f"cannot save {path.name}: {error.strerror or error}; "
                        "the previous file is unchanged") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_project(path: str | os.PathLike[str]) -> Project:
    """Read what can be read; ``project.warnings`` lists what could not."""
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise UserError(f"{path.name}: file not found") from None
    except (zipfile.BadZipFile, OSError) as error:
        raise UserError(f"{path.name}: not a GenArt project, or damaged ({error})") from None
    with archive:
        reader = _SafeReader(archive, path.name)
        manifest_bytes = reader.read("manifest.json")
        if manifest_bytes is None:
            raise UserError(f"{path.name}: damaged project ({'; '.join(reader.warnings)})")
        try:
            manifest = json.loads(manifest_bytes.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise UserError(f"{path.name}: damaged project (its manifest is not JSON)") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise UserError(f"{path.name}: not a GenArt project")
        project = Project()
        version = manifest.get("version")
        if not isinstance(version, int) or version > VERSION:
            reader.warnings.append(
                f"made by a newer GenArt Desktop (format {version}); opened what this "
                f"version understands (format {VERSION})")
        _read_canvas(manifest.get("canvas") or {}, reader, project)
        _read_panels(manifest.get("panels") or {}, reader, project)
        layout = manifest.get("layout")
        project.layout = layout if isinstance(layout, dict) else {}
        project.warnings = reader.warnings
        return project


def _read_canvas(canvas: dict, reader: "_SafeReader", project: Project) -> None:
    from PIL import Image

    from genart_desktop.core.images import MAX_PIXELS

    states = canvas.get("states") if isinstance(canvas.get("states"), list) else []
    wanted_index = canvas.get("index", len(states) - 1)
    kept_index = -1
    for number, item in enumerate(states):
        if not isinstance(item, dict):
            continue
        content = reader.read(str(item.get("file", "")))
        if content is None:
            continue
        try:
            with Image.open(io.BytesIO(content)) as picture:
                if picture.width * picture.height > MAX_PIXELS:
                    raise ValueError("too many pixels")
                picture.load()
                array = np.asarray(picture.convert("RGBA" if "A" in picture.mode else "RGB"))
        except Exception as error:  # noqa: BLE001 - any broken picture is skipped and named
            reader.warnings.append(f"canvas state {number + 1} could not be read ({error})")
            continue
        parameters = item.get("parameters") if isinstance(item.get("parameters"), dict) else {}
        project.canvas.append(CanvasEntry(array, parameters, str(item.get("label", ""))))
        if number <= (wanted_index if isinstance(wanted_index, int) else number):
            kept_index = len(project.canvas) - 1
    project.canvas_index = kept_index if project.canvas else -1


def _read_panels(panels: dict, reader: "_SafeReader", project: Project) -> None:
    for name, item in panels.items():
        if not isinstance(item, dict):
            reader.warnings.append(f"the {name} panel's state is damaged")
            continue
        data = PanelData(state=item.get("state") if isinstance(item.get("state"), dict) else {})
        files = item.get("files") if isinstance(item.get("files"), dict) else {}
        for file_name, member in files.items():
            content = reader.read(str(member))
            if content is not None:
                data.files[str(file_name)] = content
        project.panels[str(name)] = data


class _SafeReader:
    """Reads members into memory, refusing escapes, bombs and damage with a warning."""

    def __init__(self, archive: zipfile.ZipFile, archive_name: str) -> None:
        self.archive = archive
        self.archive_name = archive_name
        self.warnings: list[str] = []
        self.total = 0

    def read(self, name: str) -> bytes | None:
        pure = PurePosixPath(name)
        if not name or pure.is_absolute() or ".." in pure.parts or "\\" in name:
            self.warnings.append(f"refused {name!r}: it names a place outside the project")
            return None
        try:
            info = self.archive.getinfo(name)
        except KeyError:
            self.warnings.append(f"{name} is missing from the project")
            return None
        ratio = info.file_size / max(info.compress_size, 1)
        if (info.file_size > MAX_MEMBER_BYTES or self.total + info.file_size > MAX_TOTAL_BYTES
                or (info.file_size > 1_000_000 and ratio > MAX_COMPRESSION_RATIO)):
            self.warnings.append(f"refused {name}: too large when unpacked (a zip bomb?)")
            return None
        try:
            with self.archive.open(info) as member:
                content = member.read(MAX_MEMBER_BYTES + 1)
        except (zipfile.BadZipFile, OSError, EOFError, zlib_error()) as error:
            self.warnings.append(f"{name} is damaged ({error})")
            return None
        if len(content) > MAX_MEMBER_BYTES:
            self.warnings.append(f"refused {name}: too large when unpacked")
            return None
        self.total += len(content)
        return content


def zlib_error() -> type[Exception]:
    import zlib

    return zlib.error
