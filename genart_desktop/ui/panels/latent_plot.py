"""A small loss curve drawn with QPainter: one line per loss, each on its own scale
(a VAE's KL term is hundreds of times its per-dimension likelihood), newest value in
the legend."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

COLOURS = ("#5bb0d9", "#d9b35b", "#9ad95b", "#d95b8f")
MAX_POINTS = 2000  # older points are thinned so painting stays cheap on long runs


class LossPlot(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("latent-loss-plot")
        self.setMinimumHeight(90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.series: dict[str, list[tuple[int, float]]] = {}

    def clear(self) -> None:
        self.series = {}
        self.update()

    def add(self, step: int, losses: dict[str, float]) -> None:
        for name, value in losses.items():
            points = self.series.setdefault(name, [])
            if points and points[-1][0] >= step:  # a resumed run starts again from its step
                del points[next(i for i, (s, _) in enumerate(points) if s >= step):]
            points.append((step, value))
            if len(points) > MAX_POINTS:
                points[:] = points[::2]
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor(30, 30, 30))
        if not self.series:
            painter.setPen(QColor(140, 140, 140))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "loss curve")
            return
        steps = [s for points in self.series.values() for s, _ in points]
        first, last = min(steps), max(max(steps), min(steps) + 1)
        left, top, width, height = 4.0, 16.0, self.width() - 8.0, self.height() - 20.0
        legend_x = 6
        for colour, (name, points) in zip(COLOURS, self.series.items()):
            values = [v for _, v in points]
            low, high = min(values), max(values)
            span = (high - low) or 1.0
            line = QPolygonF([QPointF(left + width * (s - first) / (last - first),
                                      top + height * (1.0 - (v - low) / span)) for s, v in points])
            painter.setPen(QPen(QColor(colour), 1.5))
            painter.drawPolyline(line)
            label = f"{name} {values[-1]:.4g}"
            painter.drawText(legend_x, 12, label)
            legend_x += painter.fontMetrics().horizontalAdvance(label) + 12
