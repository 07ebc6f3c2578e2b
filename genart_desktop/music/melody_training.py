"""Training the melody VAE on the melody corpus (``genart train-melody``), resumable.

Each batch is a set of 4-bar windows from the training songs, each transposed by a random
interval that keeps it in range. The KL weight rises from 0 to ``beta`` over the first
``warmup_steps`` (KL annealing) and ``free_nats`` of KL per melody go unpenalised (free
bits), the two guards MusicVAE uses against posterior collapse. The learning rate decays
per step, so a run split over several sittings follows one schedule.

Every ``checkpoint_every_s`` the held-out windows are scored (teacher-forced
reconstruction, KL, active dimensions, greedy reconstruction accuracy), the model and its
card are written, and the resumable state is saved next to them.
"""

from __future__ import annotations

import contextlib
import json
import logging
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from genart_desktop.core import paths
from genart_desktop.core.checkpoints import save_checkpoint
from genart_desktop.core.device import choose_device, describe
from genart_desktop.core.jobs import Job
from genart_desktop.core.training_state import load_training_state, save_training_state
from genart_desktop.music import melodies
from genart_desktop.music.melody_network import MelodyConfig, MelodyVAE, kl_per_dimension, vae_loss

log = logging.getLogger(__name__)

TRANSPOSE_RANGE = range(-6, 6)      # semitones, chosen per window
VALIDATION_WINDOWS = 2048
ACCURACY_WINDOWS = 512


@dataclass
class MelodyTrainParams:
    output: str                      # model stem or .safetensors path
    minutes: float = 60.0            # this sitting's wall-clock budget
    batch_size: int = 64
    learning_rate: float = 1e-3
    lr_decay: float = 0.99995        # per step, down to min_learning_rate
    min_learning_rate: float = 1e-5
    beta: float = 0.2
    free_nats: float = 48.0
    warmup_steps: int = 5000
    seed: int = 0
    threads: int | None = None
    precision: str = "fp32"          # or "bf16" (autocast on the CPU)
    command: str = ""                # recorded on the card
    resume: bool = True
    state_dir: str | None = None
    checkpoint_every_s: float = 300.0
    config: MelodyConfig | None = None
    songs: list | None = None        # a corpus to use instead of the cached one (tests)


class WindowSampler:
    """Random transposed windows from songs, as token arrays [batch, steps]. All windows
    are cut out once, so a batch is a few array operations."""

    def __init__(self, songs: list[melodies.Song], steps: int, seed: int):
        windows = [song.events[start:start + steps] for song in songs
                   for start in melodies.window_starts(song, steps)]
        if not windows:
            raise ValueError("no usable 4-bar windows in the training songs")
        self.windows = np.stack(windows)
        pitches = np.where(self.windows >= 0, self.windows, np.nan)
        # How far each window may move and stay in the model's range.
        self.lowest_shift = np.maximum(TRANSPOSE_RANGE.start,
                                       melodies.MIN_PITCH - np.nanmin(pitches, axis=1)).astype(int)
        self.highest_shift = np.minimum(TRANSPOSE_RANGE.stop - 1,
                                        melodies.MAX_PITCH - np.nanmax(pitches, axis=1)).astype(int)
        self.rng = np.random.default_rng(seed)

    def batch(self, size: int) -> np.ndarray:
        chosen = self.rng.integers(len(self.windows), size=size)
        low, high = self.lowest_shift[chosen], self.highest_shift[chosen]
        shifts = low + np.floor(self.rng.random(size) * (high - low + 1)).astype(int)
        events = self.windows[chosen].astype(np.int64)
        tokens = np.where(events == melodies.EVENT_REST, melodies.REST_TOKEN,
                          melodies.HOLD_TOKEN)
        onsets = events >= 0
        tokens[onsets] = (events + shifts[:, None])[onsets] - melodies.MIN_PITCH \
            + melodies.FIRST_PITCH_TOKEN
        return tokens


def validation_windows(songs: list[melodies.Song], steps: int, count: int) -> np.ndarray:
    """A fixed set of untransposed held-out windows, spread over the songs."""
    windows = [(index, start) for index, song in enumerate(songs)
               for start in melodies.window_starts(song, steps)]
    rng = np.random.default_rng(1234)
    chosen = rng.choice(len(windows), size=min(count, len(windows)), replace=False)
    rows = []
    for choice in sorted(chosen):
        index, start = windows[choice]
        events = songs[index].events[start:start + steps]
        low, high = melodies.pitch_span(events)
        if low >= melodies.MIN_PITCH and high <= melodies.MAX_PITCH:
            rows.append(melodies.events_to_tokens(events))
    return np.stack(rows)


