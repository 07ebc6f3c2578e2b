"""Style gallery: built-in styles, paintings and the user's own pictures as styles."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QLineEdit, QListWidget,
                               QPushButton, QSlider, QVBoxLayout, QWidget)

from genart_desktop.ui.panels.base import Panel


class StylePanel(Panel):
    name = "style"
    title = "Style"
    coming = ("Coming with the style issues: 26 built-in styles, public-domain paintings "
              "and your own pictures as styles, blended and applied to the canvas.")

    def build(self, area: QWidget) -> None:
        layout = QVBoxLayout(area)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search styles by name or artist")
        layout.addWidget(self.search)
        self.gallery = QListWidget()
        self.gallery.setViewMode(QListWidget.ViewMode.IconMode)
        layout.addWidget(self.gallery, 1)
        form = QFormLayout()
        self.mode = QComboBox()
        self.mode.addItems(["Fast", "Any picture", "Highest quality"])
        form.addRow("Mode", self.mode)
        self.strength = QSlider(Qt.Orientation.Horizontal)
        self.strength.setRange(0, 100)
        self.strength.setValue(100)
        form.addRow("Strength", self.strength)
        self.preserve_colours = QCheckBox("Preserve the picture's colours")
        form.addRow("", self.preserve_colours)
        layout.addLayout(form)
        layout.addWidget(QPushButton("Add my own style…"))
