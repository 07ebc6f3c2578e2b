"""The piano-roll panel in the real window: editing and its undo, the model at a click,
playback of the real FluidSynth render into a recording sink, MIDI files in and out."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage

from conftest import drop_files

from genart_desktop.core.project import PanelData
from genart_desktop.music.midi_io import read_midi, write_midi
from genart_desktop.music.render import render
from genart_desktop.music.score import Key, Note, Score, TempoChange
from genart_desktop.ui.panels.music import melody_for_benchmark
from genart_desktop.ui.panels.music_audio import BLOCK_FRAMES, SAMPLE_RATE, RecordingSink
from genart_desktop.ui.panels.music_roll import VOICE_COLOURS

LEFT = Qt.MouseButton.LeftButton
NO_MODIFIER = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def panel(window, qtbot):
    music = window.panels["music"]
    dock = window.docks["music"]
    dock.setFloating(True)           # room to see a chorale's whole range
    dock.resize(1400, 700)
    window.show_panel("music")
    qtbot.waitExposed(music.roll)
    music.sampling_steps = 6
    music.sink_factory = lambda: RecordingSink(speed=1.0)
    yield music
    music.shutdown()


def chords(bars: int = 1, bpm: float = 120.0) -> Score:
    progression = [(72, 67, 64, 48), (71, 67, 62, 55), (72, 67, 64, 48), (74, 65, 59, 43)]
    notes = [Note(p, float(i), 1.0, 80, v) for i, chord in enumerate(progression * bars)
             for v, p in enumerate(chord)]
    return Score(notes=notes, tempo_changes=[TempoChange(0.0, bpm)], key=Key(0, False))


def point(roll, beat: float, pitch: int, dx: float = 2.0) -> QPoint:
    return QPoint(int(roll.x_of(beat) + dx), int(roll.y_of(pitch) + roll.row_height / 2))


def drag(qtbot, roll, start: QPoint, end: QPoint, modifier=NO_MODIFIER) -> None:
    viewport = roll.viewport()
    qtbot.mousePress(viewport, LEFT, modifier, start)
    for step in range(1, 5):
        qtbot.mouseMove(viewport, start + (end - start) * (step / 4))
    qtbot.mouseRelease(viewport, LEFT, modifier, end)


def notes_of(score: Score):
    return sorted((n.voice, n.pitch, n.start, n.duration, n.velocity) for n in score.notes)


# --- editing ---------------------------------------------------------------------------------
def test_draw_move_resize_each_one_undo_step(panel, qtbot):
    roll, document = panel.roll, panel.document
    roll.scroll_to_pitch(67)
    panel.voice_box.setCurrentIndex(2)                     # new notes are tenor notes
    panel.snap_box.setCurrentIndex(1)                      # 1/8
    qtbot.mouseClick(roll.viewport(), LEFT, NO_MODIFIER, point(roll, 2.3, 64))
    assert notes_of(document.score) == [(2, 64, 2.0, 0.5, 80)]
    assert document.undo_stack.count() == 1

    # Drawing: press and drag to the right sets the length (one step).
    drag(qtbot, roll, point(roll, 4.0, 60), point(roll, 5.5, 60))
    assert (2, 60, 4.0, 1.5, 80) in notes_of(document.score)
    assert document.undo_stack.count() == 2

    # Moving the first note two beats later and a third up: one step for the whole drag.
    drag(qtbot, roll, point(roll, 2.0, 64), point(roll, 4.0, 67))
    assert (2, 67, 4.0, 0.5, 80) in notes_of(document.score)
    assert document.undo_stack.count() == 3

    # Resizing it from its right edge.
    edge = QPoint(int(roll.x_of(4.5) - 2), point(roll, 4.0, 67).y())
    drag(qtbot, roll, edge, QPoint(int(roll.x_of(5.0)), edge.y()))
    assert (2, 67, 4.0, 1.0, 80) in notes_of(document.score)

    document.undo_stack.undo()
    assert (2, 67, 4.0, 0.5, 80) in notes_of(document.score)
    document.undo_stack.undo()
    assert (2, 64, 2.0, 0.5, 80) in notes_of(document.score)
    document.undo_stack.redo()
    assert (2, 67, 4.0, 0.5, 80) in notes_of(document.score)


def test_keys_select_all_duplicate_transpose_delete_and_their_undo(panel, qtbot):
    roll, document = panel.roll, panel.document
    original = chords(1)
    document.reset(original)
    roll.setFocus()
    qtbot.keyClick(roll, Qt.Key.Key_A, CTRL)
    assert len(document.selection) == 16

    qtbot.keyClick(roll, Qt.Key.Key_D, CTRL)                # duplicate after the selection
    assert len(document.score.notes) == 32 and document.score.end_beat == 8.0
    assert len(document.selection) == 16 and min(n.start for n in document.selected_notes()) == 4.0

    qtbot.keyClick(roll, Qt.Key.Key_Up)                     # the copies a semitone up
    copies = document.selected_notes()
    assert sorted(n.pitch for n in copies) == sorted(n.pitch + 1 for n in original.notes)
    qtbot.keyClick(roll, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)   # an octave down
    assert sorted(n.pitch for n in document.selected_notes()) == \
        sorted(n.pitch - 11 for n in original.notes)

    qtbot.keyClick(roll, Qt.Key.Key_Delete)
    assert notes_of(document.score) == notes_of(original)

    for _ in range(4):                                      # delete, octave, semitone, duplicate
        qtbot.keyClick(roll, Qt.Key.Key_Z, CTRL)
    assert notes_of(document.score) == notes_of(original)
    qtbot.keyClick(roll, Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert len(document.score.notes) == 32


def test_rubber_band_selection_velocity_and_voice(panel, qtbot):
    roll, document = panel.roll, panel.document
    document.reset(chords(1))
    roll.show_notes()
    panel.tool_group.buttons()[1].setChecked(True)          # Select tool
    # A band around the second and third chords' soprano and alto (pitches 66..73).
    drag(qtbot, roll, QPoint(int(roll.x_of(1.1)), int(roll.y_of(73))),
         QPoint(int(roll.x_of(2.9)), int(roll.y_of(65)) - 1))
    selected = document.selected_notes()
    assert sorted((n.start, n.voice) for n in selected) == [(1.0, 0), (1.0, 1), (2.0, 0), (2.0, 1)]

    panel.velocity.setValue(30)
    assert all(n.velocity == 30 for n in document.selected_notes())
    assert sum(n.velocity == 30 for n in document.score.notes) == 4
    panel.voice_box.setCurrentIndex(3)
    document.set_voice_of_selection(3)
    assert all(n.voice == 3 for n in document.selected_notes())
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert all(n.velocity == 80 for n in document.score.notes)


def test_snap_off_places_notes_where_clicked_and_zoom_changes_the_scale(panel, qtbot):
    roll, document = panel.roll, panel.document
    roll.scroll_to_pitch(60)
    panel.snap_box.setCurrentIndex(3)                       # off
    qtbot.mouseClick(roll.viewport(), LEFT, NO_MODIFIER, point(roll, 1.37, 60, dx=0))
    assert document.score.notes[0].start == pytest.approx(1.37, abs=0.05)
    width = roll.note_rect(document.score.notes[0]).width()
    roll.zoom_time(2.0)
    assert roll.note_rect(document.score.notes[0]).width() == pytest.approx(2 * width, rel=0.01)
    height = roll.row_height
    roll.zoom_pitch(1.5)
    assert roll.row_height == pytest.approx(1.5 * height)


def test_score_settings_are_undoable_and_ctrl_z_in_the_roll_leaves_the_canvas(panel, window, qtbot):
    document = panel.document
    window.canvas.set_image(np.zeros((8, 8, 3), np.uint8))
    window.canvas.set_image(np.full((8, 8, 3), 200, np.uint8))
    panel.tempo.setValue(132.0)
    panel.key_box.setCurrentIndex(panel.key_box.findText("E minor"))
    panel.numerator.setValue(3)
    assert document.score.tempo == 132.0 and str(document.score.key) == "E minor"
    assert document.score.time_signature == (3, 4) and document.score.beats_per_bar == 3.0
    panel.roll.setFocus()
    qtbot.keyClick(panel.roll, Qt.Key.Key_Z, CTRL)
    assert document.score.time_signature == (4, 4) and panel.numerator.value() == 4
    assert window.canvas.image[0, 0, 0] == 200              # the canvas was not undone
    qtbot.keyClick(panel.roll, Qt.Key.Key_Z, CTRL)
    assert document.score.key == Key(0, False) and panel.key_box.currentText() == "C major"


# --- the model --------------------------------------------------------------------------------
def _colours_in(image: QImage) -> set[tuple[int, int, int]]:
    array = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.width(), 4)
    return {tuple(int(c) for c in pixel[:3][::-1]) for pixel in array[::2, ::2].reshape(-1, 4)}


def test_harmonize_fills_three_voices_under_the_melody_in_the_view(panel, qtbot):
    from PySide6.QtGui import QColor

    document, roll = panel.document, panel.roll
    melody = melody_for_benchmark(2)
    document.reset(melody)
    roll.zoom_pitch(0.1)                                    # the whole range in view
    seen_while_sampling = []
    document.changed.connect(lambda: document.previewing and seen_while_sampling.append(
        {n.voice for n in document.score.notes}))
    panel.harmonize_button.click()
    assert panel.cancel_button.isEnabled() and roll.read_only
    qtbot.waitUntil(lambda: panel._job is None, timeout=60000)
    assert seen_while_sampling and seen_while_sampling[-1] == {0, 1, 2, 3}    # partial results

    score = document.score
    assert notes_of(Score(notes=score.voice_notes(0))) == notes_of(melody)
    for voice in (1, 2, 3):
        lower = score.voice_notes(voice)
        assert sum(n.duration for n in lower) >= 0.8 * melody.end_beat
        assert np.mean([n.pitch for n in lower]) < np.mean([n.pitch for n in score.voice_notes(voice - 1)])
    # Drawn: each voice's colour is on screen.
    roll.show_notes()
    image = roll.viewport().grab().toImage().convertToFormat(QImage.Format.Format_ARGB32)
    colours = _colours_in(image)
    for voice in range(4):
        velocity = score.voice_notes(voice)[0].velocity
        fill = QColor(VOICE_COLOURS[voice]).darker(int(100 + (127 - velocity) * 1.2))
        assert (fill.red(), fill.green(), fill.blue()) in colours, f"voice {voice} not drawn"
    # One undo step takes the harmony away again.
    document.undo_stack.undo()
    assert notes_of(document.score) == notes_of(melody)


def test_harmonize_uses_the_selected_voice_as_the_melody(panel):
    document = panel.document
    score = chords(1)
    document.reset(score)
    document.select(i for i, n in enumerate(score.notes) if n.voice == 2)
    assert panel.melody_voice() == 2
    document.select(set())
    assert panel.melody_voice() == 0


def test_cancelled_generation_leaves_the_score_as_it_was(panel, window, qtbot):
    document = panel.document
    document.reset(chords(1))
    panel.sampling_steps = 400
    panel.bars.setValue(16)
    panel.generate_button.click()
    qtbot.waitUntil(lambda: document.previewing, timeout=60000)
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: panel._job is None, timeout=30000)
    assert notes_of(document.score) == notes_of(chords(1))
    assert document.undo_stack.count() == 0 and not document.previewing


def test_regenerate_selection_changes_only_the_selected_region(panel, qtbot):
    document = panel.document
    score = chords(2)
    document.reset(score)
    document.select(i for i, n in enumerate(score.notes) if n.voice in (1, 2) and 2 <= n.start < 4)
    panel.regenerate_button.click()
    qtbot.waitUntil(lambda: panel._job is None, timeout=60000)
    kept = [n for n in score.notes if n.voice in (0, 3) or not 2 <= n.start < 4]
    assert set(notes_of(Score(notes=kept))) <= set(notes_of(document.score))
    assert all(2 <= n.start and n.end <= 4 for n in document.score.notes
               if n.voice in (1, 2) and 2 <= n.start < 4)


# --- playback ---------------------------------------------------------------------------------
def test_playback_streams_the_rendered_signal_and_the_playhead_moves(panel, qtbot):
    score = chords(1, bpm=120.0)                             # 4 beats = 2 s
    panel.document.reset(score)
    panel.play_button.click()
    assert panel.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: panel.player.first_sound_at is not None, timeout=5000)
    first = panel.roll.playhead_beat or 0.0
    qtbot.wait(600)
    assert panel.roll.playhead_beat > first + 0.5             # ~1.2 beats in 0.6 s at 120 bpm
    panel.play_button.click()                                 # pause
    assert panel.player.state == "paused"
    heard = panel.player._sink.recorded()
    assert len(heard) > SAMPLE_RATE // 2
    # What the sink got is the offline render from its start, after the silent blocks it
    # was handed while the first block was still being rendered.
    expected = render(score)
    blocks = panel.player._sink.blocks
    waiting = next(i for i, block in enumerate(blocks) if block.any())
    played = heard[waiting * BLOCK_FRAMES:]
    assert len(played) > SAMPLE_RATE // 4
    assert np.allclose(played, expected[:len(played)], atol=1e-6)
    panel.stop_button.click()
    assert panel.player.state == "stopped" and panel.roll.playhead_beat == 0.0


def test_playback_plays_to_the_end_and_stops(panel, qtbot):
    panel.sink_factory = lambda: RecordingSink(speed=8.0)
    panel.document.reset(chords(1, bpm=240.0))                # 1 s + 1 s ring-out
    panel.play()
    qtbot.waitUntil(lambda: panel.player.state == "stopped", timeout=5000)
    assert panel.play_button.text() == "Play"


def test_loop_range_repeats(panel, qtbot):
    panel.sink_factory = lambda: RecordingSink(speed=4.0)
    panel.document.reset(chords(2, bpm=120.0))
    panel.render_ahead().wait(10)
    panel.roll.set_loop((1.0, 2.0))
    panel._loop_range_changed((1.0, 2.0))
    assert panel.loop_box.isChecked()
    panel.play()
    qtbot.wait(800)                                           # 3.2 s of audio at speed 4
    positions = []
    for _ in range(10):
        positions.append(panel.player.position)
        qtbot.wait(20)
    panel.pause()
    start, end = int(0.5 * SAMPLE_RATE), int(1.0 * SAMPLE_RATE)
    assert all(start <= p <= end for p in positions)
    assert len(panel.player._sink.recorded()) > 2 * (end - start)


def test_an_edit_while_playing_is_heard_without_stopping(panel, qtbot):
    panel.document.reset(chords(2))
    panel.play()
    qtbot.waitUntil(lambda: panel.player.first_sound_at is not None, timeout=5000)
    old_track = panel.player.track
    panel.document.transpose_selection(0)
    panel.document.select_all()
    panel.document.transpose_selection(2)
    qtbot.waitUntil(lambda: panel.player.track is not old_track, timeout=5000)
    assert panel.player.state == "playing"
    assert panel.player.track.score.notes[0].pitch == chords(2).notes[0].pitch + 2


def test_missing_portaudio_says_what_to_install_and_export_still_works(panel, window, qtbot,
                                                                      monkeypatch, tmp_path):
    from genart_desktop.ui.panels.music_audio import SoundDeviceSink

    monkeypatch.setitem(sys.modules, "sounddevice", None)   # import now fails
    panel.sink_factory = SoundDeviceSink
    panel.document.reset(chords(1))
    panel.play_button.click()
    assert any("apt-get install libportaudio2" in m for m in window.messages)
    assert "libportaudio2" in panel.status.text() and panel.player.state == "stopped"
    handle = panel.export_midi(str(tmp_path / "out.mid"))
    qtbot.waitUntil(lambda: handle.done, timeout=10000)
    assert notes_of(read_midi(tmp_path / "out.mid")[0]) == notes_of(chords(1))


def test_missing_fluidsynth_says_what_to_install(panel, window, qtbot, monkeypatch):
    monkeypatch.setitem(sys.modules, "fluidsynth", None)
    panel.document.reset(chords(1))
    panel.play_button.click()
    qtbot.waitUntil(lambda: any("apt-get install libfluidsynth3" in m for m in window.messages),
                    timeout=5000)
    assert panel.player.state == "stopped" and window.isVisible()


# --- files ----------------------------------------------------------------------------------------
def _drop(roll, path) -> None:
    assert drop_files(roll.viewport(), [path])


def test_a_dropped_midi_file_loads(panel, qtbot, tmp_path):
    score = chords(2, bpm=100.0)
    write_midi(score, tmp_path / "dropped.mid")
    _drop(panel.roll, tmp_path / "dropped.mid")
    qtbot.waitUntil(lambda: len(panel.document.score.notes) == len(score.notes), timeout=10000)
    assert notes_of(panel.document.score) == notes_of(score)
    assert panel.tempo.value() == 100.0
    panel.document.undo_stack.undo()
    assert panel.document.score.notes == []


def test_a_broken_midi_file_gives_its_message_and_the_score_stays(panel, window, qtbot, tmp_path):
    panel.document.reset(chords(1))
    steps = panel.document.undo_stack.count()
    broken = tmp_path / "broken.mid"
    broken.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01\xe0MTrk\x00\x00\xff\xff garbage")
    with qtbot.waitSignal(window.message_shown, timeout=10000) as shown:
        _drop(panel.roll, broken)
    assert shown.args[0].startswith("broken.mid: ")
    assert notes_of(panel.document.score) == notes_of(chords(1))
    assert panel.document.undo_stack.count() == steps


def test_export_wav_and_drag_out_midi(panel, qtbot, tmp_path):
    import wave

    panel.document.reset(chords(1))
    handle = panel.export_wav(str(tmp_path / "chords"))
    qtbot.waitUntil(lambda: handle.done, timeout=20000)
    with wave.open(str(tmp_path / "chords.wav")) as stored:
        assert stored.getnframes() == len(render(chords(1)))
    mime = panel.score_mime_data()
    dragged = mime.urls()[0].toLocalFile()
    assert dragged.endswith(".mid") and notes_of(read_midi(dragged)[0]) == notes_of(chords(1))
    assert [a.text() for a in panel.file_actions()] == ["Import MIDI…", "Export MIDI…", "Export WAV…"]


def test_save_and_restore_state_keeps_voices_and_settings(panel, window):
    score = Score(notes=[Note(62, 0.0, 2.0, 70, 1), Note(55, 0.0, 1.0, 90, 2), Note(57, 1.0, 1.0, 90, 2)],
                  tempo_changes=[TempoChange(0.0, 72.0)], key=Key(2, True), time_signature=(3, 4),
                  programs=(0, 68, 70, 42))
    panel.document.reset(score)
    panel.snap_box.setCurrentIndex(0)
    panel.temperature.setValue(1.3)
    panel.roll.set_loop((1.0, 3.0))
    data = panel.save_state()
    assert set(data.files) == {"score.mid"} and data.files["score.mid"].startswith(b"MThd")

    panel.restore_state(PanelData())
    assert panel.document.score.notes == []
    panel.restore_state(data)
    restored = panel.document.score
    assert notes_of(restored) == notes_of(score)              # alto and tenor stay alto and tenor
    assert restored.tempo == 72.0 and restored.key == Key(2, True)
    assert restored.time_signature == (3, 4) and restored.programs == (0, 68, 70, 42)
    assert panel.snap_box.currentText() == "1/4" and panel.temperature.value() == 1.3
    assert panel.roll.loop == (1.0, 3.0) and window.messages == []


def test_no_output_device_is_reported(panel, window, monkeypatch):
    import sounddevice

    from genart_desktop.ui.panels.music_audio import SoundDeviceSink

    def no_device(*args, **kwargs):
        raise sounddevice.PortAudioError("Error querying device -1")

    monkeypatch.setattr(sounddevice, "OutputStream", no_device)
    panel.sink_factory = SoundDeviceSink
    panel.document.reset(chords(1))
    panel.play()
    assert window.messages[-1].startswith("no audio output device could be opened")
    assert panel.player.state == "stopped" and panel.play_button.text() == "Play"


def test_the_soundfont_comes_from_the_settings(panel, window, qtbot, tmp_path):
    from genart_desktop.ui.settings import app_settings

    fake = tmp_path / "fake.sf2"
    fake.write_bytes(b"RIFF....junk")
    app_settings().setValue("soundfont", str(fake))
    panel.document.reset(chords(1))
    panel.play()
    qtbot.waitUntil(lambda: any("not a SoundFont" in m for m in window.messages), timeout=5000)
    assert panel.player.state == "stopped"
    app_settings().setValue("soundfont", "")
    panel.play()                                    # the default SoundFont plays again
    qtbot.waitUntil(lambda: panel.player.first_sound_at is not None, timeout=5000)


def test_pause_resumes_where_it_was_and_space_toggles(panel, qtbot):
    panel.document.reset(chords(2))
    panel.roll.setFocus()
    qtbot.keyClick(panel.roll, Qt.Key.Key_Space)
    assert panel.player.state == "playing"
    qtbot.waitUntil(lambda: panel.player.first_sound_at is not None, timeout=5000)
    qtbot.wait(300)
    qtbot.keyClick(panel.roll, Qt.Key.Key_Space)
    assert panel.player.state == "paused"
    paused_at = panel.roll.playhead_beat
    assert paused_at > 0.2
    qtbot.wait(200)
    assert panel.roll.playhead_beat == paused_at
    panel.play()
    qtbot.wait(300)
    assert panel.roll.playhead_beat > paused_at


def test_player_loops_inside_the_render_and_stops_on_a_loop_past_the_end():
    from genart_desktop.ui.panels.music_audio import Player, Track

    track = Track(chords(1, bpm=240.0), None).start()      # 1 s + 1 s ring-out
    assert track.wait(10) and track.error is None
    player = Player(lambda: RecordingSink(speed=50.0))
    player.set_track(track)
    player.set_loop(1000, 3000)
    player.seek(1000)
    player.state = "playing"                                 # pull without a sink thread
    blocks = np.concatenate([player.pull(BLOCK_FRAMES) for _ in range(20)])
    assert np.array_equal(blocks[:2000], track.audio[1000:3000])
    assert np.array_equal(blocks[2000:4000], track.audio[1000:3000])
    player.set_loop(track.total + 10, track.total + 1000)   # a loop after the end
    player.seek(track.total)
    assert not player.pull(BLOCK_FRAMES).any() and player.finished


def test_a_score_too_long_to_play_says_so(panel, window, qtbot):
    long_score = Score(notes=[Note(60, 0.0, 1.0), Note(62, 4000.0, 1.0)],
                       tempo_changes=[TempoChange(0.0, 60.0)])     # 67 minutes
    panel.document.reset(long_score)
    panel.play()
    qtbot.waitUntil(lambda: any("export it as MIDI" in m for m in window.messages), timeout=5000)
    assert panel.player.state == "stopped"


def test_generate_then_continue_each_one_step_with_the_seed_shown(panel, qtbot):
    document = panel.document
    panel.bars.setValue(2)
    panel.key_box.setCurrentIndex(panel.key_box.findText("D major"))
    steps = document.undo_stack.count()
    panel.generate_button.click()
    qtbot.waitUntil(lambda: panel._job is None, timeout=60000)
    generated = document.score.copy()
    assert generated.end_beat == 8.0 and {n.voice for n in generated.notes} == {0, 1, 2, 3}
    assert str(generated.key) == "D major" and document.undo_stack.count() == steps + 1
    seed = panel.seed.value()

    panel.bars.setValue(1)
    panel.continue_button.click()
    qtbot.waitUntil(lambda: panel._job is None, timeout=60000)
    assert document.score.end_beat == 12.0
    assert set(notes_of(generated)) <= set(notes_of(document.score))
    panel.undo()
    assert notes_of(document.score) == notes_of(generated)

    # The same seed, typed in, makes the same music.
    panel.undo()
    panel.random_seed.setChecked(False)
    panel.seed.setValue(seed)
    panel.bars.setValue(2)
    panel.generate_button.click()
    qtbot.waitUntil(lambda: panel._job is None, timeout=60000)
    assert notes_of(document.score) == notes_of(generated)


@pytest.mark.parametrize("signature", [[-4, 4], [4, 2**60], ["4", "x"]])
def test_a_project_with_an_absurd_time_signature_opens_in_4_4_and_says_so(panel, window,
                                                                          signature):
    panel.state_warnings = []
    panel.restore_state(PanelData(state={"time_signature": signature, "tempo": 90}))
    assert panel.document.score.time_signature == (4, 4)
    said = [window.statusBar().currentMessage()] + panel.state_warnings  # the session shows both
    assert any("time signature" in m or "time_signature" in m for m in said)
    panel.roll.repaint()       # the ruler is drawn (it used to loop forever)


def test_the_voice_box_is_the_legend_of_the_roll_colours(panel):
    from PySide6.QtGui import QColor

    for voice, colour in enumerate(VOICE_COLOURS):
        pixel = panel.voice_box.itemIcon(voice).pixmap(12, 12).toImage().pixelColor(6, 6)
        assert pixel.name() == QColor(colour).name()


# A four-voice chorale from bass to soprano, F2 to E5 (36 semitones): the D minor sample of
# models/bach-chorales.samples.txt, one quarter note per beat.
CHORALE = """
    D5   D5   D5   D5    E5   E5   B4   B4    A4   A4   G4   A4    B4   D5   D5   D5
    A4   G4   A4  F#4    G4   D4   D4   D4    D4   F4   D4   C4    C4   F4   A4   A4
    F3  Bb3   C4   C4    B3   G4  F#4   F3    F3   A3   F3   F3    E3   D3   F3   F3
    D3   G3   F3   F3    D3   G2   C3   G2    G2   F2   F2   F2    C3   D3   D3   D3
