"""Text panel: verse written with the model, in forms the decoder guarantees.

The poem lives in an editor. Generate, Continue and Regenerate line run on the panel's
worker (the model is loaded there once, in the background, when the panel is first
shown) and stream their characters into the editor as they are drawn; each action is a
single undo step, and the user's own text is never rewritten (see ``text_editing``).
Finished poems become drafts with their settings; "Train on my texts" adds models.
"""

from __future__ import annotations

import gc
import json
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QFont, QFontDatabase
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QPushButton,
                               QScrollArea, QSpinBox, QSplitter, QTabWidget, QVBoxLayout,
                               QWidget)

from genart_desktop.core.cli_args import MAX_SEED
from genart_desktop.core.project import PanelData
from genart_desktop.text.limits import MAX_FREE_LINES, MAX_SYLLABLES, MAX_TEMPERATURE
from genart_desktop.ui import settings as settings_module
from genart_desktop.ui.panels.base import Panel
from genart_desktop.ui.state_values import StateValues
from genart_desktop.ui.panels.text_drafts import Draft, DraftsBox
from genart_desktop.ui.panels.text_editing import (StreamWriter, engine_prompt, line_at,
                                                   line_spans, result_lines,
                                                   splice_continuation)
from genart_desktop.ui.panels.text_training import TrainingBox

KIND = "text-lm"
DEFAULT_MODEL = "tang-poems"  # selected until the user picks another
FORMS = {
    "zh": [("auto", "Automatic (from your lines)"), ("wujue", "五言绝句 (4 lines × 5)"),
           ("qijue", "七言绝句 (4 lines × 7)"), ("wulv", "五言律诗 (8 lines × 5)"),
           ("qilv", "七言律诗 (8 lines × 7)")],
    "en": [("quatrain", "Quatrain"), ("couplet", "Couplet"), ("free", "Free verse")],
}
RHYMES_ZH = [("even", "Even lines rhyme"), ("tones", "Even lines rhyme, 平仄 tones kept"),
             ("none", "No rhyme")]
RHYMES_EN = {
    "quatrain": [(s, s) for s in ("ABAB", "AABB", "ABCB", "ABBA", "AAAA")],
    "couplet": [("AA", "AA")],
    "free": [("none", "Unrhymed")],
}
SCRIPTS = [("", "As the model or your text"), ("simplified", "Simplified 简体"),
           ("traditional", "Traditional 繁體")]
PREFERRED_CJK_FONTS = ("Noto Serif CJK SC", "Noto Serif CJK TC", "Noto Sans CJK SC",
                       "Noto Sans CJK TC", "Source Han Serif SC", "AR PL UKai CN",
                       "AR PL UMing CN", "WenQuanYi Zen Hei")
CJK_FONT_PACKAGE = "fonts-noto-cjk"
ACTION_LABELS = {"generate": "Generate", "continue": "Continue", "regenerate": "Regenerate line"}


@dataclass
class ModelEntry:
    name: str
    card_path: str
    language: str     # "zh" or "en"
    shipped: bool
    description: str


def cjk_font_family() -> str | None:
    """A font family that can show Chinese, preferring a serif one; None if none is installed."""
    families = set(QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese))
    families |= set(QFontDatabase.families(QFontDatabase.WritingSystem.TraditionalChinese))
    for family in PREFERRED_CJK_FONTS:
        if family in families:
            return family
    return sorted(families)[0] if families else None


def list_text_models(extra_cards: list[str]) -> list[ModelEntry]:
    """The shipped and the user's text models, plus model cards opened by path."""
    from genart_desktop.core.checkpoints import find_model, list_models
    from genart_desktop.core.errors import UserError

    infos = list_models(KIND)
    for card in extra_cards:
        try:
            infos.append(find_model(card, kind_prefix=KIND))
        except UserError:
            continue
    entries, seen = [], set()
    for info in infos:
        path = str(info.card_path.resolve())
        if path in seen:
            continue
        seen.add(path)
        card = info.card
        language = "zh" if card.get("language") == "zh" else "en"
        parameters = (card.get("architecture") or {}).get("parameters")
        size = ""
        if isinstance(parameters, int):
            size = (f", {parameters / 1e6:.1f} M parameters" if parameters >= 100_000
                    else f", {parameters / 1e3:.0f} k parameters")
        bpc = (card.get("metrics") or {}).get("held_out_bpc")
        figure = f", held-out {bpc:.2f} bits/char" if isinstance(bpc, (int, float)) else ""
        origin = "comes with GenArt Desktop" if info.shipped else "your model"
        entries.append(ModelEntry(
            info.name, path, language, info.shipped,
            f"{'Chinese' if language == 'zh' else 'English'}, {origin}{size}{figure}"))
    return entries


