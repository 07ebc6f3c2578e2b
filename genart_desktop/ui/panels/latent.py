"""Latent-space sliders: a VAE or a GAN explored by seeds, sixteen directions (principal,
closed-form or named), a grid of variations around the picture, interpolation between two
states, encoding the canvas, and training on the user's images.

Every change turns the widgets into a ``LatentSettings`` and asks the panel's worker to
decode it (key "render": latest wins, so a drag never queues behind itself). Models are
loaded on that worker and kept there (``self._models`` is only touched inside jobs). A
slider drag is one undo step: the gesture ends when the picture for the release arrives.
"""

from __future__ import annotations

import logging
import random
import time
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout,
                               QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton,
                               QScrollArea, QSlider, QSpinBox, QToolButton, QVBoxLayout,
                               QWidget)

from genart_desktop.core.checkpoints import ModelInfo, list_models
from genart_desktop.core.cli_args import MAX_SEED  # `genart sample --seed` takes the same
from genart_desktop.core.errors import UserError
from genart_desktop.core.project import PanelData
from genart_desktop.ui import settings as settings_module
from genart_desktop.ui.canvas import qimage_from_array
from genart_desktop.ui.panels.base import Panel
from genart_desktop.ui.state_values import StateValues
from genart_desktop.ui.panels.latent_state import (DIRECTION_SETS, DIRECTIONS, LatentSettings,
                                                   interpolated_latent, upscale)
from genart_desktop.ui.panels.latent_training import TrainingBox
from genart_desktop.ui.panels.latent_training_run import training_threads
from genart_desktop.ui.worker import TaskHandle

log = logging.getLogger(__name__)

SLIDER_STEPS = 100  # slider units per standard deviation
SCALES = (1, 2, 4, 8)
VARIATIONS = 8
VARIATION_ICON = 72  # px


