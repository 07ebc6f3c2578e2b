"""Quality figures for a chorale model, on the held-out chorales; ``genart evaluate-music``
prints them as JSON lines and writes them into the model card.

1. Negative log-likelihood per voice-frame (nats): each voice's pitch-or-rest in a
   16th-note frame, predicted in time order, soprano to bass, given everything before
   it (the model's masked conditionals with later cells masked). Scored on fixed random
   frames of each held-out chorale, next to a per-voice bigram on the same cells.
2. Harmonizing Bach's soprano lines: rates of parallel fifths and octaves, voice
   crossings and notes out of textbook range, next to Bach's own harmonizations; with
   the sampler's default parallel-fifths guard and without it (the net alone).
3. Staying in key: the share of note onsets outside the key's scale (raised 6th and 7th
   allowed in minor) in our harmonizations of the held-out sopranos and in Bach's own
   (the key of Bach's chorale, found by ``keys.estimate_key``, for both); the same for 8
   generated bars in G major over 10 seeds, and how often music21's key analysis (when
   music21 is installed) names the key asked for.
"""

from __future__ import annotations

import datetime
import time

import numpy as np
import torch

from genart_desktop.core.benchmarks import emit
from genart_desktop.core.checkpoints import find_model, write_json_atomic
from genart_desktop.core.jobs import Job
from genart_desktop.music import chorales
from genart_desktop.music.engine import generate, harmonize
from genart_desktop.music.keys import estimate_key, key_planes, outside_key
from genart_desktop.music.model import KIND, ChoraleModel, load_model
from genart_desktop.music.sampler import PARALLEL_PENALTY, SCALE_BIAS
from genart_desktop.music.score import REST, VOICE_RANGES, VOICES, Key, Score
from genart_desktop.music.training import TRANSPOSITIONS

FRAMES_PER_CHORALE = 8      # scored frames per held-out chorale (each 4 voice-cells)
PAST_CONTEXT = 32           # frames of known past the net is shown
FUTURE_MASKED = 8           # masked frames after the scored one (as in sampling)
BIGRAM_SMOOTHING = 0.5      # add-k smoothing of the bigram counts
HARMONIZE_SEED = 0
GENERATE_KEY = Key(7, False)  # G major, as the issue asked
GENERATE_SEEDS = 10
GENERATE_BARS = 8


def scored_frames(chorale: chorales.Chorale) -> list[int]:
    rng = np.random.default_rng(chorale.number)
    frames = chorale.roll.shape[1]
    count = min(FRAMES_PER_CHORALE, frames - 1)
    return sorted(rng.choice(np.arange(1, frames), size=count, replace=False).tolist())


@torch.no_grad()
def model_nll(model: ChoraleModel, held_out: list[chorales.Chorale]) -> tuple[float, int]:
    config, net = model.config, model.net.eval()
    total, count = 0.0, 0
    for chorale in held_out:
        indices = config.to_indices(chorale.roll)
        planes = torch.from_numpy(
            key_planes(estimate_key(chorale.roll), config.min_pitch, config.num_pitches))
        keys = planes.to(model.device).unsqueeze(0).expand(VOICES, -1, -1)
        for t in scored_frames(chorale):
            lo, hi = max(0, t - PAST_CONTEXT + 1), min(indices.shape[1], t + 1 + FUTURE_MASKED)
            window = torch.from_numpy(indices[:, lo:hi]).to(model.device)
            rolls = window.unsqueeze(0).repeat(VOICES, 1, 1)
            masks = torch.zeros(VOICES, VOICES, hi - lo, device=model.device)
            for v in range(VOICES):          # item v predicts voice v of frame t
                masks[v, :, t - lo + 1:] = 1
                masks[v, v:, t - lo] = 1
            log_probs = torch.log_softmax(net(rolls, masks, keys).double(), dim=-1)
            for v in range(VOICES):
                total -= log_probs[v, v, t - lo, rolls[v, v, t - lo]].item()
                count += 1
    return total / count, count


