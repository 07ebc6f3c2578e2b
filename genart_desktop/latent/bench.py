"""``python -m genart_desktop.bench latent [--model NAME ...] [--threads N] [--decodes N]``

Per model: decode of one image (median and 90th percentile over many), a batch of 64,
memory (RSS) before and after 2,000 single decodes, and training throughput (images/s
of optimisation steps at batch 64, on random pixels: the speed does not depend on them)
for the VAE and for each GAN recipe in float32 and bf16 (``--skip-models``: only that).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from genart_desktop.core.benchmarks import emit, hardware, percentile, rss_mb


def bench_model(name: str, decodes: int, device) -> None:
    from genart_desktop.latent.engine import LatentModel

    model = LatentModel.load(name, device)
    tag = {"model": name, "kind": model.kind, "device": str(model.device)}
    for seed in range(20):  # warm up
        model.sample(seed)
    times, cpu_times = [], []
    for seed in range(300):
        start, start_cpu = time.perf_counter(), time.thread_time()
        model.sample(seed)
        times.append((time.perf_counter() - start) * 1000)
        cpu_times.append((time.thread_time() - start_cpu) * 1000)
    emit("latent.decode_one_ms", round(percentile(times, 0.5), 3), "ms",
         p90=round(percentile(times, 0.9), 3), runs=len(times), **tag)
    # CPU time of the calling thread: what one decode costs when the machine is not
    # shared (exact with --threads 1; torch's own worker threads are not counted).
    emit("latent.decode_one_cpu_ms", round(percentile(cpu_times, 0.5), 3), "ms", **tag)
    batch = np.stack([model.latent_for(seed) for seed in range(64)])
    times = []
    for _ in range(10):
        start = time.perf_counter()
        model.decode(batch)
        times.append((time.perf_counter() - start) * 1000)
    emit("latent.decode_batch64_ms", round(percentile(times, 0.5), 2), "ms", **tag)
    before = rss_mb()
    for seed in range(decodes):
        model.sample(seed, 0.8, {seed % 16: 1.0})
    after = rss_mb()
    emit("latent.rss_growth_over_decodes_mb", round(after - before, 2), "MB",
         decodes=decodes, rss_before_mb=round(before, 1), rss_after_mb=round(after, 1), **tag)


def bench_training(kind: str, device, steps: int = 6, recipe: str = "dcgan",
                   precision: str = "float32", disc_input: int = 64) -> None:
    import torch

    from genart_desktop.latent.train import TrainParams, _Run

    run = _Run(TrainParams(folder=".", kind=kind, output="bench", epochs=1, recipe=recipe,
                           precision=precision, disc_input=disc_input), device)
    real = torch.rand(64, 4, 64, 64, device=device) * 2 - 1
    if device.type == "cpu":
        real = real.contiguous(memory_format=torch.channels_last)  # as train() feeds it
    run.train_step(real)  # warm up
    start = time.perf_counter()
    for _ in range(steps):
        run.train_step(real)
    if device.type == "cuda":
        torch.cuda.synchronize()
    rate = steps * 64 / (time.perf_counter() - start)
    emit("latent.train_images_per_s", round(rate, 1), "images/s", kind=kind, width=32,
         batch=64, device=str(device), precision=precision,
         **({"recipe": recipe, "disc_input": disc_input} if kind == "gan" else {}))


def main(argv: list[str] | None = None) -> int:
    import torch

    from genart_desktop.core.device import choose_device

    parser = argparse.ArgumentParser(prog="python -m genart_desktop.bench latent")
    parser.add_argument("--model", action="append", help="default: twemoji-vae and twemoji-gan")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--decodes", type=int, default=2000)
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--skip-models", action="store_true", help="training throughput only")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = choose_device()
    emit("latent.environment", None, "", threads=torch.get_num_threads(), **hardware(),
         load_average=list(__import__("os").getloadavg()))
    if not args.skip_models:
        for name in args.model or ["twemoji-vae", "twemoji-gan"]:
            bench_model(name, args.decodes, device)
    if not args.skip_training:
        bench_training("vae", device)
        # the GAN recipes, float32 and bf16, and the feature network's input size
        for recipe, precision, disc_input in (("dcgan", "float32", 64), ("dcgan", "bf16", 64),
                                              ("projected", "float32", 64),
                                              ("projected", "bf16", 64),
                                              ("projected", "bf16", 128)):
            bench_training("gan", device, recipe=recipe, precision=precision,
                           disc_input=disc_input)
    return 0
