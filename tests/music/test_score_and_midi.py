"""Score <-> piano roll and MIDI files in and out."""

import mido
import numpy as np
import pretty_midi
import pytest

from genart_desktop.music.midi_io import read_midi, write_midi
from genart_desktop.music.score import REST, Key, Note, Score, TempoChange


def test_midi_round_trip_keeps_notes_timing_tempo_key_and_meter(tmp_path):
    score = Score(
        notes=[Note(72, 0.0, 1.0, 90, 0), Note(74, 1.0, 0.75, 91, 0), Note(76, 6.0, 1.0, 92, 0),
               Note(67, 0.0, 2.0, 80, 1), Note(60, 0.5, 1.25, 70, 2), Note(48, 0.0, 4.0, 60, 3)],
        tempo_changes=[TempoChange(0.0, 72.0), TempoChange(4.0, 140.0)],
        key=Key.parse("D minor"), time_signature=(3, 4))
    path = write_midi(score, tmp_path / "round.mid")
    again, messages = read_midi(path)

    def as_tuples(s):
        return sorted((n.voice, n.pitch, round(n.start, 6), round(n.duration, 6), n.velocity)
                      for n in s.notes)

    assert messages == []
    assert as_tuples(again) == as_tuples(score)
    assert [(t.beat, round(t.bpm, 2)) for t in again.tempo_changes] == [(0.0, 72.0), (4.0, 140.0)]
    assert str(again.key) == "D minor" and again.time_signature == (3, 4)
    assert again.duration_seconds == pytest.approx(score.duration_seconds, abs=1e-3)
    names = [i.name for i in pretty_midi.PrettyMIDI(str(path)).instruments]
    assert names == ["Soprano", "Alto", "Tenor", "Bass"]


def test_type0_file_with_channels_becomes_voices_by_pitch(tmp_path):
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=500000, time=0)])
    # channel 1 plays low, channel 0 plays high, interleaved in one track
    for pitch_high, pitch_low in ((72, 48), (74, 50)):
        track += [mido.Message("note_on", channel=0, note=pitch_high, velocity=90, time=0),
                  mido.Message("note_on", channel=1, note=pitch_low, velocity=90, time=0),
                  mido.Message("note_off", channel=0, note=pitch_high, time=480),
                  mido.Message("note_off", channel=1, note=pitch_low, time=0)]
    midi = mido.MidiFile(type=0, ticks_per_beat=480)
    midi.tracks.append(track)
    midi.save(tmp_path / "type0.mid")
    score, _ = read_midi(tmp_path / "type0.mid")
    assert [n.pitch for n in score.voice_notes(0)] == [72, 74]
    assert [n.pitch for n in score.voice_notes(3)] == [48, 50]   # two lines: outer voices
    assert [n.start for n in score.voice_notes(0)] == [0.0, 1.0]


def test_more_than_four_parts_are_reduced_with_a_message_and_drums_ignored(tmp_path):
    midi = pretty_midi.PrettyMIDI()
    for index, (base, count) in enumerate([(84, 2), (76, 8), (70, 2), (64, 6), (40, 3)]):
        part = pretty_midi.Instrument(program=index, name=f"part{index}")
        part.notes = [pretty_midi.Note(80, base, k * 0.5, k * 0.5 + 0.5) for k in range(count)]
        midi.instruments.append(part)
    drums = pretty_midi.Instrument(0, is_drum=True, name="kit")
    drums.notes = [pretty_midi.Note(100, 36, 0, 0.1)]
    midi.instruments.append(drums)
    midi.write(str(tmp_path / "many.mid"))
    score, messages = read_midi(tmp_path / "many.mid")
    assert any("drum" in m for m in messages)
    reduced = [m for m in messages if "reduced to 4" in m]
    assert reduced and "part2" in reduced[0]          # the inner part with fewest notes
    assert {n.pitch for n in score.voice_notes(0)} == {84}   # highest part kept
    assert {n.pitch for n in score.voice_notes(3)} == {40}   # lowest part kept
    assert {n.pitch for n in score.voice_notes(1)} == {76}


def test_roll_round_trip_and_held_notes(four_voice_score):
    roll = four_voice_score.to_roll()
    assert roll.shape == (4, 16)
    assert list(roll[:, 0]) == [72, 67, 64, 48]
    again = Score.from_roll(roll)
    # the alto's repeated G becomes one held note of four beats
    assert [(n.pitch, n.start, n.duration) for n in again.voice_notes(1)] == [(67, 0.0, 3.0), (65, 3.0, 1.0)]
    assert np.array_equal(again.to_roll(), roll)
    assert (Score(notes=[Note(60, 1.0, 0.5)]).to_roll(8)[0] == [REST] * 4 + [60, 60] + [REST] * 2).all()


def test_key_names():
    assert str(Key.parse("f# minor")) == "F# minor"
    assert str(Key.parse("Bb")) == "Bb major"
    assert Key.parse("a").minor


def test_an_absurd_time_signature_in_a_midi_file_falls_back_to_4_4(tmp_path):
    import pretty_midi

    from genart_desktop.music.score import checked_time_signature

    midi = pretty_midi.PrettyMIDI()
    piano = pretty_midi.Instrument(0)
    piano.notes.append(pretty_midi.Note(90, 60, 0.0, 1.0))
    midi.instruments.append(piano)
    midi.time_signature_changes.append(pretty_midi.TimeSignature(4, 2**60, 0.0))
    path = tmp_path / "odd.mid"
    midi.write(str(path))
    score, messages = read_midi(path)
    assert score.time_signature == (4, 4) and any("time signature" in m for m in messages)
    for bad in ((-4, 4), (4, 3), ("four", 4), (4, 2**60)):
        with pytest.raises(ValueError, match="time signature"):
            checked_time_signature(*bad)
