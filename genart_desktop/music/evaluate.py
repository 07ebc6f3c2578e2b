"""Quality figures for a chorale model, on the held-out chorales; ``genart evaluate-music``
prints them as JSON lines and writes them into the model card.

1. Negative log-likelihood per voice-frame (nats): each voice's pitch-or-rest in a
   16th-note frame, predicted in time order, soprano to bass, given everything before
   it (the model's masked conditionals with later cells masked). Scored on fixed random
   frames of each held-out chorale, next to a per-voice bigram on the same cells.
2. Harmonizing Bach's soprano lines: rates of parallel fifths and octaves, voice
   crossings and notes out of textbook range, next to Bach's own harmonizations; with
   the sampler's default parallel-fifths guard and without it (the net alone).
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
from genart_desktop.music.engine import harmonize
from genart_desktop.music.model import KIND, ChoraleModel, load_model
from genart_desktop.music.sampler import PARALLEL_PENALTY
from genart_desktop.music.score import REST, VOICE_RANGES, VOICES, Score
from genart_desktop.music.training import TRANSPOSITIONS

FRAMES_PER_CHORALE = 8      # scored frames per held-out chorale (each 4 voice-cells)
PAST_CONTEXT = 32           # frames of known past the net is shown
FUTURE_MASKED = 8           # masked frames after the scored one (as in sampling)
BIGRAM_SMOOTHING = 0.5      # add-k smoothing of the bigram counts
HARMONIZE_SEED = 0


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
        for t in scored_frames(chorale):
            lo, hi = max(0, t - PAST_CONTEXT + 1), min(indices.shape[1], t + 1 + FUTURE_MASKED)
            window = torch.from_numpy(indices[:, lo:hi]).to(model.device)
            rolls = window.unsqueeze(0).repeat(VOICES, 1, 1)
            masks = torch.zeros(VOICES, VOICES, hi - lo, device=model.device)
            for v in range(VOICES):          # item v predicts voice v of frame t
                masks[v, :, t - lo + 1:] = 1
                masks[v, v:, t - lo] = 1
            log_probs = torch.log_softmax(net(rolls, masks).double(), dim=-1)
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
    return {
        "parallel_5ths_8ves_per_chord_change": totals["parallels"] / max(1, totals["chord_changes"]),
        "voice_crossing_rate": totals["crossings"] / max(1, totals["adjacent_pairs"]),
        "out_of_range_rate": totals["out_of_range"] / max(1, totals["sounding_cells"]),
    }


def harmonization_stats(model: ChoraleModel, held_out: list[chorales.Chorale], job: Job,
                        temperature: float = 0.9, avoid_parallels: bool = True
                        ) -> tuple[dict, dict]:
    ours, bach = {}, {}
    for index, chorale in enumerate(held_out):
        job.progress(index / len(held_out), f"harmonizing held-out chorale {chorale.number}")
        melody = np.full_like(chorale.roll, REST)
        melody[0] = chorale.roll[0]
        result = harmonize(model, Score.from_roll(melody), temperature=temperature,
                           seed=HARMONIZE_SEED + chorale.number, avoid_parallels=avoid_parallels)
        generated = result.to_roll(chorale.roll.shape[1])
        for totals, roll in ((ours, generated), (bach, chorale.roll)):
            for key, value in voice_leading(roll).items():
                totals[key] = totals.get(key, 0) + value
    return rates(ours), rates(bach)


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
        emit(f"music.bach.{key}", round(bach[key], 5), "rate", note="Bach's own chorales")
    bach_parallels = bach["parallel_5ths_8ves_per_chord_change"]
    ratio = (ours["parallel_5ths_8ves_per_chord_change"] / bach_parallels
             if bach_parallels > 0 else None)
    emit("music.harmonize.parallels_vs_bach", None if ratio is None else round(ratio, 3), "x",
         target="<= 2")
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
        "harmonize_settings": {
            "temperature": 0.9, "steps": "default (annealed blocked Gibbs)", "seed": "chorale number",
            "parallel_guard": f"{PARALLEL_PENALTY} nats off per parallel fifth/octave a candidate "
                              "would form, then one-voice alternate-frame polishing steps",
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
