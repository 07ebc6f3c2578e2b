"""The open project: save and open ``.genart`` files, autosave, and crash recovery.

The window's state is gathered on the UI thread (cheap: references to pictures and each
panel's ``save_state()``), then written by a worker. Autosave writes the same project into
the user's data folder every few minutes and after big steps; a marker file says a
session is running, so a start that finds the marker of a dead process offers recovery.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QByteArray, QObject, QTimer, Signal

from genart_desktop.core import paths
from genart_desktop.core.errors import UserError
from genart_desktop.core.project import (SUFFIX, CanvasEntry, PanelData, Project, load_project,
                                         save_project)

if TYPE_CHECKING:
    from genart_desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)
CANVAS_STATES_KEPT = 12  # the canvas's recent history saved with a project
DEFAULT_AUTOSAVE_MINUTES = 3.0


def autosave_path() -> Path:
    return paths.autosave_dir() / f"autosave{SUFFIX}"


def _marker_path() -> Path:
    return paths.autosave_dir() / "running.json"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ProjectSession(QObject):
    modified_changed = Signal(bool)
    path_changed = Signal(str)

    def __init__(self, window: "MainWindow") -> None:
        super().__init__(window)
        self.window = window
        self.path: Path | None = None
        self.modified = False
        self._loading = False
        self.autosave_timer = QTimer(self)
        self.autosave_timer.timeout.connect(self.autosave)
        self.set_autosave_minutes(DEFAULT_AUTOSAVE_MINUTES)
        window.canvas.changed.connect(self.mark_modified)
        for panel in window.panels.values():
            panel.changed.connect(self.mark_modified)

    # --- modified ---------------------------------------------------------------------------------
    def mark_modified(self) -> None:
        if self._loading:
            return
        if not self.modified:
            self.modified = True
            self.modified_changed.emit(True)

    def mark_clean(self) -> None:
        self.modified = False
        self.modified_changed.emit(False)

    def set_autosave_minutes(self, minutes: float) -> None:
        self.autosave_timer.start(max(int(minutes * 60_000), 10_000))

    # --- gather and apply ----------------------------------------------------------------------------
    def collect(self) -> Project:
        history = self.window.canvas.history
        states = history.states()
        index = history.index
        first = max(0, min(index, len(states) - CANVAS_STATES_KEPT))
        kept = states[first:first + CANVAS_STATES_KEPT]
        panels = {name: panel.save_state() for name, panel in self.window.panels.items()}
        layout = {
            "state": base64.b64encode(bytes(self.window.saveState().data())).decode("ascii"),
            "geometry": base64.b64encode(bytes(self.window.saveGeometry().data())).decode("ascii"),
        }
        return Project(
            canvas=[CanvasEntry(s.image, dict(s.parameters), s.label) for s in kept],
            canvas_index=index - first if kept else -1,
            panels=panels, layout=layout)

    def apply(self, project: Project) -> None:
        """Replace the session with ``project``, all of it or nothing: a panel that cannot
        take its part (a value no check foresaw) puts the whole session back as it was
        and raises UserError naming the panel."""
        before = self.collect()
        try:
            self._apply(project)
        except Exception as error:  # noqa: BLE001 - any failure undoes the whole open
            log.exception("could not apply a project")
            part = getattr(error, "genart_part", "the project")
            try:
                self._apply(before)
            except Exception:  # the old state is our own: this should never happen
                log.exception("could not put the session back")
            raise UserError(f"{part} could not be applied, so nothing was changed "
                            f"({type(error).__name__})") from None

    def _apply(self, project: Project) -> None:
        self._loading = True
        try:
            self.window.canvas.replace_history(
                [(entry.image, entry.parameters, entry.label) for entry in project.canvas],
                project.canvas_index)
            for name, panel in self.window.panels.items():
                panel.state_warnings = []
                try:
                    panel.restore_state(project.panels.get(name, PanelData()))
                except Exception as error:
                    error.genart_part = f"the {name} panel's state"
                    raise
                project.warnings.extend(panel.state_warnings)
            state = project.layout.get("state") if isinstance(project.layout, dict) else None
            if isinstance(state, str) and state:
                try:
                    self.window.restoreState(QByteArray(base64.b64decode(state)))
                except ValueError:
                    project.warnings.append("the window layout could not be restored")
        finally:
            self._loading = False

    # --- files ------------------------------------------------------------------------------------------
    def new(self) -> None:
        self.apply(Project())
        self.path = None
        self.path_changed.emit("")
        self.mark_clean()

    def open(self, path: str, on_done: Callable[[], None] | None = None):
        def read(job):
            return load_project(path)

        def opened(project: Project) -> None:
            try:
                self.apply(project)
            except UserError as error:
                self.window.show_error(f"{Path(path).name}: {error}")
                return
            self.path = Path(path)
            self.path_changed.emit(str(self.path))
            self.mark_clean()
            from genart_desktop.ui.settings import add_recent_file

            add_recent_file(str(self.path.resolve()))
            if project.warnings:
                self.window.show_error(
                    f"{self.path.name} opened, but not everything could be read:\n- "
                    + "\n- ".join(project.warnings))
            if on_done is not None:
                on_done()

        return self.window.canvas_worker.submit(read, label=f"open {Path(path).name}",
                                                on_result=opened)

    def save(self, path: str | None = None, on_done: Callable[[bool], None] | None = None):
        """Save to ``path`` (or the current file); ``on_done(ok)`` afterwards."""
        target = Path(path) if path else self.path
        if target is None:
            raise ValueError("no path to save to")
        if target.suffix != SUFFIX:
            target = target.with_name(target.name + SUFFIX)
        project = self.collect()

        def write(job):
            save_project(project, target)
            return str(target)

        def saved(result: str) -> None:
            self.path = Path(result)
            self.path_changed.emit(result)
            self.mark_clean()
            from genart_desktop.ui.settings import add_recent_file

            add_recent_file(str(self.path.resolve()))
            self.window.statusBar().showMessage(f"Saved {self.path.name}", 4000)
            if on_done is not None:
                on_done(True)

        def failed(message: str) -> None:
            self.window.show_error(message)
            if on_done is not None:
                on_done(False)

        return self.window.canvas_worker.submit(write, label=f"save {target.name}",
                                                on_result=saved, on_error=failed)

    # --- autosave and recovery -----------------------------------------------------------------------
    def autosave(self):
        """Write the session to the autosave file in the background (latest wins)."""
        if not self.modified:
            return None
        project = self.collect()
        target = autosave_path()

        def write(job):
            save_project(project, target)
            return str(target)

        return self.window.canvas_worker.submit(
            write, label="autosave", key="autosave",
            on_error=lambda message: log.warning("autosave failed: %s", message))

    def start(self) -> bool:
        """Mark this session as running; True when a crashed session can be recovered."""
        crashed = False
        marker = _marker_path()
        if marker.exists():
            try:
                pid = int(json.loads(marker.read_text()).get("pid", 0))
            except (OSError, ValueError, AttributeError):
                pid = 0
            crashed = not (pid and pid != os.getpid() and _process_alive(pid))
        marker.write_text(json.dumps({"pid": os.getpid()}))
        return crashed and autosave_path().exists()

    def recover(self):
        def read(job):
            return load_project(autosave_path())

        def opened(project: Project) -> None:
            try:
                self.apply(project)
            except UserError as error:
                self.window.show_error(f"The previous session could not be recovered: {error}")
                return
            self.path = None
            self.mark_modified()
            self.window.statusBar().showMessage("Recovered the previous session", 6000)
            if project.warnings:   # what could not be read is said, as when opening
                self.window.show_error("The previous session was recovered, but not "
                                       "everything could be read:\n- "
                                       + "\n- ".join(project.warnings))

        return self.window.canvas_worker.submit(read, label="recover session", on_result=opened)

    def end(self) -> None:
        """A clean exit: no recovery needed next time."""
        _marker_path().unlink(missing_ok=True)
        autosave_path().unlink(missing_ok=True)
