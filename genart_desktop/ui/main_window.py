"""The main window: the canvas in the centre, the dock panels, menus and a status bar."""

from __future__ import annotations

import atexit
import logging
import sys
import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox,
                               QProgressBar, QPushButton)

from genart_desktop import __version__
from genart_desktop.core import paths
from genart_desktop.core.images import IMAGE_SUFFIXES, load_image, read_png_parameters, save_png, to_array
from genart_desktop.core.jobs import format_duration
from genart_desktop.core.project import SUFFIX
from genart_desktop.ui import settings as settings_module
from genart_desktop.ui.canvas import CanvasView
from genart_desktop.ui.panels.base import Panel
from genart_desktop.ui.panels.insight import InsightPanel
from genart_desktop.ui.panels.latent import LatentPanel
from genart_desktop.ui.panels.music import MusicPanel
from genart_desktop.ui.panels.restore import RestorePanel
from genart_desktop.ui.panels.study import StudyPanel
from genart_desktop.ui.panels.style import StylePanel
from genart_desktop.ui.panels.text import TextPanel
from genart_desktop.ui.session import ProjectSession
from genart_desktop.ui.worker import PanelWorker, TaskHandle

log = logging.getLogger(__name__)
_UNFINISHED_WORKERS: list[PanelWorker] = []  # see MainWindow.shutdown_workers
# Closing waits this long for running jobs to notice Cancel; one that has not is left
# behind, and the process ends without it (``startup.exit_status``).
CLOSE_WAIT_S = 1.5
UI_SWITCH_INTERVAL_S = 0.001  # see start_background_init
# Native libraries the panels load on first use. Loading one holds the GIL through dlopen:
# 76 ms once in the style scenario (a worker inside importlib's create_module, the library
# read from disk). They load in the start-up job instead, beside torch's own import.
PRELOADED_LIBRARIES = ("onnxruntime", "scipy.ndimage", "cv2")


def unfinished_workers() -> int:
    """Workers still running a task that did not stop when the window closed."""
    return sum(worker.isRunning() for worker in _UNFINISHED_WORKERS)


def _wait_for_unfinished_workers() -> None:
    """At interpreter exit (a script that closed a window, not the app, which leaves at
    once through ``startup.exit_status``): a QThread destroyed while running aborts the
    process, so give the cancelled jobs time to end first."""
    for worker in _UNFINISHED_WORKERS:
        worker.wait(60_000)
PANEL_CLASSES: tuple[type[Panel], ...] = (LatentPanel, StylePanel, InsightPanel, StudyPanel,
                                          RestorePanel, MusicPanel, TextPanel)
# where each dock sits by default: the picture tools on the right (tabbed), sound and words below
RIGHT_DOCKS = ("latent", "style", "insight", "study", "restore")
BOTTOM_DOCKS = ("music", "text")
IMAGE_FILTER = "Images (" + " ".join(f"*{suffix}" for suffix in sorted(IMAGE_SUFFIXES)) + ")"


