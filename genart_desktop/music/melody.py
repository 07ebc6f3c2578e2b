"""What the piano roll and ``genart melody`` ask of the melody VAE.

    melody_from_score(score)                      -> Melody (top voice, 16th steps) + messages
    interpolate(model, a, b, steps)               -> [Melody]: reconstruction of A .. of B
    vary(model, melody, count, closeness, seed)   -> [Melody]: variations near the melody
    sample(model, bars, seed, temperature)        -> Melody from the prior
    Morph(model, a, b).at(amount)                 -> one Melody between A and B

The model reads and writes 4 bars (64 16th-note steps) at a time. A longer melody, up to
``MAX_BARS``, is cut into 4-bar chunks, each with its own latent; the chunks' results are
chained. Interpolation moves along the great circle between the two latents (slerp), as
MusicVAE does, so the middle steps have the typical norm of a latent, not a shrunken one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from genart_desktop.core.errors import UserError
from genart_desktop.core.jobs import Job
from genart_desktop.music import melodies
from genart_desktop.music.melody_model import MelodyModel
from genart_desktop.music.score import FRAMES_PER_BEAT, Note, Score

MAX_BARS = 16
MAX_STEPS_OUT = 16          # interpolation steps or variations at once
CHUNK_BARS = 4


@dataclass
class Melody:
    """A monophonic line: one event per 16th step (pitch onset, EVENT_HOLD, EVENT_REST)."""
    events: np.ndarray
    messages: list[str] = field(default_factory=list)

    @property
    def steps(self) -> int:
        return len(self.events)

    @property
    def bars(self) -> int:
        return math.ceil(self.steps / melodies.STEPS_PER_BAR)

    def notes(self, start_beat: float = 0.0, voice: int = 0, velocity: int = 80) -> list[Note]:
        notes, index = [], 0
        events = self.events
        while index < len(events):
            if events[index] >= 0:
                stop = index + 1
                while stop < len(events) and events[stop] == melodies.EVENT_HOLD:
                    stop += 1
                notes.append(Note(int(events[index]), start_beat + index / FRAMES_PER_BEAT,
                                  (stop - index) / FRAMES_PER_BEAT, velocity, voice))
                index = stop
            else:
                index += 1
        return notes

    def sounding(self) -> np.ndarray:
        """int16 per step: the pitch sounding (held notes included), or -1 (silence)."""
        roll = np.full(self.steps, -1, dtype=np.int16)
        pitch = -1
        for index, event in enumerate(self.events):
            pitch = event if event >= 0 else (pitch if event == melodies.EVENT_HOLD else -1)
            roll[index] = pitch
        return roll

    def onset_pitches(self) -> np.ndarray:
        return self.events[self.events >= 0].astype(np.int64)


def melody_from_notes(notes: list[Note], name: str = "the melody") -> Melody:
    """The top line of some notes, from the first note's bar, in 16th steps.

    Where notes overlap the highest one sounding at an onset wins (chords are reduced to
    their top note); pitches outside the model's range are moved by octaves; a line over
    ``MAX_BARS`` bars is cut. Each change is said in ``messages``."""
    notes = [n for n in notes if n.duration > 0]
    if not notes:
        raise UserError(f"{name}: holds no notes")
    messages = []
    first_beat = min(n.start for n in notes)
    origin = math.floor(first_beat / 4.0 + 1e-9) * 4.0   # start of the first 4/4 bar
    steps = int(math.ceil((max(n.end for n in notes) - origin) * FRAMES_PER_BEAT - 1e-6))
    limit = MAX_BARS * melodies.STEPS_PER_BAR
    if steps > limit:
        messages.append(f"{name}: only the first {MAX_BARS} bars are used")
        steps = limit
    events = np.full(steps, melodies.EVENT_REST, dtype=np.int16)
    chords = 0
    by_onset: dict[int, list[Note]] = {}
    for note in notes:
        start = int(round((note.start - origin) * FRAMES_PER_BEAT))
        if 0 <= start < steps:
            by_onset.setdefault(start, []).append(note)
    for start in sorted(by_onset):
        group = by_onset[start]
        chords += len(group) > 1
        top = max(group, key=lambda n: n.pitch)
        if events[start] == melodies.EVENT_HOLD and _sounding_pitch(events, start) > top.pitch:
            continue   # a higher note is still sounding: the top line keeps it
        stop = max(start + 1, int(round((top.end - origin) * FRAMES_PER_BEAT)))
        events[start] = top.pitch
        events[start + 1:min(stop, steps)] = melodies.EVENT_HOLD
    if chords:
        messages.append(f"{name}: {chords} chord(s) reduced to their top note")
    events = _fit_range(events, name, messages)
    return Melody(events, messages)


def _sounding_pitch(events: np.ndarray, index: int) -> int:
    while index >= 0 and events[index] == melodies.EVENT_HOLD:
        index -= 1
    return int(events[index]) if index >= 0 and events[index] >= 0 else -1


def _fit_range(events: np.ndarray, name: str, messages: list[str]) -> np.ndarray:
    low, high = melodies.pitch_span(events)
    if high - low > melodies.MAX_PITCH - melodies.MIN_PITCH:
        raise UserError(f"{name}: spans {high - low} semitones; the melody model covers "
                        f"{melodies.MAX_PITCH - melodies.MIN_PITCH}")
    shift = 0
    while low + shift < melodies.MIN_PITCH:
        shift += 12
    while high + shift > melodies.MAX_PITCH:
        shift -= 12
    if low + shift < melodies.MIN_PITCH:   # no whole octave fits: move by the least needed
        shift = melodies.MIN_PITCH - low
    if shift:
        events = events.copy()
        events[events >= 0] += shift
        messages.append(f"{name}: moved {abs(shift)} semitones {'up' if shift > 0 else 'down'} "
                        f"into the model's range")
    return events


def melody_from_score(score: Score, name: str = "the score") -> Melody:
    """The top voice of a score (its highest voice that has notes)."""
    voices = sorted({n.voice for n in score.notes})
    if not voices:
        raise UserError(f"{name}: holds no notes")
    melody = melody_from_notes([n for n in score.notes if n.voice == voices[0]], name)
    if len(voices) > 1:
        melody.messages.insert(0, f"{name}: the melody is its top voice "
                                  f"({len(voices)} voices in the file)")
    return melody


# --- latent operations -----------------------------------------------------------------
def _chunks(melody: Melody, chunks: int) -> np.ndarray:
    """Tokens [chunks, 64], the melody padded with rests."""
    size = CHUNK_BARS * melodies.STEPS_PER_BAR
    events = np.full(chunks * size, melodies.EVENT_REST, dtype=np.int16)
    events[:min(melody.steps, len(events))] = melody.events[:len(events)]
    # A chunk that starts on a hold starts on the held note again.
    for first in range(size, len(events), size):
        if events[first] == melodies.EVENT_HOLD:
            events[first] = _sounding_pitch(events, first)
    return melodies.events_to_tokens(events).reshape(chunks, size)


def _chunk_count(*melodies_: Melody) -> int:
    return max(math.ceil(m.steps / (CHUNK_BARS * melodies.STEPS_PER_BAR)) for m in melodies_)


@torch.no_grad()
def encode(model: MelodyModel, melody: Melody, chunks: int | None = None) -> torch.Tensor:
    """Posterior means [chunks, latent]."""
    tokens = torch.from_numpy(_chunks(melody, chunks or _chunk_count(melody))).to(model.device)
    mean, _ = model.net.encode(tokens)
    return mean


@torch.no_grad()
def decode(model: MelodyModel, latents: torch.Tensor, steps: int, temperature: float = 0.0,
           seed: int | None = None, job: Job | None = None,
           on_melodies: Callable[[list[Melody]], None] | None = None) -> list[Melody]:
    """latents [count, chunks, latent] -> count melodies of ``steps`` steps each.
    ``on_melodies`` gets the melodies decoded so far after each bar (all chunks decode
    side by side, so each melody grows by one bar per chunk)."""
    count, chunks, size = latents.shape
    generator = None
    if seed is not None:
        generator = torch.Generator(device=model.device).manual_seed(int(seed))

    def as_melodies(tokens: torch.Tensor) -> list[Melody]:
        """The bars decoded so far, each chunk at its place, silence after them."""
        size = CHUNK_BARS * melodies.STEPS_PER_BAR
        partial = np.full((count * chunks, size), melodies.REST_TOKEN, dtype=np.int64)
        partial[:, :tokens.shape[1]] = tokens.cpu().numpy()
        return [Melody(melodies.tokens_to_events(row[:steps]))
                for row in partial.reshape(count, -1)]

    def on_bar(bar: int, tokens: torch.Tensor) -> None:
        if job is not None:
            job.check()
            job.progress((bar + 1) / CHUNK_BARS, f"decoded bar {bar + 1} of {CHUNK_BARS}")
        if on_melodies is not None and bar + 1 < CHUNK_BARS:
            on_melodies(as_melodies(tokens))

    tokens = model.net.decode(latents.reshape(count * chunks, size).to(model.device),
                              bars=CHUNK_BARS, temperature=temperature, generator=generator,
                              on_bar=on_bar)
    tokens = tokens.reshape(count, -1).cpu().numpy()
    result = [Melody(melodies.tokens_to_events(row[:steps])) for row in tokens]
    if on_melodies is not None:
        on_melodies(result)
    return result


def slerp(a: torch.Tensor, b: torch.Tensor, amount: float) -> torch.Tensor:
    """Spherical interpolation along the last axis (linear where a and b are parallel)."""
    a_norm, b_norm = a / a.norm(dim=-1, keepdim=True), b / b.norm(dim=-1, keepdim=True)
    omega = torch.acos((a_norm * b_norm).sum(-1, keepdim=True).clamp(-1 + 1e-7, 1 - 1e-7))
    sine = torch.sin(omega)
    linear = (1 - amount) * a + amount * b
    spherical = (torch.sin((1 - amount) * omega) * a + torch.sin(amount * omega) * b) / sine
    return torch.where(sine.abs() < 1e-4, linear, spherical)


COPY_RETRIES = 3  # halvings towards the neighbour for a middle step that copies an end


def interpolate(model: MelodyModel, a: Melody, b: Melody, steps: int = 5,
                job: Job | None = None, on_melodies=None) -> list[Melody]:
    """``steps`` melodies from the model's reconstruction of A to its reconstruction of B."""
    if not 2 <= steps <= MAX_STEPS_OUT:
        raise UserError(f"interpolation steps must be 2..{MAX_STEPS_OUT}, not {steps}")
    chunks = _chunk_count(a, b)
    za, zb = encode(model, a, chunks), encode(model, b, chunks)
    amounts = [k / (steps - 1) for k in range(steps)]
    length = max(a.steps, b.steps)
    latents = torch.stack([slerp(za, zb, t) for t in amounts])
    path = decode(model, latents, length, job=job, on_melodies=on_melodies)
    # Near an end the decoder is flat: a middle step can decode to that end itself. Such a
    # step moves along the path, towards its neighbour on the other side, until it
    # differs; it never passes that neighbour, so the path stays in order.
    for _ in range(COPY_RETRIES):
        copies = [k for k in range(1, steps - 1)
                  if step_distance(path[k], path[0]) == 0 or step_distance(path[k], path[-1]) == 0]
        if not copies:
            break
        for k in copies:
            towards = amounts[k + 1] if step_distance(path[k], path[0]) == 0 else amounts[k - 1]
            amounts[k] += (towards - amounts[k]) / 2
        retried = decode(model, torch.stack([slerp(za, zb, amounts[k]) for k in copies]),
                         length, job=job)
        for k, melody in zip(copies, retried):
            path[k] = melody
        if on_melodies is not None:
            on_melodies(list(path))
    return path


