"""``genart compose`` end to end with the committed model."""

import wave

from genart_desktop import cli
from genart_desktop.music.midi_io import read_midi, write_midi


def test_generate_writes_midi_and_wav(tmp_path, capsys):
    out, wav = tmp_path / "gen.mid", tmp_path / "gen.wav"
    status = cli.main(["compose", "--mode", "generate", "--bars", "2", "--steps", "4",
                       "--seed", "1", "--key", "A minor", "-o", str(out), "--wav", str(wav)])
    assert status == 0, capsys.readouterr().err
    score, _ = read_midi(out)
    assert score.end_beat == 8.0 and str(score.key) == "A minor"
    assert {n.voice for n in score.notes} == {0, 1, 2, 3}
    with wave.open(str(wav)) as handle:
        assert handle.getnframes() > 6 * handle.getframerate()   # 8 beats at 80 bpm + tail


def test_harmonize_and_continue_from_a_file(tmp_path, melody_score):
    melody = write_midi(melody_score, tmp_path / "melody.mid")
    for mode in ("harmonize", "continue"):
        out = tmp_path / f"{mode}.mid"
        assert cli.main(["compose", "--mode", mode, "--in", str(melody), "--bars", "1",
                         "--steps", "4", "--seed", "2", "-o", str(out)]) == 0
        score, _ = read_midi(out)
        kept = sorted((n.pitch, n.start, n.duration) for n in score.voice_notes(0)
                      if n.start < melody_score.end_beat)
        assert kept == sorted((n.pitch, n.start, n.duration) for n in melody_score.notes)
        assert {n.voice for n in score.notes} == {0, 1, 2, 3}
