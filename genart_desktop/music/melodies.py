"""Monophonic melodies for the melody VAE: the token alphabet, and the training corpus.

A melody is a line of 16th-note steps. Each step is one token: a rest, a hold (the
sounding note goes on), or a note-on of one pitch, as in MusicVAE (Roberts et al. 2018).
The corpus is the Essen folk-song collection and the Bach chorales' soprano lines from
music21's corpus (BSD; the tunes are traditional or public domain), parsed once into a
cached array. music21 is needed only to build the cache.

In the cache a song is an int16 line of *events* per step: ``EVENT_REST``,
``EVENT_HOLD`` or a MIDI pitch (a note-on). Events keep absolute pitch, so training can
transpose them; ``events_to_tokens`` maps them into the model's alphabet.
"""

from __future__ import annotations

import glob
import hashlib
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genart_desktop.core import paths
from genart_desktop.core.errors import UserError

# --- the token alphabet ---------------------------------------------------------------
STEPS_PER_BAR = 16            # 16th notes in a 4/4 bar; the model counts bars this way
MIN_PITCH, MAX_PITCH = 40, 91  # E2 .. G6: folk tunes and chorale sopranos, transposed
NUM_PITCHES = MAX_PITCH - MIN_PITCH + 1
REST_TOKEN, HOLD_TOKEN, FIRST_PITCH_TOKEN = 0, 1, 2
VOCAB = FIRST_PITCH_TOKEN + NUM_PITCHES

EVENT_REST, EVENT_HOLD = -1, -2

CACHE_NAME = "melodies-v1.npz"
# Held out: about one song in ten, chosen by a hash of the song's stable name, so the
# split is fixed and does not depend on the order of parsing.
HELD_OUT_MODULUS = 10


def is_held_out(song_id: str) -> bool:
    return int(hashlib.sha1(song_id.encode()).hexdigest(), 16) % HELD_OUT_MODULUS == 0


def events_to_tokens(events: np.ndarray, shift: int = 0) -> np.ndarray:
    """int64 tokens for an event line, transposed by ``shift`` semitones (pitches must
    land in MIN_PITCH..MAX_PITCH; callers check with ``pitch_span``)."""
    events = np.asarray(events)
    tokens = np.where(events == EVENT_REST, REST_TOKEN, HOLD_TOKEN).astype(np.int64)
    onsets = events >= 0
    tokens[onsets] = events[onsets].astype(np.int64) + shift - MIN_PITCH + FIRST_PITCH_TOKEN
    return tokens


def tokens_to_events(tokens: np.ndarray) -> np.ndarray:
    tokens = np.asarray(tokens, dtype=np.int64)
    events = np.where(tokens == REST_TOKEN, EVENT_REST, EVENT_HOLD).astype(np.int16)
    onsets = tokens >= FIRST_PITCH_TOKEN
    events[onsets] = tokens[onsets] - FIRST_PITCH_TOKEN + MIN_PITCH
    # A hold with nothing sounding before it (at the start, or after a rest) is a rest.
    sounding = False
    for index, event in enumerate(events):
        if event >= 0:
            sounding = True
        elif event == EVENT_REST:
            sounding = False
        elif not sounding:
            events[index] = EVENT_REST
    return events


def pitch_span(events: np.ndarray) -> tuple[int, int] | None:
    pitches = np.asarray(events)[np.asarray(events) >= 0]
    if pitches.size == 0:
        return None
    return int(pitches.min()), int(pitches.max())


# --- the corpus ----------------------------------------------------------------------
@dataclass
class Song:
    song_id: str            # "essen/<file>/<n>" or "chorale/<Riemenschneider number>"
    title: str
    events: np.ndarray      # int16 per 16th note: pitch (onset), EVENT_HOLD, EVENT_REST
    bar_starts: np.ndarray  # int32 steps where the song's own bars begin


def cache_path() -> Path:
    return paths.cache_dir() / "music" / CACHE_NAME


def load_songs(job=None) -> list[Song]:
    """All songs, from the cache, building it first (needs music21, about 3 minutes)."""
    path = cache_path()
    if not path.exists():
        _build_cache(path, job)
    with np.load(path, allow_pickle=False) as data:   # each key decompresses on access
        data = {key: data[key] for key in data.files}
    songs = []
    bounds, bar_bounds = data["bounds"], data["bar_bounds"]
    for index, song_id in enumerate(data["ids"]):
        songs.append(Song(str(song_id), str(data["titles"][index]),
                          data["events"][bounds[index]:bounds[index + 1]],
                          data["bars"][bar_bounds[index]:bar_bounds[index + 1]]))
    return songs


