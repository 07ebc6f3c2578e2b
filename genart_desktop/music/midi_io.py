"""MIDI files in and out (pretty_midi), with the checks a user's file needs.

Reading: type 0 and 1, any tempo map; drum tracks ignored; each remaining instrument
(pretty_midi splits a type-0 file by channel and program) is a part. Parts become
voices by average pitch, highest first. More than four parts are reduced to four by
one stated rule: keep the highest and the lowest part and, between them, the two with
the most notes; the others are dropped and named in a message.
"""

from __future__ import annotations

import io
import math
import os
import warnings
from pathlib import Path

from genart_desktop.core.errors import UserError
from genart_desktop.music.score import (VOICE_NAMES, VOICES, Key, Note, Score, TempoChange,
                                        checked_time_signature)


MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_NOTES = 5000            # a chorale has about 250; the piano roll edits four lines
MAX_BEATS = 4000            # about 30 minutes at 130 bpm
MIN_BPM, MAX_BPM = 10.0, 1000.0
# Voices given to 1, 2, 3 parts (highest first): a single line is the soprano, two
# lines are the outer voices.
VOICES_FOR_PARTS = {1: (0,), 2: (0, 3), 3: (0, 1, 3), 4: (0, 1, 2, 3)}


def read_midi(path: str | os.PathLike[str]) -> tuple[Score, list[str]]:
    """A Score and the messages the user should see (dropped parts, ignored drums)."""
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
    except OSError as error:
        raise UserError(f"{name}: cannot read the file ({error.strerror or error})") from None
    if size > MAX_FILE_BYTES:
        raise UserError(f"{name}: {size / 2**20:.1f} MB is too large for a MIDI score "
                        f"(at most {MAX_FILE_BYTES // 2**20} MB)")
    data = path.read_bytes()
    return read_midi_bytes(data, name)


# --- meta events that would make the whole file unreadable ---------------------------------
def _valid_meta(kind: int, payload: bytes) -> bool:
    """Tempo, time and key signatures as the standard lays them out; other kinds pass."""
    if kind == 0x51:  # microseconds per quarter note, three bytes, not zero
        return len(payload) == 3 and int.from_bytes(payload, "big") > 0
    if kind == 0x58:  # numerator, denominator as a power of two, clocks, 32nds
        return len(payload) == 4 and payload[0] >= 1 and payload[1] <= 6
    if kind == 0x59:  # sharps (-7..7, signed) and major/minor
        return len(payload) == 2 and (payload[0] <= 7 or payload[0] >= 249) and payload[1] <= 1
    return True


_META_NAMES = {0x51: "a broken tempo", 0x58: "a broken time signature",
               0x59: "a broken key signature"}


def _variable_length(data: bytes, at: int) -> tuple[int, int]:
    value = 0
    for _ in range(4):
        byte = data[at]
        at += 1
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, at
    raise ValueError("variable-length number over four bytes")


