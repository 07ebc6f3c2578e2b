"""``python -m genart_desktop.bench music [--repeats N] [--model NAME]``

Speed of the things a user waits for: generate 8 bars, harmonize an 8-bar melody
(targets: under 3 s each on a 2-core CPU, 0.3 s on a GPU), render 30 s of audio
(under 1 s). Quality figures come from ``genart evaluate-music``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from contextlib import contextmanager

from genart_desktop.core.benchmarks import emit, hardware


@contextmanager
def timed(wall: list[float], cpu: list[float]):
    """Wall-clock and this process's CPU seconds: on a shared CPU the wall time mostly
    measures the neighbours, the CPU time what the work itself costs."""
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    yield
    wall.append(time.perf_counter() - start_wall)
    cpu.append(time.process_time() - start_cpu)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m genart_desktop.bench music")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model", default="bach-chorales")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (on a busy shared CPU, 1 avoids oversubscription)")
    args = parser.parse_args(argv)

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)

    from genart_desktop.core.device import describe
    from genart_desktop.music.engine import generate, harmonize
    from genart_desktop.music.model import load_model
    from genart_desktop.music.render import render
    from genart_desktop.music.score import Score, TempoChange

    model = load_model(args.model)
    context = {"device": describe(model.device), "threads": torch.get_num_threads(),
               "load_average_1min": round(os.getloadavg()[0], 2), **hardware()}
    generate(model, bars=1, seed=0, steps=2)                       # warm-up

    times = {name: ([], []) for name in ("generate", "harmonize", "render")}
    for repeat in range(args.repeats):
        with timed(*times["generate"]):
            piece = generate(model, bars=8, seed=repeat, key="G major")
        melody = Score(notes=piece.voice_notes(0), tempo_changes=[TempoChange(0.0, 64.0)])
        with timed(*times["harmonize"]):
            harmonized = harmonize(model, melody, seed=repeat)
        with timed(*times["render"]):      # 8 bars of 4/4 at 64 bpm = 30 s
            render(harmonized)

    def report(metric: str, name: str, target: str, **extra) -> None:
        wall, cpu = times[name]
        emit(metric, round(statistics.median(wall), 3), "s", target=target,
             cpu_s=round(statistics.median(cpu), 3), runs=[round(x, 3) for x in wall],
             **extra, **context)

    report("music.generate_8_bars", "generate", "< 3 (CPU)", steps="default")
    report("music.harmonize_8_bars", "harmonize", "< 3 (CPU)", steps="default")
    report("music.render_30_s_audio", "render", "< 1", audio_seconds=round(harmonized.duration_seconds, 2),
           sample_rate=44100, soundfont="TimGM6mb.sf2")
    return 0
