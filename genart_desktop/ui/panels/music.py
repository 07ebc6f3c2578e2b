"""Piano roll: notes to edit, a chorale model to generate, continue and harmonize, playback."""

from __future__ import annotations

from PySide6.QtWidgets import (QDoubleSpinBox, QGraphicsView, QHBoxLayout, QLabel,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from genart_desktop.ui.panels.base import Panel


class MusicPanel(Panel):
    name = "music"
    title = "Music"
    coming = ("Coming with the music issues: a piano roll, a chorale model that generates, "
              "continues and harmonizes, and playback through a SoundFont.")

    def build(self, area: QWidget) -> None:
        layout = QVBoxLayout(area)
        transport = QHBoxLayout()
        for text in ("Play", "Stop", "Generate", "Continue", "Harmonize"):
            transport.addWidget(QPushButton(text))
        layout.addLayout(transport)
        options = QHBoxLayout()
        options.addWidget(QLabel("Bars"))
        self.bars = QSpinBox()
        self.bars.setRange(1, 64)
        self.bars.setValue(8)
        options.addWidget(self.bars)
        options.addWidget(QLabel("Temperature"))
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.1, 2.0)
        self.temperature.setValue(0.9)
        options.addWidget(self.temperature)
        options.addStretch(1)
        layout.addLayout(options)
        self.roll = QGraphicsView()
        layout.addWidget(self.roll, 1)
