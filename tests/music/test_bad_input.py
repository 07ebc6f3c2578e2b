"""Every broken file gives one clear line and a non-zero exit, never a traceback."""

import numpy as np
import pretty_midi
import pytest

from genart_desktop import cli
from genart_desktop.core.errors import UserError
from genart_desktop.music.engine import harmonize
from genart_desktop.music.midi_io import read_midi
from genart_desktop.music.score import Note, Score


def _write(midi: pretty_midi.PrettyMIDI, path):
    midi.write(str(path))
    return path


def _melody(path, tempo=120.0, count=16):
    midi = pretty_midi.PrettyMIDI(initial_tempo=tempo)
    part = pretty_midi.Instrument(0)
    step = 60.0 / tempo / 2
    part.notes = [pretty_midi.Note(80, 60 + k % 12, k * step, (k + 1) * step) for k in range(count)]
    midi.instruments.append(part)
    return _write(midi, path)


def _bad_files(tmp_path):
    good = _melody(tmp_path / "good.mid").read_bytes()
    (tmp_path / "truncated.mid").write_bytes(good[: len(good) // 2])
    rng = np.random.default_rng(0)
    (tmp_path / "garbage.mid").write_bytes(b"MThd" + rng.integers(0, 256, 300, dtype=np.uint8).tobytes())
    (tmp_path / "text.mid").write_bytes(b"this is not music")
    empty = pretty_midi.PrettyMIDI()
    empty.instruments.append(pretty_midi.Instrument(0))
    _write(empty, tmp_path / "empty.mid")
    drums = pretty_midi.PrettyMIDI()
    kit = pretty_midi.Instrument(0, is_drum=True)
    kit.notes = [pretty_midi.Note(100, 36, k * 0.25, k * 0.25 + 0.1) for k in range(32)]
    drums.instruments.append(kit)
    _write(drums, tmp_path / "drums.mid")
    huge = pretty_midi.PrettyMIDI()
    piano = pretty_midi.Instrument(0)
    piano.notes = [pretty_midi.Note(80, 48 + k % 36, k * 0.05, k * 0.05 + 0.05) for k in range(10_000)]
    huge.instruments.append(piano)
    _write(huge, tmp_path / "huge.mid")
    _melody(tmp_path / "fast.mid", tempo=3000.0)
    _melody(tmp_path / "slow.mid", tempo=5.0)
    return {
        "truncated.mid": "broken or truncated",
        "garbage.mid": "broken or truncated",
        "text.mid": "not a MIDI file",
        "empty.mid": "holds no notes",
        "drums.mid": "only drums",
        "huge.mid": "10000 notes",
        "missing.mid": "cannot read the file",
    }


@pytest.mark.parametrize("name, tempo, played", [("fast.mid", 3000.0, 1000.0),
                                                 ("slow.mid", 5.0, 10.0)])
def test_an_absurd_tempo_is_played_at_the_nearest_and_said(tmp_path, name, tempo, played):
    score, messages = read_midi(_melody(tmp_path / name, tempo=tempo))
    assert [c.bpm for c in score.tempo_changes] == [played]
    assert [n.start for n in score.notes[:3]] == [0.0, 0.5, 1.0]  # the beats are the file's
    assert any(f"tempo {tempo:g} bpm" in m and f"played at {played:g}" in m for m in messages)


def test_each_bad_file_has_its_message(tmp_path):
    for name, expected in _bad_files(tmp_path).items():
        with pytest.raises(UserError) as error:
            read_midi(tmp_path / name)
        message = str(error.value)
        assert expected in message and name in message, (name, message)
        assert "\n" not in message


def test_compose_prints_one_line_and_exits_nonzero(tmp_path, capsys):
    _bad_files(tmp_path)
    for name in ("truncated.mid", "drums.mid", "huge.mid", "garbage.mid"):
        status = cli.main(["compose", "--mode", "harmonize", "--in", str(tmp_path / name),
                           "-o", str(tmp_path / "out.mid")])
        err = capsys.readouterr().err.strip().splitlines()
        assert status == 2
        assert len(err) == 1 and err[0].startswith("genart: error: ") and name in err[0]
    assert not (tmp_path / "out.mid").exists()


def test_harmonize_refuses_an_empty_melody(tiny_model):
    only_bass = Score(notes=[Note(48, 0.0, 4.0, 80, 3)])
    with pytest.raises(UserError, match="needs a melody"):
        harmonize(tiny_model, only_bass)


def test_continue_and_harmonize_need_an_input(tmp_path, capsys):
    status = cli.main(["compose", "--mode", "continue", "-o", str(tmp_path / "x.mid")])
    assert status == 2 and "--in" in capsys.readouterr().err


def test_a_format_2_file_is_read_with_a_word_about_its_patterns(tmp_path):
    data = bytearray(_melody(tmp_path / "patterns.mid").read_bytes())
    data[8:10] = (2).to_bytes(2, "big")          # the header's format field
    (tmp_path / "patterns.mid").write_bytes(bytes(data))
    score, messages = read_midi(tmp_path / "patterns.mid")
    assert score.notes
    assert any("format 2" in m and "patterns" in m for m in messages)
    _, messages = read_midi(_melody(tmp_path / "plain.mid"))
    assert not any("format 2" in m for m in messages)