@torch.no_grad()
def evaluate(net: MelodyVAE, tokens: np.ndarray, accuracy_windows: int = ACCURACY_WINDOWS,
             batch: int = 256) -> dict:
    """Held-out figures: teacher-forced reconstruction (nats per melody and bits per
    step), KL, active latent dimensions (mean KL > 0.01 nats) and greedy reconstruction
    accuracy from the posterior mean (the figure the issue targets)."""
    net.eval()
    device = next(net.parameters()).device
    reconstruction, kl_sum, count = 0.0, None, 0
    for first in range(0, len(tokens), batch):
        chunk = torch.from_numpy(tokens[first:first + batch]).to(device)
        mean, log_var = net.encode(chunk)
        logits = net.teacher_forced_logits(mean, chunk)
        reconstruction += float(torch.nn.functional.cross_entropy(
            logits.float().reshape(-1, logits.shape[-1]), chunk.reshape(-1), reduction="sum"))
        kl = kl_per_dimension(mean, log_var).sum(dim=0)
        kl_sum = kl if kl_sum is None else kl_sum + kl
        count += len(chunk)
    kl_mean = kl_sum / count
    # Spread over the whole set: the windows are in song order, and the first songs of
    # the corpus are not typical of it.
    spread = tokens[np.unique(np.linspace(0, len(tokens) - 1, min(accuracy_windows, len(tokens)))
                              .astype(int))]
    correct = total = 0
    for first in range(0, len(spread), batch):
        chunk = torch.from_numpy(spread[first:first + batch]).to(device)
        mean, _ = net.encode(chunk)
        decoded = net.decode(mean, bars=chunk.shape[1] // melodies.STEPS_PER_BAR)
        correct += int((decoded == chunk).sum())
        total += chunk.numel()
    steps = tokens.shape[1]
    return {
        "reconstruction_nats_per_melody": round(reconstruction / count, 3),
        "reconstruction_bits_per_step": round(float(reconstruction / count / steps / np.log(2)), 4),
        "kl_nats_per_melody": round(float(kl_mean.sum()), 3),
        "active_dimensions": int((kl_mean > 0.01).sum()),
        "latent_dimensions": int(kl_mean.numel()),
        "greedy_reconstruction_accuracy": round(correct / max(total, 1), 4),
        "windows": int(count),
    }


@torch.no_grad()
def latent_prior(net: MelodyVAE, tokens: np.ndarray, batch: int = 512) -> dict:
    """Mean and spread of the posterior means over training windows, per dimension.

    With a KL weight below 1 (beta) the melodies occupy a region of the latent space
    smaller than N(0, I); sampling and varying from this fitted diagonal Gaussian keeps
    new latents where real melodies are."""
    net.eval()
    device = next(net.parameters()).device
    means = torch.cat([net.encode(torch.from_numpy(tokens[i:i + batch]).to(device))[0]
                       for i in range(0, len(tokens), batch)])
    return {"mean": [round(float(v), 5) for v in means.mean(dim=0)],
            "std": [round(float(v), 5) for v in means.std(dim=0)],
            "windows": int(len(tokens))}


def evaluate_model(name: str, job: Job, write_card: bool = True) -> dict:
    """``genart evaluate-melody``: held-out figures (greedy accuracy on every validation
    window) and the fitted latent prior, written into the model's card."""
    from genart_desktop.core.checkpoints import find_model, write_json_atomic
    from genart_desktop.music.melody_model import KIND, load_model

    info = find_model(name, kind_prefix=KIND)
    model = load_model(str(info.card_path))
    train_songs, held_out = melodies.split(melodies.load_songs(job))
    steps = model.config.steps
    job.progress(0.1, "scoring held-out windows")
    valid = validation_windows(held_out, steps, VALIDATION_WINDOWS)
    figures = evaluate(model.net, valid, accuracy_windows=len(valid))
    job.progress(0.7, "fitting the latent prior")
    sampler = WindowSampler(train_songs, steps, seed=99)
    prior = latent_prior(model.net, sampler.batch(8192))
    if write_card:
        card = json.loads(info.card_path.read_text(encoding="utf-8"))
        card["metrics"] = figures
        card["latent_prior"] = prior
        write_json_atomic(info.card_path, card)
    job.progress(1.0, "done")
    return {"metrics": figures, "latent_prior": prior}


def train(params: MelodyTrainParams, job: Job) -> Path:
    if params.threads:
        torch.set_num_threads(params.threads)
    torch.manual_seed(params.seed)
    device = choose_device()
    stem = _output_stem(params.output)
    state_folder = Path(params.state_dir) if params.state_dir else paths.cache_dir() / "music"
    resume_path = state_folder / f"resume-{stem.name}.safetensors"

    songs = params.songs if params.songs is not None else melodies.load_songs(job)
    train_songs, held_out = melodies.split(songs)
    if params.songs is not None and not held_out:
        held_out = train_songs[:1]   # a tiny test corpus may hash nothing into held-out
    config = params.config or MelodyConfig()
    sampler = WindowSampler(train_songs, config.steps, params.seed)
    valid = validation_windows(held_out, config.steps, VALIDATION_WINDOWS)
    prior_windows = WindowSampler(train_songs, config.steps, seed=99).batch(4096)

    net = MelodyVAE(config).to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=params.learning_rate)
    step, elapsed_before, curve = 0, 0.0, []
    if params.resume and resume_path.exists():
        step, elapsed_before, curve, _ = load_training_state(
            resume_path, net, optimizer, {"window_rng": sampler.rng})
        log.info("resuming %s at step %d (%.0f s done)", stem.name, step, elapsed_before)
    autocast = (torch.autocast("cpu", dtype=torch.bfloat16) if params.precision == "bf16"
                and device.type == "cpu" else contextlib.nullcontext())
    budget = params.minutes * 60.0
    start = last_save = time.monotonic()
    steps_at_start = step
    running = None

    def checkpoint(final: bool) -> Path:
        figures = evaluate(net, valid)
        curve.append([step, round(elapsed_before + time.monotonic() - start, 1),
                      figures["reconstruction_nats_per_melody"], figures["kl_nats_per_melody"],
                      figures["greedy_reconstruction_accuracy"]])
        seconds = time.monotonic() - start
        pace = (step - steps_at_start) * params.batch_size / max(seconds, 1e-6)
        print(f"[train-melody] {elapsed_before + seconds:.0f}s step {step} "
              f"melodies/s {pace:.0f} loss {running or 0:.2f} held-out {figures}",
              file=sys.stderr, flush=True)
        prior = latent_prior(net, prior_windows)
        card_path = _save(stem, net, params, config, step, elapsed_before + seconds, pace,
                          device, figures, curve, train_songs, held_out, final, prior)
        save_training_state(resume_path, net, optimizer, step, elapsed_before + seconds,
                            {"window_rng": sampler.rng}, curve)
        return card_path

    while time.monotonic() - start < budget:
        job.check()
        for group in optimizer.param_groups:
            group["lr"] = max(params.min_learning_rate,
                              params.learning_rate * params.lr_decay ** step)
        beta = params.beta * min(1.0, step / max(params.warmup_steps, 1))
        net.train()
        tokens = torch.from_numpy(sampler.batch(params.batch_size)).to(device)
        loss, parts = vae_loss(net, tokens, beta, params.free_nats, autocast)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        optimizer.step()
        step += 1
        running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
        job.progress((time.monotonic() - start) / budget,
                     f"step {step}, loss {running:.2f}, KL {parts['kl']:.1f}")
        if time.monotonic() - last_save > params.checkpoint_every_s:
            checkpoint(final=False)
            last_save = time.monotonic()
    card_path = checkpoint(final=True)
    job.progress(1.0, f"done: {step} steps")
    return card_path


