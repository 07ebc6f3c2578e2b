"""Training on the user's images ("Train on my images"): a folder (dropped on the panel
or picked), VAE or GAN, size and length. The run is a child process watched by a worker
thread of its own (see ``latent_training_run``), so the sliders stay live; the box shows
a progress bar, time remaining, cancel, a loss curve and a grid of samples every N steps.
The model lands in the user's models folder and the panel's picker."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QProgressBar, QPushButton,
                               QSpinBox, QVBoxLayout, QWidget)

from genart_desktop.core.jobs import format_duration
from genart_desktop.ui import settings as settings_module
from genart_desktop.ui.canvas import qimage_from_array
from genart_desktop.ui.state_values import StateValues
from genart_desktop.ui.panels.latent_plot import LossPlot
from genart_desktop.ui.panels.latent_training_run import (CHECKPOINT_SECONDS, params_dict,
                                                           parse_losses, resumed_step,
                                                           run_training)

SETTINGS_PREFIX = "latent/train/"
SIZES = (16, 32, 64)


class TrainingBox(QGroupBox):
    """The training controls; ``trained`` carries the new model's name when a run ends."""

    trained = Signal(str)
    changed = Signal()

    def __init__(self, window, parent: QWidget | None = None) -> None:
        super().__init__("Train on my images", parent)
        self.setObjectName("latent-training")
        self.window_ = window
        self.handle = None  # the running task
        self._worker = None
        self.step = 0
        self.messages: list[str] = []  # what the run said, newest last (tests read it)
        self._build()
        self._load_settings()

    # --- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        form = QFormLayout()
        folder_row = QHBoxLayout()
        self.folder_edit = QLineEdit()
        self.folder_edit.setPlaceholderText("drop a folder of images on this panel")
        self.folder_edit.textChanged.connect(self._folder_changed)
        choose = QPushButton("Choose…")
        choose.clicked.connect(self.choose_folder)
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(choose)
        form.addRow("Folder", folder_row)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("model name")
        form.addRow("Model name", self.name_edit)
        self.kind_box = QComboBox()
        self.kind_box.addItem("VAE (can encode pictures)", "vae")
        self.kind_box.addItem("GAN (sharper, slower to train)", "gan")
        form.addRow("Kind", self.kind_box)
        self.size_box = QComboBox()
        for size in SIZES:
            self.size_box.addItem(f"{size} × {size}", size)
        self.size_box.setCurrentIndex(SIZES.index(64))
        form.addRow("Size", self.size_box)
        length_row = QHBoxLayout()
        self.length_spin = QSpinBox()
        self.length_spin.setRange(1, 100_000)
        self.length_spin.setValue(30)
        self.length_unit = QComboBox()
        self.length_unit.addItem("minutes", "minutes")
        self.length_unit.addItem("epochs", "epochs")
        length_row.addWidget(self.length_spin, 1)
        length_row.addWidget(self.length_unit)
        form.addRow("Length", length_row)
        self.every_spin = QSpinBox()
        self.every_spin.setRange(1, 10_000)
        self.every_spin.setValue(50)
        self.every_spin.setSuffix(" steps")
        form.addRow("Samples every", self.every_spin)
        self.restart_check = QCheckBox("Start over (ignore a saved checkpoint)")
        form.addRow("", self.restart_check)
        layout.addLayout(form)

        buttons = QHBoxLayout()
        self.train_button = QPushButton("Train")
        self.train_button.setObjectName("latent-train")
        self.train_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("latent-train-cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        buttons.addWidget(self.train_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        layout.addWidget(self.progress_bar)
        self.status = QLabel("A cancelled or interrupted run resumes from its checkpoint "
                             "when you train the same name again.")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.plot = LossPlot()
        layout.addWidget(self.plot)
        self.samples = QLabel()
        self.samples.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.samples.setMinimumHeight(0)
        layout.addWidget(self.samples)

    # --- settings ---------------------------------------------------------------------------
    def _load_settings(self) -> None:
        stored = settings_module.app_settings()
        state = {key: stored.value(SETTINGS_PREFIX + key) for key in
                 ("folder", "name", "kind", "size", "length", "unit", "every")}
        for key in ("length", "every"):  # QSettings may give numbers back as text
            if isinstance(state[key], str) and state[key].isdigit():
                state[key] = int(state[key])
        self.restore(state)

    def state(self) -> dict:
        return {"folder": self.folder_edit.text(), "name": self.name_edit.text(),
                "kind": self.kind_box.currentData(), "size": self.size_box.currentData(),
                "length": self.length_spin.value(), "unit": self.length_unit.currentData(),
                "every": self.every_spin.value()}

    def restore(self, state: dict) -> None:
        def pick(box: QComboBox, value) -> None:
            for index in range(box.count()):
                if str(box.itemData(index)) == str(value):
                    box.setCurrentIndex(index)

        if state.get("folder"):
            self.folder_edit.setText(str(state["folder"]))
        if state.get("name"):
            self.name_edit.setText(str(state["name"]))
        pick(self.kind_box, state.get("kind"))
        pick(self.size_box, state.get("size"))
        pick(self.length_unit, state.get("unit"))
        values = StateValues(state, "latent panel's training")
        for spin, key in ((self.length_spin, "length"), (self.every_spin, "every")):
            values.to_widget(spin, key)

    def _remember(self) -> None:
        stored = settings_module.app_settings()
        for key, value in self.state().items():
            stored.setValue(SETTINGS_PREFIX + key, value)

    # --- folder --------------------------------------------------------------------------------
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of images to train on",
                                                  self.folder_edit.text())
        if folder:
            self.set_folder(folder)

    def set_folder(self, folder: str) -> None:
        self.folder_edit.setText(folder)
        self.changed.emit()

    def _folder_changed(self, text: str) -> None:
        if text and not self.name_edit.isModified():
            name = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(text).name).strip("-") or "my-images"
            self.name_edit.setText(name)

    # --- the run ----------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.handle is not None and not self.handle.done

    def start(self) -> None:
        folder = self.folder_edit.text().strip()
        name = self.name_edit.text().strip()
        if not folder or not Path(folder).is_dir():
            self.window_.show_error(f"Choose a folder of images to train on "
                                    f"({folder or 'none chosen'} is not a folder).")
            return
        if not name or "/" in name or "\\" in name or name.startswith("."):
            self.window_.show_error("Give the model a name (letters, digits, - and _).")
            return
        if self.running:
            return
        self._remember()
        kind = self.kind_box.currentData()
        size = int(self.size_box.currentData())
        unit, length = self.length_unit.currentData(), self.length_spin.value()
        values = dict(folder=folder, kind=kind, output=name, size=size,
                      partial_every=self.every_spin.value(), checkpoint_seconds=CHECKPOINT_SECONDS,
                      restart=self.restart_check.isChecked(), **{unit: float(length)},
                      command=f"genart train-images {folder} --kind {kind} --size {size} "
                              f"--{unit} {length} -o {name}")

        def work(job):
            return run_training(params_dict(**values), job)

        self.plot.clear()
        self.step = 0
        self.messages.clear()
        self.restart_check.setChecked(False)
        self.train_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText(f"Reading {folder}…")
        self.handle = self.worker().submit(
            work, label=f"train {name}", show_progress=True, on_progress=self._progress,
            on_partial=self._show_samples, on_result=self._finished, on_error=self._failed,
            on_cancelled=self._cancelled)

    def cancel(self) -> None:
        if self.running:
            self.handle.cancel()
            self.status.setText("Cancelling: writing a checkpoint after this step…")

    def worker(self):
        """A worker of its own (it waits on the training process), so that training never
        waits on a slider or the reverse. MainWindow.add_worker registers it for the status
        bar and for shutdown."""
        if self._worker is None:
            self._worker = self.window_.add_worker("latent-training")
        return self._worker

    def _progress(self, fraction: float, message: str, remaining: float | None) -> None:
        self.messages.append(message)
        self.progress_bar.setValue(int(fraction * 1000))
        if (step := resumed_step(message)) is not None:
            self.step = step
        parsed = parse_losses(message)
        if parsed is not None:
            self.step = parsed[0]
            self.plot.add(*parsed)
        left = f" · {format_duration(remaining)} left" if remaining is not None else ""
        self.status.setText(f"{message}{left}")

    def _show_samples(self, grid: np.ndarray) -> None:
        from PySide6.QtGui import QPixmap

        factor = max(1, 256 // max(grid.shape[:2]))
        image = qimage_from_array(grid)
        pixmap = QPixmap.fromImage(image).scaled(
            grid.shape[1] * factor, grid.shape[0] * factor,
            Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation)
        self.samples.setPixmap(pixmap)

    def _end(self, text: str) -> None:
        self.train_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.status.setText(text)

    def _finished(self, summary: dict) -> None:
        name = Path(summary["card"]).with_suffix("").name
        skipped = len(summary.get("skipped") or [])
        self.progress_bar.setValue(1000)
        self._end(f"Saved model {name}: {summary['usable']} images"
                  f"{f' ({skipped} unreadable skipped)' if skipped else ''}, {summary['steps']} steps, "
                  f"{format_duration(summary['elapsed_s'])}. It is now in the model list.")
        self.trained.emit(name)

    def _failed(self, message: str) -> None:
        self._end(f"Training stopped: {message}")
        self.window_.show_error(message)

    def _cancelled(self) -> None:
        self._end(f"Cancelled at step {self.step}; the checkpoint is saved. "
                  "Press Train to resume (same name and settings).")