"""

ROLL_AT_1366 = """
    import json, time
    from PySide6.QtCore import QRectF
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from genart_desktop.ui.main_window import MainWindow
    from genart_desktop.ui.panels.music_roll import RULER_HEIGHT

    def settle():
        for _ in range(50):
            app.processEvents()
            time.sleep(0.005)

    window = MainWindow()
    window.show()
    settle()
    roll = window.panels["music"].roll
    result = {{"window": [window.width(), window.height()], "rows": roll.visible_rows(),
              "empty_centre": roll.pitch_at((RULER_HEIGHT + roll.viewport().height()) / 2)}}
    handle = window.panels["music"].import_midi({path!r})
    while not handle.done:
        settle()
    settle()
    # what is on screen: the viewport below the ruler, as far as the panel shows it
    seen = QRectF(roll.viewport().visibleRegion().boundingRect()).intersected(
        QRectF(0, RULER_HEIGHT, roll.viewport().width(), roll.viewport().height()))
    notes = roll.document.score.notes
    result["notes"] = len(notes)
    result["seen"] = sum(seen.contains(roll.note_rect(note)) for note in notes)
    print(json.dumps(result))
    window.session.mark_clean()
    window.shutdown_workers()
"""


def test_default_roll_shows_two_octaves_and_most_of_a_chorale_on_a_1366x768_screen(
        virtual_screen, tmp_path):
    import json
    import subprocess
    import textwrap

    names = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
    notes = []
    for voice, line in enumerate(CHORALE.strip().splitlines()):
        for beat, name in enumerate(line.split()):
            pitch = 12 * (int(name[-1]) + 1) + names[name[0]] + {"#": 1, "b": -1}.get(name[1], 0)
            notes.append(Note(pitch, float(beat), 1.0, 80, voice))
    assert min(n.pitch for n in notes) == 41 and max(n.pitch for n in notes) == 76
    path = write_midi(Score(notes=notes, tempo_changes=[TempoChange(0.0, 90.0)], key=Key(2, True)),
                      tmp_path / "chorale.mid")

    run = subprocess.run([sys.executable, "-c", textwrap.dedent(ROLL_AT_1366).format(path=str(path))],
                         env=virtual_screen(1366, 768), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["window"][0] <= 1366 and result["window"][1] <= 768
    assert result["rows"] >= 24                      # two octaves at the default size
    assert abs(result["empty_centre"] - 60) <= 1     # an empty roll is centred on middle C
    assert result["notes"] == len(notes)
    assert result["seen"] >= 0.8 * result["notes"], result


@pytest.mark.parametrize("width", [1400, 760, 520])
def test_toolbars_wrap_and_every_control_stays_on_screen(panel, window, qtbot, width):
    """On a narrow dock the toolbar rows wrap onto more lines: no control is cut off."""
    from PySide6.QtWidgets import QApplication

    window.docks["music"].resize(width, 700)
    QApplication.processEvents()
    area = panel.controls
    controls = [panel.play_button, panel.generate_button, panel.bars, panel.temperature,
                panel.seed, panel.random_seed, panel.snap_box, panel.voice_box,
                panel.velocity, panel.undo_button, panel.tempo, panel.key_box,
                panel.denominator]
    for control in controls:
        left = control.mapTo(area, QPoint(0, 0)).x()
        assert control.isVisible() and left >= 0, control
        visible = panel.scroll_area.viewport().width()  # what the dock shows, not what scrolls
        assert left + control.width() <= visible, (control, left, visible)
    lines = {control.mapTo(area, QPoint(0, 0)).y() for control in controls}
    assert len(lines) >= (2 if width > 1200 else 4)  # two rows, wrapped when narrow
    assert panel.roll.height() > 150  # the roll keeps most of the room
