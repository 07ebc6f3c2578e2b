"""The melody VAE's row in the piano roll: interpolate, vary with auditioning, the morph
slider; each result is one undo step and undo gives the score back as it was.
The model is a small untrained one: these tests are about the panel, not the music."""

from __future__ import annotations

import pytest

from genart_desktop.music.melody_model import untrained_model
from genart_desktop.music.score import Note, Score, TempoChange
from genart_desktop.ui.panels.music_audio import RecordingSink


@pytest.fixture
def panel(window, qtbot):
    music = window.panels["music"]
    window.show_panel("music")
    qtbot.waitExposed(music.roll)
    music.sink_factory = lambda: RecordingSink(speed=4.0)
    music._models["melody"] = untrained_model()
    yield music
    music.shutdown()


def tune() -> Score:
    """Two bars of soprano and a bass line under it."""
    pitches = [67, 69, 71, 72, 74, 72, 71, 69]
    notes = [Note(p, float(i), 1.0, 80, 0) for i, p in enumerate(pitches)]
    notes += [Note(43, 0.0, 4.0, 80, 3), Note(48, 4.0, 4.0, 80, 3)]
    return Score(notes=notes, tempo_changes=[TempoChange(0.0, 100.0)])


def notes_of(score: Score):
    return sorted((n.pitch, n.start, n.duration, n.voice) for n in score.notes)


def test_interpolate_lays_the_steps_after_the_score_as_one_undo_step(panel, qtbot):
    document, tools = panel.document, panel.melody_tools
    original = tune()
    document.reset(original)
    assert not tools.interpolate_button.isEnabled()
    tools.take("A")                                           # no selection: the top voice
    document.select(i for i, n in enumerate(original.notes) if n.voice == 0 and n.start >= 4)
    tools.take("B")
    assert tools.sources["B"].voice == 0 and len(tools.sources["B"].notes) == 4
    assert tools.interpolate_button.isEnabled()
    tools.steps.setValue(3)
    tools.interpolate_button.click()
    qtbot.waitUntil(lambda: panel._job is None, timeout=60000)
    added = [n for n in document.score.notes if n.start >= original.end_beat]
    assert added and {n.voice for n in added} == {0}
    assert min(n.start for n in added) >= 8.0                  # from the next bar line
    assert max(n.start for n in added) < 8.0 + 3 * 8.0         # 3 steps, 2 bars apart
    assert document.undo_stack.count() == 1
    panel.undo()
    assert notes_of(document.score) == notes_of(original)


def test_vary_auditions_in_place_and_keep_is_one_undo_step(panel, qtbot):
    document, tools = panel.document, panel.melody_tools
    original = tune()
    document.reset(original)
    document.select(i for i, n in enumerate(original.notes) if n.voice == 0)
    tools.count.setValue(3)
    tools.closeness.setValue(0)
    tools.vary_button.click()
    qtbot.waitUntil(lambda: tools.choosing, timeout=60000)
    assert [b.isVisible() for b in tools.choice_buttons[:4]] == [True, True, True, False]
    assert panel.busy() and panel.roll.read_only              # no edits under a preview
    tools.audition(2)
    assert document.previewing
    shown = notes_of(document.score)
    bass = [n for n in notes_of(original) if n[3] == 3]
    assert [n for n in shown if n[3] == 3] == bass            # only the selected line changes
    assert all(0.0 <= n[1] < 8.0 for n in shown if n[3] == 0)
    tools.keep()
    assert not tools.choosing and not document.previewing
    assert notes_of(document.score) == shown and document.undo_stack.count() == 1
    panel.undo()
    assert notes_of(document.score) == notes_of(original)

    document.select(i for i, n in enumerate(original.notes) if n.voice == 0)
    tools.vary_button.click()
    qtbot.waitUntil(lambda: tools.choosing, timeout=60000)
    tools.discard()
    assert notes_of(document.score) == notes_of(original)
    assert document.undo_stack.count() == 1


def test_morph_slider_writes_in_a_s_place_and_undo_restores(panel, qtbot):
    document, tools = panel.document, panel.melody_tools
    original = tune()
    document.reset(original)
    document.select(i for i, n in enumerate(original.notes) if n.voice == 0 and n.start < 4)
    tools.take("A")
    document.select(i for i, n in enumerate(original.notes) if n.voice == 0 and n.start >= 4)
    tools.take("B")
    assert tools.morph.isEnabled()
    tools.morph.setValue(60)                                  # as the keyboard moves it
    qtbot.waitUntil(lambda: document.undo_stack.count() == 1, timeout=60000)
    assert [n for n in notes_of(document.score) if n[3] == 3] == \
        [n for n in notes_of(original) if n[3] == 3]
    panel.undo()
    assert notes_of(document.score) == notes_of(original)
