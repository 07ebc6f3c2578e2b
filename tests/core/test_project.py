"""Project files: round trip, atomic writes, and hostile or damaged archives."""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np
import pytest

from genart_desktop.core.errors import UserError
from genart_desktop.core.project import (CanvasEntry, PanelData, Project, load_project,
                                         save_project)


def _project():
    return Project(
        canvas=[CanvasEntry(np.full((8, 8, 3), 10, np.uint8), {"seed": 1}, "first"),
                CanvasEntry(np.full((8, 8, 4), 200, np.uint8), {"seed": 2}, "second")],
        canvas_index=1,
        panels={"music": PanelData({"tempo": 90}, {"score.mid": b"MThd-fake"}),
                "text": PanelData({"form": "qijue"}, {"poem.txt": "春江".encode()})},
        layout={"state": "AAAA"},
    )


def test_round_trip(tmp_path):
    path = tmp_path / "work.genart"
    save_project(_project(), path)
    loaded = load_project(path)
    assert loaded.warnings == []
    assert [entry.parameters for entry in loaded.canvas] == [{"seed": 1}, {"seed": 2}]
    assert np.array_equal(loaded.canvas[1].image, np.full((8, 8, 4), 200, np.uint8))
    assert loaded.canvas_index == 1
    assert loaded.panels["music"].files["score.mid"] == b"MThd-fake"
    assert loaded.panels["text"].state == {"form": "qijue"}
    assert loaded.layout == {"state": "AAAA"}


def test_read_only_folder_gives_message_and_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "work.genart"
    save_project(_project(), path)
    before = path.read_bytes()

    def read_only(*args, **kwargs):  # what a read-only folder answers (even to root on a ro mount)
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("tempfile.mkstemp", read_only)
    with pytest.raises(UserError, match="cannot save work.genart: Permission denied"):
        save_project(Project(), path)
    assert path.read_bytes() == before


def test_full_disk_leaves_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "work.genart"
    save_project(_project(), path)
    before = path.read_bytes()

    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(UserError, match="No space left on device"):
        save_project(_project(), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["work.genart"]  # no temporary left


def test_truncated_project_is_refused_with_a_message(tmp_path):
    path = tmp_path / "work.genart"
    save_project(_project(), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(UserError, match="work.genart"):
        load_project(path)


def _write_archive(path, manifest, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        for name, content in members.items():
            archive.writestr(name, content)


def test_paths_outside_the_project_are_refused(tmp_path):
    path = tmp_path / "evil.genart"
    manifest = {"format": "genart-project", "version": 1,
                "canvas": {"states": [{"file": "../../etc/passwd"}]},
                "panels": {"text": {"state": {}, "files": {"poem.txt": "/etc/hostname"}}}}
    _write_archive(path, manifest, {"../../etc/passwd": b"x"})
    project = load_project(path)
    assert project.canvas == []
    assert sum("outside the project" in warning for warning in project.warnings) == 2
    assert not (tmp_path.parent.parent / "etc" / "passwd").exists()


def test_zip_bomb_is_refused(tmp_path):
    path = tmp_path / "bomb.genart"
    manifest = {"format": "genart-project", "version": 1,
                "panels": {"text": {"state": {}, "files": {"poem.txt": "panels/text/poem.txt"}}}}
    _write_archive(path, manifest, {"panels/text/poem.txt": b"\0" * (50 * 2**20)})
    project = load_project(path)
    assert "poem.txt" not in project.panels["text"].files
    assert any("zip bomb" in warning for warning in project.warnings)


def test_newer_version_opens_what_it_can(tmp_path):
    path = tmp_path / "future.genart"
    manifest = {"format": "genart-project", "version": 99,
                "panels": {"text": {"state": {"form": "qijue"}, "files": {}}},
                "hologram": {"new": "thing"}}
    _write_archive(path, manifest, {})
    project = load_project(path)
    assert project.panels["text"].state == {"form": "qijue"}
    assert any("newer GenArt Desktop" in warning for warning in project.warnings)


def test_damaged_member_is_named_and_the_rest_opens(tmp_path):
    path = tmp_path / "work.genart"
    save_project(_project(), path)
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    members["canvas/000.png"] = b"not a png"
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    project = load_project(path)
    assert len(project.canvas) == 1
    assert any("canvas state 1" in warning for warning in project.warnings)
