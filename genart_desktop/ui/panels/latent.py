"""Latent-space sliders: a VAE and a GAN explored by seeds, directions and interpolation."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout,
                               QLabel, QPushButton, QScrollArea, QSlider, QSpinBox,
                               QVBoxLayout, QWidget)

from genart_desktop.ui.panels.base import Panel

DIRECTIONS = 16


class LatentPanel(Panel):
    name = "latent"
    title = "Latent"
    coming = ("Coming with the latent-space issues: sixteen sliders over a VAE and a GAN "
              "trained here, seeds, interpolation and encoding of your own picture.")

    def build(self, area: QWidget) -> None:
        layout = QVBoxLayout(area)
        form = QFormLayout()
        self.model_box = QComboBox()
        form.addRow("Model", self.model_box)
        seed_row = QHBoxLayout()
        self.seed_box = QSpinBox()
        self.seed_box.setRange(0, 2**31 - 1)
        seed_row.addWidget(self.seed_box, 1)
        seed_row.addWidget(QPushButton("New seed"))
        seed_row.addWidget(QPushButton("Randomize"))
        form.addRow("Seed", seed_row)
        self.truncation = QSlider(Qt.Orientation.Horizontal)
        self.truncation.setRange(0, 100)
        self.truncation.setValue(100)
        form.addRow("Truncation", self.truncation)
        layout.addLayout(form)

        directions = QGroupBox("Directions (standard deviations)")
        grid = QGridLayout(directions)
        self.sliders: list[QSlider] = []
        for index in range(DIRECTIONS):
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setRange(-300, 300)
            grid.addWidget(QLabel(f"{index + 1}"), index, 0)
            grid.addWidget(slider, index, 1)
            grid.addWidget(QPushButton("Reset"), index, 2)
            self.sliders.append(slider)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(directions)
        layout.addWidget(scroll, 1)
        buttons = QHBoxLayout()
        for text in ("Reset all", "Set A", "Set B", "Encode canvas", "Train on my images…"):
            buttons.addWidget(QPushButton(text))
        layout.addLayout(buttons)
