"""Restore: mark the damage (or let the app find it), then repair it on the canvas.

The damage mask belongs to the picture on the canvas: an 8-bit layer of its size, shown
as a translucent red overlay that follows zoom and pan. The brush paints it (the canvas
hands the left button to the brush while "Paint" or "Erase" is on), "Find damage" adds
what the detector finds, and the user edits the result before pressing Repair.

Finding, repairing and the whole-picture fixes run on the panel's worker. A repair is
one undo step; large pictures show a quick reduced-size repair first (a view image that
the result replaces). Whole-picture fixes are previewed as a view image (the history is
untouched) and "Apply" makes them one undo step.
"""

from __future__ import annotations

import io

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QFormLayout, QGroupBox, QHBoxLayout,
                               QLabel, QPushButton, QSlider, QVBoxLayout, QWidget)

from genart_desktop.core.project import PanelData
from genart_desktop.restore import ENHANCEMENTS
from genart_desktop.restore.masks import MaskHistory, stroke
from genart_desktop.ui.canvas import qimage_from_array
from genart_desktop.ui.panels.base import Panel

OVERLAY_KEY = "restore-mask"
OVERLAY_COLOUR = (255, 40, 40)
OVERLAY_OPACITY = 0.55  # of a fully damaged pixel


def _slider(name: str, low: int, high: int, value: int) -> QSlider:
    slider = QSlider(Qt.Orientation.Horizontal)
    slider.setObjectName(name)
    slider.setRange(low, high)
    slider.setValue(value)
    return slider


class DamageBrush:
    """The canvas tool: paints (or erases) the panel's mask along the pointer's path."""

    def __init__(self, panel: "RestorePanel") -> None:
        self.panel = panel
        self.erase = False
        self._last: tuple[float, float] | None = None

    def press(self, x: float, y: float) -> None:
        self._last = (x, y)
        self.panel.begin_mask_edit()
        self.panel.paint_mask((x, y), (x, y), self.erase)

    def move(self, x: float, y: float) -> None:
        if self._last is not None:
            self.panel.paint_mask(self._last, (x, y), self.erase)
            self._last = (x, y)

    def release(self, x: float, y: float) -> None:
        self.move(x, y)
        self._last = None
        self.panel.mask_edited()

    # While painting the damage, Edit > Undo takes back strokes first (see Canvas.undo).
    def can_undo(self) -> bool:
        return self.panel.mask_history.can_undo

    def can_redo(self) -> bool:
        return self.panel.mask_history.can_redo

    def undo(self) -> None:
        self.panel.step_mask_history(undo=True)

    def redo(self) -> None:
        self.panel.step_mask_history(undo=False)


