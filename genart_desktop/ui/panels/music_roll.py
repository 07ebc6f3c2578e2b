"""The piano-roll widget: keys on the left, bars across, notes as blocks coloured by voice.

It draws a ``ScoreDocument`` and turns mouse and keys into its editing operations:

- Draw tool: click on empty space adds a note (drag to set its length); Shift+drag draws
  a rubber band. Select tool: drag on empty space is a rubber band, double-click adds.
- Either tool: drag a note to move it (and its selected companions), drag its right edge
  to resize, right-click deletes it, Ctrl+click adds to / removes from the selection.
- Keys: Delete, Ctrl+A, Ctrl+D (duplicate), Up/Down (Shift: an octave) transposes,
  Left/Right moves by the snap, Escape clears the selection, Space plays or pauses,
  Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y undo and redo the roll's own history while it has focus.
- Wheel scrolls (Shift: sideways); Ctrl+wheel zooms time, Ctrl+Shift+wheel zooms pitch.
- The ruler: click to move the playhead, drag to set the loop range.
- A MIDI file dropped on it is offered through ``midi_dropped``.
"""

from __future__ import annotations

import math
from dataclasses import replace

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QAbstractScrollArea

from genart_desktop.music.score import Note
from genart_desktop.ui.panels.music_document import ScoreDocument

KEY_WIDTH = 46
RULER_HEIGHT = 20
LOWEST, HIGHEST = 0, 127
VOICE_COLOURS = ("#e5534b", "#d9a13b", "#57ab5a", "#539bf5")   # S A T B
MIDI_SUFFIXES = (".mid", ".midi", ".smf", ".kar")
EDGE_PIXELS = 6            # grab zone for resizing at a note's right end
BLACK_KEYS = {1, 3, 6, 8, 10}
MIN_DURATION = 1 / 64      # beats, for snap "off"
MIDDLE_C = 60              # an empty roll is centred here
ROW_HEIGHT = 6.0           # px per semitone: two octaves fit the music dock's default height
FIT_ROW_HEIGHT = 5.0       # show_notes shrinks rows this far to fit a tall score


def pitch_name(pitch: int) -> str:
    return f"C{pitch // 12 - 1}"


