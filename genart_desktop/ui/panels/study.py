"""Study: ways of seeing the canvas, how it could be painted, what a style's layers hold.

- See: a seeing aid (values/notan, grey, squint, mirror, edges, where the eye goes) is
  shown in place of the picture (``canvas.set_view_image``), and composition lines are
  drawn over it (``canvas.set_overlay``); neither touches the picture or its history.
  "Apply to canvas" makes what is shown a real edit, one undo step.
- How it's painted: Hertzmann's strokes (``study.painterly``) played back in the canvas,
  with play/pause, a scrubber, the brush stage, GIF/WebP export.
- Layers of style: for a painting, one texture per VGG16 layer (``study.layers``), made
  in the background with progress and cancel, cached.

Every aid, painting and texture is computed on the panel's worker ("latest wins" for the
aids); the UI thread only draws (and adds the few strokes between two playback frames).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtGui import QColor, QPen, QPixmap
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QGridLayout,
                               QGroupBox, QHBoxLayout, QLabel, QPushButton, QSlider, QSpinBox,
                               QVBoxLayout, QWidget)

from genart_desktop.core.project import PanelData
from genart_desktop.ui.canvas import qimage_from_array
from genart_desktop.style import catalogue
from genart_desktop.ui.panels.base import Panel

AIDS = [("Off", None), ("Values (2 = notan)", "values"), ("Grey", "grayscale"),
        ("Squint", "squint"), ("Mirror", "mirror"), ("Edges for tracing", "edges"),
        ("Where the eye goes", "saliency")]
OVERLAYS = [("thirds", "Thirds"), ("phi", "Golden section"), ("diagonals", "Diagonals"),
            ("centre", "Centre lines")]
LAYER_NAMES = ("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1")
LAYER_MEANINGS = ("colours", "fine marks", "strokes", "patterns", "motifs")
PLAY_INTERVAL_MS = 33
PLAY_TICKS = 240  # a playback of everything painted so far lasts about 8 s
THUMB = 96


class StudyPanel(Panel):
    name = "study"
    title = "Study"

    # --- layout -------------------------------------------------------------------------
    def build(self, area: QWidget) -> None:
        self.painting = None  # study.painterly.Painting
        self.player = None  # study.painterly.Player
        self.painting_done = False
        self.layer_side, self.layer_iterations = 128, 60  # tests make these tiny
        self._painting_source: np.ndarray | None = None  # the picture the painting is of
        self._aid_handle = self._paint_handle = self._layers_handle = None
        self._showing_aid = False
        self._timer = QTimer(self)  # playback
        self._timer.setInterval(PLAY_INTERVAL_MS)
        self._timer.timeout.connect(self._tick)
        layout = QVBoxLayout(area)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._build_see())
        layout.addWidget(self._build_paint())
        layout.addWidget(self._build_layers())
        layout.addStretch(1)
        self.info = QLabel("")
        self.info.setObjectName("study-info")
        self.info.setWordWrap(True)
        layout.addWidget(self.info)
        self.window_.canvas.changed.connect(self._canvas_changed)
        self._sync_aid_controls()

    def _build_see(self) -> QGroupBox:
        box = QGroupBox("See")
        form = QFormLayout(box)
        self.aid = QComboBox()
        self.aid.setObjectName("study-aid")
        for text, key in AIDS:
            self.aid.addItem(text, key)
        self.aid.setToolTip("Shown instead of the picture; the picture itself is not changed")
        form.addRow("Aid", self.aid)
        self.levels = QSpinBox()
        self.levels.setObjectName("study-levels")
        self.levels.setRange(2, 5)
        self.levels.setValue(3)
        form.addRow("Values", self.levels)
        self.auto_thresholds = QCheckBox("Otsu's thresholds")
        self.auto_thresholds.setChecked(True)
        self.auto_thresholds.setToolTip("Untick to move the cut points between values "
                                        "(CIELAB lightness, 0 black to 100 white)")
        form.addRow("", self.auto_thresholds)
        self.threshold_sliders: list[QSlider] = []
        thresholds = QVBoxLayout()
        for index in range(4):
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setObjectName(f"study-threshold-{index}")
            slider.setRange(0, 100)
            slider.setValue(25 * (index + 1))
            slider.valueChanged.connect(self._threshold_moved)
            thresholds.addWidget(slider)
            self.threshold_sliders.append(slider)
        form.addRow("Cuts", thresholds)
        self.squint = QSlider(Qt.Orientation.Horizontal)
        self.squint.setRange(0, 100)
        self.squint.setValue(50)
        form.addRow("Squint", self.squint)
        self.edge_detail = QSlider(Qt.Orientation.Horizontal)
        self.edge_detail.setRange(0, 100)
        self.edge_detail.setValue(50)
        form.addRow("Edge detail", self.edge_detail)
        self.overlay_boxes: dict[str, QCheckBox] = {}
        lines = QGridLayout()
        for index, (key, text) in enumerate(OVERLAYS):
            check = QCheckBox(text)
            check.setObjectName(f"study-overlay-{key}")
            check.toggled.connect(lambda on, k=key: self._overlay_toggled(k, on))
            lines.addWidget(check, index // 2, index % 2)
            self.overlay_boxes[key] = check
        form.addRow("Lines", lines)
        self.apply_button = QPushButton("Apply to canvas")
        self.apply_button.setObjectName("study-apply")
        self.apply_button.setToolTip("Make the aid and the lines shown a real edit (undoable)")
        self.apply_button.clicked.connect(self.apply_to_canvas)
        form.addRow("", self.apply_button)
        for signal in (self.aid.currentIndexChanged, self.levels.valueChanged,
                       self.auto_thresholds.toggled, self.squint.valueChanged,
                       self.edge_detail.valueChanged):
            signal.connect(self._aid_setting_changed)
        return box

    def _build_paint(self) -> QGroupBox:
        box = QGroupBox("How it's painted")
        column = QVBoxLayout(box)
        row = QHBoxLayout()
        self.paint_button = QPushButton("Paint it")
        self.paint_button.setObjectName("study-paint")
        self.paint_button.setToolTip("Hertzmann's curved strokes: large brushes first, then "
                                     "smaller ones where there is detail")
        self.paint_button.clicked.connect(self.paint_canvas)
        self.play_button = QPushButton("Play")
        self.play_button.setObjectName("study-play")
        self.play_button.clicked.connect(self.toggle_play)
        self.seed = QSpinBox()
        self.seed.setRange(0, 99999)
        self.seed.setPrefix("seed ")
        for widget in (self.paint_button, self.play_button, self.seed):
            row.addWidget(widget)
        column.addLayout(row)
        self.scrubber = QSlider(Qt.Orientation.Horizontal)
        self.scrubber.setObjectName("study-scrubber")
        self.scrubber.setRange(0, 0)
        self.scrubber.sliderMoved.connect(self.seek)
        column.addWidget(self.scrubber)
        self.stage = QLabel("Paint the canvas to watch it being painted.")
        self.stage.setObjectName("study-stage")
        column.addWidget(self.stage)
        row = QHBoxLayout()
        self.export_button = QPushButton("Export animation…")
        self.export_button.clicked.connect(self._export_dialog)
        self.keep_button = QPushButton("Apply painting")
        self.keep_button.setToolTip("Put the frame shown on the canvas (undoable)")
        self.keep_button.clicked.connect(self.apply_painting)
        row.addWidget(self.export_button)
        row.addWidget(self.keep_button)
        column.addLayout(row)
        self._sync_paint_controls()
        return box

    def _build_layers(self) -> QGroupBox:
        box = QGroupBox("Layers of style")
        column = QVBoxLayout(box)
        row = QHBoxLayout()
        self.painting_choice = QComboBox()
        self.painting_choice.setObjectName("study-painting")
        for entry in catalogue.paintings():
            self.painting_choice.addItem(f"{entry.name} ({entry.artist})", entry.id)
            self.painting_choice.setItemData(self.painting_choice.count() - 1, str(entry.path),
                                             Qt.ItemDataRole.UserRole + 1)
        self.layers_button = QPushButton("Show layers")
        self.layers_button.setObjectName("study-layers")
        self.layers_button.setToolTip("Textures that share the painting's VGG16 statistics "
                                      "at one layer only, from colours to motifs")
        self.layers_button.clicked.connect(self.show_layers)
        self.cancel_layers_button = QPushButton("Cancel")
        self.cancel_layers_button.setEnabled(False)
        self.cancel_layers_button.clicked.connect(self.cancel_layers)
        row.addWidget(self.painting_choice, 1)
        row.addWidget(self.layers_button)
        row.addWidget(self.cancel_layers_button)
        column.addLayout(row)
        grid = QGridLayout()
        self.layer_images: dict[str, QLabel] = {}
        for index, (layer, meaning) in enumerate(zip(LAYER_NAMES, LAYER_MEANINGS)):
            image = QLabel()
            image.setFixedSize(THUMB, THUMB)
            image.setStyleSheet("background: palette(dark);")
            image.setScaledContents(True)
            grid.addWidget(image, 0, index)
            grid.addWidget(QLabel(f"{layer}\n{meaning}"), 1, index,
                           Qt.AlignmentFlag.AlignHCenter)
            self.layer_images[layer] = image
        column.addLayout(grid)
        self.layers_status = QLabel("")
        column.addWidget(self.layers_status)
        return box

    # --- seeing aids --------------------------------------------------------------------
    def aid_settings(self):
        from genart_desktop.study.aids import AidSettings

        levels = self.levels.value()
        thresholds = None if self.auto_thresholds.isChecked() else \
            sorted(float(s.value()) for s in self.threshold_sliders[: levels - 1])
        return AidSettings(self.aid.currentData() or "values", levels, thresholds,
                           self.squint.value() / 100.0, self.edge_detail.value() / 100.0)

    def _aid_setting_changed(self, *args) -> None:
        self._sync_aid_controls()
        self.update_view()
        self.changed.emit()

    def _threshold_moved(self, value: int) -> None:
        if not self.auto_thresholds.isChecked():
            self._aid_setting_changed()

    def _sync_aid_controls(self) -> None:
        aid = self.aid.currentData()
        values = aid == "values"
        self.levels.setEnabled(values)
        self.auto_thresholds.setEnabled(values)
        for index, slider in enumerate(self.threshold_sliders):
            slider.setVisible(values and index < self.levels.value() - 1)
            slider.setEnabled(values and not self.auto_thresholds.isChecked())
        self.squint.setEnabled(aid == "squint")
        self.edge_detail.setEnabled(aid == "edges")

    def update_view(self) -> None:
        """Compute the chosen aid of the canvas on the worker; show it when it lands."""
        canvas = self.window_.canvas
        source = canvas.image
        if self.aid.currentData() is None or source is None:
            if self._showing_aid and not self._timer.isActive():
                canvas.set_view_image(None)
            self._showing_aid = False
            return
        settings = self.aid_settings()

        def work(job):
            from genart_desktop.study import aids

            view = aids.apply_aid(source, settings)
            cuts = aids.value_thresholds(source, settings.levels) \
                if settings.aid == "values" and settings.thresholds is None else None
            return view, cuts

        def landed(result) -> None:
            view, cuts = result
            if canvas.image is not source or self.aid.currentData() != settings.aid:
                return  # the picture or the aid changed meanwhile: a newer one is coming
            if cuts is not None and self.auto_thresholds.isChecked():
                self._show_thresholds(cuts)  # not once the user has taken the sliders over
            if not self._timer.isActive():
                canvas.set_view_image(view)
                self._showing_aid = True

        self._aid_handle = self.worker.submit(work, label="study aid", key="aid",
                                              on_result=landed)

    def _show_thresholds(self, cuts: list[float]) -> None:
        for slider, cut in zip(self.threshold_sliders, cuts):
            slider.blockSignals(True)
            slider.setValue(round(cut))
            slider.blockSignals(False)

    def _overlay_toggled(self, key: str, on: bool) -> None:
        self.window_.canvas.set_overlay(f"study:{key}", _overlay_painter(key) if on else None)
        self.changed.emit()

    def overlays(self) -> list[str]:
        return [key for key, check in self.overlay_boxes.items() if check.isChecked()]

    def apply_to_canvas(self) -> None:
        """The aid and lines shown become the picture: one undo step; then they are off."""
        canvas = self.window_.canvas
        source, aid, lines = canvas.image, self.aid.currentData(), self.overlays()
        if source is None or (aid is None and not lines):
            self.info.setText("Choose an aid or lines to apply first.")
            return
        settings = self.aid_settings()

        def work(job):
            from genart_desktop.study import aids, overlays

            result = aids.apply_aid(source, settings) if aid else source
            return overlays.burn_in(result, lines) if lines else result

        def landed(result) -> None:
            if canvas.image is not source:
                return
            parameters = {"engine": "study", "overlays": lines}
            if aid:
                parameters.update(settings.to_dict())
            label = " + ".join([self.aid.currentText()] * bool(aid) + lines)
            self.aid.setCurrentIndex(0)
            for check in self.overlay_boxes.values():
                check.setChecked(False)
            canvas.set_image(result, parameters, f"Study: {label}")

        self.worker.submit(work, label="study apply", on_result=landed)

    def _canvas_changed(self) -> None:
        image = self.window_.canvas.image
        if self.player is not None and image is not self._painting_source:
            self._stop_playing()
        if self._showing_aid or self.aid.currentData() is not None:
            self.update_view()

    # --- painterly playback ---------------------------------------------------------------
    def paint_canvas(self):
        canvas = self.window_.canvas
        source = canvas.image
        if source is None:
            self.window_.show_error("Open or make a picture first: Study paints the canvas.")
            return None
        seed = self.seed.value()
        self._stop_playing()
        self.painting, self.player, self.painting_done = None, None, False
        self._painting_source = source

        def work(job):
            from genart_desktop.study.painterly import paint

            return paint(source, seed=seed, job=job)

        self._paint_handle = self.worker.submit(
            work, label="painting", key="paint", cancel_running=True, show_progress=True,
            on_partial=self._painting_grew, on_result=self._painting_finished)
        self.stage.setText("Planning the first strokes…")
        return self._paint_handle

    def _painting_grew(self, painting) -> None:
        if self._painting_source is not self.window_.canvas.image:
            return
        if self.player is None:
            from genart_desktop.study.painterly import Player

            self.painting, self.player = painting, Player(painting)
            self.play()
        self.scrubber.setRange(0, painting.available)
        self._sync_paint_controls()

    def _painting_finished(self, painting) -> None:
        self._painting_grew(painting)
        self.painting_done = True
        self._show_stage()

    def play(self) -> None:
        if self.player is None:
            return
        if self.player.count >= self.painting.available and self.painting_done:
            self.player.seek(0)  # at the end: play again from the empty canvas
        self._timer.start()
        self._sync_paint_controls()

    def pause(self) -> None:
        self._timer.stop()
        self._sync_paint_controls()

    def toggle_play(self) -> None:
        self.pause() if self._timer.isActive() else self.play()

    def playing(self) -> bool:
        return self._timer.isActive()

    def _tick(self) -> None:
        if self.player is None:
            return self.pause()
        step = max(1, self.painting.available // PLAY_TICKS)
        count = min(self.player.count + step, self.painting.available)
        if count != self.player.count:  # else: waiting for the next brush to be planned
            self._show_frame(count)
        if self.player.count >= self.painting.available and self.painting_done:
            self.pause()

    def seek(self, count: int) -> None:
        """Show the canvas after ``count`` strokes (pauses playback)."""
        if self.player is None:
            return
        self.pause()
        self._show_frame(count)

    def _show_frame(self, count: int) -> None:
        frame = self.player.seek(count)
        self.window_.canvas.set_view_image(frame)
        self._showing_aid = False
        self.scrubber.blockSignals(True)
        self.scrubber.setValue(self.player.count)
        self.scrubber.blockSignals(False)
        self._show_stage()

    def _show_stage(self) -> None:
        if self.player is None:
            return
        count, total = self.player.count, len(self.painting)
        found = self.painting.stage_at(count)
        stages = len(self.painting.stages) if self.painting_done else "…"
        brush = f"brush {found[1].radius} px, stage {found[0] + 1} of {stages}" if found \
            else "the empty canvas"
        self.stage.setText(f"{brush}; stroke {count} of {total}"
                           f"{'' if self.painting_done else ' so far'}")

    def _stop_playing(self) -> None:
        was_showing = self._timer.isActive() or self.player is not None
        self._timer.stop()
        if was_showing and self.window_.canvas.showing_view_image and not self._showing_aid:
            self.window_.canvas.set_view_image(None)
        self.player = None
        self.painting = None
        self._sync_paint_controls()
        self.stage.setText("Paint the canvas to watch it being painted.")

    def _sync_paint_controls(self) -> None:
        has = self.player is not None
        self.play_button.setEnabled(has)
        self.play_button.setText("Pause" if self._timer.isActive() else "Play")
        self.scrubber.setEnabled(has)
        self.export_button.setEnabled(has)
        self.keep_button.setEnabled(has)

    def apply_painting(self) -> None:
        if self.player is None:
            return
        self.pause()
        frame = self.player.seek(self.player.count)
        parameters = {"engine": "paint", "seed": self.painting.seed,
                      "strokes": self.player.count}
        self.window_.canvas.set_image(frame, parameters, "Study: painted")

    def _export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the painting as an animation",
                                              "painting.gif",
                                              "Animated GIF (*.gif);;Animated WebP (*.webp)")
        if path:
            self.export_animation(path)

    def export_animation(self, path: str, frames: int = 60):
        """Write the painting so far as an animated GIF/WebP on the worker."""
        painting = self.painting
        if painting is None:
            return None

        def work(job):
            from genart_desktop.study.painterly import save_animation

            save_animation(painting, path, frames)
            return path

        return self.worker.submit(
            work, label="export animation", show_progress=True,
            on_result=lambda p: self.window_.statusBar().showMessage(f"Saved {p}", 4000))

    # --- layers of style --------------------------------------------------------------------
    def show_layers(self):
        index = self.painting_choice.currentIndex()
        if index < 0:
            return None
        from pathlib import Path

        path = Path(self.painting_choice.itemData(index, Qt.ItemDataRole.UserRole + 1))
        side, iterations = self.layer_side, self.layer_iterations
        for label in self.layer_images.values():
            label.clear()

        def work(job, device):
            from genart_desktop.study.layers import layer_textures

            return layer_textures(path, job, device, side=side, iterations=iterations)

        def progress(fraction: float, message: str, remaining) -> None:
            self.layers_status.setText(f"{fraction * 100:.0f}% {message}")

        def ended(text: str) -> None:
            self.layers_status.setText(text)
            self.cancel_layers_button.setEnabled(False)

        self.cancel_layers_button.setEnabled(True)
        self.layers_status.setText("Starting…")
        self._layers_handle = self.worker.submit(
            work, label="style layers", key="layers", cancel_running=True, show_progress=True,
            uses_device=True, on_partial=self._layer_ready, on_progress=progress,
            on_result=lambda textures: ended("Each texture keeps the painting's statistics at "
                                             "one layer only."),
            on_cancelled=lambda: ended("Cancelled."),
            on_error=lambda message: ended(message))
        return self._layers_handle

    def _layer_ready(self, value) -> None:
        layer, texture = value
        self.layer_images[layer].setPixmap(QPixmap.fromImage(qimage_from_array(texture)))

    def cancel_layers(self) -> None:
        if self._layers_handle is not None:
            self._layers_handle.cancel()

    # --- the panel's life --------------------------------------------------------------------
    def save_state(self) -> PanelData:
        settings = self.aid_settings()
        return PanelData(state={
            "aid": self.aid.currentData(), "levels": settings.levels,
            "thresholds": settings.thresholds, "squint": settings.squint,
            "edge_detail": settings.edge_detail, "overlays": self.overlays(),
            "seed": self.seed.value(), "painting": self.painting_choice.currentData()})

    def restore_state(self, data: PanelData) -> None:
        values = self.read_state(data.state)
        widgets = [self.aid, self.levels, self.auto_thresholds, self.squint, self.edge_detail,
                   *self.threshold_sliders]
        for widget in widgets:
            widget.blockSignals(True)
        aid_index = self.aid.findData(values.choice("aid", [self.aid.itemData(i) for i in
                                                             range(self.aid.count())]))
        self.aid.setCurrentIndex(max(aid_index, 0))
        self.levels.setValue(values.number("levels", self.levels.minimum(), self.levels.maximum(),
                                           3, integer=True))
        thresholds = values.numbers("thresholds", None, 0, 100)
        self.auto_thresholds.setChecked(not thresholds)
        for slider, value in zip(self.threshold_sliders, thresholds or []):
            slider.setValue(round(value))
        self.squint.setValue(round(values.number("squint", 0, 1, 0.5) * 100))
        self.edge_detail.setValue(round(values.number("edge_detail", 0, 1, 0.5) * 100))
        for widget in widgets:
            widget.blockSignals(False)
        overlays = values.strings("overlays", [])
        for key, check in self.overlay_boxes.items():
            check.setChecked(key in overlays)
        self.seed.setValue(values.number("seed", self.seed.minimum(), self.seed.maximum(), 0,
                                         integer=True))
        painting = values.state.get("painting")
        painting_index = self.painting_choice.findData(painting) if isinstance(painting, str) else -1
        if painting_index >= 0:
            self.painting_choice.setCurrentIndex(painting_index)
        self._sync_aid_controls()
        self.update_view()

    def shutdown(self) -> None:
        self._timer.stop()


def _overlay_painter(kind: str):
    """paint(painter, rect, size) drawing ``kind``'s lines: light over dark, so they show
    on any picture, one screen pixel wide at any zoom."""
    from genart_desktop.study.overlays import overlay_lines

    cache: dict[tuple[int, int], list] = {}

    def paint(painter, rect, size) -> None:
        if size not in cache:
            cache.clear()
            cache[size] = overlay_lines(kind, *size)
        scale_x, scale_y = rect.width() / size[0], rect.height() / size[1]
        points = [(QPointF(rect.left() + x0 * scale_x, rect.top() + y0 * scale_y),
                   QPointF(rect.left() + x1 * scale_x, rect.top() + y1 * scale_y))
                  for (x0, y0), (x1, y1) in cache[size]]
        painter.setRenderHint(painter.RenderHint.Antialiasing, True)
        for colour, width in ((QColor(0, 0, 0, 140), 3.0), (QColor(255, 255, 255, 220), 1.2)):
            pen = QPen(colour, width)
            pen.setCosmetic(True)
            painter.setPen(pen)
            for start, end in points:
                painter.drawLine(start, end)

    return paint




def stall_scenario(window, seconds: float):
    """"How it's painted" on a 1024 px canvas: the strokes are computed and played back;
    done when the painting is complete."""
    from genart_desktop.ui.bench import after_benchmark_picture

    window.show_panel("study")
    panel: StudyPanel = window.panels["study"]

    def paint(picture):
        window.canvas.set_image(picture, {}, "benchmark picture")
        return panel.paint_canvas()

    return after_benchmark_picture(window, paint)
