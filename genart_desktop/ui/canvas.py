"""The canvas: shows the picture being made, fitted, zoomed and panned; drag it out.

The widget only draws. The picture and its history live in ``CanvasHistory``; the window
changes them through ``set_image``/``undo``/``redo`` and this widget repaints.

Panels may change how the picture is *seen* without changing it:

- ``set_view_image(array)`` shows another picture of the same size in its place (a value
  study, a grey version); ``None`` shows the real one again. A change of the picture
  clears it (``view_image_cleared`` tells the panel that set it).
- ``set_overlay(key, paint)`` draws over the picture: ``paint(painter, rect, size)`` gets
  the widget rectangle the picture fills and the picture's (width, height), so overlays
  follow zoom and pan; ``set_overlay(key, None)`` removes it.
- ``set_tool(tool)`` sends left-button presses, moves and releases to ``tool.press``,
  ``tool.move`` and ``tool.release`` with picture coordinates (x, y as floats) instead of
  panning; the middle button still pans. ``set_tool(None)`` gives the mouse back.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np
from PySide6.QtCore import QMimeData, QPointF, QRectF, Qt, QUrl, Signal
from PySide6.QtGui import QBrush, QColor, QDrag, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from genart_desktop.core.images import save_png
from genart_desktop.ui.history import CanvasHistory, CanvasState

ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.05, 64.0

#: paint(painter, rect the picture fills in the widget, (picture width, picture height))
OverlayPainter = Callable[[QPainter, QRectF, tuple[int, int]], None]


class CanvasTool(Protocol):
    """Something that takes over the left mouse button, in picture coordinates.

    A tool with edits of its own (a mask) may also have ``can_undo()``, ``can_redo()``,
    ``undo()`` and ``redo()``: while it is the tool, Edit > Undo and Redo take back its
    edits first, then the picture's (it emits ``undo_state_changed`` when they change)."""

    def press(self, x: float, y: float) -> None: ...
    def move(self, x: float, y: float) -> None: ...
    def release(self, x: float, y: float) -> None: ...


def qimage_from_array(array: np.ndarray) -> QImage:
    """A QImage sharing the array's memory (the array is kept alive alongside)."""
    array = np.ascontiguousarray(array)
    height, width = array.shape[:2]
    if array.ndim == 2:
        fmt, stride = QImage.Format.Format_Grayscale8, width
    elif array.shape[2] == 4:
        fmt, stride = QImage.Format.Format_RGBA8888, width * 4
    else:
        fmt, stride = QImage.Format.Format_RGB888, width * 3
    image = QImage(array.data, width, height, stride, fmt)
    image._keep_alive = array  # type: ignore[attr-defined]
    return image


