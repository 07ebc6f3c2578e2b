"""The melody VAE in the piano roll: melodies A and B, Interpolate, Vary selection with a
row of variations to audition, and a morph slider between A and B.

- "Set A" / "Set B" take the selected notes (their top voice), or else the melody voice.
- "Interpolate" lays the steps from A to B out after the score, one after another, each
  starting on a bar line; notes appear bar by bar as they are decoded; one undo step.
- "Vary selection" decodes variations of the selected line; the row of numbered buttons
  auditions each in place (shown and played), "Keep" makes it one undo step, "Discard"
  puts the score back. Harmonize afterwards works on the result like on any melody.
- The morph slider re-decodes the melody between A and B as it moves (latest wins) in
  A's place; releasing it makes the result one undo step.

The model loads and runs on the panel's worker; this widget only keeps the state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPushButton, QSlider, QSpinBox,
                               QToolButton, QWidget)

from genart_desktop.music.score import VOICE_NAMES, Note, Score
from genart_desktop.ui.flow_layout import FlowLayout
from genart_desktop.ui.settings import app_settings

if TYPE_CHECKING:
    from genart_desktop.ui.panels.music import MusicPanel


@dataclass
class MelodySource:
    """A melody the user picked: copies of its notes and where it sat in the score."""
    notes: list[Note]
    voice: int

    @property
    def origin(self) -> float:
        """The 4/4 bar line the melody model counts from (as melody_from_notes does)."""
        return math.floor(min(n.start for n in self.notes) / 4.0 + 1e-9) * 4.0

    @property
    def end(self) -> float:
        return max(n.end for n in self.notes)

    def describe(self) -> str:
        return f"{len(self.notes)} notes, {VOICE_NAMES[self.voice]}, beat {self.notes[0].start + 1:g}"


def with_line(score: Score, voice: int, start: float, end: float, notes: list[Note]) -> Score:
    """The score with ``voice``'s notes in [start, end) replaced by ``notes`` (clipped)."""
    result = score.copy()
    result.notes = [n for n in result.notes
                    if not (n.voice == voice and start - 1e-9 <= n.start < end - 1e-9)]
    for note in notes:
        if start - 1e-9 <= note.start < end - 1e-9:
            duration = min(note.duration, end - note.start)
            result.notes.append(Note(note.pitch, note.start, duration, note.velocity, voice))
    result.notes.sort(key=lambda n: (n.start, n.voice, -n.pitch))
    return result


