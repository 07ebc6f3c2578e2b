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
    parser.add_argument("--samples", metavar="STEM",
                        help="also write STEM.samples.txt and STEM.samples.png: samples, "
                             "an interpolation and variations, to look at")
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

    if args.samples:
        write_samples(model, windows, args.samples)

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


NOTE_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def melody_text(melody) -> str:
    """Bars of note names with durations in 16ths, e.g. 'G4:4 A4:2 | ...' (r = rest)."""
    from genart_desktop.music import melodies

    bars = []
    for first in range(0, melody.steps, melodies.STEPS_PER_BAR):
        words, events = [], melody.events[first:first + melodies.STEPS_PER_BAR]
        for index, event in enumerate(events):
            if event == melodies.EVENT_HOLD and words:
                name, length = words[-1]
                words[-1] = (name, length + 1)
            elif event >= 0:
                words.append((f"{NOTE_NAMES[event % 12]}{event // 12 - 1}", 1))
            elif not words or words[-1][0] != "r" or index == 0:
                words.append(("r", 1))
            else:
                words[-1] = ("r", words[-1][1] + 1)
        bars.append(" ".join(f"{name}:{length}" for name, length in words))
    return " | ".join(bars)


def write_samples(model, windows, stem: str) -> None:
    """Rows of melodies as text and as a piano-roll picture, for a person to judge."""
    from PIL import Image, ImageDraw

    from genart_desktop.music import melody as engine

    rows = []
    for seed in range(4):
        rows.append((f"prior sample, seed {seed}, temperature 0.5",
                     engine.sample(model, bars=4, seed=seed, temperature=0.5)))
    # Two typical tunes: the first held-out windows with 12 to 24 notes.
    typical = [m for m in windows if 12 <= len(m.onset_pitches()) <= 24]
    a, b = typical[0], typical[len(typical) // 2]
    rows.append(("held-out melody A", a))
    for k, melody in enumerate(engine.interpolate(model, a, b, steps=5)):
        rows.append((f"interpolation step {k}", melody))
    rows.append(("held-out melody B", b))
    for k, melody in enumerate(engine.vary(model, a, count=4, closeness=0.7, seed=0)):
        rows.append((f"variation {k + 1} of A, closeness 0.7", melody))
    with open(f"{stem}.samples.txt", "w", encoding="utf-8") as handle:
        handle.write("# Unedited output of python -m genart_desktop.bench melody --samples; "
                     "durations in 16th notes\n")
        for label, melody in rows:
            handle.write(f"{label}:\n  {melody_text(melody)}\n")

    step_px, row_px, label_px, semitone_px = 6, 84, 230, 3
    image = Image.new("RGB", (label_px + 64 * step_px + 10, row_px * len(rows)), "white")
    draw = ImageDraw.Draw(image)
    for row, (label, melody) in enumerate(rows):
        top = row * row_px
        draw.text((4, top + row_px // 2 - 6), label, fill="black")
        for bar in range(5):
            x = label_px + bar * 16 * step_px
            draw.line([(x, top), (x, top + row_px)], fill=(200, 200, 200))
        pitches = melody.onset_pitches()
        low = int(pitches.min()) - 2 if len(pitches) else 60
        for note in melody.notes():
            x0 = label_px + note.start * 4 * step_px
            y = top + row_px - 4 - (note.pitch - low) * semitone_px
            draw.rectangle([x0, y - 2, x0 + note.duration * 4 * step_px - 2, y],
                           fill=(40, 90, 200))
        draw.line([(0, top + row_px - 1), (image.width, top + row_px - 1)], fill=(230, 230, 230))
    image.save(f"{stem}.samples.png")