class PianoRoll(QAbstractScrollArea):
    seek_requested = Signal(float)          # beat
    loop_changed = Signal(object)           # (start_beat, end_beat) or None
    midi_dropped = Signal(str)              # a local file path
    play_pause_requested = Signal()
    undo_requested = Signal()
    redo_requested = Signal()

    def __init__(self, document: ScoreDocument, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("piano-roll")
        self.document = document
        self.pixels_per_beat = 48.0
        self.row_height = ROW_HEIGHT
        self.snap: float | None = 0.25     # beats; None = off
        self.tool = "draw"
        self.voice = 0                     # for new notes
        self.velocity = 80                 # for new notes
        self.read_only = False
        self.playhead_beat: float | None = None
        self.loop: tuple[float, float] | None = None
        self._drag: dict | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setMouseTracking(True)
        self.viewport().setMouseTracking(True)
        self.setMinimumHeight(120)
        self.horizontalScrollBar().valueChanged.connect(self.viewport().update)
        self.verticalScrollBar().valueChanged.connect(self.viewport().update)
        document.changed.connect(self._score_changed)
        self._update_scrollbars()
        self._centred = False
        self._view_height = 0      # the viewport's height at the last resize

    # --- geometry ------------------------------------------------------------------------
    @property
    def beats_per_bar(self) -> float:
        return self.document.score.beats_per_bar

    def content_beats(self) -> float:
        """The width of the sheet: the score and some room to write more."""
        bar = self.beats_per_bar
        return max(16 * bar, math.ceil(self.document.score.end_beat / bar + 4) * bar)

    def x_of(self, beat: float) -> float:
        return KEY_WIDTH + beat * self.pixels_per_beat - self.horizontalScrollBar().value()

    def beat_at(self, x: float) -> float:
        return max(0.0, (x - KEY_WIDTH + self.horizontalScrollBar().value()) / self.pixels_per_beat)

    def y_of(self, pitch: int) -> float:
        return RULER_HEIGHT + (HIGHEST - pitch) * self.row_height - self.verticalScrollBar().value()

    def pitch_at(self, y: float) -> int:
        row = (y - RULER_HEIGHT + self.verticalScrollBar().value()) / self.row_height
        return int(min(HIGHEST, max(LOWEST, HIGHEST - math.floor(row))))

    def note_rect(self, note: Note) -> QRectF:
        return QRectF(self.x_of(note.start), self.y_of(note.pitch),
                      max(2.0, note.duration * self.pixels_per_beat), self.row_height)

    def _update_scrollbars(self) -> None:
        width = self.viewport().width() - KEY_WIDTH
        height = self.viewport().height() - RULER_HEIGHT
        content_w = int(self.content_beats() * self.pixels_per_beat)
        content_h = int((HIGHEST - LOWEST + 1) * self.row_height)
        self.horizontalScrollBar().setRange(0, max(0, content_w - width))
        self.horizontalScrollBar().setPageStep(max(1, width))
        self.horizontalScrollBar().setSingleStep(max(1, int(self.pixels_per_beat / 2)))
        self.verticalScrollBar().setRange(0, max(0, content_h - height))
        self.verticalScrollBar().setPageStep(max(1, height))
        self.verticalScrollBar().setSingleStep(max(1, int(self.row_height)))

    def resizeEvent(self, event) -> None:  # noqa: N802
        # The pitch at the middle of the view stays there: a dock that settles its size
        # after the first centring (or that the user drags) keeps the notes in view.
        centre = self._centre_row()
        super().resizeEvent(event)
        self._update_scrollbars()
        self._view_height = self.viewport().height()
        if not self._centred and self._view_height > RULER_HEIGHT + 20:
            self._centred = True         # first real size: centre on the notes or middle C
            self.show_notes() if self.document.score.notes else self.scroll_to_pitch(MIDDLE_C)
        elif self._centred and centre is not None:
            self._scroll_to_row(centre)

    def _centre_row(self) -> float | None:
        """The row (from the top, in rows) at the middle of the view before a resize."""
        if self._view_height <= RULER_HEIGHT:
            return None
        middle = self.verticalScrollBar().value() + (self._view_height - RULER_HEIGHT) / 2
        return middle / self.row_height

    def visible_rows(self) -> int:
        return max(1, int((self.viewport().height() - RULER_HEIGHT) / self.row_height))

    def _score_changed(self) -> None:
        self._update_scrollbars()
        self.viewport().update()

    # --- zoom and scroll ----------------------------------------------------------------------
    def zoom_time(self, factor: float, anchor_x: float | None = None) -> None:
        anchor_x = self.viewport().width() / 2 if anchor_x is None else anchor_x
        beat = self.beat_at(anchor_x)
        self.pixels_per_beat = min(400.0, max(6.0, self.pixels_per_beat * factor))
        self._update_scrollbars()
        self.horizontalScrollBar().setValue(int(beat * self.pixels_per_beat - (anchor_x - KEY_WIDTH)))
        self.viewport().update()

    def zoom_pitch(self, factor: float, anchor_y: float | None = None) -> None:
        anchor_y = self.viewport().height() / 2 if anchor_y is None else anchor_y
        row = (anchor_y - RULER_HEIGHT + self.verticalScrollBar().value()) / self.row_height
        self.row_height = min(40.0, max(4.0, self.row_height * factor))
        self._update_scrollbars()
        self.verticalScrollBar().setValue(int(row * self.row_height - (anchor_y - RULER_HEIGHT)))
        self.viewport().update()

    def scroll_to_pitch(self, pitch: float) -> None:
        """Put ``pitch``'s row in the middle of the view."""
        self._scroll_to_row(HIGHEST - pitch + 0.5)

    def _scroll_to_row(self, row: float) -> None:
        middle = (self.viewport().height() - RULER_HEIGHT) / 2
        self.verticalScrollBar().setValue(round(row * self.row_height - middle))

    def show_notes(self) -> None:
        """Scroll so the score's notes are in view (after loading or generating): centred
        on their range. A range taller than the view (a chorale from bass to soprano in a
        short dock) makes the rows shorter, down to FIT_ROW_HEIGHT, and if it still does
        not fit the view shows the band of pitches that holds the most notes."""
        notes = self.document.score.notes
        if notes:
            low, high = min(n.pitch for n in notes), max(n.pitch for n in notes)
            usable = self.viewport().height() - RULER_HEIGHT
            # only once the roll has its real size (before that the view is a sliver)
            if self._centred and (high - low + 1) * self.row_height > usable \
                    and self.row_height > FIT_ROW_HEIGHT:
                self.row_height = max(FIT_ROW_HEIGHT, usable / (high - low + 1))
                self._update_scrollbars()
                self.viewport().update()
            rows = self.visible_rows()
            centre = (low + high) / 2
            if high - low + 1 > rows:
                counts = [0] * (HIGHEST + 2)
                for note in notes:
                    counts[note.pitch] += 1

                def held(bottom: int) -> tuple[int, float]:  # notes in view; then the more central
                    return sum(counts[bottom:bottom + rows]), -abs(bottom + (rows - 1) / 2 - centre)

                best = max(range(low, high - rows + 2), key=held)
                centre = best + (rows - 1) / 2
            self.scroll_to_pitch(centre)
        self.horizontalScrollBar().setValue(0)

    def follow(self, beat: float) -> None:
        """Keep the playhead in view, paging ahead as it reaches the right edge."""
        x = self.x_of(beat)
        if x < KEY_WIDTH or x > self.viewport().width() - 20:
            self.horizontalScrollBar().setValue(int(beat * self.pixels_per_beat - 20))

    def wheelEvent(self, event) -> None:  # noqa: N802
        delta = event.angleDelta().y() or event.angleDelta().x()
        modifiers = event.modifiers()
        ctrl = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
        shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        if ctrl:
            factor = 1.15 ** (delta / 120)
            if shift:
                self.zoom_pitch(factor, event.position().y())
            else:
                self.zoom_time(factor, event.position().x())
        elif shift:
            bar = self.horizontalScrollBar()
            bar.setValue(bar.value() - int(delta / 120 * self.pixels_per_beat))
        else:
            bar = self.verticalScrollBar()
            bar.setValue(bar.value() - int(delta / 120 * 3 * self.row_height))
        event.accept()

    # --- painting ----------------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self.viewport())
        width, height = self.viewport().width(), self.viewport().height()
        painter.fillRect(0, 0, width, height, QColor("#1e1f22"))
        first_pitch = self.pitch_at(height)
        last_pitch = self.pitch_at(RULER_HEIGHT)
        painter.setClipRect(KEY_WIDTH, RULER_HEIGHT, width - KEY_WIDTH, height - RULER_HEIGHT)
        self._paint_rows(painter, first_pitch, last_pitch, width)
        self._paint_grid(painter, height)
        self._paint_notes(painter)
        if not self.document.score.notes:
            painter.setPen(QColor("#8a8d94"))
            painter.drawText(QRectF(KEY_WIDTH, RULER_HEIGHT, width - KEY_WIDTH, height - RULER_HEIGHT),
                             Qt.AlignmentFlag.AlignCenter,
                             "Click to add notes, press Generate, or drop a MIDI file here")
        self._paint_band(painter)
        self._paint_playhead(painter, height)
        painter.setClipping(False)
        self._paint_keys(painter, first_pitch, last_pitch)
        self._paint_ruler(painter, width)
        painter.end()

    def _paint_rows(self, painter: QPainter, first: int, last: int, width: int) -> None:
        for pitch in range(first, last + 1):
            y = self.y_of(pitch)
            if pitch % 12 in BLACK_KEYS:
                painter.fillRect(QRectF(KEY_WIDTH, y, width, self.row_height), QColor("#191a1c"))
            if pitch % 12 == 0:
                painter.setPen(QColor("#3a3c42"))
                painter.drawLine(QPointF(KEY_WIDTH, y + self.row_height),
                                 QPointF(width, y + self.row_height))
        if self.loop:
            x0, x1 = self.x_of(self.loop[0]), self.x_of(self.loop[1])
            painter.fillRect(QRectF(x0, RULER_HEIGHT, x1 - x0, self.viewport().height()),
                             QColor(255, 255, 255, 14))

    def _paint_grid(self, painter: QPainter, height: int) -> None:
        bar = self.beats_per_bar
        step = self.snap or 0.25
        while step * self.pixels_per_beat < 6:      # never a wall of lines when zoomed out
            step *= 2
        first = math.floor(self.beat_at(KEY_WIDTH) / step) * step
        last = self.beat_at(self.viewport().width())
        beat = first
        while beat <= last:
            x = self.x_of(beat)
            if abs(beat / bar - round(beat / bar)) < 1e-6:
                painter.setPen(QPen(QColor("#5a5d66"), 1.2))
            elif abs(beat - round(beat)) < 1e-6:
                painter.setPen(QColor("#383a40"))
            else:
                painter.setPen(QColor("#2a2c30"))
            painter.drawLine(QPointF(x, RULER_HEIGHT), QPointF(x, height))
            beat += step

    def _paint_notes(self, painter: QPainter) -> None:
        left, right = self.beat_at(KEY_WIDTH), self.beat_at(self.viewport().width())
        selection = self.document.selection
        for index, note in enumerate(self.document.score.notes):
            if note.end < left or note.start > right:
                continue
            colour = QColor(VOICE_COLOURS[note.voice % len(VOICE_COLOURS)])
            # Velocity as brightness: soft notes are darker, loud ones full colour.
            colour = colour.darker(int(100 + (127 - note.velocity) * 1.2))
            rect = self.note_rect(note).adjusted(0.5, 0.5, -0.5, -0.5)
            painter.setBrush(QBrush(colour))
            if index in selection:
                painter.setPen(QPen(QColor("#ffffff"), 2))
            else:
                painter.setPen(QPen(colour.lighter(150), 1))
            painter.drawRoundedRect(rect, 2, 2)

    def _paint_band(self, painter: QPainter) -> None:
        if self._drag and self._drag["kind"] == "band" and "rect" in self._drag:
            painter.setPen(QPen(QColor("#9ecbff"), 1, Qt.PenStyle.DashLine))
            painter.setBrush(QColor(158, 203, 255, 40))
            painter.drawRect(self._drag["rect"])

    def _paint_playhead(self, painter: QPainter, height: int) -> None:
        if self.playhead_beat is None:
            return
        x = self.x_of(self.playhead_beat)
        painter.setPen(QPen(QColor("#f2f2f2"), 1.5))
        painter.drawLine(QPointF(x, 0), QPointF(x, height))

    def _paint_keys(self, painter: QPainter, first: int, last: int) -> None:
        painter.fillRect(QRectF(0, RULER_HEIGHT, KEY_WIDTH, self.viewport().height()),
                         QColor("#e8e8e8"))
        font = QFont(painter.font())
        font.setPointSizeF(max(6.0, min(8.0, self.row_height * 0.8)))
        painter.setFont(font)
        for pitch in range(first, last + 1):
            y = self.y_of(pitch)
            if pitch % 12 in BLACK_KEYS:
                painter.fillRect(QRectF(0, y, KEY_WIDTH * 0.62, self.row_height), QColor("#222"))
            elif pitch % 12 in (0, 5):
                painter.setPen(QColor("#999"))
                painter.drawLine(QPointF(0, y + self.row_height), QPointF(KEY_WIDTH, y + self.row_height))
            if pitch % 12 == 0:
                painter.setPen(QColor("#333"))
                painter.drawText(QRectF(0, y - 2, KEY_WIDTH - 3, self.row_height + 4),
                                 Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                                 pitch_name(pitch))

    def _paint_ruler(self, painter: QPainter, width: int) -> None:
        painter.fillRect(QRectF(0, 0, width, RULER_HEIGHT), QColor("#2b2d31"))
        if self.loop:
            x0, x1 = self.x_of(self.loop[0]), self.x_of(self.loop[1])
            painter.fillRect(QRectF(max(KEY_WIDTH, x0), 2, x1 - max(KEY_WIDTH, x0),
                                    RULER_HEIGHT - 4), QColor("#4d6a8f"))
        bar = self.beats_per_bar
        every = max(1, int(math.ceil(40 / (bar * self.pixels_per_beat))))   # label spacing
        number = int(self.beat_at(KEY_WIDTH) // bar)
        painter.setPen(QColor("#c8c8c8"))
        while True:
            x = self.x_of(number * bar)
            if x > width:
                break
            if number % every == 0 and x >= KEY_WIDTH:
                painter.drawLine(QPointF(x, RULER_HEIGHT - 6), QPointF(x, RULER_HEIGHT))
                painter.drawText(QPointF(x + 3, RULER_HEIGHT - 6), str(number + 1))
            number += 1
        painter.fillRect(QRectF(0, 0, KEY_WIDTH, RULER_HEIGHT), QColor("#2b2d31"))
        if self.playhead_beat is not None:
            x = self.x_of(self.playhead_beat)
            if x >= KEY_WIDTH:
                painter.setBrush(QColor("#f2f2f2"))
                painter.setPen(Qt.PenStyle.NoPen)
                painter.drawPolygon(QPolygonF([QPointF(x - 5, 0), QPointF(x + 5, 0), QPointF(x, 8)]))

    # --- snapping ---------------------------------------------------------------------------------
    def snapped(self, beat: float) -> float:
        return round(beat / self.snap) * self.snap if self.snap else beat

    def snapped_down(self, beat: float) -> float:
        return math.floor(beat / self.snap + 1e-9) * self.snap if self.snap else beat

    @property
    def new_note_length(self) -> float:
        return self.snap or 0.25

    # --- hit testing ------------------------------------------------------------------------------
    def note_at(self, pos: QPointF) -> int | None:
        notes = self.document.score.notes
        for index in range(len(notes) - 1, -1, -1):      # the top-most (last drawn) wins
            if self.note_rect(notes[index]).contains(pos):
                return index
        return None

    def _on_right_edge(self, index: int, pos: QPointF) -> bool:
        rect = self.note_rect(self.document.score.notes[index])
        return rect.right() - pos.x() <= min(EDGE_PIXELS, rect.width() / 3)

    # --- mouse ------------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:  # noqa: N802
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        pos = event.position()
        button = event.button()
        if pos.y() < RULER_HEIGHT and pos.x() >= KEY_WIDTH:
            if button == Qt.MouseButton.LeftButton:
                self._drag = {"kind": "ruler", "origin": pos, "beat": self.snapped(self.beat_at(pos.x()))}
            return
        if pos.x() < KEY_WIDTH or self.read_only:
            return
        modifiers = event.modifiers()
        ctrl = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
        shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        document = self.document
        index = self.note_at(pos)
        if button == Qt.MouseButton.RightButton:
            if index is not None:
                document.select({index})
                document.delete_selection()
            return
        if button != Qt.MouseButton.LeftButton:
            return
        if index is not None:
            if ctrl:
                document.select(document.selection ^ {index})
                return
            if index not in document.selection:
                document.select({index}, add=shift)
            resize = self._on_right_edge(index, pos)
            document.begin("Resize notes" if resize else "Move notes")
            self._drag = {
                "kind": "resize" if resize else "move", "origin": pos, "index": index,
                "originals": {i: replace(document.score.notes[i]) for i in document.selection},
            }
            return
        if self.tool == "draw" and not shift:
            self._start_drawing(pos)
        else:
            self._drag = {"kind": "band", "origin": pos, "add": shift or ctrl,
                          "before": set(document.selection)}

    def _start_drawing(self, pos: QPointF) -> None:
        document = self.document
        start = self.snapped_down(self.beat_at(pos.x()))
        note = Note(self.pitch_at(pos.y()), start, self.new_note_length, self.velocity, self.voice)
        document.begin("Add note")
        document.score.notes.append(note)
        index = len(document.score.notes) - 1
        document.select({index})
        self._drag = {"kind": "draw", "origin": pos, "index": index, "start": start}

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802
        pos = event.position()
        if (self.tool == "select" and not self.read_only and pos.x() >= KEY_WIDTH
                and pos.y() >= RULER_HEIGHT and self.note_at(pos) is None
                and event.button() == Qt.MouseButton.LeftButton):
            self._start_drawing(pos)
            return
        super().mouseDoubleClickEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        pos = event.position()
        drag = self._drag
        if drag is None:
            self._update_cursor(pos)
            return
        document = self.document
        kind = drag["kind"]
        if kind == "ruler":
            drag["moved"] = drag.get("moved") or abs(pos.x() - drag["origin"].x()) > 3
            if drag["moved"]:
                a, b = sorted((drag["beat"], self.snapped(self.beat_at(pos.x()))))
                self.set_loop((a, b) if b > a else None)
            return
        if kind == "band":
            rect = QRectF(drag["origin"], pos).normalized()
            drag["rect"] = rect
            hit = {i for i, n in enumerate(document.score.notes) if self.note_rect(n).intersects(rect)}
            document.select(hit | drag["before"] if drag["add"] else hit)
            return
        if kind == "draw":
            note = document.score.notes[drag["index"]]
            end = max(drag["start"] + self.new_note_length, self.snapped(self.beat_at(pos.x())))
            note.duration = max(MIN_DURATION, end - drag["start"])
            document.touch()
            return
        beats = (pos.x() - drag["origin"].x()) / self.pixels_per_beat
        originals = drag["originals"]
        if kind == "move":
            anchor = originals[drag["index"]]
            beats = self.snapped(anchor.start + beats) - anchor.start
            beats = max(beats, -min(n.start for n in originals.values()))
            semitones = self.pitch_at(pos.y()) - self.pitch_at(drag["origin"].y())
            low = min(n.pitch for n in originals.values())
            high = max(n.pitch for n in originals.values())
            semitones = max(LOWEST - low, min(HIGHEST - high, semitones))
            for i, original in originals.items():
                note = document.score.notes[i]
                note.start = original.start + beats
                note.pitch = original.pitch + semitones
        else:   # resize
            for i, original in originals.items():
                note = document.score.notes[i]
                end = self.snapped(original.end + beats)
                note.duration = max(self.snap or MIN_DURATION, end - original.start)
        document.touch()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        drag, self._drag = self._drag, None
        if drag is None:
            return
        if drag["kind"] == "ruler":
            if not drag.get("moved"):
                self.seek_requested.emit(self.beat_at(event.position().x()))
            else:
                self.loop_changed.emit(self.loop)
        elif drag["kind"] == "band":
            self.viewport().update()
        else:
            self.document.end()

    def _update_cursor(self, pos: QPointF) -> None:
        cursor = Qt.CursorShape.ArrowCursor
        if pos.x() >= KEY_WIDTH and pos.y() >= RULER_HEIGHT and not self.read_only:
            index = self.note_at(pos)
            if index is not None:
                cursor = (Qt.CursorShape.SizeHorCursor if self._on_right_edge(index, pos)
                          else Qt.CursorShape.SizeAllCursor)
            elif self.tool == "draw":
                cursor = Qt.CursorShape.CrossCursor
        self.viewport().setCursor(cursor)

    def set_loop(self, loop: tuple[float, float] | None) -> None:
        self.loop = loop
        self.viewport().update()

    def set_playhead(self, beat: float | None) -> None:
        self.playhead_beat = beat
        self.viewport().update()

    # --- keys ---------------------------------------------------------------------------------------
    _UNDO_KEYS = (QKeySequence.StandardKey.Undo, QKeySequence.StandardKey.Redo)

    def _owns(self, event) -> bool:
        """Keys the roll handles itself, even where the window has a shortcut for them."""
        if event.matches(QKeySequence.StandardKey.Undo) or event.matches(QKeySequence.StandardKey.Redo):
            return True
        if event.matches(QKeySequence.StandardKey.SelectAll):
            return True
        key = event.key()
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if ctrl and key in (Qt.Key.Key_Z, Qt.Key.Key_Y, Qt.Key.Key_D, Qt.Key.Key_Plus,
                            Qt.Key.Key_Minus, Qt.Key.Key_Equal):
            return True
        return key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace, Qt.Key.Key_Up, Qt.Key.Key_Down,
                       Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Escape, Qt.Key.Key_Space)

    def event(self, event) -> bool:
        if event.type() == event.Type.ShortcutOverride and self._owns(event):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        key = event.key()
        modifiers = event.modifiers()
        ctrl = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
        shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        document = self.document
        if (event.matches(QKeySequence.StandardKey.Redo)
                or (ctrl and shift and key == Qt.Key.Key_Z) or (ctrl and key == Qt.Key.Key_Y)):
            self.redo_requested.emit()
        elif event.matches(QKeySequence.StandardKey.Undo) or (ctrl and key == Qt.Key.Key_Z):
            self.undo_requested.emit()
        elif key == Qt.Key.Key_Space:
            self.play_pause_requested.emit()
        elif ctrl and key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_time(1.25)
        elif ctrl and key == Qt.Key.Key_Minus:
            self.zoom_time(0.8)
        elif key == Qt.Key.Key_Escape:
            document.select(set())
        elif self.read_only:
            event.ignore()
        elif event.matches(QKeySequence.StandardKey.SelectAll) or (ctrl and key == Qt.Key.Key_A):
            document.select_all()
        elif ctrl and key == Qt.Key.Key_D:
            document.duplicate_selection(self.snap)
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            document.delete_selection()
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            step = 12 if shift else 1
            document.transpose_selection(step if key == Qt.Key.Key_Up else -step)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            step = self.snap or 0.25
            document.move_selection(step if key == Qt.Key.Key_Right else -step)
        else:
            super().keyPressEvent(event)

    # --- dropping a MIDI file -------------------------------------------------------------------------
    @staticmethod
    def _midi_path(mime) -> str | None:
        for url in mime.urls() if mime.hasUrls() else ():
            if url.isLocalFile() and url.toLocalFile().lower().endswith(MIDI_SUFFIXES):
                return url.toLocalFile()
        return None

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if self._midi_path(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        if self._midi_path(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:  # noqa: N802
        path = self._midi_path(event.mimeData())
        if path:
            event.acceptProposedAction()
            self.midi_dropped.emit(path)
        else:
            event.ignore()