class Morph:
    """The melodies between A and B, one ``amount`` (0..1) at a time: A and B are encoded
    once, so each slider position costs one decode."""

    def __init__(self, model: MelodyModel, a: Melody, b: Melody):
        self.model = model
        chunks = _chunk_count(a, b)
        self.za, self.zb = encode(model, a, chunks), encode(model, b, chunks)
        self.steps = max(a.steps, b.steps)

    def at(self, amount: float) -> Melody:
        z = slerp(self.za, self.zb, min(1.0, max(0.0, float(amount))))
        return decode(self.model, z.unsqueeze(0), self.steps)[0]


def vary(model: MelodyModel, melody: Melody, count: int = 4, closeness: float = 0.7,
         seed: int | None = None, job: Job | None = None, on_melodies=None) -> list[Melody]:
    """``count`` variations: the melody's latent moved towards random points of the prior.
    closeness 1 gives the reconstruction itself, 0 a melody unrelated to it."""
    if not 1 <= count <= MAX_STEPS_OUT:
        raise UserError(f"the number of variations must be 1..{MAX_STEPS_OUT}, not {count}")
    if not 0.0 <= closeness <= 1.0:
        raise UserError(f"closeness must be 0..1, not {closeness}")
    z = encode(model, melody)
    others = _draw_latents(model, (count, *z.shape), seed)
    latents = torch.stack([slerp(z, other, 1.0 - closeness) for other in others])
    return decode(model, latents, melody.steps, job=job, on_melodies=on_melodies)


