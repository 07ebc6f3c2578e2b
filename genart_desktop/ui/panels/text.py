"""Text panel: verse written with the model, in forms the decoder guarantees."""

from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLineEdit,
                               QPlainTextEdit, QPushButton, QVBoxLayout, QWidget)

from genart_desktop.ui.panels.base import Panel


class TextPanel(Panel):
    name = "text"
    title = "Text"
    coming = ("Coming with the poetry issues: classical Chinese and English verse in the form "
              "you choose, continuing your own lines.")

    def build(self, area: QWidget) -> None:
        layout = QVBoxLayout(area)
        form = QFormLayout()
        self.model_box = QComboBox()
        form.addRow("Model", self.model_box)
        self.form_box = QComboBox()
        self.form_box.addItems(["七言绝句", "五言绝句", "七言律诗", "五言律诗", "Quatrain",
                                "Couplet", "Free verse"])
        form.addRow("Form", self.form_box)
        self.acrostic = QLineEdit()
        form.addRow("Acrostic", self.acrostic)
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.1, 2.0)
        self.temperature.setValue(0.8)
        form.addRow("Temperature", self.temperature)
        layout.addLayout(form)
        self.editor = QPlainTextEdit()
        layout.addWidget(self.editor, 1)
        actions = QHBoxLayout()
        for text in ("Generate", "Continue", "Regenerate line"):
            actions.addWidget(QPushButton(text))
        layout.addLayout(actions)