def python_index(text: str, utf16_position: int) -> int:
    """Qt's cursor position (UTF-16 units) as an index into the Python string."""
    units = 0
    for index, char in enumerate(text):
        if units >= utf16_position:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    return len(text)


class TextPanel(Panel):
    name = "text"
    title = "Text"

    def build(self, area: QWidget) -> None:
        self.models: list[ModelEntry] = []
        self.models_listed = False
        self._extra_cards: list[str] = []
        self._wanted_model: str | None = None  # a name or card path to select once listed
        self._listings = 0  # only the latest listing is shown (an older one lacks new models)
        self._started = False
        self._load_handle = None
        self._action: dict[str, Any] | None = None
        self._loaded = None  # (key, PoetryEngine): touched only inside worker jobs
        self._training_worker = None
        self._applying = False
        # Settings are written a moment after the last change, off the UI thread (writing
        # the settings file took 40 ms on a busy disk).
        self._settings_timer = QTimer(self)
        self._settings_timer.setSingleShot(True)
        self._settings_timer.setInterval(1000)
        self._settings_timer.timeout.connect(self._write_settings)

        outer = QVBoxLayout(area)
        outer.setContentsMargins(0, 0, 0, 0)
        self.font_warning = QLabel()
        self.font_warning.setObjectName("cjk-font-warning")
        self.font_warning.setWordWrap(True)
        self.font_warning.setStyleSheet("color: #d9b35b; padding: 2px;")
        self.font_warning.hide()
        outer.addWidget(self.font_warning)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(splitter, 1)
        splitter.addWidget(self._build_controls())
        splitter.addWidget(self._build_editor())
        tabs = QTabWidget()
        self.drafts = DraftsBox(self.restore_draft, self.export_draft)
        self.training = TrainingBox(self)
        tabs.addTab(self.drafts, "Drafts")
        training_scroll = QScrollArea()
        training_scroll.setWidgetResizable(True)
        training_scroll.setWidget(self.training)
        tabs.addTab(training_scroll, "Train on my texts")
        self.tabs = tabs
        splitter.addWidget(tabs)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 2)
        splitter.setStretchFactor(2, 1)

        self._apply_font()
        self._set_language("zh")
        self._restore_settings()
        self._update_buttons()
        self.window_.device_changed.connect(self._device_changed)

    # --- layout -------------------------------------------------------------------------------
    def _build_controls(self) -> QWidget:
        box = QWidget()
        form = QFormLayout(box)
        form.setContentsMargins(0, 0, 4, 0)
        self.model_box = QComboBox()
        self.model_box.setObjectName("text-model")
        self.model_box.setPlaceholderText("looking for models…")
        self.model_box.currentIndexChanged.connect(self._model_chosen)
        form.addRow("Model", self.model_box)
        self.model_status = QLabel("")
        self.model_status.setWordWrap(True)
        self.model_status.setStyleSheet("color: gray;")
        form.addRow("", self.model_status)
        self.form_box = QComboBox()
        self.form_box.currentIndexChanged.connect(self._form_chosen)
        form.addRow("Form", self.form_box)
        self.rhyme_box = QComboBox()
        self.rhyme_box.setToolTip("Chinese: the even lines end in one rhyme group, optionally "
                                  "with the level/oblique (平仄) pattern; English: the "
                                  "quatrain's rhyme scheme")
        form.addRow("Rhyme", self.rhyme_box)
        self.acrostic = QLineEdit()
        self.acrostic.setPlaceholderText("藏头: one character per line, e.g. 春夏秋冬")
        form.addRow("Acrostic", self.acrostic)
        self.syllables = QSpinBox()
        self.syllables.setRange(0, MAX_SYLLABLES)  # the ranges of `genart write`
        self.syllables.setValue(8)
        self.syllables.setSpecialValueText("free")
        self.syllables_label = QLabel("Syllables")
        form.addRow(self.syllables_label, self.syllables)
        self.lines = QSpinBox()
        self.lines.setRange(1, MAX_FREE_LINES)
        self.lines.setValue(6)
        self.lines_label = QLabel("Lines")
        form.addRow(self.lines_label, self.lines)
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.0, MAX_TEMPERATURE)
        self.temperature.setSingleStep(0.05)
        self.temperature.setValue(0.8)
        self.temperature.setToolTip("Higher is bolder, lower is safer; 0 always takes the likeliest")
        form.addRow("Temperature", self.temperature)
        self.top_k = QSpinBox()
        self.top_k.setRange(0, 10000)
        self.top_k.setSpecialValueText("off")
        form.addRow("Top-k", self.top_k)
        self.top_p = QDoubleSpinBox()
        self.top_p.setRange(0.01, 1.0)
        self.top_p.setSingleStep(0.05)
        self.top_p.setValue(0.95)
        form.addRow("Top-p", self.top_p)
        seed_row = QHBoxLayout()
        self.seed = QSpinBox()
        self.seed.setRange(0, MAX_SEED)
        self.random_seed = QCheckBox("new each time")
        self.random_seed.setChecked(True)
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.random_seed)
        form.addRow("Seed", seed_row)
        self.script_box = QComboBox()
        for key, label in SCRIPTS:
            self.script_box.addItem(label, key)
        self.script_label = QLabel("Script")
        form.addRow(self.script_label, self.script_box)
        for signal in (self.rhyme_box.currentIndexChanged, self.acrostic.textChanged,
                       self.syllables.valueChanged, self.lines.valueChanged,
                       self.temperature.valueChanged, self.top_k.valueChanged,
                       self.top_p.valueChanged, self.seed.valueChanged,
                       self.random_seed.toggled, self.script_box.currentIndexChanged):
            signal.connect(self._remember_settings)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(box)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(330)
        return scroll

    def _build_editor(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(4, 0, 4, 0)
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("text-editor")
        self.editor.setPlaceholderText("Press Generate, or write your first lines and press "
                                       "Continue. Put the cursor on a line and press "
                                       "Regenerate line to write that line anew.")
        self.editor.textChanged.connect(self._editor_changed)
        layout.addWidget(self.editor, 1)
        row = QHBoxLayout()
        self.generate_button = QPushButton("Generate")
        self.generate_button.setToolTip("Write a new poem (Ctrl+Enter)")
        self.generate_button.setShortcut("Ctrl+Return")
        self.generate_button.clicked.connect(lambda: self.run_action("generate"))
        self.continue_button = QPushButton("Continue")
        self.continue_button.setToolTip("Keep the text as written and carry the form on")
        self.continue_button.clicked.connect(lambda: self.run_action("continue"))
        self.regenerate_button = QPushButton("Regenerate line")
        self.regenerate_button.setToolTip("Write the line under the cursor anew, keeping "
                                          "the others, its length and its rhyme")
        self.regenerate_button.clicked.connect(lambda: self.run_action("regenerate"))
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.stop)
        for button in (self.generate_button, self.continue_button, self.regenerate_button,
                       self.stop_button):
            row.addWidget(button)
        layout.addLayout(row)
        return box

    def _apply_font(self) -> None:
        family = cjk_font_family()
        font = QFont(family) if family else QFont()
        font.setPointSize(15)
        self.editor.setFont(font)
        if family is None:
            self.font_warning.setText(
                "No installed font can show Chinese characters, so Chinese poems will show "
                f"as boxes. Install one, e.g. on Debian or Ubuntu: sudo apt install "
                f"{CJK_FONT_PACKAGE}, then restart GenArt Desktop.")
            self.font_warning.show()

    # --- models ---------------------------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not self._started:  # the model loads when the panel is first shown
            self._started = True
            self.refresh_models()

    def refresh_models(self, select: str | None = None) -> None:
        """List the models in the background, then select and load one."""
        self._started = True
        if select is not None:
            self._wanted_model = select
        extra = list(self._extra_cards)
        self._listings += 1
        number = self._listings
        self.worker.submit(lambda job: list_text_models(extra), label="list text models",
                           key="list-models",
                           on_result=lambda entries: self._models_listed(entries, number))

    def use_model(self, card_path: str) -> None:
        """Add a model card from anywhere to the picker and select it."""
        self._extra_cards.append(str(card_path))
        self.refresh_models(select=str(Path(card_path).resolve()))

    def _models_listed(self, entries: list[ModelEntry], number: int) -> None:
        if number != self._listings:
            return  # a newer listing is on its way
        previous = self.current_model()
        wanted = self._wanted_model or (previous.card_path if previous else None) or \
            settings_module.app_settings().value("text/model") or DEFAULT_MODEL
        self._wanted_model = None
        self.models, self.models_listed = entries, True
        self.model_box.blockSignals(True)
        self.model_box.clear()
        for entry in entries:
            self.model_box.addItem(entry.name, entry.card_path)
            self.model_box.setItemData(self.model_box.count() - 1, entry.description,
                                       Qt.ItemDataRole.ToolTipRole)
        index = next((i for i, e in enumerate(entries) if wanted in (e.card_path, e.name)), 0)
        self.model_box.setCurrentIndex(index if entries else -1)
        self.model_box.blockSignals(False)
        self.training.set_models(entries)
        if not entries:
            self.model_status.setText("No text model yet: train one under “Train on my texts”.")
        self._model_chosen()

    def current_model(self) -> ModelEntry | None:
        index = self.model_box.currentIndex()
        return self.models[index] if 0 <= index < len(self.models) else None

    def _model_chosen(self, *_args) -> None:
        entry = self.current_model()
        self._update_buttons()
        if entry is None:
            return
        self._set_language(entry.language)
        self._remember_settings()
        self._load(entry)

    def _load(self, entry: ModelEntry) -> None:
        self.model_status.setText(f"Loading {entry.name}…")
        card = entry.card_path

        def load(job, device):
            engine = self._engine(card, device)
            if engine.language == "zh":
                # OpenCC reads its dictionaries on first use, holding the GIL for ~0.2 s:
                # now, while loading, rather than at the first streamed character.
                from genart_desktop.text import chinese

                chinese.convert_script("中", "simplified")
                chinese.convert_script("中", "traditional")
            return engine.device

        def loaded(device) -> None:
            if self.current_model() is entry:
                self.model_status.setText(f"{entry.description}; ready on {device}")

        self._load_handle = self.worker.submit(
            load, label=f"load {entry.name}", key="load-model", uses_device=True,
            on_result=loaded, on_error=self._load_failed)

    def _load_failed(self, message: str) -> None:
        self.model_status.setText("The model could not be loaded.")
        self.window_.show_error(message)

    def _engine(self, card_path: str, device):
        """The loaded engine for this model and device; runs on the worker thread only."""
        key = (card_path, str(device))
        if self._loaded is None or self._loaded[0] != key:
            from genart_desktop.text.engine import PoetryEngine

            self._loaded = None  # let the previous model go before loading the next
            # Loading builds tables of hundreds of thousands of objects (the English
            # lexicon), and each full garbage collection it set off held the GIL for
            # ~0.3 s, freezing the window. Collect nothing while loading, then move what
            # was built out of the collector's sight (it lives as long as the model).
            collecting = gc.isenabled()
            gc.disable()
            try:
                self._loaded = (key, PoetryEngine.load(card_path, device))
            finally:
                gc.freeze()
                if collecting:
                    gc.enable()
        return self._loaded[1]

    def _device_changed(self, _name: str) -> None:
        if self.models_listed and (entry := self.current_model()) is not None:
            self._load(entry)

    def is_ready(self) -> bool:
        return self._load_handle is None or self._load_handle.done

    def training_worker(self):
        """A second worker, so training never holds up writing poems."""
        if self._training_worker is None:
            # The window's own helper registers it for the status bar and for shutdown.
            self._training_worker = self.window_.add_worker("text-training")
        return self._training_worker

    # --- settings -----------------------------------------------------------------------------
    def _set_language(self, language: str) -> None:
        self._language = language
        current = self.form_box.currentData()
        self.form_box.blockSignals(True)
        self.form_box.clear()
        for key, label in FORMS[language]:
            self.form_box.addItem(label, key)
        index = self.form_box.findData(current)
        self.form_box.setCurrentIndex(max(index, 0))
        self.form_box.blockSignals(False)
        chinese = language == "zh"
        for widget in (self.acrostic, self.script_box, self.script_label):
            widget.setEnabled(chinese)
        self._form_chosen()

    def _form_chosen(self, *_args) -> None:
        form = self.form_box.currentData() or ""
        current = self.rhyme_box.currentData()
        choices = RHYMES_ZH if self._language == "zh" else RHYMES_EN.get(form, RHYMES_EN["quatrain"])
        self.rhyme_box.blockSignals(True)
        self.rhyme_box.clear()
        for key, label in choices:
            self.rhyme_box.addItem(label, key)
        self.rhyme_box.setCurrentIndex(max(self.rhyme_box.findData(current), 0))
        self.rhyme_box.blockSignals(False)
        english = self._language == "en"
        for widget in (self.syllables, self.syllables_label):
            widget.setVisible(english)
        for widget in (self.lines, self.lines_label):
            widget.setVisible(english and form == "free")
        self._remember_settings()

    def settings(self) -> dict[str, Any]:
        entry = self.current_model()
        return {
            # before the list is read, the model a restored state asked for
            "model": entry.name if entry else (self._wanted_model or ""),
            "language": self._language,
            "form": self.form_box.currentData() or "", "rhyme": self.rhyme_box.currentData() or "",
            "acrostic": self.acrostic.text(), "syllables": self.syllables.value(),
            "lines": self.lines.value(), "temperature": round(self.temperature.value(), 3),
            "top_k": self.top_k.value(), "top_p": round(self.top_p.value(), 3),
            "seed": self.seed.value(), "random_seed": self.random_seed.isChecked(),
            "script": self.script_box.currentData() or "",
        }

    def apply_settings(self, values: dict[str, Any]) -> None:
        """Put settings back into the controls (unknown or damaged values are skipped)."""
        self._applying = True
        try:
            model = values.get("model")
            if model and self.model_box.findText(str(model)) >= 0:
                self.model_box.setCurrentIndex(self.model_box.findText(str(model)))
            elif model and not self.models_listed:
                self._wanted_model = str(model)
            for box, key in ((self.form_box, "form"), (self.rhyme_box, "rhyme"),
                             (self.script_box, "script")):
                index = box.findData(values.get(key))
                if index >= 0:
                    box.setCurrentIndex(index)
            checked = StateValues(values, "text", self.state_warnings)
            for spin, key in ((self.syllables, "syllables"), (self.lines, "lines"),
                              (self.top_k, "top_k"), (self.seed, "seed"),
                              (self.temperature, "temperature"), (self.top_p, "top_p")):
                checked.to_widget(spin, key)
            if isinstance(values.get("acrostic"), str):
                self.acrostic.setText(values["acrostic"])
            if isinstance(values.get("random_seed"), bool):
                self.random_seed.setChecked(values["random_seed"])
        finally:
            self._applying = False
        self._remember_settings()

    def _remember_settings(self, *_args) -> None:
        if not self._applying:
            self._settings_timer.start()

    def _write_settings(self) -> None:
        values = self.settings()

        def write(job) -> None:
            stored = settings_module.app_settings()  # one QSettings per thread is safe
            stored.setValue("text/settings", json.dumps(values, ensure_ascii=False))
            if values["model"]:
                stored.setValue("text/model", values["model"])
            stored.sync()

        self.worker.submit(write, label="remember text settings", key="remember-settings")

    def _restore_settings(self) -> None:
        stored = settings_module.app_settings().value("text/settings")
        try:
            values = json.loads(stored) if stored else {}
        except (TypeError, ValueError):
            values = {}
        if isinstance(values, dict):
            if values.get("language") in FORMS:
                self._set_language(values["language"])
            self.apply_settings({k: v for k, v in values.items() if k != "model"})

    def request_options(self, values: dict[str, Any], language: str) -> dict[str, Any]:
        """The engine's PoemRequest fields for these settings."""
        options: dict[str, Any] = dict(
            form=values["form"] or "auto", seed=values["seed"],
            temperature=values["temperature"], top_k=values["top_k"], top_p=values["top_p"])
        if language == "zh":
            options.update(acrostic=values["acrostic"].strip(),
                           rhyme=values["rhyme"] in ("even", "tones"),
                           tones=values["rhyme"] == "tones", script=values["script"] or None)
        else:
            rhymed = values["form"] in ("quatrain", "couplet")
            options.update(scheme=values["rhyme"] if values["form"] == "quatrain" else "ABAB",
                           syllables=values["syllables"] if rhymed or values["syllables"] else None,
                           lines=values["lines"] if values["form"] == "free" else None)
        return options

    # --- actions ----------------------------------------------------------------------------------
    def busy(self) -> bool:
        return self._action is not None

    def run_action(self, kind: str) -> None:
        """Generate, Continue or Regenerate line, streamed into the editor as one undo step."""
        if self.busy():
            return
        entry = self.current_model()
        if entry is None:
            self.window_.show_error("There is no text model yet: train one under "
                                    "“Train on my texts”, or wait for the model list.")
            return
        text = self.editor.toPlainText()
        language = entry.language
        if kind == "continue" and not text.strip():
            kind = "generate"
        if kind == "regenerate":
            spans = line_spans(text, language)
            if not spans:
                self.window_.show_error("There is no line to write anew: write or generate "
                                        "a poem first.")
                return
            index = line_at(spans, python_index(text, self.editor.textCursor().position()))
            start, end = spans[index]

            def shape(poem: str) -> str:
                lines = result_lines(poem, language)
                return lines[index] if index < len(lines) else text[start:end]

            def call(engine, request, job):
                return engine.regenerate_line(text, index, request, job)
        else:
            start, end = 0, len(text)
            if kind == "continue":
                def shape(poem: str) -> str:
                    return splice_continuation(text, poem, language)

                prompt = engine_prompt(text, language)

                def call(engine, request, job):
                    return engine.continue_text(prompt, request, job)
            else:
                def shape(poem: str) -> str:
                    return poem

                def call(engine, request, job):
                    return engine.generate(request, job)

        if self.random_seed.isChecked():
            self.seed.setValue(random.randrange(MAX_SEED))
        values = self.settings()
        options = self.request_options(values, language)
        card = entry.card_path

        def work(job, device):
            from genart_desktop.text.engine import PoemRequest

            engine = self._engine(card, device)
            return call(engine, PoemRequest(**options), job)

        writer = StreamWriter(self.editor, start, end)
        self._action = {"kind": kind, "writer": writer, "shape": shape, "settings": values}
        self._set_busy(True)
        self._action["handle"] = self.worker.submit(
            work, label=ACTION_LABELS[kind].lower(), key="write", uses_device=True,
            on_partial=self._stream, on_result=self._action_done,
            on_error=self._action_failed, on_cancelled=self._action_cancelled)

    def stop(self) -> None:
        if self._action is not None and "handle" in self._action:
            self._action["handle"].cancel()

    def _stream(self, poem: str) -> None:
        if self._action is not None:
            self._action["writer"].show(self._action["shape"](poem))

    def _action_done(self, poem: str) -> None:
        action = self._finish_action()
        if action is None:
            return
        action["writer"].show(action["shape"](poem))
        self.drafts.add(Draft(self.editor.toPlainText(), action["settings"],
                              ACTION_LABELS[action["kind"]]))
        self.window_.statusBar().showMessage(f"{ACTION_LABELS[action['kind']]}: done", 3000)
        self.changed.emit()
        self.window_.session.autosave()

    def _action_failed(self, message: str) -> None:
        self._finish_action()
        self.window_.show_error(message)

    def _action_cancelled(self) -> None:
        self._finish_action()
        self.window_.statusBar().showMessage("Stopped; what was written stays (Undo removes it)",
                                             4000)

    def _finish_action(self) -> dict[str, Any] | None:
        action, self._action = self._action, None
        self._set_busy(False)
        return action

    def _set_busy(self, busy: bool) -> None:
        self.editor.setReadOnly(busy)  # the user's typing must not interleave with the stream
        self._update_buttons()

    def _update_buttons(self) -> None:
        busy, usable = self.busy(), self.current_model() is not None
        for button in (self.generate_button, self.continue_button, self.regenerate_button):
            button.setEnabled(usable and not busy)
        self.stop_button.setEnabled(busy)

    def _editor_changed(self) -> None:
        if not self.busy():
            self.changed.emit()

    # --- drafts and files ---------------------------------------------------------------------------
    def restore_draft(self, draft: Draft) -> None:
        if self.busy():
            return
        writer = StreamWriter(self.editor, 0, len(self.editor.toPlainText()))
        writer.show(draft.text)
        self.apply_settings(draft.settings)
        self.changed.emit()

    def ask_save_path(self, title: str, suggested: str) -> str:
        """A path from a save dialog ('' when cancelled); tests replace it."""
        path, _ = QFileDialog.getSaveFileName(self, title, suggested, "Text (*.txt)")
        return path

    def export_draft(self, draft: Draft) -> None:
        self._export(draft.text, "Export draft as text")

    def export_poem(self) -> None:
        self._export(self.editor.toPlainText(), "Export poem as text")

    def _export(self, text: str, title: str) -> None:
        path = self.ask_save_path(title, "poem.txt")
        if not path:
            return
        if not Path(path).suffix:
            path += ".txt"
        try:
            Path(path).write_text(text.rstrip("\n") + "\n", encoding="utf-8")
        except OSError as error:
            self.window_.show_error(f"could not save {Path(path).name}: {error.strerror or error}")
            return
        self.window_.statusBar().showMessage(f"Saved {Path(path).name}", 4000)

    def file_actions(self) -> list:
        action = QAction("Export poem as text…", self)
        action.triggered.connect(self.export_poem)
        return [action]

    def save_state(self) -> PanelData:
        poem = self.editor.toPlainText()
        return PanelData(
            state={"version": 1, "settings": self.settings(), "drafts": self.drafts.to_state()},
            files={"poem.txt": poem.encode("utf-8")})

    def restore_state(self, data: PanelData) -> None:
        if self.busy():  # the running action lets go of the editor before it is replaced
            self.stop()
            self._finish_action()
        state = data.state if isinstance(data.state, dict) else {}
        try:
            poem = data.files.get("poem.txt", b"").decode("utf-8")
        except UnicodeDecodeError:
            poem = ""
        self.editor.setPlainText(poem)
        items = state.get("drafts") if isinstance(state.get("drafts"), list) else []
        drafts = [Draft.from_state(item) for item in items]
        self.drafts.set_drafts([d for d in drafts if d is not None])
        if isinstance(state.get("settings"), dict):
            self.apply_settings(state["settings"])


def stall_scenario(window, seconds: float) -> Callable[[], bool]:
    """Streaming generation through the real buttons, poem after poem, for ``seconds``.

    Uses the model in the picker; with none installed, an untrained stand-in of the
    shipped architecture (see ``text_bench.stand_in_model``) is made on the worker."""
    from genart_desktop.ui.panels.text_bench import stand_in_model

    panel: TextPanel = window.panels["text"]
    window.show_panel("text")
    panel.refresh_models()
    state = {"runs": 0, "deadline": time.perf_counter() + seconds, "stand_in": False}

    def done() -> bool:
        if not panel.models_listed:
            return False
        if panel.current_model() is None:
            if not state["stand_in"]:
                state["stand_in"] = True
                panel.worker.submit(lambda job: str(stand_in_model()), on_result=panel.use_model)
            return False
        if panel.busy():
            return False
        if state["runs"] and time.perf_counter() >= state["deadline"]:
            return True
        panel.generate_button.click()
        state["runs"] += 1
        return False

    return done
