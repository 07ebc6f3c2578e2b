"""The melody VAE: round trips, interpolation, variations, the CLI's track layout, bad
input and resumable training, on a small model fitted here to two tunes."""

import numpy as np
import pretty_midi
import pytest
import torch

from genart_desktop import cli
from genart_desktop.core.errors import UserError
from genart_desktop.music import melodies
from genart_desktop.music import melody as engine
from genart_desktop.music.midi_io import write_midi
from genart_desktop.music.score import Note, Score, TempoChange

TUNE_A = [(67, 2), (67, 2), (69, 4), (67, 4), (72, 4), (71, 8), (67, 2), (67, 2), (69, 4),
          (67, 4), (74, 4), (72, 8), (-1, 8), (64, 8)]
TUNE_B = [(60, 4), (62, 4), (64, 4), (60, 4), (60, 4), (62, 4), (64, 4), (60, 4), (64, 4),
          (65, 4), (67, 8), (64, 4), (65, 4), (67, 8)]


def events_of(tune) -> np.ndarray:
    events = []
    for pitch, length in tune:
        if pitch < 0:
            events += [melodies.EVENT_REST] * length
        else:
            events += [pitch] + [melodies.EVENT_HOLD] * (length - 1)
    return np.array(events, dtype=np.int16)


def score_of(tune, bpm=100.0, voice=0) -> Score:
    melody = engine.Melody(events_of(tune))
    return Score(notes=melody.notes(voice=voice), tempo_changes=[TempoChange(0.0, bpm)])


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """A small VAE fitted to tunes A and B until it reconstructs both exactly, saved
    with a card like a shipped model."""
    from genart_desktop.core.checkpoints import save_checkpoint
    from genart_desktop.music.melody_model import MelodyModel, model_card
    from genart_desktop.music.melody_network import MelodyConfig, MelodyVAE, vae_loss

    torch.manual_seed(0)
    config = MelodyConfig(latent=8, embed=16, encoder=32, conductor=32, decoder=64)
    net = MelodyVAE(config)
    tokens = torch.from_numpy(np.stack([melodies.events_to_tokens(events_of(t))
                                        for t in (TUNE_A, TUNE_B)]))
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
    for step in range(2000):      # until both decode exactly (a few hundred steps)
        loss, _ = vae_loss(net, tokens, beta=0.01, free_nats=0.0)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 50 == 49:
            net.eval()
            with torch.no_grad():
                if torch.equal(net.decode(net.encode(tokens)[0]), tokens):
                    break
            net.train()
    net.eval()
    stem = tmp_path_factory.mktemp("models") / "tiny-melody"
    card = save_checkpoint(stem, net.state_dict(), model_card(stem.name, config, {}, {}, {}))
    return MelodyModel(net, config, torch.device("cpu"), stem.name), str(card)


def test_encode_decode_round_trip(fitted):
    model, _ = fitted
    for tune in (TUNE_A, TUNE_B):
        melody = engine.Melody(events_of(tune))
        decoded = engine.decode(model, engine.encode(model, melody).unsqueeze(0), melody.steps)[0]
        assert np.array_equal(decoded.events, melody.events)


def test_interpolation_runs_from_a_to_b_and_shows_its_progress(fitted):
    model, _ = fitted
    a, b = engine.Melody(events_of(TUNE_A)), engine.Melody(events_of(TUNE_B))
    seen = []
    steps = engine.interpolate(model, a, b, steps=5, on_melodies=seen.append)
    assert len(steps) == 5
    assert np.array_equal(steps[0].events, a.events) and np.array_equal(steps[-1].events, b.events)
    # after bars 1, 2, 3 and the whole, then once per retry of a step that copied an end
    assert len(seen) >= 4 and [m.events.tolist() for m in seen[-1]] == \
        [m.events.tolist() for m in steps]
    assert sum(len(m.notes()) for m in seen[0]) < sum(len(m.notes()) for m in seen[-1])
    morph = engine.Morph(model, a, b)
    assert np.array_equal(morph.at(0.0).events, a.events)
    assert np.array_equal(morph.at(1.0).events, b.events)


def test_a_middle_step_that_copies_an_end_moves_along_the_path(fitted, monkeypatch):
    """This model knows two tunes, so half its path decodes to one of them; the steps
    that did are tried again further along, and come out as melodies of their own."""
    model, _ = fitted
    a, b = engine.Melody(events_of(TUNE_A)), engine.Melody(events_of(TUNE_B))

    def copies(path):
        return sum(engine.step_distance(m, path[0]) == 0 or engine.step_distance(m, path[-1]) == 0
                   for m in path[1:-1])

    kept = engine.interpolate(model, a, b, steps=5)
    monkeypatch.setattr(engine, "COPY_RETRIES", 0)
    plain = engine.interpolate(model, a, b, steps=5)
    assert copies(plain) > 0 and copies(kept) < copies(plain)
    distances = [engine.step_distance(m, kept[0]) for m in kept]
    assert distances[1] <= distances[2] <= distances[3]


def test_variations_closeness_one_keeps_the_melody_and_zero_leaves_it(fitted):
    model, _ = fitted
    a = engine.Melody(events_of(TUNE_A))
    same = engine.vary(model, a, count=3, closeness=1.0, seed=1)
    assert all(np.array_equal(v.events, a.events) for v in same)
    far = engine.vary(model, a, count=3, closeness=0.0, seed=1)
    assert max(engine.step_distance(v, a) for v in far) > 0
    assert engine.vary(model, a, count=2, closeness=0.5, seed=7)[1].events.tolist() == \
        engine.vary(model, a, count=2, closeness=0.5, seed=7)[1].events.tolist()


