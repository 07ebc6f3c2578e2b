"""Preferences: device, SoundFont, undo memory, folders, autosave, theme.

Stored with QSettings and applied at once where possible (``apply_preferences``); the
device applies to models loaded from then on.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLineEdit, QPushButton, QSpinBox,
                               QWidget)

from genart_desktop.ui.settings import app_settings

if TYPE_CHECKING:
    from genart_desktop.ui.main_window import MainWindow

THEMES = ("dark", "light", "system")


@dataclass
class Preferences:
    device: str = "auto"
    soundfont: str = ""  # empty: the General MIDI SoundFont that pretty_midi installs
    undo_memory_mb: int = 512
    models_dir: str = ""  # empty: the default folder in the user's data
    autosave_dir: str = ""
    autosave_minutes: float = 3.0
    theme: str = "dark"

    @classmethod
    def load(cls) -> "Preferences":
        stored = app_settings()
        defaults = cls()
        values = {}
        for name, default in vars(defaults).items():
            value = stored.value(name, default)
            try:
                values[name] = type(default)(value)
            except (TypeError, ValueError):
                values[name] = default
        if values["theme"] not in THEMES:
            values["theme"] = "dark"
        return cls(**values)

    def save(self) -> None:
        stored = app_settings()
        for name, value in vars(self).items():
            stored.setValue(name, value)
        stored.sync()


def apply_preferences(window: "MainWindow", preferences: Preferences) -> None:
    from PySide6.QtWidgets import QApplication

    from genart_desktop.core import paths
    from genart_desktop.ui.theme import apply_theme

    paths.choose_folders(preferences.models_dir or None, preferences.autosave_dir or None)
    window.canvas.history.set_budget(preferences.undo_memory_mb * 2**20)
    window.session.set_autosave_minutes(preferences.autosave_minutes)
    app = QApplication.instance()
    if app is not None:
        apply_theme(app, preferences.theme)
    if preferences.device != window.current_device_preference():
        window.set_device_preference(preferences.device)
    window.preferences_changed.emit()


class PreferencesDialog(QDialog):
    def __init__(self, window: "MainWindow") -> None:
        super().__init__(window)
        self.setWindowTitle("Preferences")
        self.setObjectName("preferences")
        self.window_ = window
        current = Preferences.load()
        form = QFormLayout(self)

        self.device = QComboBox()
        for name, text in self._device_choices():
            self.device.addItem(text, name)
        self.device.setCurrentIndex(max(0, self.device.findData(current.device)))
        form.addRow("Device", self.device)

        self.soundfont = QLineEdit(current.soundfont)
        self.soundfont.setPlaceholderText("General MIDI SoundFont from pretty_midi (default)")
        form.addRow("SoundFont", self._with_browse(self.soundfont, "SoundFonts (*.sf2 *.sf3)"))

        self.undo_memory = QSpinBox()
        self.undo_memory.setRange(32, 16384)
        self.undo_memory.setSuffix(" MB")
        self.undo_memory.setValue(current.undo_memory_mb)
        form.addRow("Memory for undo history", self.undo_memory)

        self.models_dir = QLineEdit(current.models_dir)
        self.models_dir.setPlaceholderText("default (your data folder)")
        form.addRow("Your models live in", self._with_browse(self.models_dir, None))
        self.autosave_dir = QLineEdit(current.autosave_dir)
        self.autosave_dir.setPlaceholderText("default (your data folder)")
        form.addRow("Autosaves live in", self._with_browse(self.autosave_dir, None))
        self.autosave_minutes = QDoubleSpinBox()
        self.autosave_minutes.setRange(0.5, 60)
        self.autosave_minutes.setSuffix(" min")
        self.autosave_minutes.setValue(current.autosave_minutes)
        form.addRow("Autosave every", self.autosave_minutes)

        self.theme = QComboBox()
        self.theme.addItems(THEMES)
        self.theme.setCurrentText(current.theme)
        form.addRow("Theme", self.theme)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def chosen(self) -> Preferences:
        return Preferences(
            device=self.device.currentData(), soundfont=self.soundfont.text().strip(),
            undo_memory_mb=self.undo_memory.value(), models_dir=self.models_dir.text().strip(),
            autosave_dir=self.autosave_dir.text().strip(),
            autosave_minutes=self.autosave_minutes.value(), theme=self.theme.currentText())

    def accept(self) -> None:
        preferences = self.chosen()
        preferences.save()
        apply_preferences(self.window_, preferences)
        super().accept()

    @staticmethod
    def _device_choices() -> list[tuple[str, str]]:
        choices = [("auto", "Automatic (CUDA, then MPS, then CPU)")]
        if "torch" in sys.modules:  # never import torch on the UI thread just to list devices
            from genart_desktop.core.device import list_devices

            for entry in list_devices():
                if entry["name"] != "cpu":
                    choices.append((entry["name"], f"{entry['name']}: {entry['description']}"))
        else:
            choices += [("cuda", "CUDA"), ("mps", "Apple MPS")]
        choices.append(("cpu", "CPU"))
        return choices

    def _with_browse(self, line: QLineEdit, file_filter: str | None) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(line, 1)
        browse = QPushButton("Browse…")
        layout.addWidget(browse)

        def pick() -> None:
            if file_filter is None:
                path = QFileDialog.getExistingDirectory(self, "Choose a folder", line.text())
            else:
                path, _ = QFileDialog.getOpenFileName(self, "Choose a file", line.text(), file_filter)
            if path:
                line.setText(path)

        browse.clicked.connect(pick)
        return row
