"""The score: notes in four voices, tempo, key and time signature. Plain data, no Qt.

Times are in quarter-note beats (floats), so MIDI timing survives a round trip exactly;
the model works on a piano roll of four voices in 16th-note frames (``to_roll`` and
``from_roll``). Voices are 0..3: soprano, alto, tenor, bass.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

VOICE_NAMES = ("Soprano", "Alto", "Tenor", "Bass")
VOICES = 4
FRAMES_PER_BEAT = 4          # 16th notes per quarter-note beat
REST = -1                    # a rest in a piano roll
# General MIDI programs per voice (0-based): a string quartet reads four chorale voices well.
DEFAULT_PROGRAMS = (40, 40, 41, 42)   # violin, violin, viola, cello
# Textbook SATB ranges (MIDI, inclusive), used to report notes out of range.
VOICE_RANGES = ((60, 81), (55, 74), (48, 69), (40, 62))

# Time signatures the piano roll can draw: a numerator up to 32 beats, a power-of-two
# denominator (a ruler of 4/2^60 or -4/4 would never end).
TIME_SIGNATURE_DENOMINATORS = (1, 2, 4, 8, 16, 32)
MAX_BEATS_PER_BAR = 32


def checked_time_signature(numerator, denominator) -> tuple[int, int]:
    """(numerator, denominator) as ints, or ValueError naming what is wrong."""
    try:
        numerator, denominator = int(numerator), int(denominator)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"time signature {numerator}/{denominator} is not two whole numbers") from None
    if not 1 <= numerator <= MAX_BEATS_PER_BAR or denominator not in TIME_SIGNATURE_DENOMINATORS:
        raise ValueError(f"time signature {numerator}/{denominator}: expected 1..{MAX_BEATS_PER_BAR} "
                         f"over {', '.join(map(str, TIME_SIGNATURE_DENOMINATORS))}")
    return numerator, denominator


PITCH_CLASS_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_NAME_TO_PITCH_CLASS = {
    "C": 0, "B#": 0, "C#": 1, "DB": 1, "D": 2, "D#": 3, "EB": 3, "E": 4, "FB": 4, "F": 5,
    "E#": 5, "F#": 6, "GB": 6, "G": 7, "G#": 8, "AB": 8, "A": 9, "A#": 10, "BB": 10, "B": 11,
    "CB": 11,
}


@dataclass
class Note:
    pitch: int               # MIDI pitch, 0..127
    start: float             # in quarter-note beats from the beginning
    duration: float          # in beats, > 0
    velocity: int = 80
    voice: int = 0           # 0 soprano, 1 alto, 2 tenor, 3 bass

    @property
    def end(self) -> float:
        return self.start + self.duration


@dataclass
class TempoChange:
    beat: float
    bpm: float


@dataclass
class Key:
    tonic: int = 0           # pitch class, 0 = C
    minor: bool = False

    def __str__(self) -> str:
        return f"{PITCH_CLASS_NAMES[self.tonic]} {'minor' if self.minor else 'major'}"

    @classmethod
    def parse(cls, text: str) -> "Key":
        """"G major", "E minor", "Eb", "f# minor", "a" (lower case alone = minor)."""
        from genart_desktop.core.errors import UserError

        words = text.strip().split()
        if not words or len(words) > 2:
            raise UserError(f"key {text!r}: write it like 'G major' or 'E minor'")
        name = words[0]
        minor = name[:1].islower() and len(words) == 1
        if len(words) == 2:
            if words[1].lower() not in ("major", "minor"):
                raise UserError(f"key {text!r}: the mode must be 'major' or 'minor'")
            minor = words[1].lower() == "minor"
        pitch_class = _NAME_TO_PITCH_CLASS.get(name.upper())
        if pitch_class is None:
            raise UserError(f"key {text!r}: unknown tonic {name!r}")
        return cls(pitch_class, minor)

    def to_midi_key_number(self) -> int:
        """pretty_midi's numbering: 0..11 major, 12..23 minor."""
        return self.tonic + (12 if self.minor else 0)

    @classmethod
    def from_midi_key_number(cls, number: int) -> "Key":
        return cls(number % 12, number >= 12)


