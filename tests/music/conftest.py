import pytest

from genart_desktop.music.score import Key, Note, Score, TempoChange


@pytest.fixture(scope="session")
def chorale_model():
    """The committed model when present (tests of musical behaviour need it)."""
    from genart_desktop.music.model import load_model

    return load_model("bach-chorales", device="cpu")


@pytest.fixture
def tiny_model():
    """Randomly initialised: for plumbing only."""
    from genart_desktop.music.model import untrained_model

    return untrained_model()


@pytest.fixture
def melody_score() -> Score:
    """Two bars of a G major tune in quarters and a half note, soprano only."""
    pitches = [67, 67, 69, 71, 72, 71, 69]
    notes, beat = [], 0.0
    for index, pitch in enumerate(pitches):
        duration = 2.0 if index == len(pitches) - 1 else 1.0
        notes.append(Note(pitch, beat, duration, 90, 0))
        beat += duration
    notes.append(Note(67, beat, 3.0, 90, 0))   # a held final note, odd length on purpose
    return Score(notes=notes, tempo_changes=[TempoChange(0.0, 96.0)], key=Key(7, False))


@pytest.fixture
def four_voice_score() -> Score:
    chords = [(72, 67, 64, 48), (71, 67, 62, 55), (72, 67, 64, 48), (74, 65, 59, 43)]
    notes = [Note(p, 1.0 * i, 1.0, 80, v) for i, chord in enumerate(chords)
             for v, p in enumerate(chord)]
    return Score(notes=notes, tempo_changes=[TempoChange(0.0, 90.0)], key=Key(0, False))