def _output_stem(output: str) -> Path:
    path = Path(output)
    return path.with_suffix("") if path.suffix == ".safetensors" else path


def _save(stem: Path, net: MelodyVAE, params: MelodyTrainParams, config: MelodyConfig,
          step: int, seconds: float, pace: float, device, figures: dict, curve: list,
          train_songs: list, held_out: list, final: bool, prior: dict) -> Path:
    from genart_desktop.music.melody_model import model_card

    training = {
        "command": params.command,
        "steps": step,
        "melodies_seen": step * params.batch_size,
        "batch_size": params.batch_size,
        "wall_seconds": round(seconds, 1),
        "melodies_per_second_this_sitting": round(pace, 1),
        "device": describe(device),
        "hardware": f"{platform.processor() or platform.machine()}, "
                    f"{torch.get_num_threads()} torch threads",
        "precision": params.precision,
        "learning_rate": params.learning_rate,
        "lr_decay_per_step": params.lr_decay,
        "beta": params.beta,
        "free_nats": params.free_nats,
        "kl_warmup_steps": params.warmup_steps,
        "transposition": [TRANSPOSE_RANGE.start, TRANSPOSE_RANGE.stop - 1],
        "finished": final,
        "held_out_curve": {"columns": ["step", "seconds", "reconstruction_nats", "kl_nats",
                                       "greedy_accuracy"], "points": curve},
    }
    data = {"train_songs": len(train_songs), "held_out_songs": len(held_out)}
    card = model_card(stem.name, config, training, figures, data)
    card["latent_prior"] = prior
    return save_checkpoint(stem, {k: v for k, v in net.state_dict().items()}, card)
