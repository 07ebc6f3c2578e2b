"""Keys: finding a piece's key, its scale, and the key planes the chorale net is given.

The net is conditioned on the key by two planes along its pitch axis, the same for every
frame: which pitches belong to the key's scale, and which are its tonic. Minor scales
include the raised sixth and seventh (melodic and harmonic minor), as Bach writes them,
so a leading tone in minor is not "outside the key".
"""

from __future__ import annotations

import numpy as np

from genart_desktop.music.score import REST, Key

MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
MINOR_SCALE = (0, 2, 3, 5, 7, 8, 9, 10, 11)   # natural minor plus raised 6th and 7th
KEY_PLANES = 2                                 # scale, tonic

# Krumhansl-Kessler key profiles (major, minor), weighted by sounding frames.
_MAJOR_PROFILE = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR_PROFILE = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


def profile(key: Key) -> np.ndarray:
    """The key's Krumhansl-Kessler profile over absolute pitch classes 0 (C) .. 11."""
    return np.roll(_MINOR_PROFILE if key.minor else _MAJOR_PROFILE, key.tonic)


def estimate_key(midi_roll: np.ndarray) -> Key | None:
    """The key whose profile best correlates with the sounding frames' pitch classes."""
    midi_roll = np.asarray(midi_roll)
    sounding = midi_roll[midi_roll != REST].astype(np.int64)
    if sounding.size == 0:
        return None
    histogram = np.bincount(sounding % 12, minlength=12).astype(float)
    if np.count_nonzero(histogram) < 2:
        # one pitch class says "tonic" and nothing about the mode: take major
        return Key(int(np.argmax(histogram)), False)
    best, best_score = None, -np.inf
    for tonic in range(12):
        for minor in (False, True):
            candidate = Key(tonic, minor)
            score = np.corrcoef(histogram, profile(candidate))[0, 1]
            if score > best_score:
                best, best_score = candidate, score
    return best


def scale_classes(key: Key) -> np.ndarray:
    """Bool [12]: which absolute pitch classes belong to the key's scale."""
    member = np.zeros(12, dtype=bool)
    member[[(key.tonic + step) % 12 for step in (MINOR_SCALE if key.minor else MAJOR_SCALE)]] = True
    return member


def key_planes(key: Key | None, min_pitch: int, num_pitches: int) -> np.ndarray:
    """Float32 [2, num_pitches + 1] for the net: scale membership and tonic of each pitch
    index (the last column, rest, is 0). No key: zeros, which the net was also trained on."""
    planes = np.zeros((KEY_PLANES, num_pitches + 1), dtype=np.float32)
    if key is None:
        return planes
    classes = (np.arange(num_pitches) + min_pitch) % 12
    planes[0, :num_pitches] = scale_classes(key)[classes]
    planes[1, :num_pitches] = classes == key.tonic
    return planes


def outside_key(midi_roll: np.ndarray, key: Key) -> tuple[int, int]:
    """(note onsets outside the key's scale, note onsets): a held note counts once."""
    midi_roll = np.asarray(midi_roll)
    outside = total = 0
    member = scale_classes(key)
    for line in midi_roll:
        previous = REST
        for pitch in line:
            if pitch != REST and pitch != previous:
                total += 1
                outside += int(not member[int(pitch) % 12])
            previous = pitch
    return outside, total
