"""Piano roll: notes to edit, a chorale model to generate, continue and harmonize, playback.

The panel wires three parts together and keeps the slow work off the UI thread:

- ``ScoreDocument`` (music_document.py): the score, its selection, its own undo stack
  (Ctrl+Z in the roll undoes notes; the window's Edit > Undo stays the canvas's).
- ``PianoRoll`` (music_roll.py): draws the document and turns gestures into edits.
- ``Player`` (music_audio.py): renders every edited score ahead in a background thread
  (FluidSynth) and streams it to the speakers, so Play sounds at once.

Model jobs (generate, continue, harmonize, regenerate) and file reading/writing run on
the panel's worker; sampled notes appear as they are drawn and the result is one undo step.
"""

from __future__ import annotations

import io
import math
import random
import shutil
import tempfile
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QMimeData, QPoint, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QColor, QDrag, QIcon, QPixmap
from PySide6.QtWidgets import (QApplication, QButtonGroup, QCheckBox, QComboBox,
                               QDoubleSpinBox, QFileDialog, QLabel, QPushButton,
                               QSpinBox, QToolButton, QVBoxLayout, QWidget)

from genart_desktop.core.errors import UserError
from genart_desktop.core.project import PanelData
from genart_desktop.music.score import (VOICE_NAMES, VOICES, Key, Note, Score, TempoChange,
                                        checked_time_signature)
from genart_desktop.ui.flow_layout import FlowLayout
from genart_desktop.ui.panels.base import Panel
from genart_desktop.ui.panels.music_audio import (SAMPLE_RATE, Player, SoundDeviceSink, Track,
                                                  seconds_to_beat, warm_up)
from genart_desktop.ui.panels.music_document import ScoreDocument, empty_score
from genart_desktop.ui.panels.music_instruments import GM_PROGRAMS
from genart_desktop.ui.panels.music_melody import MelodyTools
from genart_desktop.ui.panels.music_roll import VOICE_COLOURS, PianoRoll
from genart_desktop.ui.settings import app_settings

SNAPS = (("1/4", 1.0), ("1/8", 0.5), ("1/16", 0.25), ("off", None))
KEYS = [None] + [Key(t, m) for m in (False, True) for t in range(12)]
RENDER_AHEAD_MS = 50       # quiet time after an edit before the score is rendered ahead
PLAYHEAD_MS = 30
MIDI_FILTER = "MIDI files (*.mid *.midi);;All files (*)"


def _swatch(colour: str) -> QIcon:
    """A small square of a voice's colour: the voice box doubles as the roll's legend."""
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


def _key_text(key: Key | None) -> str:
    return "no key" if key is None else str(key)


class _DragHandle(QLabel):
    """Drag this out of the window to drop the score as a .mid file anywhere."""

    def __init__(self, panel: "MusicPanel") -> None:
        super().__init__("⇲ .mid")
        self.panel = panel
        self.setObjectName("music-drag-out")
        self.setToolTip("Drag the score out as a MIDI file (into a folder or a DAW)")
        self.setStyleSheet("border: 1px solid #666; border-radius: 3px; padding: 2px 6px;")
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self._press: QPoint | None = None

    def mousePressEvent(self, event) -> None:  # noqa: N802
        self._press = event.position().toPoint()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if self._press is None or (event.position().toPoint() - self._press).manhattanLength() \
                < QApplication.startDragDistance():
            return
        self._press = None
        mime = self.panel.score_mime_data()
        if mime is not None:
            drag = QDrag(self)
            drag.setMimeData(mime)
            drag.exec(Qt.DropAction.CopyAction)


