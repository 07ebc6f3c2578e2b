"""Style gallery: built-in styles, paintings and the user's own pictures as styles.

A click shows a quick reduced-size preview on the canvas at once, then the full-size
result replaces it: preview and result are one undoable step (a canvas gesture). The
styles always apply to the picture as it was before styling, so trying style after style,
or moving the strength slider, never stacks styles on top of each other; each re-render
is a new undo step (one per slider drag). Strength, colours, mode and the mix's weights
re-render the shown result without a new click.

The work (thumbnails, checking dropped pictures, every render) runs on the panel's
worker; the engine is created there once and kept.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Callable

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDoubleSpinBox,
                               QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QMenu, QPushButton, QSlider,
                               QVBoxLayout, QWidget)

from genart_desktop.core.errors import UserError
from genart_desktop.core.images import IMAGE_SUFFIXES
from genart_desktop.core.project import PanelData
from genart_desktop.ui import settings as settings_module
from genart_desktop.ui.canvas import qimage_from_array
from genart_desktop.style import catalogue
from genart_desktop.ui.panels import style_render, style_thumbnails
from genart_desktop.ui.panels.base import Panel, local_files
from genart_desktop.style.catalogue import StyleEntry
from genart_desktop.style.request import (DEFAULT_STYLE_SCALE, MAX_STYLE_WEIGHT, REFERENCE_SIDE,
                                          STYLE_SCALE_RANGE)

ID_ROLE = Qt.ItemDataRole.UserRole
RERENDER_DELAY_MS = 120  # slider storms: render once the hand pauses
THUMBS_PER_TURN = 6
PROGRESS_AFTER_S = 1.5  # renders expected to take longer get the status bar's progress
# The brush-scale slider moves in steps of 1/8 octave (a hand feels ratios, not sums),
# over the range `genart stylize --style-scale` accepts.
SCALE_STEPS_PER_OCTAVE = 8


def scale_to_slider(value: float) -> int:
    low, high = (round(math.log2(v) * SCALE_STEPS_PER_OCTAVE) for v in STYLE_SCALE_RANGE)
    return min(max(round(math.log2(value) * SCALE_STEPS_PER_OCTAVE), low), high)


def slider_to_scale(position: int) -> float:
    return 2.0 ** (position / SCALE_STEPS_PER_OCTAVE)


class StyleGallery(QListWidget):
    """The thumbnail grid; pictures dropped on it become the user's styles."""

    files_dropped = Signal(list)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("style-gallery")
        self.setViewMode(QListWidget.ViewMode.IconMode)
        self.setIconSize(QSize(style_thumbnails.THUMB, style_thumbnails.THUMB))
        self.setGridSize(QSize(style_thumbnails.THUMB + 18, style_thumbnails.THUMB + 34))
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setMovement(QListWidget.Movement.Static)
        self.setWordWrap(True)
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        # Drops land on the viewport, and a static list's viewport refuses them (Qt ties
        # it to the movement); refused, they would reach the window and open the picture.
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if local_files(event):
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        if local_files(event):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        files = local_files(event)
        if files:
            event.acceptProposedAction()
            self.files_dropped.emit(files)