class LatentPanel(Panel):
    name = "latent"
    title = "Latent"

    #: the serial number of the request whose picture just reached the canvas
    image_shown = Signal(int)

    # --- layout ------------------------------------------------------------------------------
    def build(self, area: QWidget) -> None:
        self._models: dict[str, Any] = {}  # card path -> LatentModel, worker thread only
        self._infos: dict[str, ModelInfo] = {}
        self._encoded: list[float] | None = None
        self._encoded_origin = "picture"  # or "variation"
        self._variations: tuple[str, list] | None = None  # (model card path, latents)
        self._interp: dict[str, Any] = {"a": None, "b": None, "active": False}
        self._serial = 0
        self._shown_serial = 0
        self._end_gesture_at: int | None = None
        self._quiet = False  # set while widgets are filled in from saved state
        self._first_picture: TaskHandle | None = None  # see show_first_picture
        self.setAcceptDrops(True)

        outer = QVBoxLayout(area)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        layout = QVBoxLayout(inner)
        scroll.setWidget(inner)
        outer.addWidget(scroll)

        form = QFormLayout()
        model_row = QHBoxLayout()
        self.model_box = QComboBox()
        self.model_box.setObjectName("latent-model")
        self.model_box.currentIndexChanged.connect(self._model_changed)
        refresh = QToolButton()
        refresh.setText("↻")
        refresh.setToolTip("Look for new models (shipped and in your models folder)")
        refresh.clicked.connect(lambda: self.refresh_models())
        model_row.addWidget(self.model_box, 1)
        model_row.addWidget(refresh)
        form.addRow("Model", model_row)

        seed_row = QHBoxLayout()
        self.seed_box = QSpinBox()
        self.seed_box.setRange(0, MAX_SEED)
        self.seed_box.valueChanged.connect(self._seed_changed)
        new_seed = QPushButton("New seed")
        new_seed.setToolTip("A random seed; the sliders stay where they are")
        new_seed.clicked.connect(self.new_seed)
        randomize = QPushButton("Randomize")
        randomize.setToolTip("A random seed and random slider positions")
        randomize.clicked.connect(self.randomize)
        seed_row.addWidget(self.seed_box, 1)
        seed_row.addWidget(new_seed)
        seed_row.addWidget(randomize)
        form.addRow("Seed", seed_row)

        truncation_row = QHBoxLayout()
        self.truncation = QSlider(Qt.Orientation.Horizontal)
        self.truncation.setRange(5, 150)
        self.truncation.setValue(100)
        self.truncation.setToolTip("Scale of the random latent: 1 is the trained distribution, "
                                   "smaller gives safer, more average pictures")
        self.truncation_label = QLabel("1.00")
        self.truncation_label.setFixedWidth(self.truncation_label.fontMetrics().horizontalAdvance("0.00") + 6)
        self._connect_drag(self.truncation, "Truncation", self._truncation_changed)
        truncation_row.addWidget(self.truncation, 1)
        truncation_row.addWidget(self.truncation_label)
        form.addRow("Truncation", truncation_row)

        view_row = QHBoxLayout()
        self.scale_box = QComboBox()
        for factor in SCALES:
            self.scale_box.addItem(f"× {factor}", factor)
        self.scale_box.setCurrentIndex(SCALES.index(4))
        self.scale_box.currentIndexChanged.connect(lambda: self._view_changed())
        self.crisp_box = QComboBox()
        self.crisp_box.setObjectName("latent-upscale")
        self.crisp_box.addItem("Crisp pixels (nearest)", True)
        self.crisp_box.addItem("Smooth (Lanczos)", False)
        self.crisp_box.currentIndexChanged.connect(lambda: self._view_changed())
        view_row.addWidget(self.scale_box)
        view_row.addWidget(self.crisp_box, 1)
        form.addRow("Enlarge", view_row)
        layout.addLayout(form)
        self.source_label = QLabel("Move a slider or pick a seed to draw.")
        self.source_label.setWordWrap(True)
        layout.addWidget(self.source_label)

        layout.addWidget(self._build_directions())
        layout.addWidget(self._build_variations())
        layout.addWidget(self._build_interpolation())
        layout.addWidget(self._build_encode())
        self.training = TrainingBox(self.window_)
        self.training.trained.connect(self._model_trained)
        self.training.changed.connect(self.changed)
        layout.addWidget(self.training)
        layout.addStretch(1)

        self.last_encode_error: float | None = None
        self._restore_view_settings()
        self.refresh_models()
        self.window_.ready.connect(self._preload)
        self.window_.image_opened.connect(self.open_parameters)
        self.window_.device_changed.connect(self._device_changed)
        # The window builds its View menu after its panels: sync with it then.
        QTimer.singleShot(0, self._connect_view_menu)

    def _build_directions(self) -> QGroupBox:
        box = QGroupBox("Directions (standard deviations)")
        grid = QGridLayout(box)
        grid.setColumnStretch(1, 1)
        self.direction_set_box = QComboBox()
        self.direction_set_box.setObjectName("latent-direction-set")
        for key in DIRECTION_SETS:
            self.direction_set_box.addItem(DIRECTION_SETS[key], key)
        self.direction_set_box.setToolTip(
            "Principal: the directions along which the model's pictures vary most (PCA)\n"
            "Closed-form: the directions the generator's first layer amplifies most (SeFa)\n"
            "Named: directions fitted to lightness, colourfulness, warmth, size and roundness;\n"
            "only those that move their measure steadily are shown (fitted once per model)")
        self.direction_set_box.currentIndexChanged.connect(self._direction_set_changed)
        grid.addWidget(QLabel("Sliders"), 0, 0)
        grid.addWidget(self.direction_set_box, 0, 1, 1, 3)
        self.sliders: list[QSlider] = []
        self.slider_names: list[QLabel] = []
        self.slider_values: list[QLabel] = []
        for index in range(DIRECTIONS):
            name = QLabel(f"{index + 1}")
            name.setMinimumWidth(64)
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setObjectName(f"latent-direction-{index}")
            slider.setRange(-3 * SLIDER_STEPS, 3 * SLIDER_STEPS)
            value = QLabel("+0.00")
            value.setFixedWidth(value.fontMetrics().horizontalAdvance("-0.00") + 6)  # no relayout per move
            reset = QToolButton()
            reset.setText("⟲")
            reset.setToolTip(f"Reset direction {index + 1}")
            reset.clicked.connect(lambda checked=False, s=slider: s.setValue(0))
            self._connect_drag(slider, f"Direction {index + 1}",
                               lambda v, i=index: self._direction_changed(i, v))
            for column, widget in enumerate((name, slider, value, reset)):
                grid.addWidget(widget, index + 1, column)
            self.sliders.append(slider)
            self.slider_names.append(name)
            self.slider_values.append(value)
        reset_all = QPushButton("Reset all")
        reset_all.clicked.connect(self.reset_all)
        grid.addWidget(reset_all, DIRECTIONS + 1, 0, 1, 4)
        return box

    def _build_variations(self) -> QGroupBox:
        box = QGroupBox("Variations")
        layout = QVBoxLayout(box)
        row = QHBoxLayout()
        self.closeness = QSlider(Qt.Orientation.Horizontal)
        self.closeness.setObjectName("latent-closeness")
        self.closeness.setRange(0, 100)
        self.closeness.setValue(70)
        self.closeness.setToolTip("How close the variations stay to the picture: 100% the "
                                  "picture itself, 0% unrelated new pictures")
        self.closeness_label = QLabel("70%")
        self.closeness_label.setFixedWidth(self.closeness_label.fontMetrics().horizontalAdvance("100%") + 6)
        self.closeness.valueChanged.connect(lambda v: self.closeness_label.setText(f"{v}%"))
        self.variations_button = QPushButton("Show variations")
        self.variations_button.setToolTip(f"{VARIATIONS} pictures around the one on the canvas; "
                                          "click one to make it the picture")
        self.variations_button.clicked.connect(self.show_variations)
        row.addWidget(QLabel("Closeness"))
        row.addWidget(self.closeness, 1)
        row.addWidget(self.closeness_label)
        row.addWidget(self.variations_button)
        layout.addLayout(row)
        grid = QGridLayout()
        self.variation_buttons: list[QToolButton] = []
        for index in range(VARIATIONS):
            button = QToolButton()
            button.setObjectName(f"latent-variation-{index}")
            button.setIconSize(QSize(VARIATION_ICON, VARIATION_ICON))
            button.setAutoRaise(True)
            button.setEnabled(False)
            button.clicked.connect(lambda checked=False, i=index: self.choose_variation(i))
            grid.addWidget(button, index // 4, index % 4)
            self.variation_buttons.append(button)
        layout.addLayout(grid)
        return box

    def _build_interpolation(self) -> QGroupBox:
        box = QGroupBox("Interpolation")
        layout = QGridLayout(box)
        self.set_a_button = QPushButton("Set A")
        self.set_a_button.clicked.connect(lambda: self.set_end("a"))
        self.set_b_button = QPushButton("Set B")
        self.set_b_button.clicked.connect(lambda: self.set_end("b"))
        self.a_label = QLabel("A: not set")
        self.b_label = QLabel("B: not set")
        layout.addWidget(self.set_a_button, 0, 0)
        layout.addWidget(self.a_label, 0, 1, 1, 3)
        layout.addWidget(self.set_b_button, 1, 0)
        layout.addWidget(self.b_label, 1, 1, 1, 3)
        self.scrub = QSlider(Qt.Orientation.Horizontal)
        self.scrub.setObjectName("latent-scrub")
        self.scrub.setRange(0, 1000)
        self.scrub.setEnabled(False)
        self._connect_drag(self.scrub, "Interpolate", self._scrub_changed)
        layout.addWidget(QLabel("A"), 2, 0, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.scrub, 2, 1, 1, 2)
        layout.addWidget(QLabel("B"), 2, 3)
        self.frames_spin = QSpinBox()
        self.frames_spin.setRange(2, 600)
        self.frames_spin.setValue(24)
        self.frames_spin.setSuffix(" frames")
        self.fps_spin = QDoubleSpinBox()
        self.fps_spin.setRange(1, 60)
        self.fps_spin.setValue(12)
        self.fps_spin.setSuffix(" fps")
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("An animated GIF or WebP, or a PNG strip of the frames")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.export_dialog)
        layout.addWidget(self.frames_spin, 3, 0, 1, 2)
        layout.addWidget(self.fps_spin, 3, 2)
        layout.addWidget(self.export_button, 3, 3)
        return box

    def _build_encode(self) -> QGroupBox:
        box = QGroupBox("Your picture")
        layout = QHBoxLayout(box)
        self.encode_button = QPushButton("Encode canvas")
        self.encode_button.setToolTip("Find the VAE latent of the picture on the canvas, so the "
                                      "sliders edit it (VAE models only)")
        self.encode_button.clicked.connect(self.encode_canvas)
        self.encode_label = QLabel("")
        self.encode_label.setWordWrap(True)
        layout.addWidget(self.encode_button)
        layout.addWidget(self.encode_label, 1)
        return box

    def _connect_drag(self, slider: QSlider, label: str, on_value: Callable[[int], None]) -> None:
        """A drag is one undo step; every value on the way repaints (latest wins)."""
        slider.sliderPressed.connect(lambda: self._press(label))
        slider.sliderReleased.connect(self._release)
        slider.valueChanged.connect(on_value)

    # --- models ---------------------------------------------------------------------------------
    def refresh_models(self, select: str | None = None) -> None:
        """Fill the picker from the model cards (cheap JSON reads; weights load later)."""
        keep = select or self.model_name()
        self._infos = {str(info.card_path): info for info in list_models("latent-")}
        self._quiet_set(lambda: self._fill_model_box(keep))
        self._update_model_widgets()

    def _fill_model_box(self, keep: str | None) -> None:
        self.model_box.clear()
        for key, info in self._infos.items():
            kind = info.kind.removeprefix("latent-").upper()
            owner = "" if info.shipped else ", yours"
            self.model_box.addItem(f"{info.name} ({kind}{owner})", key)
        if self.model_box.count() == 0:
            self.model_box.addItem("no latent models: train one below", None)
        names = [self._infos[key].name if key else "" for key in self._box_keys()]
        if keep in names:
            self.model_box.setCurrentIndex(names.index(keep))

    def _box_keys(self) -> list[str | None]:
        return [self.model_box.itemData(i) for i in range(self.model_box.count())]

    def current_info(self) -> ModelInfo | None:
        return self._infos.get(self.model_box.currentData() or "")

    def model_name(self) -> str | None:
        info = self.current_info()
        return info.name if info else None

    def select_model(self, name: str) -> bool:
        for index, key in enumerate(self._box_keys()):
            if key and self._infos[key].name == name:
                self.model_box.setCurrentIndex(index)
                return True
        return False

    def _update_model_widgets(self) -> None:
        info = self.current_info()
        self._update_direction_labels()
        is_vae = info is not None and info.kind == "latent-vae"
        self.encode_button.setEnabled(is_vae)
        self.encode_button.setToolTip("" if is_vae else "Only a VAE can encode pictures")

    def direction_set(self) -> str:
        return str(self.direction_set_box.currentData() or "pca")

    def _update_direction_labels(self) -> None:
        """The sliders' names and how many there are, for the model and set chosen. The
        principal set's are in the model's card; the others come from the loaded model on
        the worker (the named ones are fitted the first time: seconds, with progress)."""
        info, key = self.current_info(), self.direction_set()
        if info is None or key == "pca":
            from genart_desktop.latent.engine import principal_labels

            self.worker.cancel_key("directions")  # a named fit still running is not wanted
            explained = list((info.card.get("directions") or {}).get("explained_variance") or []) \
                if info else []
            self._set_slider_labels(*principal_labels(explained),
                                    enabled=info is not None and not explained)
            return
        self._set_slider_labels([], [], enabled=False)  # until the set is known
        asked = (str(info.card_path), key)

        def current() -> bool:  # a result for a model or set the user has left is dropped
            return asked == (self.model_box.currentData(), self.direction_set())

        def work(job):
            chosen = self._load(info).direction_set(key, job)
            return chosen.labels, chosen.tooltips, [chosen.offered(i) for i in range(len(chosen))]

        def back_to_principal(message: str | None = None) -> None:
            if not current():
                return
            if message:
                self.window_.show_error(message)
            self._quiet_set(lambda: self.direction_set_box.setCurrentIndex(
                self.direction_set_box.findData("pca")))
            self._direction_set_changed(force=True)

        self.worker.submit(work, key="directions", cancel_running=True,
                           label=f"{DIRECTION_SETS[key]} directions",
                           show_progress=key == "named",
                           on_result=lambda result: current() and self._set_slider_labels(*result),
                           on_error=back_to_principal, on_cancelled=back_to_principal)

    def _set_slider_labels(self, labels: list[str], tooltips: list[str],
                           offered: list[bool] | None = None, enabled: bool = False) -> None:
        """Sliders with a label are enabled unless not ``offered``; those without one
        too when ``enabled`` (a card that does not list its directions)."""
        for index, (name, slider) in enumerate(zip(self.slider_names, self.sliders)):
            name.setText(labels[index] if index < len(labels) else f"{index + 1}")
            name.setToolTip(tooltips[index] if index < len(tooltips) else "")
            usable = offered is None or index >= len(offered) or offered[index]
            slider.setEnabled((index < len(labels) and usable) or (index >= len(labels) and enabled))

    def _direction_set_changed(self, *_args, force: bool = False) -> None:
        if self._quiet and not force:
            return
        self._centre_sliders()  # positions along one set mean nothing along another
        self._update_direction_labels()
        self._changed_and_render(f"Sliders: {self.direction_set_box.currentText()}")

    def _load(self, info: ModelInfo):
        """On the worker thread: the model, loaded once and kept on its device."""
        import torch

        from genart_desktop.latent.engine import LatentModel

        torch.set_num_threads(training_threads())
        key = str(info.card_path)
        if key not in self._models:
            self._models[key] = LatentModel.load(info)
        return self._models[key]

    def _preload(self) -> None:
        info = self.current_info()
        if info is not None:
            self.worker.submit(lambda job: self._load(info) and None, key="preload",
                               label="load latent model")

    def _model_changed(self) -> None:
        if self._quiet:  # whoever fills the widgets quietly updates them once it is done
            return
        self._update_model_widgets()
        self._encoded = None
        self._interp["active"] = False
        self.encode_label.setText("")
        self._clear_variations()
        self.changed.emit()
        self.request_render(f"Model {self.model_name()}")

    def _device_changed(self, preference: str) -> None:
        """Models reload on the chosen device at the next picture."""
        self.worker.submit(lambda job: self._models.clear(), label="latent device")

    def _model_trained(self, name: str) -> None:
        self.refresh_models()
        self.select_model(name)
        self.window_.session.autosave()

    # --- the state ------------------------------------------------------------------------------------
    def settings(self) -> LatentSettings:
        return LatentSettings(model=self.model_name() or "", seed=self.seed_box.value(),
                              truncation=self.truncation.value() / 100.0,
                              offsets=[s.value() / SLIDER_STEPS for s in self.sliders],
                              encoded=None if self._encoded is None else list(self._encoded),
                              direction_set=self.direction_set(), origin=self._encoded_origin)

    def apply_settings(self, settings: LatentSettings) -> bool:
        """Put the widgets in this state without drawing; False if the model is unknown."""
        found = False

        def fill() -> None:
            nonlocal found
            found = self.select_model(settings.model) if settings.model else False
            self.seed_box.setValue(settings.seed)
            self.truncation.setValue(round(settings.truncation * 100))
            self.direction_set_box.setCurrentIndex(
                self.direction_set_box.findData(settings.direction_set))
            for slider, value in zip(self.sliders, settings.offsets):
                slider.setValue(round(value * SLIDER_STEPS))

        self._quiet_set(fill)
        self._encoded = None if settings.encoded is None else list(settings.encoded)
        self._encoded_origin = settings.origin
        self._interp["active"] = False
        self._clear_variations()
        self._update_model_widgets()
        self._refresh_labels()
        return found

    def _quiet_set(self, fill: Callable[[], None]) -> None:
        self._quiet = True
        try:
            fill()
        finally:
            self._quiet = False

    def _refresh_labels(self) -> None:
        self.truncation_label.setText(f"{self.truncation.value() / 100:.2f}")
        for slider, label in zip(self.sliders, self.slider_values):
            label.setText(f"{slider.value() / SLIDER_STEPS:+.2f}")
        self._set_source(f"Showing {self.settings().describe()}")

    def _set_source(self, text: str) -> None:
        if self.source_label.text() != text:  # a wrapped label relays the panel out
            self.source_label.setText(text)

    # --- user changes -----------------------------------------------------------------------------------
    def _seed_changed(self) -> None:
        if self._quiet:
            return
        self._encoded = None  # a seed replaces an encoded picture
        self._changed_and_render(f"Seed {self.seed_box.value()}")

    def _truncation_changed(self, value: int) -> None:
        self.truncation_label.setText(f"{value / 100:.2f}")
        if not self._quiet:
            self._changed_and_render("Truncation")

    def _direction_changed(self, index: int, value: int) -> None:
        self.slider_values[index].setText(f"{value / SLIDER_STEPS:+.2f}")
        if not self._quiet:
            self._changed_and_render(f"Direction {index + 1}")

    def _changed_and_render(self, label: str) -> None:
        self._interp["active"] = False
        self._refresh_labels()
        self.changed.emit()
        self.request_render(label)

    def _apply_view_choice(self) -> None:
        """Crisp pixels turn the canvas's smooth scaling off (and the View menu's tick)."""
        canvas = self.window_.canvas
        canvas.smooth_scaling = not self.crisp_box.currentData()
        action = getattr(self.window_, "smooth_action", None)
        if action is not None:
            action.setChecked(canvas.smooth_scaling)
        canvas.update()

    def _connect_view_menu(self) -> None:
        self._apply_view_choice()
        self.window_.smooth_action.toggled.connect(self._menu_smooth_toggled)

    def _menu_smooth_toggled(self, smooth: bool) -> None:
        """View > Smooth scaling and the Enlarge choice are one setting."""
        if bool(self.crisp_box.currentData()) == smooth:
            self.crisp_box.setCurrentIndex(1 if smooth else 0)

    def _view_changed(self) -> None:
        self._apply_view_choice()
        stored = settings_module.app_settings()
        stored.setValue("latent/scale", self.scale_box.currentData())
        stored.setValue("latent/crisp", bool(self.crisp_box.currentData()))
        if not self._quiet and self.window_.canvas.state is not None \
                and self.window_.canvas.state.parameters.get("generator") == "latent":
            self.request_render("Enlarge")

    def _restore_view_settings(self) -> None:
        stored = settings_module.app_settings()
        scale = stored.value("latent/scale")
        crisp = stored.value("latent/crisp")

        def fill() -> None:
            if scale is not None and int(scale) in SCALES:
                self.scale_box.setCurrentIndex(SCALES.index(int(scale)))
            if crisp is not None:
                self.crisp_box.setCurrentIndex(0 if str(crisp).lower() in ("true", "1") else 1)

        self._quiet_set(fill)
        self._view_changed()

    def new_seed(self) -> None:
        self.seed_box.setValue(random.randrange(MAX_SEED))

    def randomize(self) -> None:
        def fill() -> None:
            self.seed_box.setValue(random.randrange(MAX_SEED))
            for slider in self.sliders:
                if slider.isEnabled():
                    slider.setValue(round(max(-3.0, min(3.0, random.gauss(0.0, 1.0))) * SLIDER_STEPS))

        self._quiet_set(fill)
        self._encoded = None
        self._changed_and_render("Randomize")

    def reset_all(self) -> None:
        self._centre_sliders()
        self._changed_and_render("Reset directions")

    def _centre_sliders(self) -> None:
        """Every direction slider back to 0, without drawing."""
        self._quiet_set(lambda: [slider.setValue(0) for slider in self.sliders])

    # --- drawing ------------------------------------------------------------------------------------------
    def request_render(self, label: str = "Latent") -> int | None:
        """Decode the current state on the worker and put it on the canvas (latest wins).
        Returns the request's serial number (``image_shown`` carries it back)."""
        submitted = self._submit_render(label, self._show, self._render_failed)
        return None if submitted is None else submitted[0]

    def show_first_picture(self, wanted: Callable[[], bool]) -> TaskHandle | None:
        """At start-up, for an empty canvas: the picture of the panel's current state (seed
        0 of the first model on a fresh start), drawn the way a new seed is, so the seed
        and sliders shown agree with the canvas. ``wanted()`` is asked again when the
        picture arrives: a restored project or the user's own picture that got there
        first is never replaced. A missing or broken model only logs: nobody asked for
        this picture, so no message box."""
        if self.current_info() is None:
            log.info("no latent model installed: the canvas starts empty")
            return None
        self._refresh_labels()

        def show(serial: int, image, parameters: dict, label: str) -> None:
            if not wanted():
                return
            session = self.window_.session
            modified = session.modified
            self._show(serial, image, parameters, label)
            if not modified:
                session.mark_clean()  # nobody's work yet: closing does not ask to save it

        def failed(serial: int, message: str) -> None:
            log.warning("no first picture on the canvas: %s", message)

        submitted = self._submit_render("First picture", show, failed)
        self._first_picture = None if submitted is None else submitted[1]
        return self._first_picture

    def _submit_render(self, label: str, show, failed) -> tuple[int, TaskHandle] | None:
        info = self.current_info()
        if info is None:
            return None
        self._serial += 1
        serial = self._serial
        settings = self.settings()
        interp = dict(self._interp) if self._interp["active"] else None
        t = self.scrub.value() / 1000.0
        factor, crisp = int(self.scale_box.currentData()), bool(self.crisp_box.currentData())

        def work(job):
            model = self._load(info)
            if interp is not None:
                z = interpolated_latent(model, interp["a"], interp["b"], t)
            else:
                z = settings.latent(model)
            return upscale(model.decode(z[None])[0], factor, crisp)

        parameters = settings.parameters()
        if interp is not None:
            parameters["interpolation"] = {"a": interp["a"].parameters(),
                                           "b": interp["b"].parameters(), "t": round(t, 4)}
        handle = self.worker.submit(work, key="render", label="latent",
                                    on_result=lambda image: show(serial, image, parameters, label),
                                    on_error=lambda message: failed(serial, message))
        return serial, handle

    def _show(self, serial: int, image, parameters: dict, label: str) -> None:
        self.window_.canvas.set_image(image, parameters, label)
        self._shown_serial = serial
        if self._end_gesture_at is not None and serial >= self._end_gesture_at:
            self.window_.canvas.end_gesture()
            self._end_gesture_at = None
        self.image_shown.emit(serial)

    def _render_failed(self, serial: int, message: str) -> None:
        if self._end_gesture_at is not None and serial >= self._end_gesture_at:
            self.window_.canvas.end_gesture()
            self._end_gesture_at = None
        self.window_.show_error(message)

    def _press(self, label: str) -> None:
        """A new drag. If the last drag's final picture has not arrived yet, that drag's
        step ends now with the picture shown: otherwise its late picture would end this
        drag's step, and every later picture of this drag would become a step of its own."""
        if self._end_gesture_at is not None:
            self.window_.canvas.end_gesture()
            self._end_gesture_at = None
        self.window_.canvas.begin_gesture(label)

    def _release(self) -> None:
        """End the drag's undo step once the picture for the last position has arrived."""
        if self._serial <= self._shown_serial:
            self.window_.canvas.end_gesture()
        else:
            self._end_gesture_at = self._serial

    # --- variations ---------------------------------------------------------------------------------------
    def show_variations(self):
        """Pictures around the current one, as thumbnails to choose from (on the worker)."""
        info = self.current_info()
        if info is None:
            self.window_.show_error("Pick a latent model first.")
            return None
        settings = self.settings()
        closeness = self.closeness.value() / 100.0
        seed = random.randrange(MAX_SEED)
        key = str(info.card_path)
        # around the picture shown: an in-between one while A -> B is being scrubbed
        interp = dict(self._interp) if self._interp["active"] else None
        t = self.scrub.value() / 1000.0

        def work(job):
            from genart_desktop.latent.engine import variations

            model = self._load(info)
            z = interpolated_latent(model, interp["a"], interp["b"], t) if interp \
                else settings.latent(model)
            latents = variations(model, z, VARIATIONS, closeness, seed, settings.truncation)
            return latents, model.decode(latents)

        def shown(result) -> None:
            if key != self.model_box.currentData():
                return  # made for a model the user has left
            latents, pictures = result
            self._variations = (key, [list(map(float, z)) for z in latents])
            for button, picture in zip(self.variation_buttons, pictures):
                pixmap = QPixmap.fromImage(qimage_from_array(upscale(picture, 2, True)))
                button.setIcon(QIcon(pixmap))
                button.setEnabled(True)
                button.setToolTip("Make this the picture (one undo step)")

        return self.worker.submit(work, key="variations", label="variations", on_result=shown)

    def choose_variation(self, index: int) -> None:
        if self._variations is None or self._variations[0] != self.model_box.currentData():
            return
        latent = self._variations[1][index]
        self._centre_sliders()
        self._encoded = list(latent)
        self._encoded_origin = "variation"
        self._changed_and_render("Variation")

    def _clear_variations(self) -> None:
        self._variations = None
        for button in self.variation_buttons:
            button.setIcon(QIcon())
            button.setEnabled(False)
            button.setToolTip("")

    # --- interpolation ------------------------------------------------------------------------------------
    def set_end(self, which: str) -> None:
        settings = self._interp_current()
        self._interp[which] = settings
        (self.a_label if which == "a" else self.b_label).setText(
            f"{which.upper()}: {settings.describe()}")
        ready = self._interp["a"] is not None and self._interp["b"] is not None
        self.scrub.setEnabled(ready)
        self.export_button.setEnabled(ready)
        if ready:
            self._quiet_set(lambda: self.scrub.setValue(0 if which == "a" else 1000))
        self.changed.emit()

    def _interp_current(self) -> LatentSettings:
        """What is on screen now (an in-between picture counts as its own state)."""
        return self.settings()

    def _scrub_changed(self, value: int) -> None:
        if self._quiet or self._interp["a"] is None or self._interp["b"] is None:
            return
        if self._interp["a"].model != self._interp["b"].model:
            self.window_.show_error("A and B come from different models; set both with the same model.")
            return
        if self._interp["a"].model != self.model_name():
            self._quiet_set(lambda: self.select_model(self._interp["a"].model))
            self._update_model_widgets()
        self._interp["active"] = True
        self._set_source(f"Showing {value / 10:.0f}% of the way from A to B")
        self.changed.emit()
        self.request_render("Interpolate")

    def export_dialog(self) -> None:
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export interpolation", "morph.gif",
            "Animated GIF (*.gif);;Animated WebP (*.webp);;PNG strip (*.png)")
        if path:
            if not Path(path).suffix:
                path += {"Animated WebP (*.webp)": ".webp", "PNG strip (*.png)": ".png"}.get(chosen, ".gif")
            self.export_interpolation(path)

    def export_interpolation(self, path: str, frames: int | None = None):
        """Write the A -> B morph in the background (progress and cancel in the status bar)."""
        a, b = self._interp["a"], self._interp["b"]
        if a is None or b is None:
            self.window_.show_error("Set A and B first.")
            return None
        if a.model != b.model:
            self.window_.show_error("A and B come from different models; set both with the same model.")
            return None
        info = next((i for i in self._infos.values() if i.name == a.model), None)
        if info is None:
            self.window_.show_error(f"Model {a.model!r} is not installed.")
            return None
        count = frames or self.frames_spin.value()
        fps = self.fps_spin.value()
        factor, crisp = int(self.scale_box.currentData()), bool(self.crisp_box.currentData())

        def work(job):
            import numpy as np

            from genart_desktop.latent.engine import save_walk

            model = self._load(info)
            pictures = []
            for index in range(count):
                t = index / (count - 1)
                pictures.append(upscale(model.decode(interpolated_latent(model, a, b, t)[None])[0],
                                        factor, crisp))
                job.progress((index + 1) / (count + 1), f"frame {index + 1}/{count}")
            job.progress(count / (count + 1), f"writing {Path(path).name}")
            try:
                save_walk(np.stack(pictures), Path(path), fps,
                          {"generator": "latent", "model": a.model, "frames": count,
                           "a": a.parameters(), "b": b.parameters()})
            except OSError as error:
                raise UserError(f"could not write {Path(path).name}: {error.strerror or error}") from None
            return path

        def written(result: str) -> None:
            self.window_.statusBar().showMessage(f"Exported {count} frames to {Path(result).name}", 6000)

        return self.worker.submit(work, label=f"export {Path(path).name}", show_progress=True,
                                  on_result=written)

    # --- encoding --------------------------------------------------------------------------------------------
    def encode_canvas(self):
        info = self.current_info()
        image = self.window_.canvas.image
        if info is None or info.kind != "latent-vae":
            self.window_.show_error("Pick a VAE model to encode a picture (a GAN has no encoder).")
            return None
        if image is None:
            self.window_.show_error("There is no picture on the canvas to encode.")
            return None

        def work(job):
            z, error = self._load(info).encode(image)
            return [float(v) for v in z], error

        def encoded(result) -> None:
            latent, error = result
            self._centre_sliders()
            self._encoded = latent
            self._encoded_origin = "picture"
            self._interp["active"] = False
            self.encode_label.setText(f"Reconstruction error {error * 100:.1f}% (RMS over white; "
                                      "0% would be exact)")
            self.last_encode_error = error
            self._refresh_labels()
            self.changed.emit()
            self.request_render("Encode canvas")

        self.encode_label.setText("Encoding…")
        return self.worker.submit(work, label="encode canvas", on_result=encoded)

    # --- files, drops, projects ------------------------------------------------------------------------------
    def open_parameters(self, path: str, parameters: dict | None) -> None:
        """File > Open of a PNG this panel (or ``genart sample``) wrote: restore its state."""
        settings = LatentSettings.from_parameters(parameters)
        if settings is None:
            return
        if not self.apply_settings(settings):
            self.window_.show_error(f"{Path(path).name} was made with model {settings.model!r}, "
                                    "which is not installed; its sliders were restored anyway.")
        interpolation = (parameters or {}).get("interpolation")
        if isinstance(interpolation, dict):
            ends = StateValues(interpolation, "picture's interpolation")
            a = LatentSettings.from_parameters(ends.mapping("a"))
            b = LatentSettings.from_parameters(ends.mapping("b"))
            if a is not None and b is not None:
                self._set_ends(a, b, ends.number("t", 0.0, 1.0, 0.0))
                self._interp["active"] = True
        self.window_.show_panel(self.name)
        self.changed.emit()

    def _set_ends(self, a: LatentSettings, b: LatentSettings, t: float) -> None:
        self._interp.update(a=a, b=b)
        self.a_label.setText(f"A: {a.describe()}")
        self.b_label.setText(f"B: {b.describe()}")
        self.scrub.setEnabled(True)
        self.export_button.setEnabled(True)
        self._quiet_set(lambda: self.scrub.setValue(round(t * 1000)))

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self._dropped_folder(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()  # pictures fall through to the window, which opens them

    def dropEvent(self, event) -> None:  # noqa: N802
        folder = self._dropped_folder(event)
        if folder is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.training.set_folder(folder)
        self.training.start()

    @staticmethod
    def _dropped_folder(event) -> str | None:
        for url in event.mimeData().urls():
            if url.isLocalFile() and Path(url.toLocalFile()).is_dir():
                return url.toLocalFile()
        return None

    def save_state(self) -> PanelData:
        state: dict[str, Any] = {"settings": self.settings().parameters(),
                                 "scale": self.scale_box.currentData(),
                                 "crisp": bool(self.crisp_box.currentData()),
                                 "frames": self.frames_spin.value(), "fps": self.fps_spin.value(),
                                 "training": self.training.state()}
        if self._interp["a"] is not None and self._interp["b"] is not None:
            state["interpolation"] = {"a": self._interp["a"].parameters(),
                                      "b": self._interp["b"].parameters(),
                                      "t": self.scrub.value() / 1000.0,
                                      "active": bool(self._interp["active"])}
        return PanelData(state=state)

    def restore_state(self, data: PanelData) -> None:
        values = self.read_state(data.state)
        stored = values.mapping("settings")
        settings = LatentSettings.from_parameters(stored)
        if settings is not None:
            self.apply_settings(settings)
        elif stored is not None:
            values.refuse("settings", stored, "a model, a seed and slider positions in range")

        def fill() -> None:
            scale = values.choice("scale", SCALES)
            if scale is not None:
                self.scale_box.setCurrentIndex(SCALES.index(scale))
            crisp = values.flag("crisp")
            if crisp is not None:
                self.crisp_box.setCurrentIndex(0 if crisp else 1)
            values.to_widget(self.frames_spin, "frames")
            values.to_widget(self.fps_spin, "fps")

        self._quiet_set(fill)
        self._view_changed()
        interpolation = values.mapping("interpolation")
        if interpolation is not None:
            ends = StateValues(interpolation, "latent panel's interpolation", values.dropped)
            a = LatentSettings.from_parameters(ends.mapping("a"))
            b = LatentSettings.from_parameters(ends.mapping("b"))
            if a is not None and b is not None:
                self._set_ends(a, b, ends.number("t", 0.0, 1.0, 0.0))
                self._interp["active"] = ends.flag("active", False)
        training = values.mapping("training")
        if training is not None:
            self.training.restore(training)

    def is_ready(self) -> bool:
        # A first picture on its way counts (a --screenshot waits for it); a newer
        # request drops it (latest wins), and a dropped task is done as well.
        return self._first_picture is None or self._first_picture.done


# --- benchmark: the UI stall while the user drags a slider and a model trains --------------------------------
def stall_scenario(window, seconds: float) -> Callable[[], bool]:
    """Starts a real training run (a GAN on a generated folder of 64 px shapes, through the
    panel's training widgets) and drags direction 1 back and forth through the real slider
    at 60 moves a second for ``seconds``; done when the drag is over and the run has been
    cancelled (cancel waits for its checkpoint)."""
    import tempfile

    from PySide6.QtCore import QTimer

    from genart_desktop.ui.panels.latent_bench import (ensure_bench_model, make_disc_folder,
                                                       prepare_gan_run)

    panel: LatentPanel = window.panels["latent"]
    ensure_bench_model(panel)
    box = panel.training

    def start_training(folder: Path) -> None:
        prepare_gan_run(box, folder, "stall-benchmark")
        box.start()

    # the folder is written off the UI thread, as a user's folder would already exist
    box.worker().submit(
        lambda job: make_disc_folder(Path(tempfile.mkdtemp(prefix="genart-latent-stall-")), 64),
        on_result=start_training)

    slider = panel.sliders[0]
    end = time.perf_counter() + seconds
    state = {"value": 0, "step": 7, "pressed": False, "finished": False}

    def move() -> None:
        if not state["pressed"]:
            slider.setSliderDown(True)  # emits sliderPressed, as a real press does
            state["pressed"] = True
        if time.perf_counter() >= end:
            timer.stop()
            slider.setSliderDown(False)
            box.cancel()
            state["finished"] = True
            return
        value = state["value"] + state["step"]
        if abs(value) > 3 * SLIDER_STEPS:
            state["step"] = -state["step"]
            value = state["value"] + state["step"]
        state["value"] = value
        slider.setValue(value)

    timer = QTimer(panel)
    timer.setInterval(16)  # a hand moving a mouse: about 60 events a second
    timer.timeout.connect(move)
    timer.start()
    return lambda: state["finished"] and not box.running