class MusicPanel(Panel):
    name = "music"
    title = "Music"

    #: Gibbs steps per model job; None = the sampler's own default. Tests lower it.
    sampling_steps: int | None = None
    #: where audio goes; tests and benchmarks replace it with a RecordingSink factory
    sink_factory: Callable = SoundDeviceSink

    # --- layout ------------------------------------------------------------------------------
    def build(self, area: QWidget) -> None:
        self._models: dict[str, object] = {}     # only touched inside worker jobs
        self._job = None
        self._job_before: Score | None = None
        self._drag_dir: Path | None = None
        self._midi_cache: tuple[Score | None, bytes] = (None, b"")   # save_state's last MIDI
        self.audio_problem = ""
        self.document = ScoreDocument(self)
        self.player = Player(lambda: self.sink_factory())
        self._rendered_score: Score | None = None
        self._render_timer = QTimer(self, singleShot=True, interval=RENDER_AHEAD_MS)
        self._render_timer.timeout.connect(self.render_ahead)
        self._playhead_timer = QTimer(self, interval=PLAYHEAD_MS)
        self._playhead_timer.timeout.connect(self._tick)
        self.window_.ready.connect(self._after_startup)

        self.roll = PianoRoll(self.document)
        layout = QVBoxLayout(area)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(self._build_transport_row())
        layout.addLayout(self._build_edit_row())
        self.melody_tools = MelodyTools(self)
        layout.addWidget(self.melody_tools)
        layout.addWidget(self.roll, 1)
        self.status = QLabel("")
        self.status.setObjectName("music-status")
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: #d9b35b;")
        self.status.hide()
        layout.addWidget(self.status)

        self.roll.undo_requested.connect(self.undo)
        self.roll.redo_requested.connect(self.redo)
        self.roll.play_pause_requested.connect(self.play_pause)
        self.roll.seek_requested.connect(self.seek_beat)
        self.roll.loop_changed.connect(self._loop_range_changed)
        self.roll.midi_dropped.connect(self.import_midi)
        self.document.edited.connect(self._on_edited)
        self.document.changed.connect(self._on_document_changed)
        self.document.selection_changed.connect(self._show_selection)
        self.document.undo_stack.canUndoChanged.connect(self.undo_button.setEnabled)
        self.document.undo_stack.canRedoChanged.connect(self.redo_button.setEnabled)
        self._restore_settings()
        self._show_score_settings()
        self._update_buttons()

    def _build_transport_row(self) -> FlowLayout:
        row = FlowLayout()  # wraps on a narrow screen instead of pushing controls off it
        self.play_button = QPushButton("Play")
        self.play_button.setObjectName("music-play")
        self.play_button.setToolTip("Play or pause (Space in the piano roll)")
        self.play_button.clicked.connect(self.play_pause)
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.stop)
        self.loop_box = QCheckBox("Loop")
        self.loop_box.setToolTip("Loop the range dragged in the ruler (or the whole score)")
        self.loop_box.toggled.connect(lambda _: self._apply_loop())
        row.group(self.play_button, self.stop_button, self.loop_box)

        self.generate_button = QPushButton("Generate")
        self.generate_button.setToolTip("A new chorale of the given number of bars (replaces the score)")
        self.generate_button.clicked.connect(self.generate)
        self.bars = QSpinBox()
        self.bars.setRange(1, 64)
        self.bars.setValue(8)
        self.bars.setSuffix(" bars")
        self.continue_button = QPushButton("Continue")
        self.continue_button.setToolTip("Add that many bars after the score")
        self.continue_button.clicked.connect(self.continue_)
        self.harmonize_button = QPushButton("Harmonize")
        self.harmonize_button.setToolTip("Three voices under the melody: the selected notes' "
                                         "voice, or else the top voice")
        self.harmonize_button.clicked.connect(self.harmonize)
        self.regenerate_button = QPushButton("Regenerate selection")
        self.regenerate_button.setToolTip("New notes for the selected notes' voices and beats")
        self.regenerate_button.clicked.connect(self.regenerate)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_job)
        row.group(self.generate_button, self.bars)
        for widget in (self.continue_button, self.harmonize_button, self.regenerate_button,
                       self.cancel_button):
            row.addWidget(widget)
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.1, 2.0)
        self.temperature.setSingleStep(0.05)
        self.temperature.setValue(0.9)
        row.group(QLabel("Temperature"), self.temperature)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.random_seed = QCheckBox("New each time")
        self.random_seed.setChecked(True)
        row.group(QLabel("Seed"), self.seed)
        row.addWidget(self.random_seed)
        return row

    def _build_edit_row(self) -> FlowLayout:
        row = FlowLayout()
        tools = []
        self.tool_group = QButtonGroup(self)
        for name, text, tip in (("draw", "Draw", "Click to add notes, drag to set their length"),
                                ("select", "Select", "Drag a rubber band; double-click adds")):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.setCheckable(True)
            button.setObjectName(f"music-tool-{name}")
            self.tool_group.addButton(button)
            button.toggled.connect(lambda on, n=name: on and self._set_tool(n))
            tools.append(button)
        self.tool_group.buttons()[0].setChecked(True)
        self.snap_box = QComboBox()
        for text, value in SNAPS:
            self.snap_box.addItem(text, value)
        self.snap_box.setCurrentIndex(2)
        self.snap_box.currentIndexChanged.connect(self._snap_changed)
        row.group(*tools, QLabel("Snap"), self.snap_box)
        self.voice_box = QComboBox()
        for voice, name in enumerate(VOICE_NAMES):
            self.voice_box.addItem(_swatch(VOICE_COLOURS[voice]), name)
        self.voice_box.setToolTip("Voice of new notes (and of the selection, with 'Set voice')")
        self.voice_box.currentIndexChanged.connect(self._voice_changed)
        self.instrument_box = QComboBox()
        self.instrument_box.setToolTip("General MIDI instrument of this voice")
        for number, name in enumerate(GM_PROGRAMS):
            self.instrument_box.addItem(f"{number + 1} {name}")
        self.instrument_box.activated.connect(
            lambda program: self.document.set_program(self.voice_box.currentIndex(), program))
        set_voice = QToolButton()
        set_voice.setText("Set voice")
        set_voice.setToolTip("Move the selected notes to this voice")
        set_voice.clicked.connect(
            lambda: self.document.set_voice_of_selection(self.voice_box.currentIndex()))
        row.group(QLabel("Voice"), self.voice_box, self.instrument_box, set_voice)
        self.velocity = QSpinBox()
        self.velocity.setRange(1, 127)
        self.velocity.setValue(80)
        self.velocity.setToolTip("Velocity of the selection, or of new notes")
        self.velocity.valueChanged.connect(self._velocity_changed)
        row.group(QLabel("Velocity"), self.velocity)
        transpose = []
        for text, semitones in (("−8va", -12), ("−1", -1), ("+1", 1), ("+8va", 12)):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(f"Transpose the selection by {semitones:+d} semitones")
            button.clicked.connect(lambda _=False, s=semitones: self.document.transpose_selection(s))
            transpose.append(button)
        row.group(*transpose)
        self.undo_button = QToolButton()
        self.undo_button.setText("Undo")
        self.undo_button.clicked.connect(self.undo)
        self.redo_button = QToolButton()
        self.redo_button.setText("Redo")
        self.redo_button.clicked.connect(self.redo)
        row.group(self.undo_button, self.redo_button)
        zoom = []
        for text, slot in (("Zoom +", lambda: self.roll.zoom_time(1.25)),
                           ("Zoom −", lambda: self.roll.zoom_time(0.8)),
                           ("Taller", lambda: self.roll.zoom_pitch(1.2)),
                           ("Shorter", lambda: self.roll.zoom_pitch(1 / 1.2))):
            button = QToolButton()
            button.setText(text)
            button.clicked.connect(slot)
            zoom.append(button)
        row.group(*zoom)
        self.tempo = QDoubleSpinBox()
        self.tempo.setRange(20.0, 300.0)
        self.tempo.setDecimals(1)
        self.tempo.setSuffix(" bpm")
        self.tempo.valueChanged.connect(lambda bpm: self._score_setting(self.document.set_tempo, bpm))
        row.group(QLabel("Tempo"), self.tempo)
        self.key_box = QComboBox()
        for key in KEYS:
            self.key_box.addItem(_key_text(key))
        self.key_box.currentIndexChanged.connect(
            lambda i: self._score_setting(self.document.set_key, KEYS[i]))
        self.numerator = QSpinBox()
        self.numerator.setRange(1, 16)
        self.denominator = QComboBox()
        for value in (2, 4, 8, 16):
            self.denominator.addItem(str(value), value)
        self.numerator.valueChanged.connect(lambda _: self._time_signature_changed())
        self.denominator.currentIndexChanged.connect(lambda _: self._time_signature_changed())
        row.group(self.key_box, self.numerator, QLabel("/"), self.denominator)
        row.addWidget(_DragHandle(self))
        return row

    def busy(self) -> bool:
        """A model job is drawing into the score, or variations are being auditioned."""
        return (self._job is not None and not self._job.done) or self.melody_tools.choosing

    def undo(self) -> None:
        if not self.busy():            # a model job is drawing into the score
            self.document.undo_stack.undo()

    def redo(self) -> None:
        if not self.busy():
            self.document.undo_stack.redo()

    # --- small reactions ------------------------------------------------------------------------
    def _set_tool(self, name: str) -> None:
        self.roll.tool = name
        app_settings().setValue("music/tool", name)

    def _snap_changed(self, index: int) -> None:
        self.roll.snap = self.snap_box.itemData(index)
        self.roll.viewport().update()
        app_settings().setValue("music/snap", index)

    def _voice_changed(self, voice: int) -> None:
        self.roll.voice = voice
        self.instrument_box.setCurrentIndex(self.document.score.programs[voice])

    def _velocity_changed(self, value: int) -> None:
        self.roll.velocity = value
        if not self._updating:
            self.document.set_velocity(value)

    _updating = False

    def _score_setting(self, setter, value) -> None:
        if not self._updating:
            setter(value)

    def _time_signature_changed(self) -> None:
        if not self._updating:
            self.document.set_time_signature(self.numerator.value(), self.denominator.currentData())

    def _show_score_settings(self) -> None:
        """Controls follow the score (after undo, loading, generating)."""
        score = self.document.score
        self._updating = True
        try:
            self.tempo.setValue(score.tempo)
            self.key_box.setCurrentIndex(KEYS.index(score.key) if score.key in KEYS else 0)
            numerator, denominator = score.time_signature
            self.numerator.setValue(numerator)
            index = self.denominator.findData(denominator)
            if index < 0:
                self.denominator.addItem(str(denominator), denominator)
                index = self.denominator.count() - 1
            self.denominator.setCurrentIndex(index)
            self.instrument_box.setCurrentIndex(score.programs[self.voice_box.currentIndex()])
        finally:
            self._updating = False

    def _show_selection(self) -> None:
        notes = self.document.selected_notes()
        if notes:
            self._updating = True
            self.velocity.setValue(notes[0].velocity)
            self._updating = False
        self._update_buttons()

    def _on_document_changed(self) -> None:
        if not self.document.previewing:
            self._show_score_settings()

    def _on_edited(self) -> None:
        self.changed.emit()
        self._render_timer.start()

    def _update_buttons(self) -> None:
        busy = self.busy()
        has_notes = bool(self.document.score.notes)
        for button in (self.generate_button, self.bars):
            button.setEnabled(not busy)
        self.continue_button.setEnabled(not busy and has_notes)
        self.harmonize_button.setEnabled(not busy and has_notes)
        self.regenerate_button.setEnabled(not busy and bool(self.document.selection))
        self.cancel_button.setEnabled(busy)
        self.undo_button.setEnabled(not busy and self.document.undo_stack.canUndo())
        self.redo_button.setEnabled(not busy and self.document.undo_stack.canRedo())
        self.roll.read_only = busy
        self.melody_tools.update_buttons(busy)
        playing = self.player.state == "playing"
        self.play_button.setText("Pause" if playing else "Play")

    def _restore_settings(self) -> None:
        stored = app_settings()
        snap = int(stored.value("music/snap", 2))
        if 0 <= snap < len(SNAPS):
            self.snap_box.setCurrentIndex(snap)
        if stored.value("music/tool", "draw") == "select":
            self.tool_group.buttons()[1].setChecked(True)

    def _after_startup(self) -> None:
        """Warm FluidSynth and load the chorale model in the background, once the window
        is up, so the first Play and the first Generate do not wait for them."""
        warm_up()

        def load(job) -> None:
            self._model()

        # A missing model is said when the user asks for it, not at start-up.
        self.worker.submit(load, label="load chorale model", on_error=lambda message: None)

    # --- the model --------------------------------------------------------------------------------
    def _model(self):
        """The chorale model, loaded once on the worker thread."""
        if "chorale" not in self._models:
            from genart_desktop.music.model import load_model

            self._models["chorale"] = load_model()
        return self._models["chorale"]

    def _melody_model(self):
        """The melody VAE, loaded once on the worker thread."""
        if "melody" not in self._models:
            from genart_desktop.music.melody_model import load_model

            self._models["melody"] = load_model()
        return self._models["melody"]

    def _take_seed(self) -> int:
        if self.random_seed.isChecked():
            self.seed.setValue(random.randrange(2**31 - 1))
        return self.seed.value()

    def _run_model(self, label: str, run: Callable, load: Callable | None = None) -> None:
        """``run(model, score, options, job) -> Score`` on the worker; the result is one step.
        ``load`` gives the model on the worker (default: the chorale model)."""
        if self._job is not None and not self._job.done:
            return
        if self.document.in_gesture:
            self.document.end()
        before = self.document.score.copy()
        self._job_before = before
        options = {"temperature": self.temperature.value(), "seed": self._take_seed(),
                   "steps": self.sampling_steps}

        def work(job):
            result = run((load or self._model)(), before.copy(), options, job)
            return result, midi_bytes(result)      # the autosave then writes no MIDI here

        def finished(outcome) -> None:
            result, data = outcome
            self._midi_cache = (result.copy(), data)
            self.document.replace_score(result, label, before=before)
            self._job_done()
            self.window_.statusBar().showMessage(f"{label}: done (seed {options['seed']})", 5000)
            self.window_.session.autosave()

        def failed(message: str) -> None:
            self.document.end_preview(before)
            self._job_done()
            self.window_.show_error(message)

        def cancelled() -> None:
            self.document.end_preview(before)
            self._job_done()
            self.window_.statusBar().showMessage(f"{label}: cancelled; the score is as it was", 5000)

        self._job = self.worker.submit(
            work, label=label, key="model", show_progress=True,
            on_partial=self.document.show_preview, on_result=finished, on_error=failed,
            on_cancelled=cancelled)
        self._update_buttons()

    def _job_done(self) -> None:
        self._job = None
        self._job_before = None
        self._update_buttons()

    def cancel_job(self) -> None:
        if self._job is not None:
            self._job.cancel()

    def generate(self) -> None:
        from_score = self.document.score
        bars = self.bars.value()
        key, signature, tempo = from_score.key, tuple(from_score.time_signature), from_score.tempo

        def run(model, score, options, job):
            from genart_desktop.music.engine import generate

            result = generate(model, bars=bars, key=key, time_signature=signature, tempo=tempo,
                              job=job, **options)
            result.programs = score.programs
            return result

        self._run_model("Generate", run)

    def continue_(self) -> None:
        bars = self.bars.value()

        def run(model, score, options, job):
            from genart_desktop.music.engine import continue_score

            return continue_score(model, score, bars=bars, job=job, **options)

        self._run_model("Continue", run)

    def melody_voice(self) -> int | None:
        """The selected notes' voice when they are all one voice, else the top voice."""
        selected = {n.voice for n in self.document.selected_notes()}
        if len(selected) == 1:
            return selected.pop()
        present = sorted({n.voice for n in self.document.score.notes})
        return present[0] if present else None

    def harmonize(self) -> None:
        voice = self.melody_voice()
        if voice is None:
            self.window_.show_error("Harmonize needs a melody: write or load some notes first.")
            return

        def run(model, score, options, job):
            from genart_desktop.music.engine import harmonize

            return harmonize(model, score, melody_voice=voice, job=job, **options)

        self._run_model(f"Harmonize ({VOICE_NAMES[voice]})", run)

    def regenerate(self) -> None:
        notes = self.document.selected_notes()
        if not notes:
            self.window_.show_error("Select the notes to regenerate first.")
            return
        start = math.floor(min(n.start for n in notes) * 4 + 1e-9) / 4   # whole 16ths
        end = math.ceil(max(n.end for n in notes) * 4 - 1e-9) / 4
        voices = tuple(sorted({n.voice for n in notes}))

        def run(model, score, options, job):
            from genart_desktop.music.engine import Region, regenerate

            return regenerate(model, score, Region(start, end, voices), job=job, **options)

        self._run_model("Regenerate selection", run)

    # --- playback ---------------------------------------------------------------------------------
    def soundfont(self) -> str | None:
        value = app_settings().value("soundfont", "")
        return str(value) if value else None

    def render_ahead(self) -> Track | None:
        """Render the current score in the background unless it already is."""
        self._render_timer.stop()
        score = self.document.score
        if self.document.previewing or self.document.in_gesture:
            self._render_timer.start()
            return None
        track = self.player.track
        if track is not None and score == self._rendered_score \
                and track.soundfont == self.soundfont() and not track.error:
            return track
        self._rendered_score = score.copy()
        track = Track(self._rendered_score, self.soundfont()).start()
        self.player.set_track(track)
        self._apply_loop()
        return track

    def preview_from(self, beat: float) -> None:
        """Play the notes shown now (a preview the document does not keep) from ``beat``."""
        self._rendered_score = self.document.score.copy()
        self.player.set_track(Track(self._rendered_score, self.soundfont()).start())
        self.seek_beat(beat)
        self.play()

    def play_pause(self) -> None:
        if self.player.state == "playing":
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        if not self.document.score.notes:
            self.window_.statusBar().showMessage("There are no notes to play.", 4000)
            return
        self.render_ahead()
        self._apply_loop()
        try:
            self.player.play()
        except UserError as error:
            self._audio_failed(str(error))
            return
        self._playhead_timer.start()
        self._update_buttons()

    def pause(self) -> None:
        self.player.pause()
        self._playhead_timer.stop()
        self._tick()
        self._update_buttons()

    def stop(self) -> None:
        self.player.stop()
        self._playhead_timer.stop()
        self._tick()
        self._update_buttons()

    def seek_beat(self, beat: float) -> None:
        score = self._rendered_score or self.document.score
        self.player.seek(int(score.beat_to_seconds(beat) * SAMPLE_RATE))
        self._tick()

    def _loop_range_changed(self, loop) -> None:
        if loop is not None:
            self.loop_box.setChecked(True)
        self._apply_loop()

    def _apply_loop(self) -> None:
        score = self._rendered_score or self.document.score
        if not self.loop_box.isChecked():
            self.player.set_loop(None, None)
            return
        start, end = self.roll.loop or (0.0, score.end_beat)
        if score.end_beat > 0 and not self.roll.loop:
            bar = score.beats_per_bar
            end = -(-score.end_beat // bar) * bar        # whole bars
        self.player.set_loop(int(score.beat_to_seconds(start) * SAMPLE_RATE),
                             int(score.beat_to_seconds(end) * SAMPLE_RATE))

    def _tick(self) -> None:
        """The playhead follows what is heard; problems in the render stop playback."""
        track = self.player.track
        if track is not None and track.error:
            self.player.stop()
            self._playhead_timer.stop()
            self._update_buttons()
            self._rendered_score = None
            self._audio_failed(track.error)
            return
        score = track.score if track is not None else self.document.score
        beat = seconds_to_beat(score, self.player.heard_seconds())
        self.roll.set_playhead(beat)
        if self.player.state == "playing":
            self.roll.follow(beat)
            if self.player.finished:
                self.stop()

    def _audio_failed(self, message: str) -> None:
        first = message != self.audio_problem
        self.audio_problem = message
        self.status.setText(f"Playback: {message}")
        self.status.show()
        if first:
            self.window_.show_error(message)

    def shutdown(self) -> None:
        """Stop the sound and the render threads (the window closing, tests)."""
        self._playhead_timer.stop()
        self._render_timer.stop()
        self.player.close()
        if self._drag_dir is not None:
            shutil.rmtree(self._drag_dir, ignore_errors=True)
            self._drag_dir = None

    # --- files -------------------------------------------------------------------------------------
    def file_actions(self) -> list:
        actions = []
        for text, slot in (("Import MIDI…", self._import_dialog), ("Export MIDI…", self._export_midi_dialog),
                           ("Export WAV…", self._export_wav_dialog)):
            action = QAction(text, self)
            action.triggered.connect(slot)
            actions.append(action)
        return actions

    def _import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import MIDI", "", MIDI_FILTER)
        if path:
            self.import_midi(path)

    def _export_midi_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export MIDI", self._file_stem() + ".mid",
                                              MIDI_FILTER)
        if path:
            self.export_midi(path)

    def _export_wav_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export WAV", self._file_stem() + ".wav",
                                              "WAV audio (*.wav)")
        if path:
            self.export_wav(path)

    def _file_stem(self) -> str:
        title = "".join(c for c in self.document.score.title if c.isalnum() or c in " -_").strip()
        return title or "score"

    def import_midi(self, path: str):
        """Read on the worker; a broken file gives its message and the score stays."""
        name = Path(path).name

        def read(job):
            from genart_desktop.music.midi_io import read_midi

            score, messages = read_midi(path)
            return score, messages, midi_bytes(score)

        def loaded(result) -> None:
            score, messages, data = result
            self._midi_cache = (score.copy(), data)
            self.document.replace_score(score, f"Load {name}")
            self.roll.show_notes()
            note = "; ".join(messages)
            self.window_.statusBar().showMessage(f"Loaded {name}" + (f" ({note})" if note else ""), 8000)
            self.window_.session.autosave()

        return self.worker.submit(read, label=f"read {name}", on_result=loaded)

    def export_midi(self, path: str):
        score = self.document.score.copy()
        if not path.lower().endswith((".mid", ".midi")):
            path += ".mid"

        def write(job):
            from genart_desktop.music.midi_io import write_midi

            return str(write_midi(score, path))

        return self.worker.submit(write, label=f"export {Path(path).name}",
                                  on_result=self._saved_message)

    def export_wav(self, path: str):
        score, soundfont = self.document.score.copy(), self.soundfont()
        if not path.lower().endswith(".wav"):
            path += ".wav"

        def write(job):
            from genart_desktop.music.render import render, write_wav

            job.progress(0.0, "rendering audio")
            return str(write_wav(render(score, soundfont, job=job), path))

        return self.worker.submit(write, label=f"export {Path(path).name}", show_progress=True,
                                  on_result=self._saved_message)

    def _saved_message(self, path: str) -> None:
        self.window_.statusBar().showMessage(f"Saved {Path(path).name}", 5000)

    def score_mime_data(self) -> QMimeData | None:
        """The score written to a temporary .mid, as a file URL (drag out)."""
        if not self.document.score.notes:
            self.window_.statusBar().showMessage("There are no notes to drag out.", 4000)
            return None
        from genart_desktop.music.midi_io import write_midi

        if self._drag_dir is None:
            self._drag_dir = Path(tempfile.mkdtemp(prefix="genart-midi-"))
        path = write_midi(self.document.score, self._drag_dir / f"{self._file_stem()}.mid")
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        return mime

    # --- projects -----------------------------------------------------------------------------------
    def save_state(self) -> PanelData:
        # While a model job shows its partial notes, the score is what it was before.
        score = self._job_before if self.document.previewing and self._job_before else \
            self.document.score
        state = {
            "version": 1, "tempo": score.tempo, "key": _key_text(score.key) if score.key else None,
            "time_signature": list(score.time_signature), "programs": list(score.programs),
            "title": score.title, "part_voices": _part_voices(score),
            "voice": self.voice_box.currentIndex(), "snap": self.snap_box.currentIndex(),
            "tool": self.roll.tool, "bars": self.bars.value(),
            "temperature": self.temperature.value(), "seed": self.seed.value(),
            "random_seed": self.random_seed.isChecked(), "loop": list(self.roll.loop or []),
            "loop_on": self.loop_box.isChecked(),
            "zoom": [self.roll.pixels_per_beat, self.roll.row_height],
        }
        files = {}
        if score.notes:
            cached_score, data = self._midi_cache
            if cached_score != score:
                data = midi_bytes(score)
                self._midi_cache = (score.copy(), data)
            files["score.mid"] = data
        return PanelData(state=state, files=files)

    def restore_state(self, data: PanelData) -> None:
        self.stop()
        values = self.read_state(data.state)
        score = empty_score()
        messages: list[str] = []
        try:
            if "score.mid" in data.files:
                from genart_desktop.music.midi_io import read_midi_bytes

                score, messages = read_midi_bytes(data.files["score.mid"], "score.mid")
                _put_voices_back(score, values.numbers("part_voices", None, 0, VOICES - 1))
            tempo = values.number("tempo", 1, 1000)
            if tempo is not None and not data.files:
                score.tempo_changes = [TempoChange(0.0, tempo)]
            if "key" in values:
                key = values.state["key"]
                score.key = Key.parse(key) if isinstance(key, str) and key else None
            signature = values.numbers("time_signature", 2, -math.inf, math.inf)
            if signature:
                try:  # a bad field is dropped with a word, not the whole score
                    score.time_signature = checked_time_signature(*signature)
                except ValueError as error:
                    messages.append(f"The music panel's {error}; kept 4/4")
            programs = values.numbers("programs", VOICES, 0, 127)
            if programs is not None:
                score.programs = tuple(int(p) for p in programs)
            title = values.state.get("title")
            score.title = title if isinstance(title, str) else score.title
        except (UserError, ValueError, TypeError) as error:
            self.window_.show_error(f"The music panel's score could not be restored: {error}")
            score = empty_score()
        self.document.reset(score)
        if messages:
            self.window_.statusBar().showMessage("; ".join(messages), 10000)
        self._restore_controls(values)
        self._rendered_score = None
        self.roll.show_notes()
        self._update_buttons()
        self._render_timer.start()

    def _restore_controls(self, values) -> None:
        self.voice_box.setCurrentIndex(values.number("voice", 0, VOICES - 1, 0, integer=True))
        snap = values.number("snap", 0, len(SNAPS) - 1, integer=True)
        if snap is not None:
            self.snap_box.setCurrentIndex(snap)
        self.tool_group.buttons()[1 if values.state.get("tool") == "select" else 0].setChecked(True)
        self.bars.setValue(values.number("bars", self.bars.minimum(), self.bars.maximum(), 8,
                                         integer=True))
        self.temperature.setValue(values.number("temperature", self.temperature.minimum(),
                                                self.temperature.maximum(), 0.9))
        self.seed.setValue(values.number("seed", self.seed.minimum(), self.seed.maximum(), 0,
                                         integer=True))
        self.random_seed.setChecked(values.flag("random_seed", True))
        loop = values.numbers("loop", 2, 0, 1e6)
        self.roll.set_loop((loop[0], loop[1]) if loop and loop[0] < loop[1] else None)
        self.loop_box.setChecked(values.flag("loop_on", False))
        zoom = values.numbers("zoom", 2, 1e-3, 1e4)
        if zoom is not None:
            self.roll.pixels_per_beat, self.roll.row_height = zoom
            self.roll.zoom_time(1.0)     # clamps and updates the scroll bars
            self.roll.zoom_pitch(1.0)