def test_cli_interpolate_writes_one_named_track_per_step_a_bar_line_apart(fitted, tmp_path, capsys):
    _, card = fitted
    a, b = tmp_path / "a.mid", tmp_path / "b.mid"
    score_a = score_of(TUNE_A, bpm=84.0)
    score_a.tempo_changes.append(TempoChange(8.0, 120.0))     # a tempo change is kept
    write_midi(score_a, a)
    write_midi(score_of(TUNE_B), b)
    out = tmp_path / "steps.mid"
    status = cli.main(["melody", "interpolate", str(a), str(b), "--steps", "3",
                       "--model", card, "-o", str(out)])
    assert status == 0, capsys.readouterr().err
    midi = pretty_midi.PrettyMIDI(str(out))
    assert [i.name for i in midi.instruments] == ["step 0", "step 1", "step 2"]
    _, tempi = midi.get_tempo_changes()
    assert list(np.round(tempi, 1)) == [84.0, 120.0]
    beats = lambda seconds: midi.time_to_tick(seconds) / midi.resolution
    length_beats = 16.0                               # 4 bars of 4/4
    for k, instrument in enumerate(midi.instruments):
        starts = [beats(n.start) for n in instrument.notes]
        assert min(starts) >= k * length_beats - 1e-6 and max(starts) < (k + 1) * length_beats
    first = sorted((n.pitch, round(beats(n.start), 3)) for n in midi.instruments[0].notes)
    assert first == sorted((n.pitch, n.start) for n in score_a.notes)


def test_cli_vary_and_sample(fitted, tmp_path, capsys):
    _, card = fitted
    source = tmp_path / "in.mid"
    write_midi(score_of(TUNE_B), source)
    out = tmp_path / "vary.mid"
    assert cli.main(["melody", "vary", str(source), "--count", "4", "--closeness", "0.8",
                     "--seed", "3", "--model", card, "-o", str(out)]) == 0
    assert [i.name for i in pretty_midi.PrettyMIDI(str(out)).instruments] == \
        [f"step {k}" for k in range(4)]
    out = tmp_path / "sample.mid"
    assert cli.main(["melody", "sample", "--bars", "8", "--seed", "1", "--model", card,
                     "-o", str(out)]) == 0
    notes = pretty_midi.PrettyMIDI(str(out)).instruments[0].notes
    assert notes and all(melodies.MIN_PITCH <= n.pitch <= melodies.MAX_PITCH for n in notes)


def test_top_voice_chords_and_range_are_reduced_with_a_message():
    chords = [Note(p, float(beat), 1.0, 80, 0) for beat in range(4) for p in (60, 64, 67)]
    melody = engine.melody_from_notes(chords, "chords.mid")
    assert melody.onset_pitches().tolist() == [67] * 4
    assert any("4 chord(s) reduced to their top note" in m for m in melody.messages)

    high = engine.melody_from_notes([Note(100, 0.0, 1.0), Note(103, 1.0, 1.0)], "high.mid")
    assert high.onset_pitches().tolist() == [88, 91]
    assert any("moved 12 semitones down" in m for m in high.messages)

    two_voices = Score(notes=[Note(72, 0, 2, 80, 0), Note(48, 0, 2, 80, 3)])
    melody = engine.melody_from_score(two_voices, "duet.mid")
    assert melody.onset_pitches().tolist() == [72]
    assert "top voice" in melody.messages[0]

    with pytest.raises(UserError, match="holds no notes"):
        engine.melody_from_score(Score(notes=[]), "empty.mid")
    with pytest.raises(UserError, match="spans"):
        engine.melody_from_notes([Note(21, 0, 1), Note(108, 1, 1)], "wide.mid")


def test_cli_refuses_drums_only_and_empty_files_in_one_line(fitted, tmp_path, capsys):
    _, card = fitted
    drums = pretty_midi.PrettyMIDI()
    kit = pretty_midi.Instrument(program=0, is_drum=True)
    kit.notes.append(pretty_midi.Note(100, 36, 0.0, 0.5))
    drums.instruments.append(kit)
    drums.write(str(tmp_path / "drums.mid"))
    empty = pretty_midi.PrettyMIDI()
    empty.instruments.append(pretty_midi.Instrument(program=0))
    empty.write(str(tmp_path / "empty.mid"))
    for name in ("drums.mid", "empty.mid"):
        status = cli.main(["melody", "vary", str(tmp_path / name), "--model", card,
                           "-o", str(tmp_path / "out.mid")])
        err = capsys.readouterr().err.strip()
        assert status == 2 and len(err.splitlines()) == 1 and name in err


def test_training_resumes_its_step_count_and_curve(tmp_path):
    from genart_desktop.core.jobs import Job
    from genart_desktop.music.melody_network import MelodyConfig
    from genart_desktop.music.melody_training import MelodyTrainParams, train

    songs = [melodies.Song(f"test/{i}", "", np.tile(events_of(tune), 2),
                           np.arange(0, 128, 16, dtype=np.int32))
             for i, tune in enumerate((TUNE_A, TUNE_B, TUNE_A[::-1], TUNE_B[::-1]))]
    config = MelodyConfig(latent=4, embed=4, encoder=8, conductor=8, decoder=8)

    def sitting():
        params = MelodyTrainParams(output=str(tmp_path / "m"), minutes=0.01, batch_size=4,
                                   state_dir=str(tmp_path / "state"), config=config,
                                   songs=songs, checkpoint_every_s=1e9)
        train(params, Job())
        import json
        return json.loads((tmp_path / "m.json").read_text())["training"]

    first = sitting()
    second = sitting()
    assert second["steps"] > first["steps"] > 0
    assert second["held_out_curve"]["points"][:1] == first["held_out_curve"]["points"]
    assert len(second["held_out_curve"]["points"]) == 2
