"""The look: Fusion with a dark palette by default; light, or the system's own."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

_system_style: str | None = None


def apply_theme(app: QApplication, name: str = "dark") -> None:
    global _system_style
    if _system_style is None:
        _system_style = app.style().name()
    if name == "system":
        app.setStyle(QStyleFactory.create(_system_style) or "Fusion")
        app.setPalette(app.style().standardPalette())
        return
    app.setStyle("Fusion")
    if name != "dark":
        app.setPalette(app.style().standardPalette())
        return
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: QColor(45, 45, 48),
        QPalette.ColorRole.WindowText: QColor(225, 225, 225),
        QPalette.ColorRole.Base: QColor(30, 30, 32),
        QPalette.ColorRole.AlternateBase: QColor(50, 50, 54),
        QPalette.ColorRole.ToolTipBase: QColor(60, 60, 64),
        QPalette.ColorRole.ToolTipText: QColor(235, 235, 235),
        QPalette.ColorRole.Text: QColor(225, 225, 225),
        QPalette.ColorRole.Button: QColor(55, 55, 60),
        QPalette.ColorRole.ButtonText: QColor(225, 225, 225),
        QPalette.ColorRole.BrightText: QColor(255, 80, 80),
        QPalette.ColorRole.Highlight: QColor(86, 130, 210),
        QPalette.ColorRole.HighlightedText: QColor(255, 255, 255),
        QPalette.ColorRole.Link: QColor(110, 160, 240),
        QPalette.ColorRole.PlaceholderText: QColor(140, 140, 140),
    }
    for role, colour in colours.items():
        palette.setColor(role, colour)
    disabled = QColor(120, 120, 120)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    app.setPalette(palette)