def split(songs: list[Song]) -> tuple[list[Song], list[Song]]:
    train = [s for s in songs if not is_held_out(s.song_id)]
    held_out = [s for s in songs if is_held_out(s.song_id)]
    return train, held_out


def window_starts(song: Song, steps: int) -> list[int]:
    """Where a training window of ``steps`` may start: on a note-on at a beat of the
    song's bars (a quarter note, 4 steps, from a bar line), wholly inside the song, with
    at least one note-on per bar's worth of steps and never a whole 4/4 bar of rest."""
    starts = set()
    ends = list(song.bar_starts[1:]) + [len(song.events)]
    for first, end in zip(song.bar_starts, ends):
        starts.update(range(int(first), int(end), 4))
    usable = []
    for start in sorted(starts):
        window = song.events[start:start + steps]
        if len(window) < steps or window[0] < 0:
            continue
        if np.count_nonzero(window >= 0) < steps // STEPS_PER_BAR:
            continue
        rests = np.concatenate([[0], (window == EVENT_REST).astype(np.int8), [0]])
        edges = np.flatnonzero(np.diff(rests))
        if len(edges) and np.max(edges[1::2] - edges[::2]) >= STEPS_PER_BAR:
            continue
        usable.append(start)
    return usable


def _corpus_folder() -> Path:
    try:
        import music21
    except ImportError:
        raise UserError("building the melody corpus needs music21: pip install music21") from None
    return Path(os.path.dirname(music21.__file__)) / "corpus"


def _build_cache(path: Path, job=None) -> None:
    files = sorted(glob.glob(str(_corpus_folder() / "essenFolksong" / "*.abc")))
    songs: list[Song] = []
    with ProcessPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        futures = [pool.submit(_parse_abc_file, name) for name in files]
        futures.append(pool.submit(_parse_chorale_sopranos))
        for done, future in enumerate(futures):
            songs.extend(future.result())
            if job is not None:
                job.progress((done + 1) / len(futures), f"parsed {done + 1}/{len(futures)} books")
    songs = [s for s in songs if len(s.events) >= STEPS_PER_BAR]
    bounds = np.cumsum([0] + [len(s.events) for s in songs])
    bar_bounds = np.cumsum([0] + [len(s.bar_starts) for s in songs])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, ids=np.array([s.song_id for s in songs]),
                        titles=np.array([s.title for s in songs]), bounds=bounds,
                        bar_bounds=bar_bounds,
                        events=np.concatenate([s.events for s in songs]).astype(np.int16),
                        bars=np.concatenate([s.bar_starts for s in songs]).astype(np.int32))
    tmp.replace(path)


def _parse_abc_file(filename: str) -> list[Song]:
    from music21 import converter

    opus = converter.parse(filename)
    scores = opus.scores if hasattr(opus, "scores") else [opus]
    book = Path(filename).stem
    songs = []
    for number, score in enumerate(scores):
        song = _score_to_song(score.parts[0] if score.parts else score,
                              f"essen/{book}/{number}", str(score.metadata.title or ""))
        if song is not None:
            songs.append(song)
    return songs


def _parse_chorale_sopranos() -> list[Song]:
    from music21 import corpus

    songs = []
    for index, score in enumerate(corpus.chorales.Iterator()):
        soprano = next((p for p in score.parts
                        if str(p.partName or p.id or "").startswith("Soprano")), None)
        if soprano is None:
            continue
        number = int(score.metadata.number or index + 1)
        song = _score_to_song(soprano, f"chorale/{number}", str(score.metadata.title or ""))
        if song is not None:
            songs.append(song)
    return songs


def _score_to_song(part, song_id: str, title: str) -> Song | None:
    """The part's top line per 16th note; a chord gives its highest pitch, grace notes
    are dropped, and a note that rounds onto an earlier note's onset is dropped too."""
    flat = part.flatten()
    frames = int(round(float(flat.highestTime) * 4))
    if frames <= 0:
        return None
    events = np.full(frames, EVENT_REST, dtype=np.int16)
    for element in flat.notes:
        if float(element.quarterLength) <= 0:
            continue
        start = int(round(float(element.offset) * 4))
        stop = max(start + 1, int(round(float(element.offset + element.quarterLength) * 4)))
        if start >= frames or (events[start] >= 0):
            continue
        events[start] = max(p.midi for p in element.pitches)
        events[start + 1:stop] = EVENT_HOLD
    bars = sorted({int(round(float(m.offset) * 4)) for m in part.getElementsByClass("Measure")})
    bars = [b for b in bars if 0 <= b < frames] or list(range(0, frames, STEPS_PER_BAR))
    if not (events >= 0).any():
        return None
    return Song(song_id, title, events, np.array(bars, dtype=np.int32))
