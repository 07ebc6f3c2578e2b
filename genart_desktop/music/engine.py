"""What the piano roll and ``genart compose`` ask of the chorale model.

    generate(model, bars, temperature, seed, key, job)        -> Score from nothing
    continue_score(model, score, bars, ...)                   -> the score, kept, plus bars
    harmonize(model, score, melody_voice, ...)                -> melody kept note for note
    regenerate(model, score, Region(...), ...)                -> a region re-sampled

Every function runs annealed Gibbs sampling (sampler.py) in a key: the one asked for (the
score's key), or for harmonize, continue and regenerate the key of the notes kept when the
score has none (the result carries it, so the piano roll shows it and the user can change
it). By default it steers away from parallel fifths and octaves (``avoid_parallels``) and
towards the key's scale, and it calls ``job.partial(score)``
with the score so far after each step and ``job.check()`` for cancel, and returns a new
Score (the input is never modified).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from genart_desktop.core.errors import UserError
from genart_desktop.core.jobs import Job
from genart_desktop.music.keys import estimate_key, key_planes
from genart_desktop.music.model import VOICE_SPANS, ChoraleModel
from genart_desktop.music.sampler import PARALLEL_PENALTY, gibbs, pitch_penalties, scale_bias
from genart_desktop.music.score import (FRAMES_PER_BEAT, REST, VOICES, Key, Note, Score,
                                        TempoChange, roll_to_notes)

MAX_BARS = 64
# Textbook spacing of a root-position tonic chord, voice by voice: which chord tone
# (0 root, 1 third, 2 fifth) and the pitch each voice centres on.
TONIC_VOICING = ((0, 69), (2, 64), (1, 57), (0, 48))


@dataclass
class Region:
    """Part of a score to regenerate: beats [start_beat, end_beat) of some voices."""
    start_beat: float
    end_beat: float
    voices: tuple[int, ...] = (0, 1, 2, 3)


def generate(model: ChoraleModel, bars: int = 8, temperature: float = 0.9,
             seed: int | None = None, key: Key | str | None = None,
             time_signature: tuple[int, int] = (4, 4), tempo: float = 80.0,
             steps: int | None = None, avoid_parallels: bool = True,
             job: Job | None = None) -> Score:
    """A new four-voice piece. With a key, its first and last chords are anchored on
    that key's tonic triad and the sampler writes everything in between."""
    key = Key.parse(key) if isinstance(key, str) else key
    _check_bars(bars)
    score = Score(tempo_changes=[TempoChange(0.0, float(tempo))], key=key,
                  time_signature=time_signature, title="Generated chorale")
    frames = bars * score.frames_per_bar
    known = np.full((VOICES, frames), REST, dtype=np.int16)
    changeable = np.ones((VOICES, frames), dtype=bool)
    if key is not None:
        chord = tonic_chord(key)
        first = min(FRAMES_PER_BEAT, frames)
        last = min(2 * FRAMES_PER_BEAT, frames - first)
        for voice, pitch in enumerate(chord):
            known[voice, :first] = pitch
            known[voice, frames - last:] = pitch
        changeable[:, :first] = False
        changeable[:, frames - last:] = False
    roll = _sample(model, known, changeable, temperature, seed, steps, job, score, shift=0,
                   key=key, avoid_parallels=avoid_parallels)
    score.notes = roll_to_notes(roll)
    if score.key is None:
        score.key = estimate_key(roll)
    return score


def continue_score(model: ChoraleModel, score: Score, bars: int = 4, temperature: float = 0.9,
                   seed: int | None = None, steps: int | None = None,
                   avoid_parallels: bool = True, job: Job | None = None) -> Score:
    """The score unchanged, followed by ``bars`` new bars. Voices the input leaves
    entirely empty are written under the input too."""
    _check_bars(bars)
    if not score.notes:
        raise UserError("continue needs a score with notes")
    start = score.frames
    frames = start + bars * score.frames_per_bar
    known = score.to_roll(frames)
    changeable = np.zeros_like(known, dtype=bool)
    changeable[:, start:] = True
    empty_voices = [v for v in range(VOICES) if not score.voice_notes(v)]
    changeable[empty_voices, :] = True
    result = score.copy()
    result.key = result.key or estimate_key(known)
    new = _sample(model, known, changeable, temperature, seed, steps, job, result,
                  shift=_fitting_shift(known, ~changeable), key=result.key,
                  avoid_parallels=avoid_parallels)
    filled = [v for v in range(VOICES) if v not in empty_voices]
    result.notes += roll_to_notes(new, voices=empty_voices)
    result.notes += _offset(roll_to_notes(new[:, start:], voices=filled), start / FRAMES_PER_BEAT)
    result.notes.sort(key=lambda n: (n.start, n.voice))
    return result


def harmonize(model: ChoraleModel, score: Score, melody_voice: int = 0,
              temperature: float = 0.9, seed: int | None = None, steps: int | None = None,
              avoid_parallels: bool = True, job: Job | None = None) -> Score:
    """The melody voice's notes exactly as given, and three new voices under it."""
    melody = score.voice_notes(melody_voice)
    if not melody:
        raise UserError(f"harmonize needs a melody: voice {melody_voice} has no notes")
    frames = score.frames
    known = np.full((VOICES, frames), REST, dtype=np.int16)
    known[melody_voice] = Score(notes=[replace(n, voice=0) for n in melody]).to_roll(frames)[0]
    changeable = np.ones_like(known, dtype=bool)
    changeable[melody_voice] = False
    result = score.copy(notes=[replace(n) for n in melody])
    result.key = result.key or estimate_key(known)
    new = _sample(model, known, changeable, temperature, seed, steps, job, result,
                  shift=_fitting_shift(known, ~changeable), key=result.key,
                  avoid_parallels=avoid_parallels)
    others = [v for v in range(VOICES) if v != melody_voice]
    result.notes = [replace(n) for n in melody] + roll_to_notes(new, voices=others)
    result.notes.sort(key=lambda n: (n.start, n.voice))
    return result


