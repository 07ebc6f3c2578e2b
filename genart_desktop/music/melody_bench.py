"""``python -m genart_desktop.bench melody [--pairs N] [--model NAME]``

The melody VAE's targets as JSON lines:

- held-out reconstruction: greedy accuracy per 16th step from the posterior mean, and
  active latent dimensions (mean KL > 0.01 nats), on the held-out songs' 4-bar windows;
- interpolation quality over pairs of held-out melodies: how often the distance to A
  steps back along 5 steps, whether middle steps copy an end, and the share of notes in
  the keys of the two ends, next to the bar-swap baseline (A's first half + B's second);
- speed on one CPU thread: interpolating 5 steps of 4 bars, and one morph-slider decode.

Needs the melody cache (music21) for the held-out songs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from genart_desktop.core.benchmarks import emit, hardware


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m genart_desktop.bench melody")
    parser.add_argument("--model", default="melody-vae")
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--windows", type=int, default=2048)
    args = parser.parse_args(argv)

    import torch

    from genart_desktop.music import melodies
    from genart_desktop.music import melody as engine
    from genart_desktop.music.keys import estimate_key, scale_classes
    from genart_desktop.music.melody_model import load_model
    from genart_desktop.music.melody_training import evaluate, validation_windows

    torch.set_num_threads(1)
    model = load_model(args.model)
    context = {"model": model.name, "threads": 1,
               "load_average_1min": round(os.getloadavg()[0], 2), **hardware()}
    _, held_out = melodies.split(melodies.load_songs())
    tokens = validation_windows(held_out, model.config.steps, args.windows)

    figures = evaluate(model.net, tokens, accuracy_windows=len(tokens))
    emit("melody.reconstruction_accuracy", figures["greedy_reconstruction_accuracy"], "share",
         target=">= 0.90", windows=figures["windows"], **context)
    emit("melody.active_dimensions", figures["active_dimensions"], "dimensions",
         target=f">= {figures['latent_dimensions'] // 2}",
         latent=figures["latent_dimensions"], kl_nats=figures["kl_nats_per_melody"], **context)

    windows = [engine.Melody(melodies.tokens_to_events(row)) for row in tokens]
    rng = np.random.default_rng(0)
    steps_back, copies, in_key, notes = 0, 0, 0, 0
    swap_in_key, swap_notes = 0, 0
    pairs = 0
    for _ in range(args.pairs):
        i, j = rng.choice(len(windows), size=2, replace=False)
        a, b = windows[i], windows[j]
        path = engine.interpolate(model, a, b, steps=5)
        distances = [engine.step_distance(m, path[0]) for m in path]
        steps_back += sum(1 for k in range(1, 5) if distances[k] < distances[k - 1])
        copies += sum(1 for m in path[1:-1] if engine.step_distance(m, path[0]) == 0
                      or engine.step_distance(m, path[-1]) == 0)
        keys = [estimate_key(x.sounding()) for x in (a, b)]
        allowed = np.zeros(12, dtype=bool)
        for key in keys:
            if key is not None:
                allowed |= scale_classes(key)
        for m in path[1:-1]:
            pitches = m.onset_pitches()
            in_key += int(allowed[pitches % 12].sum())
            notes += len(pitches)
        half = a.steps // 2
        swap = engine.Melody(np.concatenate([a.events[:half], b.events[half:]]))
        pitches = swap.onset_pitches()
        swap_in_key += int(allowed[pitches % 12].sum())
        swap_notes += len(pitches)
        pairs += 1
    emit("melody.interpolation_steps_back", round(steps_back / pairs, 3), "per 5-step path",
         target="<= 1", pairs=pairs, **context)
    emit("melody.interpolation_middle_copies", copies, "middle steps equal to an end",
         target="0 (of %d)" % (3 * pairs), pairs=pairs, **context)
    emit("melody.interpolation_notes_in_key", round(in_key / max(notes, 1), 4), "share",
         target=">= 0.90", bar_swap_baseline=round(swap_in_key / max(swap_notes, 1), 4),
         pairs=pairs, notes=notes, **context)

    a, b = windows[0], windows[1]
    engine.interpolate(model, a, b, steps=5)                   # warm-up
    times = []
    for _ in range(5):
        start = time.perf_counter()
        engine.interpolate(model, a, b, steps=5)
        times.append(time.perf_counter() - start)
    emit("melody.interpolate_5_steps_4_bars", round(statistics.median(times), 3), "s",
         target="< 1 (one CPU thread)", runs=[round(t, 3) for t in times], **context)
    morph = engine.Morph(model, a, b)
    times = []
    for amount in np.linspace(0, 1, 41):
        start = time.perf_counter()
        morph.at(float(amount))
        times.append(time.perf_counter() - start)
    emit("melody.morph_decode_p95", round(float(np.percentile(times, 95)) * 1000, 1), "ms",
         target="< 50 (drag to notes, one CPU thread)", runs=len(times), **context)
    return 0
