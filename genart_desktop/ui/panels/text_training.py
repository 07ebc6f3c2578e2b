"""Train on my texts: a .txt file or a folder, a new model or a fine-tuned one, trained in
the background with progress, time remaining, loss, samples and cancel.

Training runs in a child process (``text_training_run``) watched by its own worker
thread, so the window stays smooth and the panel can keep writing poems meanwhile. A
cancelled run leaves its resumable state, and Start with the same name carries on.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QProgressBar,
                               QPushButton, QVBoxLayout, QWidget)

from genart_desktop.core import paths
from genart_desktop.core.jobs import format_duration
from genart_desktop.ui.panels.text_training_run import run_training, training_threads

if TYPE_CHECKING:
    from genart_desktop.ui.panels.text import ModelEntry, TextPanel

#: label, layers, width, context of a new model (6 attention heads, as ``genart train-text``)
SIZES = {
    "small": ("Small (2 layers × 96, quick)", 2, 96, 96),
    "medium": ("Medium (4 × 192, like the shipped models)", 4, 192, 128),
    "large": ("Large (6 × 288, hours)", 6, 288, 192),
}
SAMPLE_EVERY_S = 30.0
SAMPLES_SHOWN = 6
_LOSS = re.compile(r"training ([0-9.]+) bits/char")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\- ]{0,63}")


class TrainingBox(QWidget):
    def __init__(self, panel: "TextPanel") -> None:
        super().__init__()
        self.panel = panel
        self.handle = None
        layout = QVBoxLayout(self)
        form = QFormLayout()
        source_row = QHBoxLayout()
        self.source = QLineEdit()
        self.source.setPlaceholderText("a UTF-8 .txt file, or a folder of them")
        source_row.addWidget(self.source, 1)
        for text, folder in (("File…", False), ("Folder…", True)):
            button = QPushButton(text)
            button.clicked.connect(lambda checked=False, f=folder: self.choose_source(f))
            source_row.addWidget(button)
        form.addRow("Texts", source_row)
        self.base = QComboBox()
        self.base.setToolTip("Fine-tuning starts from a model and learns your texts' voice "
                             "in minutes; a new model learns everything from your texts")
        self.base.currentIndexChanged.connect(self._update_size)
        form.addRow("Start from", self.base)
        self.size = QComboBox()
        for key, (label, *_shape) in SIZES.items():
            self.size.addItem(label, key)
        form.addRow("New model size", self.size)
        self.minutes = QDoubleSpinBox()
        self.minutes.setRange(0.1, 24 * 60)
        self.minutes.setDecimals(1)
        self.minutes.setValue(10.0)
        self.minutes.setSuffix(" min")
        form.addRow("Train for", self.minutes)
        self.name = QLineEdit("my-poems")
        self.name.setToolTip("The new model's name in the model picker")
        form.addRow("Name", self.name)
        layout.addLayout(form)
        buttons = QHBoxLayout()
        self.start_button = QPushButton("Start training")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.loss = QLabel("")
        self.samples = QPlainTextEdit()
        self.samples.setReadOnly(True)
        self.samples.setPlaceholderText("Samples written by the model while it learns")
        self.samples.setMaximumHeight(110)
        for widget in (self.progress, self.status, self.loss, self.samples):
            layout.addWidget(widget)
        self.progress.hide()

    # --- choices --------------------------------------------------------------------------
    def set_models(self, entries: list["ModelEntry"]) -> None:
        current = self.base.currentData()
        self.base.blockSignals(True)
        self.base.clear()
        self.base.addItem("A new model", None)
        for entry in entries:
            self.base.addItem(f"Fine-tune {entry.name}", str(entry.card_path))
        index = self.base.findData(current)
        self.base.setCurrentIndex(max(index, 0))
        self.base.blockSignals(False)
        self._update_size()

    def _update_size(self, *_args) -> None:
        self.size.setEnabled(self.base.currentData() is None)

    def ask_source(self, folder: bool) -> str:
        """A file or folder from a dialog ('' when cancelled); tests replace it."""
        if folder:
            return QFileDialog.getExistingDirectory(self, "Folder of texts")
        path, _ = QFileDialog.getOpenFileName(self, "Texts to learn from", "",
                                              "Text files (*.txt *.md);;All files (*)")
        return path

    def choose_source(self, folder: bool) -> None:
        path = self.ask_source(folder)
        if path:
            self.source.setText(path)
            if self.name.text() in ("", "my-poems"):
                stem = re.sub(r"[^A-Za-z0-9_.\-]+", "-", Path(path).stem).strip("-.")
                self.name.setText(stem or "my-poems")

    # --- running --------------------------------------------------------------------------
    def running(self) -> bool:
        return self.handle is not None

    def start(self) -> None:
        if self.running():
            return
        source, name = self.source.text().strip(), self.name.text().strip()
        problem = self._check(source, name)
        if problem:
            self.panel.window_.show_error(problem)
            return
        base = self.base.currentData()
        _label, layers, width, context = SIZES[self.size.currentData()]
        options = dict(output=name, source=source, base=base, minutes=self.minutes.value(),
                       layers=layers, width=width, context=context,
                       sample_every_s=SAMPLE_EVERY_S, threads=training_threads())
        options["command"] = _command_line(options)

        def run(job):
            return run_training(options, job)

        self.samples.clear()
        self.loss.setText("")
        self.status.setText("Reading the texts…")
        self.progress.setValue(0)
        self.progress.show()
        self._set_running(True)
        self.handle = self.panel.training_worker().submit(
            run, label=f"train {name}", show_progress=True,
            on_progress=self._progress, on_partial=self._sample, on_result=self._finished,
            on_error=self._failed, on_cancelled=self._cancelled)

    def cancel(self) -> None:
        if self.handle is not None:
            self.handle.cancel()
            self.status.setText("Cancelling…")

    def _check(self, source: str, name: str) -> str:
        if not source:
            return "Choose a text file or a folder of texts to train on."
        if not Path(source).exists():
            return f"{source}: no such file or folder"
        if not _NAME.fullmatch(name):
            return (f"{name!r} cannot be a model name: use letters, digits, '-', '_' or '.', "
                    "starting with a letter or digit")
        if any(entry.name == name and entry.shipped for entry in self.panel.models):
            return f"{name!r} is a model that comes with GenArt Desktop: choose another name"
        if (paths.user_models_dir() / f"{name}.json").exists():
            return f"You already have a model named {name!r}: choose another name"
        return ""

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        for widget in (self.source, self.base, self.size, self.minutes, self.name):
            widget.setEnabled(not running)
        if not running:
            self._update_size()

    def _progress(self, fraction: float, message: str, remaining) -> None:
        self.progress.setValue(int(fraction * 1000))
        eta = f" · {format_duration(remaining)} left" if remaining is not None and fraction > 0 else ""
        self.status.setText(f"{message}{eta}")
        if (match := _LOSS.search(message)) is not None:
            self.loss.setText(f"Loss: {match.group(1)} bits per character (lower is better)")

    def _sample(self, text: str) -> None:
        lines = self.samples.toPlainText().split("\n\n") if self.samples.toPlainText() else []
        lines = (lines + [text.strip()])[-SAMPLES_SHOWN:]
        self.samples.setPlainText("\n\n".join(lines))

    def _done(self, message: str) -> None:
        self.handle = None
        self._set_running(False)
        self.progress.hide()
        self.status.setText(message)

    def _finished(self, card_path: str) -> None:
        import json

        try:
            card = json.loads(Path(card_path).read_text("utf-8"))
            metrics = card["metrics"]
            figure = held_out_figure(metrics["held_out_bpc"],
                                     metrics.get("baseline_kneser_ney_3gram_bpc"))
        except (OSError, ValueError, KeyError, TypeError):
            figure = ""
        self._done(f"Trained {Path(card_path).stem}{figure}. It is now in the model picker.")
        self.panel.refresh_models(select=card_path)

    def _failed(self, message: str) -> None:
        self._done(f"Training stopped: {message}")
        self.panel.window_.show_error(message)

    def _cancelled(self) -> None:
        self._done("Cancelled. Start again with the same name to carry on from where it "
                   "stopped.")


def held_out_figure(bpc: float, baseline: float | None) -> str:
    """How well a trained model knows the texts it did not train on (5% of the user's
    poems, kept aside), against a 3-gram built from the same training texts."""
    figure = f"; on your held-out poems {bpc:.2f} bits per character"
    if baseline is None:
        return figure + " (lower is better)"
    verdict = "better than" if bpc < baseline else "no better than"
    return (f"{figure}, {verdict} a simple 3-gram model of your texts ({baseline:.2f}; "
            "lower is better)")


def _command_line(options: dict) -> str:
    """The ``genart train-text`` command that does the same (kept in the model card)."""
    parts = ["genart", "train-text", options["source"], "-o", options["output"],
             "--minutes", f"{options['minutes']:g}"]
    if options["base"]:
        parts += ["--base", options["base"]]
    else:
        parts += ["--layers", str(options["layers"]), "--width", str(options["width"]),
                  "--context", str(options["context"])]
    return " ".join(shlex.quote(part) for part in parts)