class RestorePanel(Panel):
    name = "restore"
    title = "Restore"

    # --- layout -------------------------------------------------------------------------
    def build(self, area: QWidget) -> None:
        self.mask: np.ndarray | None = None  # HxW uint8 of the canvas picture's size
        self.mask_history = MaskHistory()  # strokes, Clear and Find damage, undoable
        self._stroke_box: tuple[int, int, int, int] | None = None  # what the stroke changed
        self._overlay: np.ndarray | None = None  # HxWx4 RGBA, red with alpha from the mask
        self._overlay_image: QImage | None = None
        self._pending_mask: np.ndarray | None = None  # from a project, until its picture shows
        self._handle = None  # the running find/repair job
        self._preview = None  # (canvas state, kind, strength, picture) of the shown preview
        self.brush = DamageBrush(self)

        layout = QVBoxLayout(area)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._build_mask_box())
        layout.addWidget(self._build_repair_box())
        layout.addWidget(self._build_enhance_box())
        self.info = QLabel("Paint the damage on the canvas, or let Find damage mark it.")
        self.info.setObjectName("restore-info")
        self.info.setWordWrap(True)
        self.info.setStyleSheet("color: palette(mid);")
        layout.addWidget(self.info)
        layout.addStretch(1)

        canvas = self.window_.canvas
        canvas.changed.connect(self._canvas_changed)
        canvas.view_image_cleared.connect(self._preview_cleared)
        # Once start-up is done, import the engines on the worker (SciPy, OpenCV: seconds
        # on a cold disk), so the first Find or Repair does not wait for them.
        self.window_.ready.connect(lambda: self.worker.submit(_import_engines,
                                                              label="restore import"))

    def _build_mask_box(self) -> QGroupBox:
        box = QGroupBox("Damage")
        form = QFormLayout(box)
        tools = QHBoxLayout()
        self.paint_button = QPushButton("Paint")
        self.paint_button.setObjectName("restore-paint")
        self.paint_button.setToolTip("Paint the damage on the canvas (middle button pans)")
        self.erase_button = QPushButton("Erase")
        self.erase_button.setObjectName("restore-erase")
        self.erase_button.setToolTip("Erase from the damage mask")
        self.tool_group = QButtonGroup(self)
        self.tool_group.setExclusive(False)  # both may be off: the mouse pans again
        for button in (self.paint_button, self.erase_button):
            button.setCheckable(True)
            self.tool_group.addButton(button)
            tools.addWidget(button)
        self.tool_group.buttonToggled.connect(self._tool_toggled)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setObjectName("restore-clear")
        self.clear_button.clicked.connect(self.clear_mask)
        tools.addWidget(self.clear_button)
        form.addRow(tools)

        self.brush_size = _slider("restore-brush-size", 1, 200, 12)
        self.brush_size.setToolTip("Brush diameter in picture pixels")
        self.brush_size_label = QLabel()
        form.addRow("Size", self._with_label(self.brush_size, self.brush_size_label))
        self.hardness = _slider("restore-hardness", 0, 100, 80)
        self.hardness.setToolTip("100%: a sharp edge; lower: the repair fades into the picture")
        self.hardness_label = QLabel()
        form.addRow("Hardness", self._with_label(self.hardness, self.hardness_label))

        self.find_button = QPushButton("Find damage")
        self.find_button.setObjectName("restore-find")
        self.find_button.setToolTip("Mark cracks, scratches and dust automatically (added to "
                                    "the mask); check and edit the mask before repairing")
        self.find_button.clicked.connect(lambda: self.find_damage())
        form.addRow(self.find_button)
        self.sensitivity = _slider("restore-sensitivity", 0, 100, 50)
        self.sensitivity.setToolTip("Higher finds fainter damage, and more false marks")
        self.sensitivity_label = QLabel()
        form.addRow("Sensitivity", self._with_label(self.sensitivity, self.sensitivity_label))
        for slider in (self.brush_size, self.hardness, self.sensitivity):
            slider.valueChanged.connect(self._setting_changed)
        self._setting_changed()
        return box

    def _build_repair_box(self) -> QGroupBox:
        box = QGroupBox("Repair")
        row = QHBoxLayout(box)
        self.repair_button = QPushButton("Repair")
        self.repair_button.setObjectName("restore-repair")
        self.repair_button.setToolTip("Fill the marked damage from the picture around it: thin "
                                      "damage by diffusion, wide damage with copied texture")
        self.repair_button.clicked.connect(lambda: self.repair())
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("restore-cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        row.addWidget(self.repair_button, 1)
        row.addWidget(self.cancel_button)
        return box

    def _build_enhance_box(self) -> QGroupBox:
        box = QGroupBox("Whole picture")
        form = QFormLayout(box)
        self.enhance_kind = QComboBox()
        self.enhance_kind.setObjectName("restore-enhance-kind")
        for key, text in ENHANCEMENTS.items():
            self.enhance_kind.addItem(text, key)
        form.addRow(self.enhance_kind)
        self.enhance_strength = _slider("restore-enhance-strength", 0, 100, 50)
        self.enhance_strength_label = QLabel()
        form.addRow("Strength", self._with_label(self.enhance_strength,
                                                 self.enhance_strength_label))
        buttons = QHBoxLayout()
        self.preview_button = QPushButton("Preview")
        self.preview_button.setObjectName("restore-preview")
        self.preview_button.setToolTip("Show the result on the canvas without keeping it")
        self.preview_button.clicked.connect(lambda: self.preview_enhancement())
        self.apply_button = QPushButton("Apply")
        self.apply_button.setObjectName("restore-apply")
        self.apply_button.clicked.connect(lambda: self.apply_enhancement())
        buttons.addWidget(self.preview_button)
        buttons.addWidget(self.apply_button)
        form.addRow(buttons)
        self.enhance_kind.currentIndexChanged.connect(self._enhancement_changed)
        self.enhance_strength.valueChanged.connect(self._enhancement_changed)
        self._enhancement_changed()
        return box

    @staticmethod
    def _with_label(slider: QSlider, label: QLabel) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(slider, 1)
        label.setMinimumWidth(44)
        row.addWidget(label)
        return row

    def _setting_changed(self, *args) -> None:
        self.brush_size_label.setText(f"{self.brush_size.value()} px")
        self.hardness_label.setText(f"{self.hardness.value()}%")
        self.sensitivity_label.setText(f"{self.sensitivity.value()}%")
        self.changed.emit()

    # --- the mask -------------------------------------------------------------------------
    def _tool_toggled(self, button: QPushButton, checked: bool) -> None:
        canvas = self.window_.canvas
        if checked:
            other = self.erase_button if button is self.paint_button else self.paint_button
            other.blockSignals(True)
            other.setChecked(False)
            other.blockSignals(False)
            self.brush.erase = button is self.erase_button
            canvas.set_tool(self.brush)
        elif canvas.tool is self.brush:
            canvas.set_tool(None)

    def _ensure_mask(self) -> bool:
        image = self.window_.canvas.image
        if image is None:
            return False
        if self.mask is None or self.mask.shape != image.shape[:2]:
            self.set_mask(np.zeros(image.shape[:2], np.uint8))
        return True

    def set_mask(self, mask: np.ndarray | None, edit: bool = False) -> None:
        """Replace the whole mask (None: none) and redraw its overlay. ``edit``: an edit
        of this picture's mask (Clear, Find damage), one undo step; otherwise the mask of
        another picture, and the old edits are forgotten."""
        if edit and self.mask is not None and mask is not None:
            self.mask_history.begin(self.mask)
        elif not edit:
            self.mask_history.clear()
        self.mask = None if mask is None else np.ascontiguousarray(mask, dtype=np.uint8)
        if edit and self.mask is not None:
            self.mask_history.commit(self.mask)
            self.window_.canvas.undo_state_changed.emit()
        if self.mask is None:
            self._overlay = None
            self.window_.canvas.set_overlay(OVERLAY_KEY, None)
        else:
            self._overlay = np.zeros((*self.mask.shape, 4), np.uint8)
            self._overlay[..., :3] = OVERLAY_COLOUR
            self._refresh_overlay((0, 0, self.mask.shape[1], self.mask.shape[0]))
            self.window_.canvas.set_overlay(OVERLAY_KEY, self._paint_overlay)
        self._describe_mask()

    def begin_mask_edit(self) -> None:
        """A stroke starts: remember the mask as it was, for Undo."""
        if self._ensure_mask():
            self.mask_history.begin(self.mask)
            self._stroke_box = None

    def paint_mask(self, start, end, erase: bool) -> None:
        if not self._ensure_mask():
            return
        box = stroke(self.mask, start, end, radius=self.brush_size.value() / 2,
                     hardness=self.hardness.value() / 100, erase=erase)
        if box is not None:
            self._refresh_overlay(box)
            old = self._stroke_box or box
            self._stroke_box = (min(old[0], box[0]), min(old[1], box[1]),
                                max(old[2], box[2]), max(old[3], box[3]))

    def mask_edited(self) -> None:
        """A stroke ended: one undo step for all of it."""
        if self.mask is not None and self._stroke_box is not None:
            self.mask_history.commit(self.mask, self._stroke_box)
            self.window_.canvas.undo_state_changed.emit()
        self._stroke_box = None
        self._describe_mask()
        self.changed.emit()

    def step_mask_history(self, undo: bool) -> None:
        if self.mask is None:
            return
        box = (self.mask_history.undo if undo else self.mask_history.redo)(self.mask)
        if box is not None:
            self._refresh_overlay(box)
            self._describe_mask()
            self.changed.emit()

    def clear_mask(self) -> None:
        if self.mask is not None:
            self.set_mask(np.zeros_like(self.mask), edit=True)
            self.changed.emit()

    def damaged_share(self) -> float:
        return 0.0 if self.mask is None else float(np.count_nonzero(self.mask)) / self.mask.size

    def _describe_mask(self) -> None:
        share = self.damaged_share()
        self.repair_button.setText(f"Repair {share:.1%}" if share else "Repair")

    def _refresh_overlay(self, box) -> None:
        x0, y0, x1, y1 = box
        alpha = self.mask[y0:y1, x0:x1].astype(np.float32) * OVERLAY_OPACITY
        self._overlay[y0:y1, x0:x1, 3] = alpha.astype(np.uint8)
        self._overlay_image = None  # rebuilt at the next paint
        self.window_.canvas.update()

    def _paint_overlay(self, painter: QPainter, rect: QRectF, size) -> None:
        if self._overlay is None or (self._overlay.shape[1], self._overlay.shape[0]) != tuple(size):
            return
        if self._overlay_image is None:
            self._overlay_image = qimage_from_array(self._overlay)
        painter.drawImage(rect, self._overlay_image)

    def _canvas_changed(self) -> None:
        image = self.window_.canvas.image
        if self._pending_mask is not None and image is not None \
                and self._pending_mask.shape == image.shape[:2]:
            mask, self._pending_mask = self._pending_mask, None
            self.set_mask(mask)
        elif self.mask is not None and (image is None or self.mask.shape != image.shape[:2]):
            self.set_mask(None)  # another picture: the mask no longer fits it

    # --- finding and repairing --------------------------------------------------------------
    def _busy(self) -> bool:
        return self._handle is not None and not self._handle.done

    def find_damage(self):
        image = self.window_.canvas.image
        if image is None:
            self.window_.show_error("Open a picture first: Find damage looks at the canvas.")
            return None
        sensitivity = self.sensitivity.value() / 100

        def work(job):
            from genart_desktop.restore.detect import find_damage

            found = find_damage(image, sensitivity, job)
            return found.mask, found.summary()

        def found(result) -> None:
            mask, summary = result
            self._finished()
            if self.window_.canvas.image is None or \
                    self.window_.canvas.image.shape[:2] != mask.shape:
                return  # the picture changed meanwhile
            self._ensure_mask()
            self.set_mask(np.maximum(self.mask, mask), edit=True)
            self.info.setText(summary)
            self.changed.emit()

        return self._start(work, "Find damage", found)

    def repair(self):
        canvas = self.window_.canvas
        image, state = canvas.image, canvas.state
        if image is None:
            self.window_.show_error("Open a picture first: Repair works on the canvas.")
            return None
        if not self.damaged_share():
            self.info.setText("The mask is empty: nothing to repair, the picture is unchanged. "
                              "Paint the damage or use Find damage first.")
            return None
        mask = self.mask.copy()

        def work(job):
            from genart_desktop.restore.repair import repair

            return repair(image, mask, job)

        def repaired(result) -> None:
            picture, report = result
            self._finished()
            if canvas.state is not state:
                canvas.set_view_image(None)
                self.info.setText("The picture changed during the repair: nothing was applied.")
                return
            canvas.set_image(picture, {"engine": "restore", "repaired_pixels":
                                       report.damaged_pixels}, "Repair")
            self.set_mask(np.zeros_like(mask))
            self.info.setText(report.summary())
            self.window_.session.autosave()

        def preview(picture) -> None:
            if canvas.state is state:
                canvas.set_view_image(picture)

        return self._start(work, "Repair", repaired, on_partial=preview)

    def _start(self, work, label: str, on_result, on_partial=None):
        if self._busy():
            self._handle.cancel()  # a new request replaces the one running
        self.cancel_button.setEnabled(True)
        self.info.setText(f"{label}…")
        self._handle = self.worker.submit(
            work, label=label, key="restore", cancel_running=True, show_progress=True,
            on_result=on_result, on_partial=on_partial,
            on_cancelled=lambda: self._stopped("Cancelled: the picture is as before."),
            on_error=self._failed)
        return self._handle

    def _finished(self) -> None:
        self.cancel_button.setEnabled(self._busy())

    def _stopped(self, message: str) -> None:
        self._finished()
        if self.window_.canvas.showing_view_image and self._preview is None:
            self.window_.canvas.set_view_image(None)  # a repair's quick preview
        self.info.setText(message)

    def _failed(self, message: str) -> None:
        self._stopped("Not done: " + message)
        self.window_.show_error(message)

    def cancel(self) -> None:
        if self._busy():
            self._handle.cancel()

    # --- whole-picture fixes ------------------------------------------------------------------
    def _enhancement(self) -> tuple[str, float]:
        return self.enhance_kind.currentData(), self.enhance_strength.value() / 100

    def _enhancement_changed(self, *args) -> None:
        self.enhance_strength_label.setText(f"{self.enhance_strength.value()}%")
        self.changed.emit()
        if self._preview is not None:
            self.preview_enhancement()  # keep the shown preview in step with the controls

    def preview_enhancement(self, then_apply: bool = False):
        canvas = self.window_.canvas
        image, state = canvas.image, canvas.state
        if image is None:
            self.window_.show_error("Open a picture first.")
            return None
        kind, strength = self._enhancement()

        def work(job):
            from genart_desktop.restore.enhance import enhance

            return enhance(image, kind, strength, job)

        def shown(picture) -> None:
            if canvas.state is not state:
                return
            if then_apply:
                self._apply(picture, kind, strength)
                return
            canvas.set_view_image(picture)
            self._preview = (state, kind, strength, picture)
            self.info.setText(f"Preview of {ENHANCEMENTS[kind].lower()}: Apply keeps it.")

        return self.worker.submit(work, label=ENHANCEMENTS[kind], key="enhance",
                                  cancel_running=True, show_progress=True, on_result=shown)

    def apply_enhancement(self):
        """Keep the previewed fix (computing it first when no preview is shown)."""
        kind, strength = self._enhancement()
        preview = self._preview
        if preview is not None and preview[0] is self.window_.canvas.state \
                and preview[1:3] == (kind, strength):
            self._apply(preview[3], kind, strength)
            return None
        return self.preview_enhancement(then_apply=True)

    def _apply(self, picture: np.ndarray, kind: str, strength: float) -> None:
        self._preview = None
        self.window_.canvas.set_image(picture, {"engine": "restore", kind: strength},
                                      ENHANCEMENTS[kind])
        self.info.setText(f"{ENHANCEMENTS[kind]} applied (Undo takes it back).")
        self.window_.session.autosave()

    def _preview_cleared(self) -> None:
        self._preview = None

    # --- projects -------------------------------------------------------------------------------
    def save_state(self) -> PanelData:
        state = {
            "brush_size": self.brush_size.value(),
            "hardness": self.hardness.value(),
            "sensitivity": self.sensitivity.value(),
            "enhancement": self.enhance_kind.currentData(),
            "enhancement_strength": self.enhance_strength.value(),
        }
        files = {}
        if self.damaged_share():
            from genart_desktop.core.images import from_array

            buffer = io.BytesIO()
            from_array(self.mask).save(buffer, format="PNG")
            files["mask.png"] = buffer.getvalue()
        return PanelData(state=state, files=files)

    def restore_state(self, data: PanelData) -> None:
        values = self.read_state(data.state)
        for slider, key in ((self.brush_size, "brush_size"), (self.hardness, "hardness"),
                            (self.sensitivity, "sensitivity"),
                            (self.enhance_strength, "enhancement_strength")):
            values.to_widget(slider, key)
        kinds = [self.enhance_kind.itemData(i) for i in range(self.enhance_kind.count())]
        index = self.enhance_kind.findData(values.choice("enhancement", kinds))
        if index >= 0:
            self.enhance_kind.setCurrentIndex(index)
        self.set_mask(None)  # the mask of the picture before is not this project's
        self._pending_mask = _read_mask(data.files.get("mask.png"))
        self._canvas_changed()

    def shutdown(self) -> None:
        if self.window_.canvas.tool is self.brush:
            self.window_.canvas.set_tool(None)


def _import_engines(job) -> None:
    import genart_desktop.restore.detect  # noqa: F401
    import genart_desktop.restore.enhance  # noqa: F401
    import genart_desktop.restore.repair  # noqa: F401
    import skimage.restoration  # noqa: F401 - the biharmonic fill's module, imported lazily


def _read_mask(data: bytes | None) -> np.ndarray | None:
    """A saved mask, or None when absent or unreadable (a project is never refused for it)."""
    if not data:
        return None
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as picture:
            return np.asarray(picture.convert("L"), dtype=np.uint8).copy()
    except (OSError, UnidentifiedImageError, ValueError):
        return None




def stall_scenario(window, seconds: float):
    """Repair a 1024 px picture with about 5% synthetic damage (cracks and blotches)
    through the panel; done when the repaired picture has landed."""
    from genart_desktop.restore.synthetic import add_damage
    from genart_desktop.ui.bench import after_benchmark_picture

    window.show_panel("restore")
    panel: RestorePanel = window.panels["restore"]

    def damage(picture):
        damaged = add_damage(picture, seed=7)
        return damaged.image, damaged.mask.astype(np.uint8) * 255

    def repair(result):
        image, mask = result
        window.canvas.set_image(image, {}, "benchmark picture")
        panel.set_mask(mask)
        return panel.repair()

    return after_benchmark_picture(window, repair, prepare=damage)