class MelodyTools(QWidget):
    def __init__(self, panel: "MusicPanel") -> None:
        super().__init__()
        self.panel = panel
        self.sources: dict[str, MelodySource | None] = {"A": None, "B": None}
        self.variations: list = []          # Melody objects while choosing
        self._vary_origin: tuple[Score, MelodySource] | None = None
        self._morph = None                  # engine.Morph, built on the worker
        self._morph_key = None
        self._morph_before: Score | None = None     # the score when the drag began
        self._latest_morph: Score | None = None
        self._latest_amount: float | None = None
        self._chosen = 0
        self._build()

    # --- layout ----------------------------------------------------------------------
    def _build(self) -> None:
        stored = app_settings()
        row = FlowLayout(self)  # wraps in a narrow dock
        self.set_buttons = {}
        for which in ("A", "B"):
            button = QToolButton()
            button.setText(f"Set {which}")
            button.setObjectName(f"melody-set-{which}")
            button.setToolTip(f"Melody {which}: the selected notes, or else the top voice")
            button.clicked.connect(lambda _=False, w=which: self.take(w))
            self.set_buttons[which] = button
        self.sources_label = QLabel("A: —  B: —")
        row.group(QLabel("Melody"), *self.set_buttons.values(), self.sources_label)
        self.steps = QSpinBox()
        self.steps.setRange(2, 16)
        self.steps.setValue(int(stored.value("music/melody_steps", 5)))
        self.steps.setSuffix(" steps")
        self.steps.valueChanged.connect(lambda v: app_settings().setValue("music/melody_steps", v))
        self.interpolate_button = QPushButton("Interpolate")
        self.interpolate_button.setToolTip("The melodies from A to B, after the score")
        self.interpolate_button.clicked.connect(self.interpolate)
        row.group(self.steps, self.interpolate_button)
        self.vary_button = QPushButton("Vary selection")
        self.vary_button.setToolTip("Variations of the selected notes to audition and pick")
        self.vary_button.clicked.connect(self.vary)
        self.count = QSpinBox()
        self.count.setRange(1, 8)
        self.count.setValue(int(stored.value("music/melody_count", 4)))
        self.count.valueChanged.connect(lambda v: app_settings().setValue("music/melody_count", v))
        row.group(self.vary_button, self.count)
        self.closeness = QSlider(Qt.Horizontal)
        self.closeness.setRange(0, 100)
        self.closeness.setValue(int(stored.value("music/melody_closeness", 70)))
        self.closeness.setFixedWidth(90)
        self.closeness.setToolTip("Right: close to the melody; left: far from it")
        self.closeness.valueChanged.connect(
            lambda v: app_settings().setValue("music/melody_closeness", v))
        row.group(QLabel("Closeness"), self.closeness)

        self.choices = QWidget()            # the variations to audition, while choosing
        choices_row = QHBoxLayout(self.choices)
        choices_row.setContentsMargins(0, 0, 0, 0)
        self.choice_buttons: list[QToolButton] = []
        for index in range(8):
            button = QToolButton()
            button.setText(str(index + 1))
            button.setCheckable(True)
            button.setToolTip(f"Hear variation {index + 1} in place")
            button.clicked.connect(lambda _=False, i=index: self.audition(i))
            self.choice_buttons.append(button)
            choices_row.addWidget(button)
        self.keep_button = QPushButton("Keep")
        self.keep_button.clicked.connect(self.keep)
        self.discard_button = QPushButton("Discard")
        self.discard_button.clicked.connect(self.discard)
        choices_row.addWidget(self.keep_button)
        choices_row.addWidget(self.discard_button)
        self.choices.hide()
        row.addWidget(self.choices)
        self.morph = QSlider(Qt.Horizontal)
        self.morph.setObjectName("melody-morph")
        self.morph.setRange(0, 100)
        self.morph.setFixedWidth(140)
        self.morph.setToolTip("Morph A's melody towards B (in A's place) as you drag")
        self.morph.sliderPressed.connect(self._morph_started)
        self.morph.valueChanged.connect(self._morph_moved)
        self.morph.sliderReleased.connect(self._morph_released)
        row.group(QLabel("A"), self.morph, QLabel("B"))

    @property
    def choosing(self) -> bool:
        return self._vary_origin is not None

    def update_buttons(self, busy: bool) -> None:
        document = self.panel.document
        both = all(self.sources.values())
        for button in self.set_buttons.values():
            button.setEnabled(not busy and bool(document.score.notes))
        self.interpolate_button.setEnabled(not busy and both)
        self.vary_button.setEnabled(not busy and bool(document.selection))
        self.morph.setEnabled((not busy or self._morph_before is not None) and both)
        if not self.choosing:
            self.choices.hide()

    # --- A and B -----------------------------------------------------------------------
    def take(self, which: str) -> None:
        document = self.panel.document
        notes = document.selected_notes()
        if notes:
            voice = min(n.voice for n in notes)
            notes = [n for n in notes if n.voice == voice]
        else:
            voice = self.panel.melody_voice()
            notes = [] if voice is None else document.score.voice_notes(voice)
        if not notes:
            self.panel.window_.show_error(f"Melody {which} needs notes: select some first.")
            return
        self.sources[which] = MelodySource([Note(n.pitch, n.start, n.duration, n.velocity, voice)
                                            for n in notes], voice)
        self._morph = None
        self.sources_label.setText("  ".join(
            f"{w}: {s.describe() if s else '—'}" for w, s in self.sources.items()))
        self.panel._update_buttons()

    def _melodies(self):
        from genart_desktop.music.melody import melody_from_notes

        return (melody_from_notes(self.sources["A"].notes, "melody A"),
                melody_from_notes(self.sources["B"].notes, "melody B"))

    # --- interpolate ------------------------------------------------------------------
    def interpolate(self) -> None:
        if not all(self.sources.values()):
            self.panel.window_.show_error("Set melodies A and B first.")
            return
        steps, voice = self.steps.value(), self.sources["A"].voice

        def run(model, score, options, job):
            from genart_desktop.music.melody import interpolate

            a, b = self._melodies()
            bar = score.beats_per_bar
            first = math.ceil(score.end_beat / bar - 1e-9) * bar
            spacing = math.ceil(max(a.steps, b.steps) / 4.0 / bar - 1e-9) * bar

            def placed(step_melodies) -> Score:
                result = score.copy()
                for k, melody in enumerate(step_melodies):
                    result.notes += melody.notes(start_beat=first + k * spacing, voice=voice)
                return result

            result = interpolate(model, a, b, steps, job=job,
                                 on_melodies=lambda ms: job.partial(placed(ms)))
            return placed(result)

        self.panel._run_model(f"Interpolate A→B ({steps} steps)", run,
                              load=self.panel._melody_model)

    # --- vary ---------------------------------------------------------------------------
    def vary(self) -> None:
        panel = self.panel
        notes = panel.document.selected_notes()
        if not notes:
            panel.window_.show_error("Select the notes to vary first.")
            return
        voice = min(n.voice for n in notes)
        source = MelodySource([n for n in notes if n.voice == voice], voice)
        count, closeness = self.count.value(), self.closeness.value() / 100.0
        seed = panel._take_seed()
        original = panel.document.score.copy()

        def work(job):
            from genart_desktop.music.melody import melody_from_notes, vary

            melody = melody_from_notes(source.notes, "the selection")
            return vary(panel._melody_model(), melody, count, closeness, seed, job=job), \
                melody.messages

        def finished(outcome) -> None:
            variations, messages = outcome
            panel._job = None
            self.variations = variations
            self._vary_origin = (original, source)
            for index, button in enumerate(self.choice_buttons):
                button.setVisible(index < len(variations))
            self.choices.show()
            if messages:
                panel.window_.statusBar().showMessage("; ".join(messages), 6000)
            panel._update_buttons()
            self.audition(0)

        def failed(message: str) -> None:
            panel._job_done()
            panel.window_.show_error(message)

        panel._job = panel.worker.submit(work, label="Vary selection", key="model",
                                         show_progress=True, on_result=finished,
                                         on_error=failed, on_cancelled=panel._job_done)
        panel._update_buttons()

    def variation_score(self, index: int) -> Score:
        original, source = self._vary_origin
        start = min(n.start for n in source.notes)
        notes = self.variations[index].notes(start_beat=source.origin, voice=source.voice)
        return with_line(original, source.voice, start, source.end, notes)

    def audition(self, index: int) -> None:
        if not self.choosing:
            return
        for number, button in enumerate(self.choice_buttons):
            button.setChecked(number == index)
        self._chosen = index
        self.panel.document.show_preview(self.variation_score(index))
        _, source = self._vary_origin
        self.panel.stop()
        self.panel.preview_from(min(n.start for n in source.notes))

    def keep(self) -> None:
        if not self.choosing:
            return
        original, _ = self._vary_origin
        chosen = self.variation_score(self._chosen)
        self._end_choosing()
        self.panel.document.replace_score(chosen, "Vary selection", before=original)

    def discard(self) -> None:
        if not self.choosing:
            return
        original, _ = self._vary_origin
        self._end_choosing()
        self.panel.document.end_preview(original)

    def _end_choosing(self) -> None:
        self.panel.stop()
        self._vary_origin = None
        self.variations = []
        self.choices.hide()
        self.panel._update_buttons()

    # --- morph ----------------------------------------------------------------------------
    def _morph_started(self) -> None:
        if self._morph_before is None:
            self._morph_before = self.panel.document.score.copy()

    def _morph_moved(self, value: int) -> None:
        if not all(self.sources.values()) or self.panel.busy() and self._morph_before is None:
            return
        self._morph_started()
        panel, source = self.panel, self.sources["A"]
        before, amount = self._morph_before, value / 100.0
        key = (id(self.sources["A"]), id(self.sources["B"]))

        def work(job):
            from genart_desktop.music.melody import Morph

            if self._morph is None or self._morph_key != key:
                a, b = self._melodies()
                self._morph, self._morph_key = Morph(panel._melody_model(), a, b), key
            melody = self._morph.at(amount)
            notes = melody.notes(start_beat=source.origin, voice=source.voice)
            return with_line(before, source.voice, source.origin,
                             source.origin + melody.steps / 4.0, notes)

        def shown(score: Score) -> None:
            if self._morph_before is None:
                return                      # already committed or given up
            self._latest_morph, self._latest_amount = score, amount
            panel.document.show_preview(score)
            if not self.morph.isSliderDown():   # released, or moved by the keyboard
                self._commit_morph()

        def failed(message: str) -> None:
            self._morph_before = None
            panel.document.end_preview(before)
            panel.window_.show_error(message)

        panel.worker.submit(work, label="Melody morph", key="melody-morph",
                            on_result=shown, on_error=failed)

    def _morph_released(self) -> None:
        # A decode of the final position still under way commits when it lands.
        if self._latest_amount == self.morph.value() / 100.0:
            self._commit_morph()

    def _commit_morph(self) -> None:
        """What the slider shows now becomes one undo step."""
        latest = self._latest_morph
        before, self._morph_before = self._morph_before, None
        self._latest_morph = self._latest_amount = None
        if before is not None and latest is not None:
            self.panel.document.replace_score(latest, "Melody morph", before=before)