@dataclass
class Score:
    notes: list[Note] = field(default_factory=list)
    tempo_changes: list[TempoChange] = field(default_factory=lambda: [TempoChange(0.0, 90.0)])
    key: Key | None = None
    time_signature: tuple[int, int] = (4, 4)
    programs: tuple[int, ...] = DEFAULT_PROGRAMS   # GM program per voice
    title: str = ""

    # --- measures -----------------------------------------------------------------
    @property
    def tempo(self) -> float:
        return self.tempo_changes[0].bpm if self.tempo_changes else 120.0

    @property
    def beats_per_bar(self) -> float:
        numerator, denominator = self.time_signature
        return numerator * 4.0 / denominator

    @property
    def frames_per_bar(self) -> int:
        return max(1, int(round(self.beats_per_bar * FRAMES_PER_BEAT)))

    @property
    def end_beat(self) -> float:
        return max((n.end for n in self.notes), default=0.0)

    @property
    def frames(self) -> int:
        return int(np.ceil(self.end_beat * FRAMES_PER_BEAT - 1e-6))

    def voice_notes(self, voice: int) -> list[Note]:
        return sorted((n for n in self.notes if n.voice == voice), key=lambda n: (n.start, -n.pitch))

    def beat_to_seconds(self, beat: float) -> float:
        """Clock time of a beat under the tempo map."""
        seconds, last_beat, bpm = 0.0, 0.0, self.tempo
        for change in self.tempo_changes[1:]:
            if change.beat >= beat:
                break
            seconds += (change.beat - last_beat) * 60.0 / bpm
            last_beat, bpm = change.beat, change.bpm
        return seconds + (beat - last_beat) * 60.0 / bpm

    @property
    def duration_seconds(self) -> float:
        return self.beat_to_seconds(self.end_beat)

    def copy(self, **changes) -> "Score":
        """A deep copy (notes are copied too), with ``changes`` applied."""
        changes.setdefault("notes", [replace(n) for n in self.notes])
        changes.setdefault("tempo_changes", [replace(t) for t in self.tempo_changes])
        return replace(self, **changes)

    # --- piano roll ---------------------------------------------------------------
    def to_roll(self, frames: int | None = None) -> np.ndarray:
        """int16 [4, frames]: each voice's MIDI pitch per 16th note, REST where silent.
        Where a voice has overlapping notes the highest wins (a voice is one line)."""
        frames = self.frames if frames is None else frames
        roll = np.full((VOICES, frames), REST, dtype=np.int16)
        for note in sorted(self.notes, key=lambda n: n.pitch):
            if not 0 <= note.voice < VOICES:
                continue
            start = int(round(note.start * FRAMES_PER_BEAT))
            stop = max(start + 1, int(round(note.end * FRAMES_PER_BEAT)))
            roll[note.voice, start:stop] = np.maximum(roll[note.voice, start:stop], note.pitch)
        return roll

    @classmethod
    def from_roll(cls, roll: np.ndarray, velocity: int = 80, **fields) -> "Score":
        """Notes from a roll; repeated frames of one pitch become one held note."""
        return cls(notes=roll_to_notes(roll, velocity), **fields)


def roll_to_notes(roll: np.ndarray, velocity: int = 80, voices=None) -> list[Note]:
    notes = []
    for voice in range(roll.shape[0]) if voices is None else voices:
        line = roll[voice]
        frame = 0
        while frame < len(line):
            pitch = int(line[frame])
            stop = frame + 1
            while stop < len(line) and line[stop] == pitch:
                stop += 1
            if pitch != REST:
                notes.append(Note(pitch, frame / FRAMES_PER_BEAT, (stop - frame) / FRAMES_PER_BEAT,
                                  velocity, voice))
            frame = stop
    return notes