class MainWindow(QMainWindow):
    ready = Signal()  # start-up finished: torch imported, device chosen
    image_opened = Signal(str, object)  # path, stored generation parameters or None
    message_shown = Signal(str)
    device_changed = Signal(str)  # the preference; panels move their models when they can
    models_changed = Signal()  # a model was imported, renamed or deleted: refresh pickers
    preferences_changed = Signal()

    def __init__(self, restore_layout: bool = True) -> None:
        super().__init__()
        self.setWindowTitle("GenArt Desktop")
        self.setObjectName("main-window")
        self._fit_to_screen(1280, 820)
        self.setAcceptDrops(True)
        self.messages: list[str] = []  # every message shown to the user, newest last
        self.device_description: str | None = None
        self._tracked: list[TaskHandle] = []

        self.canvas = CanvasView()
        self.setCentralWidget(self.canvas)
        self.workers: dict[str, PanelWorker] = {}
        self.canvas_worker = self.add_worker("canvas")
        self.startup_worker = self.add_worker("startup")
        self.panels: dict[str, Panel] = {}
        self.docks: dict[str, QDockWidget] = {}
        for panel_class in PANEL_CLASSES:
            self._add_panel(panel_class)
        self._default_layout()
        self._build_status_bar()
        self._build_menus()
        self.canvas.changed.connect(self._update_edit_actions)
        self.canvas.undo_state_changed.connect(self._update_edit_actions)
        self._closing_confirmed = False
        self._first_picture_asked = False  # see show_first_picture
        self._canvas_claimed = False  # a file or a recovered session is on its way to the canvas
        self.session = ProjectSession(self)
        self.session.modified_changed.connect(self._update_title)
        self.session.path_changed.connect(self._update_title)
        self._update_title()
        self._apply_stored_preferences()
        if restore_layout:
            self._restore_layout()

    # --- construction ----------------------------------------------------------------------
    def _fit_to_screen(self, width: int, height: int) -> None:
        """The default size, but never larger than the screen's free area (a laptop's
        1366x768 less its task bar)."""
        screen = QGuiApplication.primaryScreen()
        if screen is not None:
            free = screen.availableGeometry()
            width, height = min(width, free.width()), min(height, free.height())
        self.resize(width, height)

    def add_worker(self, name: str) -> PanelWorker:
        """A long-lived worker thread whose jobs the status bar shows; shut down on close."""
        worker = PanelWorker(name, self)
        worker.default_on_error = self.show_error
        worker.task_event.connect(self._on_task_event)
        worker.notice.connect(self.statusBar().showMessage)
        self.workers[name] = worker
        return worker

    def _add_panel(self, panel_class: type[Panel]) -> None:
        panel = panel_class(self, self.add_worker(panel_class.name))
        dock = QDockWidget(panel_class.title, self)
        dock.setObjectName(panel_class.name)
        dock.setWidget(panel)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        dock.visibilityChanged.connect(panel.view_changed)
        self.panels[panel_class.name] = panel
        self.docks[panel_class.name] = dock

    def _default_layout(self) -> None:
        for names, area in ((RIGHT_DOCKS, Qt.DockWidgetArea.RightDockWidgetArea),
                            (BOTTOM_DOCKS, Qt.DockWidgetArea.BottomDockWidgetArea)):
            for name in names:
                dock = self.docks[name]
                dock.setFloating(False)
                self.addDockWidget(area, dock)
                dock.show()
            for first, following in zip(names, names[1:]):
                self.tabifyDockWidget(self.docks[first], self.docks[following])
        self.docks["latent"].raise_()
        self.docks["music"].raise_()
        self.resizeDocks([self.docks["latent"]], [420], Qt.Orientation.Horizontal)
        # The bottom docks: two octaves of piano roll under the music panel's controls
        # where the window has room (a 1366x768 laptop's), never the canvas's ~390 px.
        bottom = max(260, min(340, self.height() - 390))
        self.resizeDocks([self.docks["music"]], [bottom], Qt.Orientation.Vertical)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.job_label = QLabel()
        self.job_progress = QProgressBar()
        self.job_progress.setRange(0, 1000)
        self.job_progress.setMaximumWidth(200)
        self.job_cancel = QPushButton("Cancel")
        self.job_cancel.setObjectName("cancel-job")
        self.job_cancel.clicked.connect(self.cancel_current_job)
        self.device_label = QLabel("Device: starting…")
        self.device_label.setObjectName("device-label")
        for widget in (self.job_label, self.job_progress, self.job_cancel):
            bar.addPermanentWidget(widget)
            widget.hide()
        bar.addPermanentWidget(self.device_label)

    def _build_menus(self) -> None:
        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        self._action(file_menu, "&New project", self.new_project, QKeySequence.StandardKey.New)
        self.open_action = self._action(file_menu, "&Open…", self.open_dialog,
                                        QKeySequence.StandardKey.Open)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        self._action(file_menu, "&Save project", self.save_project, QKeySequence.StandardKey.Save)
        self._action(file_menu, "Save project &as…", self.save_project_as,
                     QKeySequence("Ctrl+Shift+S"))
        self.save_action = self._action(file_menu, "Save &image as…", self.save_image_dialog,
                                        QKeySequence("Ctrl+E"))
        for panel in self.panels.values():
            actions = panel.file_actions()
            if actions:
                file_menu.addSeparator()
                file_menu.addActions(actions)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        edit_menu = menus.addMenu("&Edit")
        self.undo_action = self._action(edit_menu, "&Undo", self.canvas.undo,
                                        QKeySequence.StandardKey.Undo)
        self.redo_action = self._action(edit_menu, "&Redo", self.canvas.redo,
                                        QKeySequence("Ctrl+Shift+Z"))
        edit_menu.addSeparator()
        self._build_device_menu(edit_menu.addMenu("&Device"))
        self._action(edit_menu, "&Preferences…", self.show_preferences,
                     QKeySequence.StandardKey.Preferences)

        view_menu = menus.addMenu("&View")
        for name in self.docks:
            view_menu.addAction(self.docks[name].toggleViewAction())
        view_menu.addSeparator()
        self._action(view_menu, "Zoom &in", self.canvas.zoom_in, QKeySequence("Ctrl++"))
        self._action(view_menu, "Zoom &out", self.canvas.zoom_out, QKeySequence("Ctrl+-"))
        self._action(view_menu, "&Fit to window", self.canvas.fit, QKeySequence("Ctrl+0"))
        self.smooth_action = self._action(view_menu, "Smooth scaling", self._toggle_smooth)
        self.smooth_action.setCheckable(True)
        self.smooth_action.setChecked(True)
        view_menu.addSeparator()
        self._action(view_menu, "Reset layout", self._default_layout)

        models_menu = menus.addMenu("&Models")
        self._action(models_menu, "&Model manager…", self.show_model_manager)

        help_menu = menus.addMenu("&Help")
        self._action(help_menu, "&About GenArt Desktop", self.show_about)
        self._action(help_menu, "Where is the log file?", self.show_log_location)
        self._update_edit_actions()

    def _build_device_menu(self, menu) -> None:
        from PySide6.QtGui import QActionGroup

        from genart_desktop.core.device import preference

        group = QActionGroup(self)
        self.device_actions: dict[str, QAction] = {}
        for name, text in (("auto", "Automatic (CUDA, then MPS, then CPU)"), ("cuda", "CUDA"),
                           ("mps", "Apple MPS"), ("cpu", "CPU")):
            action = QAction(text, self, checkable=True)
            action.setChecked(name == preference())
            action.triggered.connect(lambda checked=False, n=name: self.set_device_preference(n))
            group.addAction(action)
            menu.addAction(action)
            self.device_actions[name] = action

    def current_device_preference(self) -> str:
        from genart_desktop.core.device import preference

        return preference()

    def show_preferences(self) -> None:
        from genart_desktop.ui.preferences import PreferencesDialog

        PreferencesDialog(self).open()

    def show_model_manager(self) -> None:
        from genart_desktop.ui.model_manager import ModelManager

        dialog = ModelManager(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def set_device_preference(self, name: str) -> None:
        """Remember the choice; it applies to models loaded from now on."""
        from genart_desktop.core.device import set_preference

        set_preference(name)
        settings_module.app_settings().setValue("device", name)
        if name in self.device_actions:
            self.device_actions[name].setChecked(True)
        self.device_label.setText("Device: choosing…")
        self.start_background_init()
        self.device_changed.emit(name)

    def _action(self, menu, text: str, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    # --- start-up ------------------------------------------------------------------------------
    def start_background_init(self) -> None:
        """Import torch and choose the device off the UI thread, after the window shows."""
        # From here on workers run Python beside the UI thread. A waiting thread gets the
        # GIL after the switch interval: 1 ms instead of Python's 5 lowered the restore
        # scenario's p99 frame gap from 14.4 to 11.8 ms (7 runs each, max 19.7 -> 17.1).
        sys.setswitchinterval(UI_SWITCH_INTERVAL_S)

        def init(job):
            from genart_desktop.core.device import choose_device, describe

            description = describe(choose_device())
            _preload_native_libraries()
            return description

        self.startup_worker.submit(init, label="start-up", on_result=self._on_ready)

    def _on_ready(self, device_description: str) -> None:
        self.device_description = device_description
        self.device_label.setText(f"Device: {device_description}")
        self.ready.emit()

    def is_ready(self) -> bool:
        return self.device_description is not None and all(
            panel.is_ready() for panel in self.panels.values())

    # --- the first picture ---------------------------------------------------------------------
    def show_first_picture(self) -> None:
        """Once start-up is done, put the latent panel's picture (seed 0 of the first model
        on a fresh start) on an empty canvas, so the window does not open blank. The app
        calls this; a bare MainWindow (tests, benchmarks) keeps an empty canvas. torch and
        the model load on the panel's worker after ``ready``: the window is never held up.
        Whatever reaches the canvas first wins: a recovered session, a file opened at
        start, the user's own picture."""
        self._first_picture_asked = True
        if self.device_description is None:
            self.ready.connect(self._request_first_picture, Qt.ConnectionType.SingleShotConnection)
        else:
            self._request_first_picture()

    def first_picture_wanted(self) -> bool:
        return (self._first_picture_asked and not self._canvas_claimed
                and self.canvas.state is None)

    def _request_first_picture(self) -> None:
        if self.first_picture_wanted() and self.device_description is not None:
            self.panels["latent"].show_first_picture(self.first_picture_wanted)

    # --- files -----------------------------------------------------------------------------------
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open", "", f"Projects and images (*{SUFFIX} "
            + " ".join(f"*{suffix}" for suffix in sorted(IMAGE_SUFFIXES)) + ");;All files (*)")
        if path:
            self.open_path(path)

    def open_path(self, path: str) -> TaskHandle:
        """A project opens as the project, MIDI in the piano roll, anything else as a picture."""
        if not path.lower().endswith((".mid", ".midi")):
            self._canvas_claimed = True  # no first picture in its place
        if path.lower().endswith(SUFFIX):
            return self.open_project(path)
        if path.lower().endswith((".mid", ".midi")):
            self.show_panel("music")
            return self.panels["music"].import_midi(path)
        return self.open_image(path)

    def open_image(self, path: str) -> TaskHandle:
        """Load a picture in the background; a bad file gives a message, the canvas stays."""

        def load(job):
            picture = load_image(path)
            return to_array(picture), read_png_parameters(path)

        def loaded(result) -> None:
            array, parameters = result
            self.canvas.set_image(array, parameters or {}, label=f"Open {Path(path).name}")
            settings_module.add_recent_file(str(Path(path).resolve()))
            self.statusBar().showMessage(f"Opened {Path(path).name}", 4000)
            self.image_opened.emit(path, parameters)

        return self.canvas_worker.submit(load, label=f"open {Path(path).name}", on_result=loaded)

    def save_image_dialog(self) -> None:
        if self.canvas.state is None:
            self.show_error("There is no picture on the canvas to save.")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save image as", "untitled.png",
                                              "PNG image (*.png)")
        if path:
            self.save_image(path)

    def save_image(self, path: str) -> TaskHandle | None:
        """PNG with the generation parameters in its text metadata."""
        state = self.canvas.state
        if state is None:
            self.show_error("There is no picture on the canvas to save.")
            return None
        if not path.lower().endswith(".png"):
            path += ".png"
        image, parameters = state.image, dict(state.parameters)

        def write(job):
            try:
                save_png(image, path, parameters)
            except OSError as error:
                from genart_desktop.core.errors import UserError

                raise UserError(f"could not save {Path(path).name}: {error.strerror or error}") from None
            return path

        def saved(result: str) -> None:
            settings_module.add_recent_file(str(Path(result).resolve()))
            self.statusBar().showMessage(f"Saved {Path(result).name}", 4000)

        return self.canvas_worker.submit(write, label=f"save {Path(path).name}", on_result=saved)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = settings_module.recent_files()
        if not files:
            self.recent_menu.addAction("(none)").setEnabled(False)
        for path in files:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda checked=False, p=path: self.open_path(p))

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.open_path(url.toLocalFile())
                event.acceptProposedAction()
                return

    # --- projects ----------------------------------------------------------------------------------------
    def new_project(self) -> None:
        self._unless_cancelled(self.session.new, "starting a new project")

    def open_project(self, path: str) -> TaskHandle | None:
        """Opening a project replaces the session, so unsaved work is offered a save first;
        None when the user cancelled (or the save runs first and opens it after)."""
        opened: list[TaskHandle] = []
        self._unless_cancelled(lambda: opened.append(self.session.open(path)),
                               f"opening {Path(path).name}")
        return opened[0] if opened else None

    def save_project(self, on_done=None) -> None:
        if self.session.path is None:
            self.save_project_as(on_done)
        else:
            self.session.save(on_done=on_done)

    def save_project_as(self, on_done=None) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save project as", f"untitled{SUFFIX}",
                                              f"GenArt project (*{SUFFIX})")
        if path:
            self.session.save(path, on_done=on_done)
        elif on_done is not None:
            on_done(False)

    def ask_save_changes(self, before: str = "closing") -> str:
        """'save', 'discard' or 'cancel' (a modal question; tests replace it)."""
        buttons = (QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                   | QMessageBox.StandardButton.Cancel)
        answer = QMessageBox.question(
            self, "Unsaved changes", f"Save the changes to this project before {before}?",
            buttons, QMessageBox.StandardButton.Save)
        return {QMessageBox.StandardButton.Save: "save",
                QMessageBox.StandardButton.Discard: "discard"}.get(answer, "cancel")

    def ask_restore_session(self) -> bool:
        answer = QMessageBox.question(
            self, "Recover your work?",
            "GenArt Desktop did not close properly last time. Restore the autosaved session?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes)
        return answer == QMessageBox.StandardButton.Yes

    def offer_recovery(self) -> None:
        """Called once after start-up: restore a crashed session if the user wants it."""
        if not self.session.start():
            return
        # No first picture while the question is open (its answer may fill the canvas).
        claimed, self._canvas_claimed = self._canvas_claimed, True
        if self.ask_restore_session():
            self.session.recover()
        else:
            self._canvas_claimed = claimed
            self._request_first_picture()  # in case one arrived while the question was open

    def _unless_cancelled(self, then, before: str = "closing") -> None:
        """Run ``then`` after unsaved changes are saved or discarded; not if cancelled."""
        if not self.session.modified:
            then()
            return
        answer = self.ask_save_changes(before)
        if answer == "discard":
            then()
        elif answer == "save":
            self.save_project(on_done=lambda ok: then() if ok else None)

    def _apply_stored_preferences(self) -> None:
        """Folders, undo memory and autosave interval from Preferences (theme: app.py)."""
        from genart_desktop.core import paths
        from genart_desktop.ui.preferences import Preferences

        preferences = Preferences.load()
        paths.choose_folders(preferences.models_dir or None, preferences.autosave_dir or None)
        self.canvas.history.set_budget(preferences.undo_memory_mb * 2**20)
        self.session.set_autosave_minutes(preferences.autosave_minutes)

    def _update_title(self) -> None:
        name = self.session.path.name if self.session.path else "untitled"
        self.setWindowTitle(f"{name}{' *' if self.session.modified else ''} — GenArt Desktop")

    # --- jobs in the status bar ------------------------------------------------------------------
    def _on_task_event(self, handle: TaskHandle) -> None:
        if not handle.show_progress:
            return
        if handle.done:
            if handle in self._tracked:
                self._tracked.remove(handle)
        elif handle not in self._tracked:
            self._tracked.append(handle)
        self._show_current_job()

    def _show_current_job(self) -> None:
        widgets = (self.job_label, self.job_progress, self.job_cancel)
        if not self._tracked:
            for widget in widgets:
                widget.hide()
            return
        handle = self._tracked[-1]
        job = handle.job
        remaining = job.seconds_remaining()
        eta = f" · {format_duration(remaining)} left" if remaining is not None else " · estimating…"
        self.job_label.setText(f"{handle.label}: {job.message}{eta}")
        self.job_progress.setValue(int(job.fraction * 1000))
        for widget in widgets:
            widget.show()

    def cancel_current_job(self) -> None:
        if self._tracked:
            self._tracked[-1].cancel()
            self.statusBar().showMessage("Cancelling…", 3000)

    # --- messages --------------------------------------------------------------------------------
    def show_error(self, message: str) -> None:
        """Tell the user, without blocking: a message box, the status bar and the log."""
        log.warning("shown to the user: %s", message)
        self.messages.append(message)
        self.statusBar().showMessage(message, 10000)
        box = QMessageBox(QMessageBox.Icon.Warning, "GenArt Desktop", message,
                          QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.message_shown.emit(message)

    def show_about(self) -> None:
        from genart_desktop.core.checkpoints import list_models

        lines = [f"<h3>GenArt Desktop {__version__}</h3>",
                 "<p>A local studio for AI as an instrument.</p>",
                 f"<p>Device: {self.device_description or 'starting…'}</p>",
                 "<p><b>Models</b></p><ul>"]
        models = list_models()
        for info in models:
            credit = info.card.get("credit", "")
            lines.append(f"<li>{info.name} ({info.kind}) — license {info.license}"
                         f"{'; ' + credit if credit else ''}</li>")
        if not models:
            lines.append("<li>none installed yet</li>")
        lines.append(f"</ul><p>Log file: {paths.log_file()}</p>")
        box = QMessageBox(QMessageBox.Icon.Information, "About GenArt Desktop", "".join(lines),
                          QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def show_log_location(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "Log file",
                          f"GenArt Desktop writes its log to:\n{paths.log_file()}",
                          QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # --- layout and closing ----------------------------------------------------------------------
    def _toggle_smooth(self, checked: bool) -> None:
        self.canvas.smooth_scaling = checked
        self.canvas.update()

    def _update_edit_actions(self) -> None:
        self.undo_action.setEnabled(self.canvas.can_undo())
        self.redo_action.setEnabled(self.canvas.can_redo())

    def _restore_layout(self) -> None:
        stored = settings_module.app_settings()
        geometry, state = stored.value("window/geometry"), stored.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

    def save_layout(self) -> None:
        stored = settings_module.app_settings()
        stored.setValue("window/geometry", self.saveGeometry())
        stored.setValue("window/state", self.saveState())
        stored.sync()

    def show_panel(self, name: str) -> None:
        dock = self.docks[name]
        dock.show()
        dock.raise_()

    def shutdown_workers(self, timeout_s: float = 30.0) -> None:
        """Ask every worker to stop at once, then wait for them under one deadline. A
        worker whose task does not stop in time is detached and kept referenced until
        it ends: destroying a running QThread aborts the process."""
        for panel in self.panels.values():
            panel.shutdown()
        for worker in self.workers.values():
            worker.request_stop()
        deadline = time.monotonic() + timeout_s
        for name, worker in self.workers.items():
            if not worker.wait_stopped(int((deadline - time.monotonic()) * 1000)):
                log.warning("worker %s did not stop in time; left to finish on its own", name)
                worker.setParent(None)
                if not _UNFINISHED_WORKERS:
                    atexit.register(_wait_for_unfinished_workers)
                _UNFINISHED_WORKERS.append(worker)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.session.modified and not self._closing_confirmed:
            event.ignore()

            def close_now() -> None:
                self._closing_confirmed = True
                # Qt ignores a close() made inside closeEvent: close once this one returns
                QTimer.singleShot(0, self.close)

            self._unless_cancelled(close_now)
            return
        self.save_layout()
        self.session.autosave_timer.stop()
        # Gone at once: a job that does not notice Cancel in time must not hold the window
        # on screen. What it was making is dropped; the user's work was saved or discarded.
        self.hide()
        self.shutdown_workers(timeout_s=CLOSE_WAIT_S)
        self.session.end()
        super().closeEvent(event)


def _preload_native_libraries() -> None:
    import importlib

    for name in PRELOADED_LIBRARIES:
        try:
            importlib.import_module(name)
        except ImportError:  # optional ones (onnxruntime) may be missing: the panel says so
            pass