def encode_variable_length(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def drop_broken_meta_events(data: bytes) -> tuple[bytes, list[str]]:
    """``data`` without the tempo, time and key signature events that break the rules
    (one such event made mido refuse the whole file), their delta times carried to the
    next event; and what was dropped, for the user. A file whose chunks cannot be walked
    is returned as it is, for the MIDI reader to report."""
    try:
        header_length = int.from_bytes(data[4:8], "big")
        out, at, dropped = bytearray(data[:8 + header_length]), 8 + header_length, []
        while at + 8 <= len(data):
            kind, length = data[at:at + 4], int.from_bytes(data[at + 4:at + 8], "big")
            body = data[at + 8:at + 8 + length]
            at += 8 + length
            if kind == b"MTrk":
                body = _clean_track(body, dropped)
            out += kind + len(body).to_bytes(4, "big") + body
        out += data[at:]
    except (IndexError, ValueError):
        return data, []
    counts: dict[str, int] = {}
    for what in dropped:
        counts[what] = counts.get(what, 0) + 1
    return bytes(out), [what if n == 1 else f"{n} events: {what}" for what, n in counts.items()]


def _clean_track(track: bytes, dropped: list[str]) -> bytes:
    out, at, carried, status = bytearray(), 0, 0, 0
    while at < len(track):
        delta, at = _variable_length(track, at)
        start = at
        if track[at] == 0xFF:
            kind = track[at + 1]
            length, data_at = _variable_length(track, at + 2)
            at = data_at + length
            if at > len(track):
                raise ValueError("a meta event runs past the track's end")
            if not _valid_meta(kind, track[data_at:at]):
                dropped.append(_META_NAMES[kind])
                carried += delta
                continue
        elif track[at] in (0xF0, 0xF7):
            length, data_at = _variable_length(track, at + 1)
            at = data_at + length
        else:
            if track[at] & 0x80:
                status = track[at]
                at += 1
            elif not status:
                raise ValueError("running status without a status byte")
            at += 1 if 0xC0 <= status < 0xE0 else 2
        out += encode_variable_length(delta + carried) + track[start:at]
        carried = 0
    return bytes(out)


def read_midi_bytes(data: bytes, name: str = "MIDI data") -> tuple[Score, list[str]]:
    import pretty_midi

    if not data.startswith(b"MThd"):
        raise UserError(f"{name}: not a MIDI file (no 'MThd' header)")
    if len(data) >= 14 and data[12] & 0x80:
        raise UserError(f"{name}: counts time in SMPTE frames, not beats; this reader needs "
                        "a file whose time is in beats (save it again from your editor)")
    data, dropped = drop_broken_meta_events(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            midi = pretty_midi.PrettyMIDI(io.BytesIO(data))
    except Exception as error:  # noqa: BLE001 - mido/pretty_midi raise many types on bad data
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise UserError(f"{name}: the MIDI data is broken or truncated ({reason})") from None

    messages: list[str] = [f"{name}: ignored {what}" for what in dropped]
    if len(data) >= 10 and int.from_bytes(data[8:10], "big") == 2:
        # Format 2 holds independent patterns meant to play one after another; a score
        # has one timeline, so they are read on top of each other, and the user is told.
        messages.append(f"{name}: MIDI format 2 (independent patterns): its patterns are "
                        "read as parts played together, not one after another")
    tempo_changes = _tempo_map(midi, name, messages)
    drums = [i for i in midi.instruments if i.is_drum and i.notes]
    parts = [i for i in midi.instruments if not i.is_drum and i.notes]
    if drums:
        messages.append(f"{name}: ignored {len(drums)} drum track(s)")
    if not parts:
        if drums:
            raise UserError(f"{name}: holds only drums; a score needs pitched notes")
        raise UserError(f"{name}: holds no notes")
    total = sum(len(p.notes) for p in parts)
    if total > MAX_NOTES:
        raise UserError(f"{name}: {total} notes is more than a four-voice score can edit "
                        f"(at most {MAX_NOTES})")

    def beat(seconds: float) -> float:
        return midi.time_to_tick(seconds) / midi.resolution

    parts.sort(key=lambda p: -sum(n.pitch for n in p.notes) / len(p.notes))
    if len(parts) > VOICES:
        kept = _reduce_parts(parts)
        dropped = [p for p in parts if p not in kept]
        messages.append(
            f"{name}: {len(parts)} parts reduced to 4 (kept the highest and lowest parts and "
            f"the two inner parts with the most notes; dropped "
            f"{', '.join(_part_name(p) for p in dropped)})")
        parts = kept
    notes: list[Note] = []
    for part, voice in zip(parts, VOICES_FOR_PARTS[len(parts)]):
        for n in part.notes:
            start, end = float(beat(n.start)), float(beat(n.end))
            if end - start <= 0:
                continue
            notes.append(Note(int(n.pitch), start, end - start, int(n.velocity), voice))
    if not notes:
        raise UserError(f"{name}: holds no notes with a duration")
    score = Score(notes=notes, tempo_changes=tempo_changes, title=Path(name).stem)
    if score.end_beat > MAX_BEATS:
        raise UserError(f"{name}: {score.end_beat:.0f} beats long; at most {MAX_BEATS}")
    if midi.key_signature_changes:
        score.key = Key.from_midi_key_number(midi.key_signature_changes[0].key_number)
    if midi.time_signature_changes:
        signature = midi.time_signature_changes[0]
        try:
            score.time_signature = checked_time_signature(signature.numerator, signature.denominator)
        except ValueError as error:
            messages.append(f"{name}: {error}; using 4/4")
    programs = list(score.programs)
    for part, voice in zip(parts, VOICES_FOR_PARTS[len(parts)]):
        programs[voice] = int(part.program)
    score.programs = tuple(programs)
    return score, messages


def _tempo_map(midi, name: str, messages: list[str]) -> list[TempoChange]:
    """The tempo changes in beats; a tempo outside MIN_BPM..MAX_BPM (the notes' places in
    beats do not depend on it) is played at the nearest of the two, with a message."""
    times, tempi = midi.get_tempo_changes()
    changes = []
    for seconds, bpm in zip(times, tempi):
        if not math.isfinite(bpm) or not MIN_BPM <= bpm <= MAX_BPM:
            kept = MAX_BPM if not math.isfinite(bpm) or bpm > MAX_BPM else MIN_BPM
            messages.append(f"{name}: tempo {bpm:.4g} bpm is outside {MIN_BPM:.0f}.."
                            f"{MAX_BPM:.0f} bpm; played at {kept:.0f}")
            bpm = kept
        beat = float(midi.time_to_tick(seconds) / midi.resolution)
        bpm = round(float(bpm), 3)   # MIDI stores whole microseconds per beat
        if changes and abs(changes[-1].beat - beat) < 1e-9:
            changes[-1] = TempoChange(beat, bpm)
        else:
            changes.append(TempoChange(beat, bpm))
    return changes or [TempoChange(0.0, 120.0)]


def _reduce_parts(parts_high_to_low: list) -> list:
    highest, lowest = parts_high_to_low[0], parts_high_to_low[-1]
    inner = sorted(parts_high_to_low[1:-1], key=lambda p: -len(p.notes))[:2]
    inner.sort(key=parts_high_to_low.index)   # keep high-to-low order
    return [highest, *inner, lowest]


def _part_name(instrument) -> str:
    import pretty_midi

    return instrument.name.strip() or pretty_midi.program_to_instrument_name(instrument.program)


def score_to_pretty_midi(score: Score, resolution: int = 480,
                         tracks: list[tuple[str, list[Note]]] | None = None):
    """A PrettyMIDI with one named instrument per voice, the tempo map, key and meter.
    ``tracks`` (name, notes) replaces the voices by those tracks, on the first voice's
    instrument."""
    import pretty_midi

    midi = pretty_midi.PrettyMIDI(resolution=resolution, initial_tempo=score.tempo)
    # pretty_midi keeps its tempo map in _tick_scales (seconds per tick from a tick on);
    # write() turns each entry into a set-tempo event, so tempo changes survive.
    midi._tick_scales = [
        (int(round(change.beat * resolution)), 60.0 / (change.bpm * resolution))
        for change in score.tempo_changes
    ]
    end_beat = max([score.end_beat] + [n.end for _, notes in tracks or [] for n in notes])
    end_tick = int(math.ceil((end_beat + 1) * resolution))
    midi._update_tick_to_time(end_tick)
    numerator, denominator = score.time_signature
    midi.time_signature_changes.append(pretty_midi.TimeSignature(numerator, denominator, 0.0))
    if score.key is not None:
        midi.key_signature_changes.append(
            pretty_midi.KeySignature(score.key.to_midi_key_number(), 0.0))

    def seconds(beat: float) -> float:
        return midi.tick_to_time(int(round(beat * resolution)))

    if tracks is None:
        tracks = [(VOICE_NAMES[voice], score.voice_notes(voice)) for voice in range(VOICES)]
        programs, keep_empty = score.programs, False
    else:   # every named track is written, even an empty one, so track k is step k
        programs, keep_empty = [score.programs[0]] * len(tracks), True
    for (name, track_notes), program in zip(tracks, programs):
        if not track_notes and not keep_empty:
            continue
        instrument = pretty_midi.Instrument(program=program, name=name)
        for note in track_notes:
            instrument.notes.append(pretty_midi.Note(
                velocity=int(min(127, max(1, note.velocity))), pitch=int(note.pitch),
                start=seconds(note.start), end=seconds(note.end)))
        midi.instruments.append(instrument)
    return midi


def write_midi(score: Score, path: str | os.PathLike[str]) -> Path:
    if not score.notes:
        raise UserError(f"{Path(path).name}: the score has no notes to write")
    return _write(score_to_pretty_midi(score), Path(path))


def write_midi_tracks(template: Score, tracks: list[tuple[str, list[Note]]],
                      path: str | os.PathLike[str]) -> Path:
    """Named tracks of notes, with the tempo map, key and meter of ``template``."""
    if not any(notes for _, notes in tracks):
        raise UserError(f"{Path(path).name}: no notes to write")
    return _write(score_to_pretty_midi(template, tracks=tracks), Path(path))


def _write(midi, path: Path) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        midi.write(str(path))
    except ValueError as error:   # mido refuses values MIDI cannot hold (e.g. tempo < 3.6 bpm)
        raise UserError(f"{path.name}: the score cannot be stored as MIDI ({error})") from None
    except OSError as error:
        raise UserError(f"{path}: cannot write ({error.strerror or error})") from None
    return path