def bigram_nll(train: list[chorales.Chorale], held_out: list[chorales.Chorale]) -> float:
    """Per-voice bigram over MIDI pitch or rest, counted on the training chorales in the
    same transpositions the model trained on."""
    classes = 129                                 # 128 pitches + rest
    counts = np.full((VOICES, classes, classes), BIGRAM_SMOOTHING)
    for chorale in train:
        sounding = chorale.roll[chorale.roll != REST]
        for shift in TRANSPOSITIONS:
            if sounding.min() + shift < 0 or sounding.max() + shift > 127:
                continue
            roll = np.where(chorale.roll == REST, 128, chorale.roll + shift)
            for v in range(VOICES):
                np.add.at(counts[v], (roll[v, :-1], roll[v, 1:]), 1)
    probabilities = counts / counts.sum(axis=2, keepdims=True)
    total, count = 0.0, 0
    for chorale in held_out:
        roll = np.where(chorale.roll == REST, 128, chorale.roll)
        for t in scored_frames(chorale):
            for v in range(VOICES):
                total -= np.log(probabilities[v, roll[v, t - 1], roll[v, t]])
                count += 1
    return total / count


def voice_leading(roll: np.ndarray) -> dict[str, float]:
    """Counts of parallel fifths/octaves, crossings and out-of-range cells in a roll."""
    changes = np.nonzero((roll[:, 1:] != roll[:, :-1]).any(axis=0))[0] + 1
    parallels = 0
    for t in changes:
        before, after = roll[:, t - 1], roll[:, t]
        for i in range(VOICES):
            for j in range(i + 1, VOICES):
                if REST in (before[i], before[j], after[i], after[j]):
                    continue
                move_i, move_j = after[i] - before[i], after[j] - before[j]
                if move_i == 0 or move_j == 0 or np.sign(move_i) != np.sign(move_j):
                    continue
                interval_before = (int(before[i]) - int(before[j])) % 12
                interval_after = (int(after[i]) - int(after[j])) % 12
                if interval_before == interval_after and interval_before in (0, 7):
                    parallels += 1
    sounding = roll != REST
    crossings = sum(int(((roll[v] < roll[v + 1]) & sounding[v] & sounding[v + 1]).sum())
                    for v in range(VOICES - 1))
    pairs = sum(int((sounding[v] & sounding[v + 1]).sum()) for v in range(VOICES - 1))
    out_of_range = sum(int((sounding[v] & ((roll[v] < lo) | (roll[v] > hi))).sum())
                       for v, (lo, hi) in enumerate(VOICE_RANGES))
    return {"parallels": parallels, "chord_changes": len(changes), "crossings": crossings,
            "adjacent_pairs": pairs, "out_of_range": out_of_range,
            "sounding_cells": int(sounding.sum())}


def rates(totals: dict[str, float]) -> dict[str, float]:
    figures = {
        "parallel_5ths_8ves_per_chord_change": totals["parallels"] / max(1, totals["chord_changes"]),
        "voice_crossing_rate": totals["crossings"] / max(1, totals["adjacent_pairs"]),
        "out_of_range_rate": totals["out_of_range"] / max(1, totals["sounding_cells"]),
    }
    if "onsets" in totals:
        figures["outside_key_rate"] = totals["outside_key"] / max(1, totals["onsets"])
    return figures