class StylePanel(Panel):
    name = "style"
    title = "Style"

    # --- layout -------------------------------------------------------------------------
    def build(self, area: QWidget) -> None:
        self._engine = None  # created and used on the worker thread only
        self.rates = style_render.RateBook()
        self.quality_settings = None  # QualitySettings; None: style_render's default
        self.entries: dict[str, StyleEntry] = {}
        self.weights: dict[str, float] = {}  # the mix: style id -> weight
        self._thumbs_requested = False
        self._thumbs_pending = False
        self.warming = False  # picture styles' vectors are being computed ahead of clicks
        # The application in progress / on the canvas (see the module's docstring).
        self._origin: np.ndarray | None = None  # the picture before styling
        self._applied = None  # the CanvasState this panel put on the canvas last
        self._gesture_open = False
        self._pushed = None  # the state pushed inside the open gesture
        self._generation = 0
        self._handle = None

        layout = QVBoxLayout(area)
        layout.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit()
        self.search.setObjectName("style-search")
        self.search.setPlaceholderText("Search styles by name or artist")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        layout.addWidget(self.search)

        self.gallery = StyleGallery()
        self.gallery.itemClicked.connect(lambda item: self.apply())
        self.gallery.itemActivated.connect(lambda item: self.apply())
        self.gallery.itemSelectionChanged.connect(self._selection_changed)
        self.gallery.files_dropped.connect(self.add_user_styles)
        self.gallery.customContextMenuRequested.connect(self._context_menu)
        layout.addWidget(self.gallery, 1)

        self.mix_box = QWidget()
        self.mix_layout = QFormLayout(self.mix_box)
        self.mix_layout.setContentsMargins(0, 0, 0, 0)
        self.mix_box.setToolTip("Ctrl-click styles in the gallery to mix them; the weights "
                                "say how much of each")
        layout.addWidget(self.mix_box)

        form = QFormLayout()
        self.mode = QComboBox()
        self.mode.setObjectName("style-mode")
        for key, text in style_render.MODES.items():
            self.mode.addItem(text, key)
        self.mode.setToolTip(
            "Fast: the built-in network, and pictures painted at half the working size\n"
            "Any picture (full detail): pictures as styles at the brush scale's full "
            f"working size ({REFERENCE_SIDE} px at 1×)\n"
            "Highest quality: optimization on VGG16 (paintings and your pictures; slow, "
            "streams its progress)")
        form.addRow("Mode", self.mode)
        self.strength = QSlider(Qt.Orientation.Horizontal)
        self.strength.setObjectName("style-strength")
        self.strength.setRange(0, 100)
        self.strength.setValue(100)
        self.strength_label = QLabel("100%")
        strength_row = QHBoxLayout()
        strength_row.addWidget(self.strength, 1)
        strength_row.addWidget(self.strength_label)
        form.addRow("Strength", strength_row)
        self.brush_scale = QSlider(Qt.Orientation.Horizontal)
        self.brush_scale.setObjectName("style-brush-scale")
        self.brush_scale.setRange(*(scale_to_slider(v) for v in STYLE_SCALE_RANGE))
        self.brush_scale.setValue(scale_to_slider(DEFAULT_STYLE_SCALE))
        self.brush_scale.setToolTip(
            "How large the brush strokes are relative to the picture, the same at any "
            f"resolution\n1×: as on a {REFERENCE_SIDE} px picture; 2×: twice as large")
        self.brush_scale_label = QLabel(_scale_text(DEFAULT_STYLE_SCALE))
        scale_row = QHBoxLayout()
        scale_row.addWidget(self.brush_scale, 1)
        scale_row.addWidget(self.brush_scale_label)
        form.addRow("Brush scale", scale_row)
        self.preserve_colours = QCheckBox("Preserve the picture's colours")
        self.preserve_colours.setObjectName("style-preserve-colours")
        form.addRow("", self.preserve_colours)
        layout.addLayout(form)

        self.info = QLabel("Click a style to apply it to the canvas.")
        self.info.setObjectName("style-info")
        self.info.setWordWrap(True)
        self.info.setStyleSheet("color: palette(mid);")
        layout.addWidget(self.info)

        buttons = QHBoxLayout()
        add = QPushButton("Add my own style…")
        add.clicked.connect(self._add_dialog)
        add.setToolTip("Or drop pictures onto the gallery")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected styles of your own")
        self.remove_button.clicked.connect(self.remove_selected)
        self.remove_button.setEnabled(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("style-cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        for button in (add, self.remove_button, self.cancel_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)

        self._rerender_timer = QTimer(self)
        self._rerender_timer.setSingleShot(True)
        self._rerender_timer.setInterval(RERENDER_DELAY_MS)
        self._rerender_timer.timeout.connect(self._rerender)
        self._restore_settings()
        self.mode.currentIndexChanged.connect(self._setting_changed)
        self.strength.valueChanged.connect(self._strength_moved)
        self.strength.sliderReleased.connect(self._slider_released)
        self.strength.sliderPressed.connect(self._slider_pressed)
        self.brush_scale.valueChanged.connect(self._brush_scale_moved)
        self.brush_scale.sliderReleased.connect(self._slider_released)
        self.brush_scale.sliderPressed.connect(self._slider_pressed)
        self.preserve_colours.toggled.connect(self._setting_changed)
        self.window_.image_opened.connect(self._image_opened)
        self.window_.device_changed.connect(self._device_changed)
        self._fill_gallery()
        # Once start-up is done (the window first, then torch), import the engine's modules
        # on the worker, so that a click never imports on the UI thread (~50 ms stall).
        self.window_.ready.connect(lambda: self.worker.submit(
            lambda job: __import__("genart_desktop.style.stylize"), label="style import"))
        self.window_.ready.connect(self._maybe_load_thumbnails)

    def _fill_gallery(self) -> None:
        """Entries now (names only); their thumbnails come from the worker."""
        placeholder = QPixmap(style_thumbnails.THUMB, style_thumbnails.THUMB)
        placeholder.fill(QColor(80, 80, 80))
        self._placeholder = QIcon(placeholder)
        for entry in catalogue.all_styles():
            self._add_item(entry)

    def _add_item(self, entry: StyleEntry) -> QListWidgetItem:
        self.entries[entry.id] = entry
        item = QListWidgetItem(self._placeholder, entry.name)
        item.setData(ID_ROLE, entry.id)
        item.setToolTip(entry.tooltip())
        item.setSizeHint(self.gallery.gridSize())
        self.gallery.addItem(item)
        item.setHidden(not entry.matches(self.search.text()))
        return item

    def items(self) -> dict[str, QListWidgetItem]:
        return {self.gallery.item(row).data(ID_ROLE): self.gallery.item(row)
                for row in range(self.gallery.count())}

    # --- thumbnails ---------------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        QTimer.singleShot(0, self, self._maybe_load_thumbnails)

    def _maybe_load_thumbnails(self) -> None:
        """Once, when the panel is really seen and start-up is over (the window shows
        before torch is imported; a panel behind another tab costs nothing)."""
        started = self.window_.device_description is not None or "torch" in sys.modules
        if self._thumbs_requested or not self.isVisible() or not started:
            return
        self._thumbs_requested = True
        self.load_thumbnails()

    def load_thumbnails(self, entries: list[StyleEntry] | None = None):
        """Pictures' thumbnails, then (first time: rendered) the built-in styles'."""
        pictures = [entry for entry in (entries or self.entries.values()) if entry.is_picture]
        with_builtins = entries is None
        self.warming = with_builtins  # until the style vectors are computed (see below)
        self._thumbs_pending = True

        def work(job):
            thumbs = {}
            if with_builtins:  # the built-ins first: this also loads the engine early
                thumbs.update(style_thumbnails.builtin_thumbnails(self._engine_(), job))
            thumbs.update(style_thumbnails.picture_thumbnails(pictures, job))
            return thumbs

        def done(thumbs) -> None:
            self._thumbs_pending = False
            self._set_thumbnails(thumbs)
            if with_builtins:
                self._warm_style_vectors(pictures)

        return self.worker.submit(work, label="style thumbnails", on_result=done)

    def _warm_style_vectors(self, entries: list[StyleEntry]) -> None:
        """Compute each picture style's vector ahead of a click, one short job at a time
        and only while every panel's worker is idle: a click never waits behind more than
        one, and what the user asked for elsewhere (a poem being written, say) never
        shares the two cores with this (measured: a 186 ms UI stall while both ran)."""
        self.warming = bool(entries)
        if not entries:
            return
        if any(worker.busy() for worker in self.window_.workers.values()):
            QTimer.singleShot(500, self, lambda: self._warm_style_vectors(entries))
            return

        def work(job):
            from genart_desktop.style.stylize import load_style_picture

            try:
                self._engine_().style_vector(load_style_picture(entries[0].path))
            except UserError:
                pass  # a broken picture says so when it is clicked

        self.worker.submit(work, label="style vectors",
                           on_result=lambda _: self._warm_style_vectors(entries[1:]))

    def _set_thumbnails(self, thumbs: dict[str, np.ndarray]) -> None:
        """A few icons per event-loop turn, so the UI thread never stalls on a batch."""
        pending = list(thumbs.items())

        def next_batch() -> None:
            items = self.items()
            for style_id, thumb in pending[:THUMBS_PER_TURN]:
                if style_id in items:
                    items[style_id].setIcon(QIcon(QPixmap.fromImage(qimage_from_array(thumb))))
            del pending[:THUMBS_PER_TURN]
            if pending:
                QTimer.singleShot(0, self, next_batch)  # dropped with the panel

        next_batch()

    def _engine_(self):
        """The style engine, made on the worker thread on first use and kept there."""
        if self._engine is None:
            from genart_desktop.style.stylize import StyleEngine

            self._engine = StyleEngine()
        return self._engine

    def _device_changed(self, name: str) -> None:
        def forget(job):
            self._engine = None  # the next render loads the networks on the new device

        self.worker.submit(forget, label="style device")

    def is_ready(self) -> bool:
        """A panel in view is ready once its thumbnails are drawn (screenshots wait)."""
        return not self.isVisible() or (self._thumbs_requested and not self._thumbs_pending)

    def file_actions(self) -> list:
        action = QAction("Add pictures as &styles…", self)
        action.triggered.connect(self._add_dialog)
        return [action]

    # --- searching, selecting, mixing -------------------------------------------------------
    def _filter(self, text: str) -> None:
        for style_id, item in self.items().items():
            item.setHidden(not self.entries[style_id].matches(text))

    def visible_ids(self) -> list[str]:
        return [style_id for style_id, item in self.items().items() if not item.isHidden()]

    def _selected_ids(self) -> list[str]:
        return [item.data(ID_ROLE) for item in self.gallery.selectedItems()]

    def _selection_changed(self) -> None:
        selected = self._selected_ids()
        self.weights = {style_id: self.weights.get(style_id, 1.0) for style_id in selected}
        self.remove_button.setEnabled(any(self.entries[s].kind == "user" for s in selected))
        self._rebuild_mix()
        self.changed.emit()

    def _rebuild_mix(self) -> None:
        while self.mix_layout.rowCount():
            self.mix_layout.removeRow(0)
        if len(self.weights) < 2:
            self.mix_box.hide()
            return
        for style_id, weight in self.weights.items():
            spin = QDoubleSpinBox()
            spin.setObjectName(f"weight-{style_id}")
            spin.setRange(0.0, MAX_STYLE_WEIGHT)  # as `genart stylize -s STYLE:WEIGHT`
            spin.setSingleStep(0.1)
            spin.setValue(weight)
            spin.valueChanged.connect(lambda value, s=style_id: self._weight_changed(s, value))
            self.mix_layout.addRow(self.entries[style_id].name, spin)
        self.mix_box.show()

    def _weight_changed(self, style_id: str, value: float) -> None:
        self.weights[style_id] = value
        self._setting_changed()

    def select(self, style_ids: list[str], weights: dict[str, float] | None = None) -> None:
        """Select styles (and their weights) without rendering."""
        items = self.items()
        self.gallery.blockSignals(True)
        self.gallery.clearSelection()
        for style_id in style_ids:
            if style_id in items:
                items[style_id].setSelected(True)
        self.gallery.blockSignals(False)
        self.weights = {s: (weights or {}).get(s, 1.0) for s in style_ids if s in items}
        self._selection_changed()

    def choice(self) -> style_render.StyleChoice:
        return style_render.StyleChoice(
            [(self.entries[s], w) for s, w in self.weights.items() if s in self.entries],
            mode=self.mode.currentData(), strength=self.strength.value() / 100.0,
            preserve_colors=self.preserve_colours.isChecked(), quality=self.quality_settings,
            style_scale=self.style_scale())

    # --- applying ---------------------------------------------------------------------------
    def apply(self) -> None:
        """Render the selected styles onto the canvas: preview now, full size after."""
        canvas = self.window_.canvas
        choice = self.choice()
        if not choice.styles:
            return
        if sum(weight for _, weight in choice.styles) <= 0:
            self.info.setText("Give at least one style a weight above 0.")
            return
        if canvas.image is None:
            self.window_.show_error("Open or make a picture first: styles apply to the canvas.")
            return
        self._rerender_timer.stop()
        if not self._gesture_open and canvas.state is not self._applied:
            self._origin = canvas.image  # a new picture: style it (not the old result)
        source = self._origin
        expected = style_render.plan(choice, source.shape, self.rates)
        self.info.setText(expected.describe())
        if not self._gesture_open:
            canvas.begin_gesture(choice.label())
            self._gesture_open = True
            self._pushed = None
        self._generation += 1
        generation = self._generation
        parameters = choice.parameters()

        def work(job):
            return style_render.render(self._engine_(), source, choice, job, self.rates)

        self.cancel_button.setEnabled(True)
        self._handle = self.worker.submit(
            work, label=choice.label(), key="apply", cancel_running=True,
            show_progress=expected.seconds > PROGRESS_AFTER_S or choice.effective_mode() == "quality",
            on_partial=lambda part: self._show(generation, part[1], parameters, choice.label()),
            on_progress=lambda fraction, message, left: self._progress(generation, message, left),
            on_result=lambda image: self._landed(generation, image, parameters, choice.label()),
            on_cancelled=lambda: self._stopped(generation, "Cancelled: the canvas is as before."),
            on_error=lambda message: self._failed(generation, message))

    def _current(self, generation: int) -> bool:
        """True when this job is the latest and nobody else changed the canvas meanwhile."""
        if generation != self._generation:
            return False
        if self._pushed is not None and self.window_.canvas.state is not self._pushed:
            # another panel or an undo replaced our picture: stop, leave theirs alone
            self._pushed = None
            self._gesture_open = False
            self.window_.canvas.end_gesture()
            if self._handle is not None:
                self._handle.cancel()
            return False
        return True

    def _show(self, generation: int, image: np.ndarray, parameters: dict, label: str) -> None:
        if self._current(generation):
            self.window_.canvas.set_image(image, dict(parameters, preview=True), label)
            self._pushed = self.window_.canvas.state

    def _progress(self, generation: int, message: str, remaining) -> None:
        if generation == self._generation and message and remaining is not None \
                and remaining > PROGRESS_AFTER_S:
            from genart_desktop.core.jobs import format_duration

            self.info.setText(f"{message} · about {format_duration(remaining)} left")

    def _landed(self, generation: int, image: np.ndarray, parameters: dict, label: str) -> None:
        if not self._current(generation):
            return
        canvas = self.window_.canvas
        canvas.set_image(image, parameters, label)
        self._applied = canvas.state
        self._pushed = canvas.state
        self.cancel_button.setEnabled(False)
        self.info.setText(f"{label} · {self._handle.job.message if self._handle else ''}")
        if not (self.strength.isSliderDown() or self.brush_scale.isSliderDown()):
            # a drag in progress stays one undo step
            self._close_gesture()
        self.window_.session.autosave()

    def _close_gesture(self) -> None:
        if self._gesture_open:
            self.window_.canvas.end_gesture()
        self._gesture_open = False
        self._pushed = None

    def _stopped(self, generation: int, message: str) -> None:
        """Cancelled or failed: the canvas goes back to where it was before the click."""
        if generation != self._generation:
            return  # superseded by a newer request, which carries on the same gesture
        canvas = self.window_.canvas
        pushed = self._pushed is not None and canvas.state is self._pushed
        self._close_gesture()
        if pushed:  # back to the picture before, and no half-made picture left to redo
            canvas.undo()
            history = canvas.history
            history.replace(history.states()[:history.index + 1], history.index)
            canvas.changed.emit()
        self.cancel_button.setEnabled(False)
        self.info.setText(message)

    def _failed(self, generation: int, message: str) -> None:
        self._stopped(generation, "The style could not be applied.")
        self.window_.show_error(message)

    def cancel(self) -> None:
        if self._handle is not None and not self._handle.done:
            self._handle.cancel()

    def busy(self) -> bool:
        return self._handle is not None and not self._handle.done

    # --- controls that re-render --------------------------------------------------------------
    def _showing_our_result(self) -> bool:
        state = self.window_.canvas.state
        return self._gesture_open or (state is not None and state is self._applied)

    def _strength_moved(self, value: int) -> None:
        self.strength_label.setText(f"{value}%")
        self._setting_changed()

    def style_scale(self) -> float:
        return slider_to_scale(self.brush_scale.value())

    def _brush_scale_moved(self, value: int) -> None:
        self.brush_scale_label.setText(_scale_text(self.style_scale()))
        self._setting_changed()

    def _setting_changed(self, *args) -> None:
        self._save_settings()
        self.changed.emit()
        if self._showing_our_result():
            self._rerender_timer.start()

    def _rerender(self) -> None:
        if self._showing_our_result():
            self.apply()

    def _slider_pressed(self) -> None:
        """A new drag is a new undo step. If the last drag's picture is still on its way,
        that drag's step ends now with what it shows, and this drag's step begins: the
        late picture lands in this one, instead of joining the two drags in one step."""
        if self._gesture_open and self._showing_our_result():
            self._close_gesture()
            self.window_.canvas.begin_gesture(self.choice().label())
            self._gesture_open = True

    def _slider_released(self) -> None:
        if not self.busy() and not self._rerender_timer.isActive():
            self._close_gesture()

    # --- the user's own styles -----------------------------------------------------------------
    def _add_dialog(self) -> None:
        patterns = " ".join(f"*{suffix}" for suffix in sorted(IMAGE_SUFFIXES))
        files, _ = QFileDialog.getOpenFileNames(self, "Add pictures as styles", "",
                                                f"Images ({patterns})")
        if files:
            self.add_user_styles(files)

    def add_user_styles(self, files: list[str]):
        """Check and copy pictures into the user's styles (on the worker)."""

        def work(job):
            added, refused = [], []
            for file in files:
                job.check()
                try:
                    entry = catalogue.add_user_style(file)
                except UserError as error:
                    refused.append(str(error))
                except OSError as error:
                    refused.append(f"{Path(file).name}: could not be copied "
                                   f"({error.strerror or error})")
                    continue
                added.append((entry, style_thumbnails.picture_thumbnails([entry], job)))
            return added, refused

        return self.worker.submit(work, label="add styles", on_result=self._styles_added)

    def _styles_added(self, result) -> None:
        added, refused = result
        for entry, thumbs in added:
            self._add_item(entry)
            self._set_thumbnails(thumbs)
        if added:
            names = ", ".join(entry.name for entry, _ in added)
            self.info.setText(f"Added to your styles: {names}")
            self.gallery.scrollToItem(self.items()[added[-1][0].id])
        if refused:
            self.window_.show_error("Not added:\n" + "\n".join(refused))

    def remove_selected(self) -> None:
        for style_id in self._selected_ids():
            entry = self.entries[style_id]
            if entry.kind != "user":
                continue
            catalogue.remove_user_style(entry)
            self.gallery.takeItem(self.gallery.row(self.items()[style_id]))
            del self.entries[style_id]
            self.info.setText(f"Removed {entry.name} from your styles")
        self._selection_changed()

    def _context_menu(self, position) -> None:
        item = self.gallery.itemAt(position)
        if item is None or self.entries[item.data(ID_ROLE)].kind != "user":
            return
        menu = QMenu(self)
        remove = QAction("Remove from my styles", menu)
        remove.triggered.connect(self.remove_selected)
        menu.addAction(remove)
        menu.exec(self.gallery.viewport().mapToGlobal(position))

    # --- state -------------------------------------------------------------------------------
    def _controls(self) -> dict:
        return {"styles": [[s, w] for s, w in self.weights.items()],
                "mode": self.mode.currentData(), "strength": self.strength.value() / 100.0,
                "preserve_colors": self.preserve_colours.isChecked(),
                "style_scale": round(self.style_scale(), 3)}

    def _set_controls(self, state) -> None:
        """Controls from a project or a picture's parameters: each value is checked
        (``read_state``); one that does not fit leaves its control as it was."""
        values = self.read_state(state)
        widgets = (self.mode, self.strength, self.preserve_colours, self.brush_scale)
        for widget in widgets:
            widget.blockSignals(True)
        try:
            index = self.mode.findData(values.choice("mode", list(style_render.MODES), "fast"))
            self.mode.setCurrentIndex(max(index, 0))
            self.strength.setValue(round(values.number("strength", 0, 1, 1.0) * 100))
            self.strength_label.setText(f"{self.strength.value()}%")
            self.preserve_colours.setChecked(values.flag("preserve_colors", False))
            self._set_brush_scale(values.number("style_scale", *STYLE_SCALE_RANGE,
                                                DEFAULT_STYLE_SCALE))
        finally:
            for widget in widgets:
                widget.blockSignals(False)
        styles = []  # [id, (name,) weight]
        for item in values.items("styles", []):
            if isinstance(item, list) and len(item) >= 2 and isinstance(item[0], str) \
                    and isinstance(item[-1], (int, float)) and not isinstance(item[-1], bool) \
                    and 0 <= item[-1] <= MAX_STYLE_WEIGHT:
                styles.append((item[0], float(item[-1])))
            else:
                values.refuse("style entry", item, f"a style and a weight up to {MAX_STYLE_WEIGHT:g}")
        self.select([name for name, _ in styles], dict(styles))
        missing = [name for name, _ in styles if name not in self.entries]
        if missing:
            self.info.setText("Not in this gallery any more: " + ", ".join(missing))

    def _set_brush_scale(self, value) -> None:
        """A stored scale (a project, a PNG, the settings); unreadable: the default."""
        try:
            value = float(value)
        except (TypeError, ValueError):
            value = DEFAULT_STYLE_SCALE
        if not value > 0 or math.isinf(value):
            value = DEFAULT_STYLE_SCALE
        self.brush_scale.setValue(scale_to_slider(value))
        self.brush_scale_label.setText(_scale_text(self.style_scale()))

    def save_state(self) -> PanelData:
        return PanelData(state=self._controls())

    def restore_state(self, data: PanelData) -> None:
        self.cancel()
        self._close_gesture()
        self._applied = None
        self._set_controls(data.state)

    def _image_opened(self, path: str, parameters) -> None:
        if isinstance(parameters, dict) and isinstance(parameters.get("style"), dict):
            self.state_warnings = []  # a picture's parameters: nothing to report, only to skip
            self._set_controls(parameters["style"])

    def _save_settings(self) -> None:
        stored = settings_module.app_settings()
        stored.setValue("style/mode", self.mode.currentData())
        stored.setValue("style/strength", self.strength.value())
        stored.setValue("style/preserve_colors", self.preserve_colours.isChecked())
        stored.setValue("style/style_scale", round(self.style_scale(), 3))

    def _restore_settings(self) -> None:
        stored = settings_module.app_settings()
        index = self.mode.findData(stored.value("style/mode", "fast"))
        self.mode.setCurrentIndex(max(index, 0))
        try:
            self.strength.setValue(int(stored.value("style/strength", 100)))
        except (TypeError, ValueError):
            pass
        self.strength_label.setText(f"{self.strength.value()}%")
        self.preserve_colours.setChecked(str(stored.value("style/preserve_colors", "false"))
                                         .lower() == "true")
        self._set_brush_scale(stored.value("style/style_scale", DEFAULT_STYLE_SCALE))


def _scale_text(value: float) -> str:
    return f"{value:.2f}×"


def stall_scenario(window, seconds: float) -> Callable[[], bool]:
    """A real stylization through the gallery: a 1024 px canvas, a click on a style.

    The picture is loaded on a worker (as File > Open does), then the gallery item is
    clicked; done once the full-size result has landed."""
    from PySide6.QtTest import QTest

    from genart_desktop.core.images import load_image, to_array

    panel: StylePanel = window.panels["style"]
    window.show_panel("style")
    clicked = []

    def load(job):
        photo = load_image(catalogue.paths.resources_dir() / "samples" / "astronaut.png")
        return to_array(photo.resize((1024, 1024)))

    def click(picture) -> None:
        window.canvas.set_image(picture, {}, "benchmark picture")
        item = panel.items()["builtin:6"]
        panel.gallery.scrollToItem(item)
        QTest.mouseClick(panel.gallery.viewport(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier,
                         panel.gallery.visualItemRect(item).center())
        clicked.append(panel._handle)

    window.canvas_worker.submit(load, label="benchmark picture", on_result=click)
    return lambda: bool(clicked) and clicked[0] is not None and clicked[0].done
