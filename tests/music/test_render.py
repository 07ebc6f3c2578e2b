"""Rendering with the real FluidSynth and the default SoundFont from pretty_midi."""

import sys
import wave

import numpy as np
import pytest

from genart_desktop.core.errors import UserError
from genart_desktop.music.render import (SAMPLE_RATE, default_soundfont, render, render_chunks,
                                         render_length, write_wav)
from genart_desktop.music.score import Note, Score, TempoChange


@pytest.fixture
def chorale_like():
    chords = [(72, 67, 64, 48), (71, 67, 62, 55), (72, 67, 64, 48), (74, 65, 59, 43)] * 2
    notes = [Note(p, 1.0 * i, 1.0, 80, v) for i, c in enumerate(chords) for v, p in enumerate(c)]
    # 4 beats at 120 then 4 at 60 bpm: 2 s + 4 s
    return Score(notes=notes, tempo_changes=[TempoChange(0.0, 120.0), TempoChange(4.0, 60.0)])


def test_render_is_audible_and_as_long_as_the_score(chorale_like):
    audio = render(chorale_like)
    assert audio.dtype == np.float32 and audio.shape == (render_length(chorale_like), 2)
    assert audio.shape[0] == pytest.approx((6.0 + 1.0) * SAMPLE_RATE, abs=2)
    second = SAMPLE_RATE
    for start in (0, 2 * second, 5 * second):          # sound in each part of the piece
        assert np.sqrt(np.mean(audio[start:start + second // 2] ** 2)) > 1e-3
    assert np.abs(audio).max() <= 1.0


def test_chunks_join_to_the_whole(chorale_like):
    chunks = list(render_chunks(chorale_like, chunk_seconds=0.25))
    assert len(chunks) == int(np.ceil(render_length(chorale_like) / (0.25 * SAMPLE_RATE)))
    assert sum(len(c) for c in chunks) == render_length(chorale_like)


def test_wav_export(tmp_path, chorale_like):
    path = write_wav(render(chorale_like), tmp_path / "out.wav")
    with wave.open(str(path)) as handle:
        assert handle.getnchannels() == 2 and handle.getframerate() == SAMPLE_RATE
        assert handle.getnframes() == render_length(chorale_like)


def test_default_soundfont_is_loaded_from_pretty_midi():
    assert default_soundfont().name == "TimGM6mb.sf2" and default_soundfont().is_file()
    assert "pretty_midi" in str(default_soundfont())


def test_missing_fluidsynth_names_the_package(monkeypatch, chorale_like):
    monkeypatch.setitem(sys.modules, "fluidsynth", None)   # import now raises ImportError
    with pytest.raises(UserError, match="apt-get install libfluidsynth3"):
        render(chorale_like)


def test_a_bad_soundfont_is_refused(tmp_path, chorale_like):
    fake = tmp_path / "fake.sf2"
    fake.write_bytes(b"not a soundfont at all")
    with pytest.raises(UserError, match="not a SoundFont"):
        render(chorale_like, soundfont=fake)
    with pytest.raises(UserError, match="does not exist"):
        render(chorale_like, soundfont=tmp_path / "none.sf2")
