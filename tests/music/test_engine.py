"""generate / continue / harmonize / regenerate with the committed chorale model."""

import pytest

from genart_desktop.core.errors import JobCancelled
from genart_desktop.core.jobs import Job
from genart_desktop.music.engine import (Region, continue_score, generate, harmonize,
                                         regenerate, tonic_chord)
from genart_desktop.music.model import VOICE_SPANS
from genart_desktop.music.score import Key

FAST = dict(steps=6, temperature=0.9)


def _tuples(notes):
    return sorted((n.voice, n.pitch, n.start, n.duration, n.velocity) for n in notes)


def _in_span(score):
    return all(VOICE_SPANS[n.voice][0] <= n.pitch <= VOICE_SPANS[n.voice][1] for n in score.notes)


def test_harmonize_keeps_the_melody_note_for_note_and_writes_three_voices(chorale_model, melody_score):
    result = harmonize(chorale_model, melody_score, seed=1, **FAST)
    assert _tuples(result.voice_notes(0)) == _tuples(melody_score.notes)
    roll = result.to_roll()
    for voice in (1, 2, 3):
        assert (roll[voice] >= 0).mean() > 0.8, f"voice {voice} is mostly silent"
    assert all(VOICE_SPANS[n.voice][0] <= n.pitch <= VOICE_SPANS[n.voice][1]
               for n in result.notes if n.voice > 0)
    assert result.end_beat == pytest.approx(melody_score.end_beat)
    assert melody_score.voice_notes(1) == []            # the input is not modified


def test_harmonize_moves_an_out_of_range_melody_by_octaves_and_back(chorale_model, melody_score):
    high = melody_score.copy()
    for note in high.notes:
        note.pitch += 24
    result = harmonize(chorale_model, high, seed=2, **FAST)
    assert _tuples(result.voice_notes(0)) == _tuples(high.notes)
    assert min(n.pitch for n in result.notes if n.voice > 0) >= VOICE_SPANS[3][0] + 24


def test_continue_keeps_the_input_and_adds_bars(chorale_model, four_voice_score):
    result = continue_score(chorale_model, four_voice_score, bars=2, seed=3, **FAST)
    old = _tuples(four_voice_score.notes)
    assert set(old) <= set(_tuples(result.notes))
    assert result.end_beat == pytest.approx(four_voice_score.end_beat + 8)
    assert all(n.start >= 4.0 for n in result.notes if (n.voice, n.pitch, n.start, n.duration, n.velocity) not in old)


def test_regenerate_changes_only_the_region(chorale_model, four_voice_score):
    longer = continue_score(chorale_model, four_voice_score, bars=1, seed=4, **FAST)
    result = regenerate(chorale_model, longer, Region(2.0, 6.0, (1, 2)), seed=5, **FAST)
    outside = [n for n in longer.notes if n.voice in (0, 3) or n.end <= 2.0 or n.start >= 6.0]
    assert set(_tuples(outside)) <= set(_tuples(result.notes))
    assert all(n.start >= 2.0 and n.end <= 6.0 for n in result.notes
               if n.voice in (1, 2) and _tuples([n])[0] not in set(_tuples(longer.notes)))


def test_generate_in_a_key_starts_and_ends_on_its_tonic_chord(chorale_model):
    score = generate(chorale_model, bars=2, seed=6, key="E minor", **FAST)
    roll = score.to_roll()
    assert roll.shape == (4, 32)
    assert list(roll[:, 0]) == tonic_chord(Key.parse("E minor")) == list(roll[:, -1])
    assert str(score.key) == "E minor"
    assert _in_span(score)


def test_same_seed_same_music_and_partials_are_reported(chorale_model):
    partials = []
    job = Job(on_partial=partials.append)
    first = generate(chorale_model, bars=1, seed=7, job=job, **FAST)
    second = generate(chorale_model, bars=1, seed=7, **FAST)
    assert _tuples(first.notes) == _tuples(second.notes)
    # the annealed steps, then polishing steps (one voice, alternate frames, at a time)
    assert len(partials) >= FAST["steps"] and partials[-1].notes


def test_cancel_stops_sampling(tiny_model):
    job = Job()
    job.cancel()
    with pytest.raises(JobCancelled):
        generate(tiny_model, bars=1, job=job, **FAST)


def test_parallel_guard_and_the_voice_leading_count_agree():
    import numpy as np
    import torch

    from genart_desktop.music.evaluate import voice_leading
    from genart_desktop.music.sampler import parallels_made

    low = 33
    # soprano C5 -> D5 over a held G4 and F4; the bass leaves C3
    roll = np.array([[72, 74], [67, 67], [65, 65], [48, 48]])
    counts = parallels_made(torch.from_numpy(roll - low), low, 54)[0]
    assert counts[3, 1, 50 - low] == 1        # bass to D3: parallel octaves with the soprano
    assert counts[3, 1, 43 - low] == 0        # bass down to G2: contrary motion
    assert counts[2, 1, 67 - low] == 1        # tenor F4 to G4: parallel fifths under C5-D5
    assert counts[2, 1, 64 - low] == 0
    for voice, pitch, expected in ((3, 50, 1), (3, 43, 0), (2, 67, 1)):
        changed = roll.copy()
        changed[voice, 1] = pitch
        assert voice_leading(changed)["parallels"] == expected