def _draw_latents(model: MelodyModel, shape: tuple, seed: int | None) -> torch.Tensor:
    """Latents from the model's prior (fitted to real melodies when its card has one)."""
    generator = torch.Generator().manual_seed(int(seed if seed is not None else 0))
    mean, std = model.prior()
    return (mean + std * torch.randn(shape, generator=generator)).to(model.device)


def sample(model: MelodyModel, bars: int = 4, seed: int | None = None,
           temperature: float = 0.5, job: Job | None = None) -> Melody:
    if not 1 <= bars <= MAX_BARS:
        raise UserError(f"bars must be 1..{MAX_BARS}, not {bars}")
    chunks = math.ceil(bars / CHUNK_BARS)
    z = _draw_latents(model, (1, chunks, model.config.latent), seed)
    return decode(model, z, bars * melodies.STEPS_PER_BAR, temperature=temperature,
                  seed=seed, job=job)[0]


# --- measures used by the benchmark and the card ----------------------------------------
def step_distance(a: Melody, b: Melody) -> float:
    """Share of 16th steps whose token differs (the length of the longer melody)."""
    steps = max(a.steps, b.steps)
    pad = lambda m: np.concatenate([m.events, np.full(steps - m.steps, melodies.EVENT_REST)])
    return float(np.mean(pad(a) != pad(b)))
