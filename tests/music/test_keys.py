"""The key: found in a melody, given to the net, kept by the sampler, resumed in training."""

from __future__ import annotations

import json

import numpy as np
import torch

from genart_desktop.core.jobs import Job
from genart_desktop.music import engine
from genart_desktop.music.keys import estimate_key, key_planes, outside_key, profile, scale_classes
from genart_desktop.music.network import ChoraleNet, NetConfig
from genart_desktop.music.score import REST, Key, Score


def melody_roll(pitches: list[int], frames_each: int = 4) -> np.ndarray:
    roll = np.full((4, len(pitches) * frames_each), REST, dtype=np.int16)
    roll[0] = np.repeat(pitches, frames_each)
    return roll


def test_a_melody_is_found_in_its_key():
    d_major = [62, 64, 66, 67, 69, 71, 73, 74, 69, 66, 62, 69, 74, 73, 71, 69, 67, 66, 64, 62]
    a_minor = [69, 71, 72, 74, 76, 77, 80, 81, 76, 72, 69, 76, 80, 81, 76, 72, 71, 69, 64, 69]
    assert estimate_key(melody_roll(d_major)) == Key(2, False)
    assert estimate_key(melody_roll(a_minor)) == Key(9, True)
    assert estimate_key(np.full((4, 8), REST)) is None


def test_key_planes_mark_the_scale_and_the_tonic():
    config = NetConfig()
    planes = key_planes(Key(0, False), config.min_pitch, config.num_pitches)
    pitch = lambda midi: midi - config.min_pitch  # noqa: E731 - a column of the planes
    assert planes[0, pitch(60)] == 1 and planes[0, pitch(62)] == 1 and planes[0, pitch(61)] == 0
    assert planes[1, pitch(60)] == 1 and planes[1, pitch(72)] == 1 and planes[1, pitch(67)] == 0
    assert planes[:, config.rest_index].sum() == 0
    # minor keeps its raised sixth and seventh (F#, G# in A minor), not a chromatic C#
    a_minor = scale_classes(Key(9, True))
    assert a_minor[8] and a_minor[6] and not a_minor[1]
    assert not key_planes(None, config.min_pitch, config.num_pitches).any()


def test_a_key_conditioned_net_started_from_a_plain_one_predicts_the_same(tmp_path):
    from genart_desktop.core.checkpoints import save_checkpoint
    from genart_desktop.music.training import _init_from

    torch.manual_seed(0)
    plain = ChoraleNet(NetConfig(layers=4, channels=8)).eval()
    stem = tmp_path / "plain"
    card = {"name": "plain", "kind": "music-coconet", "license": "test",
            "architecture": NetConfig(layers=4, channels=8).to_card()}
    save_checkpoint(stem, {k: v for k, v in plain.state_dict().items()
                           if not k.endswith("num_batches_tracked")}, card)
    keyed = ChoraleNet(NetConfig(layers=4, channels=8, key_conditioning=True)).eval()
    _init_from(keyed, str(stem) + ".json")
    roll = torch.randint(0, 55, (2, 4, 16))
    mask = (torch.rand(2, 4, 16) < 0.5).float()
    key = torch.from_numpy(np.stack([key_planes(Key(7, False), 33, 54)] * 2))
    assert torch.allclose(plain(roll, mask), keyed(roll, mask, key), atol=1e-5)


def pitch_class_histogram(score: Score) -> np.ndarray:
    roll = score.to_roll()
    sounding = roll[roll != REST].astype(int)
    return np.bincount(sounding % 12, minlength=12).astype(float)


def test_generation_follows_the_key_it_is_given(chorale_model):
    c_major, f_sharp_major = Key(0, False), Key(6, False)
    for asked, other in ((c_major, f_sharp_major), (f_sharp_major, c_major)):
        piece = engine.generate(chorale_model, bars=4, key=asked, seed=3)
        histogram = pitch_class_histogram(piece)
        own = np.corrcoef(histogram, profile(asked))[0, 1]
        theirs = np.corrcoef(histogram, profile(other))[0, 1]
        assert own > 0.6 and own > theirs + 0.5, (asked, own, theirs)
        outside, onsets = outside_key(piece.to_roll(), asked)
        assert outside / onsets < 0.15


def test_a_tune_without_a_key_is_harmonized_in_the_key_of_its_notes(chorale_model, melody_score):
    melody_score.key = None          # as from a MIDI file with no key signature
    result = engine.harmonize(chorale_model, melody_score, seed=2)
    assert result.key == Key(7, False)
    outside, onsets = outside_key(result.to_roll(), Key(7, False))
    assert outside / onsets < 0.15


def synthetic_chorales(count: int = 12, frames: int = 96):
    """Random-walk four-voice rolls in C major, standing in for the corpus."""
    from genart_desktop.music.chorales import Chorale

    rng = np.random.default_rng(0)
    scale = [p for p in range(36, 82) if p % 12 in (0, 2, 4, 5, 7, 9, 11)]
    out = []
    for number in range(1, count + 1):
        roll = np.empty((4, frames), dtype=np.int16)
        for voice, centre in enumerate((72, 65, 57, 48)):
            index = scale.index(min(scale, key=lambda p: abs(p - centre)))
            steps = np.clip(np.cumsum(rng.integers(-1, 2, size=frames // 4)), -4, 4)
            roll[voice] = np.repeat([scale[index + s] for s in steps], 4)
        out.append(Chorale(number * 3, f"test {number}", roll, 4))
    return out


def test_training_resumes_its_step_count_and_held_out_curve(tmp_path, monkeypatch):
    from genart_desktop.music import chorales, training

    monkeypatch.setattr(chorales, "load_chorales", lambda job=None: synthetic_chorales())
    monkeypatch.setattr(chorales, "is_held_out", lambda number: number % 10 == 0)
    state = tmp_path / "state"

    def run(minutes: float) -> dict:
        params = training.TrainParams(
            output=str(tmp_path / "model"), minutes=minutes, crop_frames=32, batch_size=4,
            checkpoint_every_s=0.3, threads=1, state_dir=str(state),
            net=NetConfig(layers=4, channels=8, key_conditioning=True))
        card_path = training.train(params, Job())
        return json.loads(card_path.read_text())

    first = run(0.02)
    second = run(0.04)
    steps_first, steps_second = first["training"]["steps"], second["training"]["steps"]
    assert steps_second > steps_first > 0
    rows_first = first["training"]["heldout_masked_ce_curve"]["rows"]
    rows_second = second["training"]["heldout_masked_ce_curve"]["rows"]
    assert rows_second[:len(rows_first)] == rows_first
    assert rows_second[-1][0] == steps_second
    assert (state / "resume-model.safetensors").exists()


def test_the_scale_bias_keeps_an_untrained_net_in_the_key(tiny_model):
    from genart_desktop.music.sampler import gibbs, pitch_penalties

    config = tiny_model.config
    planes = key_planes(Key(0, False), config.min_pitch, config.num_pitches)
    roll = np.full((4, 32), config.rest_index, dtype=np.int64)
    changeable = np.ones_like(roll, dtype=bool)

    def off_key_share(bias: float) -> float:
        result = gibbs(tiny_model, roll, changeable, seed=5,
                       pitch_penalty=pitch_penalties(tiny_model), parallel_penalty=0.0,
                       key=planes, off_key_penalty=bias)
        outside, onsets = outside_key(config.to_midi(result), Key(0, False))
        return outside / max(1, onsets)

    assert off_key_share(0.0) > 0.2      # random weights: chromatic noise
    assert off_key_share(4.0) < 0.1