class CanvasView(QWidget):
    """Draws the current state; wheel and Ctrl +/-/0 zoom, drag pans or drags the picture out."""

    changed = Signal()  # the picture or the history changed
    zoom_changed = Signal(float)
    view_image_cleared = Signal()  # the picture changed, so a view image set for it went
    undo_state_changed = Signal()  # what Undo/Redo would take back changed (a tool's edits)

    def __init__(self, history: CanvasHistory | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("canvas")
        self.history = history or CanvasHistory()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 150)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAcceptDrops(False)  # the window handles drops
        self.smooth_scaling = True
        self._qimage: QImage | None = None
        self._zoom: float | None = None  # None: fit to the widget
        self._pan = QPointF(0, 0)
        self._press_pos: QPointF | None = None
        self._press_pan = QPointF(0, 0)
        self._view_qimage: QImage | None = None
        self._overlays: dict[str, OverlayPainter] = {}
        self._tool: CanvasTool | None = None
        self._tool_active = False
        self.setToolTip("Wheel or Ctrl +/- to zoom, Ctrl 0 to fit; drag to pan when zoomed, "
                        "Ctrl-drag (or drag when fitted) to drag the picture out as a PNG")

    # --- the picture ---------------------------------------------------------------------
    @property
    def image(self) -> np.ndarray | None:
        state = self.history.current
        return None if state is None else state.image

    @property
    def state(self) -> CanvasState | None:
        return self.history.current

    def set_image(self, image: np.ndarray, parameters: dict[str, Any] | None = None,
                  label: str = "") -> None:
        """A new undoable state (or, inside a gesture, the gesture's state updated)."""
        previous = self.image
        self.history.push(image, parameters, label)
        if previous is None or previous.shape[:2] != image.shape[:2]:
            self.fit()
        self._refresh()

    def replace_history(self, states: list[tuple[np.ndarray, dict, str]], index: int) -> None:
        self.history.replace([CanvasState(image, dict(parameters), label)
                              for image, parameters, label in states], index)
        self.fit()
        self._refresh()

    def begin_gesture(self, label: str) -> None:
        self.history.begin_gesture(label)

    def end_gesture(self) -> None:
        self.history.end_gesture()

    def undo(self) -> None:
        if self._tool_can("can_undo"):
            self._tool.undo()
            self.undo_state_changed.emit()
            return
        self.history.undo()
        self._refresh()

    def redo(self) -> None:
        if self._tool_can("can_redo"):
            self._tool.redo()
            self.undo_state_changed.emit()
            return
        self.history.redo()
        self._refresh()

    def can_undo(self) -> bool:
        return self.history.can_undo or self._tool_can("can_undo")

    def can_redo(self) -> bool:
        return self.history.can_redo or self._tool_can("can_redo")

    def _tool_can(self, what: str) -> bool:
        check = getattr(self._tool, what, None)
        return bool(check is not None and check())

    def _refresh(self) -> None:
        image = self.image
        self._qimage = None if image is None else qimage_from_array(image)
        if self._view_qimage is not None:
            self._view_qimage = None
            self.view_image_cleared.emit()
        self.update()
        self.changed.emit()

    # --- ways of seeing the picture (never change it) --------------------------------------
    def set_view_image(self, image: np.ndarray | None) -> None:
        """Show ``image`` (same size as the picture) instead of the picture; None: the picture."""
        if image is not None and (self._qimage is None
                                  or image.shape[:2] != (self._qimage.height(),
                                                         self._qimage.width())):
            raise ValueError("a view image must have the picture's size")
        self._view_qimage = None if image is None else qimage_from_array(image)
        self.update()

    @property
    def showing_view_image(self) -> bool:
        return self._view_qimage is not None

    def set_overlay(self, key: str, paint: OverlayPainter | None) -> None:
        if paint is None:
            self._overlays.pop(key, None)
        else:
            self._overlays[key] = paint
        self.update()

    def overlay_keys(self) -> list[str]:
        return list(self._overlays)

    def set_tool(self, tool: CanvasTool | None) -> None:
        self._tool = tool
        self._tool_active = False
        self.setCursor(Qt.CursorShape.CrossCursor if tool else Qt.CursorShape.ArrowCursor)
        self.undo_state_changed.emit()

    @property
    def tool(self) -> CanvasTool | None:
        return self._tool

    def picture_point(self, widget_point: QPointF) -> tuple[float, float] | None:
        """Picture coordinates (pixels, may lie outside it) of a point in the widget."""
        if self._qimage is None:
            return None
        rect = self._target_rect()
        zoom = self.zoom()
        return ((widget_point.x() - rect.left()) / zoom, (widget_point.y() - rect.top()) / zoom)

    # --- zoom and pan --------------------------------------------------------------------
    def fit(self) -> None:
        self._zoom = None
        self._pan = QPointF(0, 0)
        self.update()
        self.zoom_changed.emit(self.zoom())

    def zoom(self) -> float:
        if self._zoom is not None:
            return self._zoom
        if self._qimage is None:
            return 1.0
        return min(self.width() / self._qimage.width(), self.height() / self._qimage.height())

    def set_zoom(self, zoom: float) -> None:
        self._zoom = min(max(zoom, MIN_ZOOM), MAX_ZOOM)
        self.update()
        self.zoom_changed.emit(self._zoom)

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom() * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom() / ZOOM_STEP)

    def _target_rect(self) -> QRectF:
        assert self._qimage is not None
        zoom = self.zoom()
        width, height = self._qimage.width() * zoom, self._qimage.height() * zoom
        left = (self.width() - width) / 2 + self._pan.x()
        top = (self.height() - height) / 2 + self._pan.y()
        return QRectF(left, top, width, height)

    def _pannable(self) -> bool:
        if self._qimage is None:
            return False
        rect = self._target_rect()
        return rect.width() > self.width() or rect.height() > self.height()

    # --- Qt events -------------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().window().color().darker(130))
        if self._qimage is None:
            painter.setPen(QColor(150, 150, 150))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                             "Drop an image here, or use File > Open image…")
            return
        rect = self._target_rect()
        _draw_checkerboard(painter, rect)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.smooth_scaling)
        painter.drawImage(rect, self._view_qimage or self._qimage)
        size = (self._qimage.width(), self._qimage.height())
        for paint in list(self._overlays.values()):
            painter.save()
            paint(painter, rect, size)
            painter.restore()

    def wheelEvent(self, event) -> None:  # noqa: N802
        if self._qimage is None:
            return
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.set_zoom(self.zoom() * (ZOOM_STEP ** steps))

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if self._tool is not None and event.button() == Qt.MouseButton.LeftButton:
            point = self.picture_point(event.position())
            if point is not None:
                self._tool_active = True
                self._tool.press(*point)
            return
        if event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.MiddleButton):
            self._press_pos = event.position()
            self._press_pan = QPointF(self._pan)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if self._tool is not None and self._tool_active:
            point = self.picture_point(event.position())
            if point is not None:
                self._tool.move(*point)
            return
        if self._press_pos is None or self._qimage is None:
            return
        delta = event.position() - self._press_pos
        drag_out = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier) or (
            not self._pannable() and event.buttons() & Qt.MouseButton.LeftButton)
        if drag_out:
            if delta.manhattanLength() > 8:
                self._press_pos = None
                self._drag_out()
            return
        self._pan = self._press_pan + delta
        self.update()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        if self._tool is not None and self._tool_active and \
                event.button() == Qt.MouseButton.LeftButton:
            self._tool_active = False
            point = self.picture_point(event.position())
            if point is not None:
                self._tool.release(*point)
            return
        self._press_pos = None

    def resizeEvent(self, event) -> None:  # noqa: N802
        if self._zoom is None:
            self.zoom_changed.emit(self.zoom())
        super().resizeEvent(event)

    def _drag_out(self) -> None:
        state = self.state
        if state is None:
            return
        folder = Path(tempfile.mkdtemp(prefix="genart-drag-"))
        path = folder / "genart.png"
        save_png(state.image, path, state.parameters)
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        mime.setImageData(self._qimage)
        drag = QDrag(self)
        drag.setMimeData(mime)
        thumbnail = QPixmap.fromImage(self._qimage).scaled(
            96, 96, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
        drag.setPixmap(thumbnail)
        drag.exec(Qt.DropAction.CopyAction)


_checker_brush: QBrush | None = None


def _draw_checkerboard(painter: QPainter, rect: QRectF, cell: int = 12) -> None:
    """Shows transparency as a grey checkerboard under the picture (one tiled brush)."""
    global _checker_brush
    if _checker_brush is None:
        tile = QPixmap(cell * 2, cell * 2)
        tile.fill(QColor(90, 90, 90))
        tile_painter = QPainter(tile)
        tile_painter.fillRect(0, 0, cell, cell, QColor(70, 70, 70))
        tile_painter.fillRect(cell, cell, cell, cell, QColor(70, 70, 70))
        tile_painter.end()
        _checker_brush = QBrush(tile)
    painter.fillRect(rect, _checker_brush)