def harmonization_stats(model: ChoraleModel, held_out: list[chorales.Chorale], job: Job,
                        temperature: float = 0.9, avoid_parallels: bool = True
                        ) -> tuple[dict, dict]:
    """Rates for our harmonizations of the held-out sopranos and for Bach's own. The
    melody goes in without a key, so the engine finds it from the melody, as it does for
    a user's tune; the out-of-key share is judged in the key of Bach's whole chorale."""
    ours, bach = {}, {}
    agree = 0
    for index, chorale in enumerate(held_out):
        job.progress(index / len(held_out), f"harmonizing held-out chorale {chorale.number}")
        melody = np.full_like(chorale.roll, REST)
        melody[0] = chorale.roll[0]
        result = harmonize(model, Score.from_roll(melody), temperature=temperature,
                           seed=HARMONIZE_SEED + chorale.number, avoid_parallels=avoid_parallels)
        generated = result.to_roll(chorale.roll.shape[1])
        true_key = estimate_key(chorale.roll)
        agree += int(estimate_key(generated) == true_key)
        for totals, roll in ((ours, generated), (bach, chorale.roll)):
            for key, value in voice_leading(roll).items():
                totals[key] = totals.get(key, 0) + value
            outside, onsets = outside_key(roll, true_key)
            totals["outside_key"] = totals.get("outside_key", 0) + outside
            totals["onsets"] = totals.get("onsets", 0) + onsets
    ours_rates = rates(ours)
    ours_rates["key_agreement"] = agree / max(1, len(held_out))
    return ours_rates, rates(bach)


def generation_key_stats(model: ChoraleModel, job: Job, key: Key = GENERATE_KEY,
                         seeds: int = GENERATE_SEEDS) -> dict:
    """Generate ``seeds`` pieces of 8 bars in ``key``: outside-key share, and how often the
    key analyses (ours, and music21's when installed) name that key."""
    outside = onsets = ours_named = 0
    music21_named, music21_relative, music21_ran = 0, 0, False
    for seed in range(seeds):
        job.progress(seed / seeds, f"generating in {key}, seed {seed}")
        score = generate(model, bars=GENERATE_BARS, key=key, seed=seed)
        roll = score.to_roll()
        o, n = outside_key(roll, key)
        outside, onsets = outside + o, onsets + n
        ours_named += int(estimate_key(roll) == key)
        named = music21_key(score)
        if named is not None:
            music21_ran = True
            music21_named += int(named == key)
            music21_relative += int(named == relative(key))
    stats = {"key": str(key), "seeds": seeds, "bars": GENERATE_BARS,
             "outside_key_rate": outside / max(1, onsets),
             "estimate_key_names_it": ours_named}
    if music21_ran:
        stats["music21_names_it"] = music21_named
        stats["music21_names_relative"] = music21_relative
    return stats


def relative(key: Key) -> Key:
    return Key((key.tonic + 3) % 12, False) if key.minor else Key((key.tonic + 9) % 12, True)


def music21_key(score: Score) -> Key | None:
    """music21's key analysis of a score (None when music21 is not installed)."""
    try:
        import music21
    except ImportError:
        return None
    stream = music21.stream.Stream()
    for note in score.notes:
        element = music21.note.Note(int(note.pitch), quarterLength=float(note.duration))
        stream.insert(float(note.start), element)
    found = stream.analyze("key")
    tonic = found.tonic.pitchClass
    return Key(int(tonic), found.mode == "minor")