def midi_bytes(score: Score) -> bytes:
    """The score as a MIDI file's bytes (the engine's writer)."""
    from genart_desktop.music.midi_io import score_to_pretty_midi

    buffer = io.BytesIO()
    score_to_pretty_midi(score).write(buffer)
    return buffer.getvalue()


def _part_voices(score: Score) -> list[int]:
    """The score's voices in the order a MIDI reader meets them: highest average first."""
    present = [v for v in range(VOICES) if score.voice_notes(v)]
    return sorted(present, key=lambda v: -sum(n.pitch for n in score.voice_notes(v))
                  / len(score.voice_notes(v)))


def _put_voices_back(score: Score, part_voices) -> None:
    """``read_midi`` gives 1-3 parts fixed voices (soprano, bass...); put each part back
    in the voice it was saved from."""
    if not isinstance(part_voices, list) or not part_voices:
        return
    read_order = _part_voices(score)
    if len(read_order) != len(part_voices):
        return
    mapping = dict(zip(read_order, part_voices))
    for note in score.notes:
        note.voice = int(mapping.get(note.voice, note.voice))


# --- the UI stall benchmark's scenario -----------------------------------------------------------------
def melody_for_benchmark(bars: int = 8) -> Score:
    """A soprano line in G major, quarters and halves, ``bars`` bars of 4/4."""
    line = [67, 69, 71, 72, 74, 72, 71, 69, 67, 71, 74, 79, 78, 76, 74, 72]
    notes, beat, index = [], 0.0, 0
    while beat < bars * 4:
        duration = 2.0 if index % 4 == 3 else 1.0
        notes.append(Note(line[index % len(line)], beat, duration, 90, 0))
        beat += duration
        index += 1
    return Score(notes=notes, tempo_changes=[TempoChange(0.0, 80.0)], key=Key(7, False))


def stall_scenario(window, seconds: float) -> Callable[[], bool]:
    """Harmonize an 8-bar melody with the Harmonize button; done when the job ends."""
    panel: MusicPanel = window.panels["music"]
    window.show_panel("music")
    panel.document.reset(melody_for_benchmark(8))
    panel.harmonize_button.click()
    handle = panel._job

    def done() -> bool:
        return handle is None or handle.done

    return done