def regenerate(model: ChoraleModel, score: Score, region: Region, temperature: float = 0.9,
               seed: int | None = None, steps: int | None = None,
               avoid_parallels: bool = True, job: Job | None = None) -> Score:
    """New notes for the region's voices between its beats; everything else kept."""
    start = int(round(region.start_beat * FRAMES_PER_BEAT))
    stop = int(round(region.end_beat * FRAMES_PER_BEAT))
    voices = sorted({v for v in region.voices if 0 <= v < VOICES})
    if stop <= start or start < 0 or not voices:
        raise UserError("regenerate needs a region with a positive length and a voice")
    a, b = start / FRAMES_PER_BEAT, stop / FRAMES_PER_BEAT
    kept = []
    for note in score.notes:
        if note.voice in voices and a <= note.start < b:
            continue                                   # replaced
        if note.voice in voices and note.start < a < note.end:
            note = replace(note, duration=a - note.start)  # cut at the region
        kept.append(replace(note))
    result = score.copy(notes=kept)
    frames = max(result.frames, stop)
    known = result.to_roll(frames)
    changeable = np.zeros_like(known, dtype=bool)
    changeable[voices, start:stop] = True
    known[changeable] = REST
    result.key = result.key or estimate_key(known)
    new = _sample(model, known, changeable, temperature, seed, steps, job, result,
                  shift=_fitting_shift(known, ~changeable), key=result.key,
                  avoid_parallels=avoid_parallels)
    result.notes = kept + _offset(roll_to_notes(new[:, start:stop], voices=voices), a)
    result.notes.sort(key=lambda n: (n.start, n.voice))
    return result


# --- shared ----------------------------------------------------------------------------
def _check_bars(bars: int) -> None:
    if not 1 <= int(bars) <= MAX_BARS:
        raise UserError(f"bars must be between 1 and {MAX_BARS} (got {bars})")


def _offset(notes: list[Note], beats: float) -> list[Note]:
    for note in notes:
        note.start += beats
    return notes


def _fitting_shift(midi_roll: np.ndarray, fixed: np.ndarray) -> int:
    """Whole octaves to move the fixed notes by so each voice sits in its span; the
    sampler works there and the result is moved back. 0 when they already fit."""
    best, best_misses = 0, None
    for shift in (0, -12, 12, -24, 24, -36, 36):
        misses = 0
        for voice, (low, high) in enumerate(VOICE_SPANS):
            line = midi_roll[voice][fixed[voice] & (midi_roll[voice] != REST)] + shift
            misses += int(((line < low) | (line > high)).sum())
        if best_misses is None or misses < best_misses:
            best, best_misses = shift, misses
        if misses == 0:
            break
    return best


def _sample(model: ChoraleModel, midi_roll: np.ndarray, changeable: np.ndarray,
            temperature: float, seed: int | None, steps: int | None, job: Job | None,
            template: Score, shift: int, key: Key | None = None,
            avoid_parallels: bool = True) -> np.ndarray:
    """Gibbs-sample a MIDI roll's changeable cells in ``key`` (shifts are whole octaves,
    so the key is unchanged); partial scores go to the job."""
    config = model.config
    top = config.min_pitch + config.num_pitches - 1
    shifted = np.where(midi_roll == REST, REST, midi_roll.astype(np.int64) + shift)
    fixed = ~changeable & (shifted != REST)
    if fixed.any() and (shifted[fixed].min() < config.min_pitch or shifted[fixed].max() > top):
        raise UserError(
            f"the notes span MIDI {int(midi_roll[midi_roll != REST].min())}.."
            f"{int(midi_roll[midi_roll != REST].max())}; the model covers "
            f"{config.min_pitch}..{top} (within whole-octave moves)")
    indices = config.to_indices(np.where(changeable, REST, shifted))

    def to_midi(index_roll: np.ndarray) -> np.ndarray:
        out = config.to_midi(index_roll).astype(np.int16)
        out[out != REST] -= shift
        return out

    def partial(index_roll: np.ndarray) -> None:
        midi = to_midi(index_roll)
        merged = np.where(changeable, midi, midi_roll)
        job.partial(template.copy(notes=roll_to_notes(merged)))

    planes = None if key is None else key_planes(key, config.min_pitch, config.num_pitches)
    result = gibbs(model, indices, changeable, temperature, seed, steps,
                   pitch_penalty=pitch_penalties(model),
                   parallel_penalty=PARALLEL_PENALTY if avoid_parallels else 0.0,
                   key=planes, off_key_penalty=scale_bias(model), job=job,
                   on_step=partial if job is not None else None)
    return np.where(changeable, to_midi(result), midi_roll).astype(np.int16)


def tonic_chord(key: Key) -> list[int]:
    """A root-position tonic triad for soprano, alto, tenor and bass."""
    intervals = (0, 3 if key.minor else 4, 7)
    chord = []
    for tone, centre in TONIC_VOICING:
        pitch_class = (key.tonic + intervals[tone]) % 12
        chord.append(centre - 6 + (pitch_class - (centre - 6)) % 12)
    return chord
