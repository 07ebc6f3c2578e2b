"""The score being edited in the piano roll, its selection and its undo stack.

Every change is one ``QUndoCommand`` holding the score before and after (a chorale is a
few hundred notes, so whole copies are cheap and can never get out of step). A mouse
gesture calls ``begin`` on press, changes ``score`` freely while dragging and ``end`` on
release: one gesture, one undo step. Model results shown while they are sampled
(``show_preview``) are not steps; the finished result is.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from genart_desktop.music.score import Key, Note, Score, TempoChange

MERGEABLE = 1        # QUndoCommand id for spin-box edits: a quick run of them is one step
MERGE_WINDOW_S = 1.0


def empty_score() -> Score:
    return Score(tempo_changes=[TempoChange(0.0, 90.0)], key=Key(0, False))


class _ScoreCommand(QUndoCommand):
    def __init__(self, document: "ScoreDocument", before: Score, before_selection: set[int],
                 label: str, merge: bool) -> None:
        super().__init__(label)
        self.document = document
        self.before, self.before_selection = before, set(before_selection)
        self.after, self.after_selection = document.score.copy(), set(document.selection)
        self._merge = merge
        self._stamp = time.monotonic()
        self._first = True

    def id(self) -> int:  # noqa: A003 - Qt's name
        return MERGEABLE if self._merge else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802
        if not isinstance(other, _ScoreCommand) or other.text() != self.text() \
                or other._stamp - self._stamp > MERGE_WINDOW_S:
            return False
        self.after, self.after_selection = other.after, other.after_selection
        self._stamp = other._stamp
        return True

    def redo(self) -> None:
        if self._first:              # the change is already made when the command is pushed
            self._first = False
            return
        self.document._put(self.after, self.after_selection)

    def undo(self) -> None:
        self.document._put(self.before, self.before_selection)


class ScoreDocument(QObject):
    #: notes or meta changed (drawn and, if ``edited``, rendered and saved)
    changed = Signal()
    #: a change the user made (an undo step, an undo, a redo): worth saving and rendering
    edited = Signal()
    selection_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.score = empty_score()
        self.selection: set[int] = set()       # indices into score.notes
        self.undo_stack = QUndoStack(self)
        self._gesture: tuple[Score, set[int], str, bool] | None = None
        self.previewing = False

    # --- steps ------------------------------------------------------------------------
    def begin(self, label: str, merge: bool = False) -> None:
        """Start a step; changes to ``score`` until ``end`` are that one step."""
        if self._gesture is None:
            self._gesture = (self.score.copy(), set(self.selection), label, merge)

    def end(self) -> bool:
        """Close the step; pushes it when the score changed. True when it did."""
        if self._gesture is None:
            return False
        before, selection, label, merge = self._gesture
        self._gesture = None
        if before == self.score:
            if selection != self.selection:
                self.selection_changed.emit()
            return False
        self.undo_stack.push(_ScoreCommand(self, before, selection, label, merge))
        self.changed.emit()
        self.edited.emit()
        return True

    def cancel_gesture(self) -> None:
        if self._gesture is not None:
            before, selection, _, _ = self._gesture
            self._gesture = None
            self._put(before, selection, edited=False)

    @property
    def in_gesture(self) -> bool:
        return self._gesture is not None

    def touch(self) -> None:
        """Redraw during a gesture (the step is pushed at ``end``)."""
        self.changed.emit()

    def replace_score(self, score: Score, label: str, before: Score | None = None) -> None:
        """A whole new score as one step (a model result, a loaded file)."""
        self.previewing = False
        # The score before a preview started is the real "before".
        before = self.score if before is None else before
        self._gesture = (before.copy(), set(self.selection), label, False)
        self.score = score.copy()
        self.selection = set()
        self.selection_changed.emit()
        if not self.end():
            self.changed.emit()

    def show_preview(self, score: Score) -> None:
        """Notes being sampled: drawn, not an undo step."""
        self.previewing = True
        self.score = score
        self.selection = set()
        self.changed.emit()

    def end_preview(self, original: Score) -> None:
        """A cancelled or failed job: back to the score as it was."""
        self.previewing = False
        self._put(original, set(), edited=False)

    def reset(self, score: Score) -> None:
        """Start over (a project opened): no history."""
        self.undo_stack.clear()
        self._gesture = None
        self._put(score, set(), edited=False)

    def _put(self, score: Score, selection: set[int], edited: bool = True) -> None:
        self.score = score.copy()
        self.selection = {i for i in selection if i < len(self.score.notes)}
        self.changed.emit()
        self.selection_changed.emit()
        if edited:
            self.edited.emit()

    # --- selection ------------------------------------------------------------------------
    def select(self, indices, add: bool = False) -> None:
        indices = set(indices)
        self.selection = (self.selection | indices) if add else indices
        self.selection_changed.emit()
        self.changed.emit()

    def select_all(self) -> None:
        self.select(range(len(self.score.notes)))

    def selected_notes(self) -> list[Note]:
        return [self.score.notes[i] for i in sorted(self.selection)]

    # --- editing operations (each one step) --------------------------------------------------
    def add_note(self, note: Note, label: str = "Add note") -> int:
        self.begin(label)
        self.score.notes.append(note)
        index = len(self.score.notes) - 1
        self.selection = {index}
        self.end()
        return index

    def delete_selection(self) -> None:
        if not self.selection:
            return
        self.begin("Delete notes")
        self.score.notes = [n for i, n in enumerate(self.score.notes) if i not in self.selection]
        self.selection = set()
        self.end()

    def duplicate_selection(self, snap: float | None) -> None:
        """Copies right after the selection's span (whole snap steps), then selected."""
        notes = self.selected_notes()
        if not notes:
            return
        start = min(n.start for n in notes)
        span = max(n.end for n in notes) - start
        if snap:
            span = math.ceil(span / snap - 1e-9) * snap
        self.begin("Duplicate notes")
        first = len(self.score.notes)
        self.score.notes += [replace(n, start=n.start + span) for n in notes]
        self.selection = set(range(first, len(self.score.notes)))
        self.end()

    def transpose_selection(self, semitones: int) -> None:
        notes = self.selected_notes()
        if not notes or not semitones:
            return
        low = min(n.pitch for n in notes) + semitones
        high = max(n.pitch for n in notes) + semitones
        if low < 0 or high > 127:
            return
        self.begin("Transpose")
        for note in notes:
            note.pitch += semitones
        self.end()

    def move_selection(self, beats: float) -> None:
        notes = self.selected_notes()
        if not notes or min(n.start for n in notes) + beats < 0:
            return
        self.begin("Move notes")
        for note in notes:
            note.start += beats
        self.end()

    def set_velocity(self, velocity: int) -> None:
        if not self.selection:
            return
        self.begin("Velocity", merge=True)
        for note in self.selected_notes():
            note.velocity = int(velocity)
        self.end()

    def set_voice_of_selection(self, voice: int) -> None:
        if not self.selection:
            return
        self.begin("Change voice")
        for note in self.selected_notes():
            note.voice = voice
        self.end()

    # --- score settings --------------------------------------------------------------------------
    def set_tempo(self, bpm: float) -> None:
        if abs(self.score.tempo - bpm) < 1e-9:
            return
        self.begin("Tempo", merge=True)
        changes = [replace(c) for c in self.score.tempo_changes] or [TempoChange(0.0, bpm)]
        changes[0].bpm = float(bpm)
        self.score.tempo_changes = changes
        self.end()

    def set_key(self, key: Key | None) -> None:
        if key == self.score.key:
            return
        self.begin("Key")
        self.score.key = key
        self.end()

    def set_time_signature(self, numerator: int, denominator: int) -> None:
        if (numerator, denominator) == tuple(self.score.time_signature):
            return
        self.begin("Time signature")
        self.score.time_signature = (int(numerator), int(denominator))
        self.end()

    def set_program(self, voice: int, program: int) -> None:
        programs = list(self.score.programs)
        if programs[voice] == program:
            return
        self.begin("Instrument")
        programs[voice] = int(program)
        self.score.programs = tuple(programs)
        self.end()
