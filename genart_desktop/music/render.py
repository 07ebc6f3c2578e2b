"""Rendering a Score to audio with FluidSynth (pyfluidsynth + Debian libfluidsynth3).

The default SoundFont is the TimGM6mb.sf2 that pretty_midi installs (GPL-2): it is
loaded from pretty_midi's own folder and never copied. A user .sf2/.sf3 can replace it.
``render_chunks`` yields the audio a block at a time, so the playback panel can start
playing while later blocks are rendered; ``render`` joins them.
"""

from __future__ import annotations

import os
import wave
from pathlib import Path
from typing import Iterator

import numpy as np

from genart_desktop.core.errors import UserError
from genart_desktop.core.jobs import Job
from genart_desktop.music.score import VOICES, Score

SAMPLE_RATE = 44100
TAIL_SECONDS = 1.0           # let the last notes ring out
GAIN = 0.6                   # FluidSynth's default 0.2 is quiet for four voices
CHUNK_SECONDS = 0.5
INSTALL_HINT = ("FluidSynth is not installed: run 'sudo apt-get install libfluidsynth3' "
                "(and 'pip install pyfluidsynth'); MIDI export works without it")


def default_soundfont() -> Path:
    import pretty_midi

    return Path(pretty_midi.__file__).resolve().parent / "TimGM6mb.sf2"


def _import_fluidsynth():
    try:
        import fluidsynth  # ctypes binding; fails when the shared library is missing
    except (ImportError, OSError):
        raise UserError(INSTALL_HINT) from None
    if not hasattr(fluidsynth, "Synth"):
        raise UserError(INSTALL_HINT)
    return fluidsynth


def _check_soundfont(path: Path) -> Path:
    if not path.is_file():
        raise UserError(f"SoundFont {path} does not exist")
    if path.suffix.lower() not in (".sf2", ".sf3"):
        raise UserError(f"{path.name}: a SoundFont must be a .sf2 or .sf3 file")
    with open(path, "rb") as handle:
        header = handle.read(12)
    if header[:4] != b"RIFF" or header[8:12] != b"sfbk":
        raise UserError(f"{path.name}: not a SoundFont (no RIFF sfbk header)")
    return path


def render_length(score: Score, sample_rate: int = SAMPLE_RATE) -> int:
    """Samples that ``render`` returns: the score's clock time plus the ring-out tail."""
    return int(round((score.duration_seconds + TAIL_SECONDS) * sample_rate))


def _events(score: Score, sample_rate: int) -> list[tuple[int, int, int, int, int]]:
    """(sample, order, channel, pitch, velocity) sorted; note-offs sort before note-ons."""
    events = []
    for note in score.notes:
        if not 0 <= note.voice < VOICES:
            continue
        on = int(round(score.beat_to_seconds(note.start) * sample_rate))
        off = max(on + 1, int(round(score.beat_to_seconds(note.end) * sample_rate)))
        events.append((on, 1, note.voice, note.pitch, note.velocity))
        events.append((off, 0, note.voice, note.pitch, 0))
    events.sort()
    return events


def render_chunks(score: Score, soundfont: str | os.PathLike[str] | None = None,
                  sample_rate: int = SAMPLE_RATE, chunk_seconds: float = CHUNK_SECONDS,
                  job: Job | None = None) -> Iterator[np.ndarray]:
    """Float32 stereo blocks [n, 2] in -1..1, in order, covering ``render_length``."""
    fluidsynth = _import_fluidsynth()
    font = _check_soundfont(Path(soundfont) if soundfont else default_soundfont())
    synth = fluidsynth.Synth(gain=GAIN, samplerate=float(sample_rate))
    try:
        font_id = synth.sfload(str(font))
        if font_id == -1:
            raise UserError(f"{font.name}: FluidSynth could not load this SoundFont")
        for voice in range(VOICES):
            synth.program_select(voice, font_id, 0, int(score.programs[voice]))
        total = render_length(score, sample_rate)
        chunk = max(1, int(chunk_seconds * sample_rate))
        events = _events(score, sample_rate)
        next_event, position = 0, 0
        while position < total:
            if job is not None:
                job.check()
            block_end = min(total, position + chunk)
            pieces = []
            while position < block_end:
                # Play every event due now, then synthesize up to the next one.
                while next_event < len(events) and events[next_event][0] <= position:
                    _, is_on, channel, pitch, velocity = events[next_event]
                    if is_on:
                        synth.noteon(channel, pitch, velocity)
                    else:
                        synth.noteoff(channel, pitch)
                    next_event += 1
                upto = block_end
                if next_event < len(events):
                    upto = min(upto, max(position + 1, events[next_event][0]))
                samples = synth.get_samples(upto - position)
                pieces.append(np.asarray(samples, dtype=np.int16).reshape(-1, 2))
                position = upto
            if job is not None:
                job.progress(position / total, "rendering audio")
            yield (np.concatenate(pieces) / 32768.0).astype(np.float32)
    finally:
        synth.delete()


def render(score: Score, soundfont: str | os.PathLike[str] | None = None,
           sample_rate: int = SAMPLE_RATE, job: Job | None = None) -> np.ndarray:
    """The whole score as float32 stereo [render_length, 2]."""
    if not score.notes:
        raise UserError("the score has no notes to play")
    blocks = list(render_chunks(score, soundfont, sample_rate, job=job))
    return np.concatenate(blocks) if blocks else np.zeros((0, 2), np.float32)


def write_wav(audio: np.ndarray, path: str | os.PathLike[str],
              sample_rate: int = SAMPLE_RATE) -> Path:
    """16-bit PCM WAV (mono or stereo)."""
    path = Path(path)
    audio = np.asarray(audio, dtype=np.float32)
    channels = 1 if audio.ndim == 1 else audio.shape[1]
    pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with wave.open(str(path), "wb") as handle:
            handle.setnchannels(channels)
            handle.setsampwidth(2)
            handle.setframerate(sample_rate)
            handle.writeframes(pcm.tobytes())
    except OSError as error:
        raise UserError(f"{path}: cannot write ({error.strerror or error})") from None
    return path