def evaluate_model(name: str, job: Job, limit: int | None = None, write_card: bool = True) -> dict:
    torch.manual_seed(0)
    model = load_model(name)
    all_chorales = chorales.load_chorales(job)
    train, held_out = chorales.split(all_chorales)
    if limit:
        held_out = held_out[:limit]
    started = time.perf_counter()
    nll, cells = model_nll(model, held_out)
    baseline = bigram_nll(train, held_out)
    emit("music.heldout_nll_per_voice_frame", round(nll, 4), "nats", model=model.name,
         cells=cells, chorales=len(held_out))
    emit("music.bigram_nll_per_voice_frame", round(baseline, 4), "nats", cells=cells,
         note="per-voice bigram, same cells")
    ours, bach = harmonization_stats(model, held_out, job)
    raw, _ = harmonization_stats(model, held_out, job, avoid_parallels=False)
    for key in ours:
        emit(f"music.harmonize.{key}", round(ours[key], 5), "rate", model=model.name,
             sampler="default (avoid_parallels)")
        emit(f"music.harmonize_raw.{key}", round(raw[key], 5), "rate", model=model.name,
             sampler="avoid_parallels=False (the net alone)")
        if key in bach:
            emit(f"music.bach.{key}", round(bach[key], 5), "rate", note="Bach's own chorales")
    bach_parallels = bach["parallel_5ths_8ves_per_chord_change"]
    ratio = (ours["parallel_5ths_8ves_per_chord_change"] / bach_parallels
             if bach_parallels > 0 else None)
    emit("music.harmonize.parallels_vs_bach", None if ratio is None else round(ratio, 3), "x",
         target="<= 2")
    key_ratio = ours["outside_key_rate"] / max(bach["outside_key_rate"], 1e-9)
    emit("music.harmonize.outside_key_vs_bach", round(key_ratio, 3), "x", target="<= 2")
    generated = generation_key_stats(model, job)
    emit("music.generate.outside_key_rate", round(generated["outside_key_rate"], 5), "rate",
         key=generated["key"], seeds=generated["seeds"], target="<= 0.08")
    if "music21_names_it" in generated:
        emit("music.generate.music21_names_key", generated["music21_names_it"], "seeds",
             of=generated["seeds"], relative=generated["music21_names_relative"], target=">= 8")
    job.progress(1.0, "evaluated")
    metrics = {
        "heldout_nll_per_voice_frame_nats": round(nll, 4),
        "bigram_nll_per_voice_frame_nats": round(baseline, 4),
        "nll_cells": cells,
        "nll_protocol": f"{FRAMES_PER_CHORALE} fixed random frames per held-out chorale, "
                        f"time order then soprano to bass, {PAST_CONTEXT} frames of past "
                        f"context, {FUTURE_MASKED} later frames masked; bigram add-"
                        f"{BIGRAM_SMOOTHING} over MIDI pitch or rest",
        "harmonize_heldout_sopranos": {k: round(v, 5) for k, v in ours.items()},
        "harmonize_heldout_sopranos_without_parallel_guard": {k: round(v, 5) for k, v in raw.items()},
        "bach_heldout": {k: round(v, 5) for k, v in bach.items()},
        "parallels_vs_bach": None if ratio is None else round(ratio, 3),
        "outside_key_vs_bach": round(key_ratio, 3),
        "generate_in_key": {k: round(v, 5) if isinstance(v, float) else v
                            for k, v in generated.items()},
        "harmonize_settings": {
            "temperature": 0.9, "steps": "default (annealed blocked Gibbs)", "seed": "chorale number",
            "parallel_guard": f"{PARALLEL_PENALTY} nats off per parallel fifth/octave a candidate "
                              "would form, then one-voice alternate-frame polishing steps",
            "scale_bias": (model.card or {}).get("sampler", {}).get("scale_bias", SCALE_BIAS),
            "key": "none given: the engine finds it from the melody",
        },
        "held_out_chorales": len(held_out),
        "evaluated_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "evaluation_seconds": round(time.perf_counter() - started, 1),
    }
    if write_card:
        info = find_model(name, kind_prefix=KIND)
        card = dict(info.card)
        card["metrics"] = {**card.get("metrics", {}), **metrics}
        write_json_atomic(info.card_path, card)
    return metrics


def sweep_scale_bias(name: str, biases: list[float], job: Job, limit: int | None = None) -> None:
    """Outside-key shares (harmonize vs Bach, generate in G major) for each scale bias, so
    the card's bias is chosen by measurement: near Bach's rate, not at zero."""
    model = load_model(name)
    _, held_out = chorales.split(chorales.load_chorales(job))
    held_out = held_out[:limit] if limit else held_out
    for bias in biases:
        model.card = {**(model.card or {}), "sampler": {"scale_bias": bias}}
        ours, bach = harmonization_stats(model, held_out, job)
        generated = generation_key_stats(model, job)
        emit("music.sweep.scale_bias", bias, "nats",
             harmonize_outside_key=round(ours["outside_key_rate"], 5),
             bach_outside_key=round(bach["outside_key_rate"], 5),
             harmonize_vs_bach=round(ours["outside_key_rate"] / max(bach["outside_key_rate"], 1e-9), 3),
             generate_outside_key=round(generated["outside_key_rate"], 5),
             music21_names_key=generated.get("music21_names_it"))
