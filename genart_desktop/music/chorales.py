"""The Bach chorales of music21's corpus as piano-roll arrays, parsed once and cached.

music21 is a training-only dependency: it is imported only when the cache is built.
Each chorale becomes an int array [4 voices, frames] of MIDI pitches per 16th note
(REST = -1), soprano to bass. Parsing all 371 takes about 40 s; the cache loads in ms.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genart_desktop.core import paths
from genart_desktop.core.errors import UserError

CACHE_NAME = "bach-chorales-v2.npz"
VOICE_NAMES = ("Soprano", "Alto", "Tenor", "Bass")
REST = -1
FRAMES_PER_QUARTER = 4

# The fixed held-out split: every chorale whose Riemenschneider number is a multiple of
# ten (37 of 371). Chosen by number, not at random, so it is stable and easy to state.
def is_held_out(number: int) -> bool:
    return number % 10 == 0


@dataclass
class Chorale:
    number: int          # Riemenschneider number, 1..371
    title: str
    roll: np.ndarray     # int16 [4, frames], MIDI pitch or REST
    beats_per_bar: int   # time-signature numerator (quarter-note beats in practice)


def cache_path() -> Path:
    return paths.cache_dir() / "music" / CACHE_NAME


def load_chorales(job=None) -> list[Chorale]:
    """All chorales, from the cache, building it first if needed (needs music21)."""
    path = cache_path()
    if not path.exists():
        _build_cache(path, job)
    data = np.load(path, allow_pickle=False)
    bounds = data["bounds"]
    chorales = []
    for index, number in enumerate(data["numbers"]):
        start, stop = bounds[index], bounds[index + 1]
        chorales.append(Chorale(int(number), str(data["titles"][index]),
                                data["rolls"][:, start:stop], int(data["beats"][index])))
    return chorales


def split(chorales: list[Chorale]) -> tuple[list[Chorale], list[Chorale]]:
    train = [c for c in chorales if not is_held_out(c.number)]
    held_out = [c for c in chorales if is_held_out(c.number)]
    return train, held_out


def _build_cache(path: Path, job=None) -> None:
    try:
        from music21 import corpus
    except ImportError:
        raise UserError("building the chorale cache needs music21: pip install music21") from None
    iterator = corpus.chorales.Iterator()
    total = len(iterator)
    numbers, titles, beats, rolls = [], [], [], []
    for index, score in enumerate(iterator):
        if job is not None:
            job.progress(index / total, f"parsing chorale {index + 1}/{total}")
        roll = _score_to_roll(score)
        if roll is None:
            continue
        numbers.append(int(score.metadata.number or index + 1))
        titles.append(str(score.metadata.title or ""))
        signature = score.recurse().getElementsByClass("TimeSignature").first()
        beats.append(int(signature.numerator) if signature is not None else 4)
        rolls.append(roll)
    bounds = np.cumsum([0] + [r.shape[1] for r in rolls])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, numbers=np.array(numbers), titles=np.array(titles),
                        beats=np.array(beats), bounds=bounds,
                        rolls=np.concatenate(rolls, axis=1).astype(np.int16))
    tmp.replace(path)


def _score_to_roll(score) -> np.ndarray | None:
    """The parts named Soprano, Alto, Tenor and Bass, sampled per 16th (top note of a
    chord). Some chorales also carry trumpets, oboes, strings or continuo: those are
    skipped by name. A chorale without the four named voices is left out (None)."""
    by_name = {}
    for part in score.parts:
        name = str(part.partName or part.id or "")
        for voice_name in VOICE_NAMES:
            if name.startswith(voice_name) and voice_name not in by_name:
                by_name[voice_name] = part
    if len(by_name) < 4:
        return None
    frames = int(round(float(score.highestTime) * FRAMES_PER_QUARTER))
    roll = np.full((4, frames), REST, dtype=np.int16)
    for voice, voice_name in enumerate(VOICE_NAMES):
        for element in by_name[voice_name].flatten().notes:
            start = int(round(float(element.offset) * FRAMES_PER_QUARTER))
            stop = int(round(float(element.offset + element.quarterLength) * FRAMES_PER_QUARTER))
            pitch = max(p.midi for p in element.pitches)
            roll[voice, start:max(stop, start + 1)] = pitch
    return roll
